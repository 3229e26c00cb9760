"""Who may open what, for every route the app serves (issue 15 item 3).

The routes are read from the app itself (API, H5 pages, console, public notice, callback, probes; not the
sandbox and not static files), so a new route cannot slip past: each needs a rule in ``RULES`` below, or this
test fails naming it. Every route is then called by every kind of principal — county_admin, township_staff,
village_secretary, helper, oversight, resident, anonymous — and an object route with an object of the
caller's own area, one outside it, and one that does not exist. What came back must be what the rule says:

- without a credential for the channel (no API key, no page session, no console session): sign in — 401 from
  the API, a redirect to WeChat's authorisation or the console's sign-in page from the pages;
- the route's users (``who``), in their own area: never refused or hidden — the request reaches the use case,
  which does it or rejects the input or the case's state (400/409/422);
- anyone else signed in, in their own area: refused (403, or the rule's ``others``), or rejected by the
  case's state — never done;
- outside the caller's area: 404 for the route's users, and for everyone exactly the answer a case that does
  not exist gets, so that a refusal never tells that an object exists.

Which role may take which step of a case in which state is the workflow table's, tested action by action in
``tests/test_workflow_table.py``; here ``who`` is whom the route serves at all. No route ever answers 500."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.complaints.service import file_complaint
from app.console.session import SESSION_COOKIE as CONSOLE_COOKIE
from app.entrustments import attachments, service
from app.entrustments.schemas import CompleteIn, EvaluateIn
from app.entrustments.workflow import Action, rule_for
from app.helpers import photos
from app.models import AttachmentKind, CallTask, Entrustment, Helper, Rectification, Region, RegionLevel, Role
from app.staff import sessions
from app.staff.service import add_member
from app.web.session import SESSION_COOKIE as PAGE_COOKIE
from tests.factories import (
    api_key,
    create_helper,
    create_matter,
    create_region,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    staff_actor,
    submit_as_resident,
)

PRINCIPALS = ("county_admin", "township_staff", "village_secretary", "helper", "oversight", "resident", "anonymous")
STAFF = frozenset({"county_admin", "township_staff", "oversight"})
IN_VILLAGE = frozenset({"village_secretary", "helper"})
COUNTY_WIDE = frozenset({"county_admin", "oversight"})
EVERYONE = frozenset(PRINCIPALS)
SIGNED = EVERYONE - {"anonymous"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Outcome(enum.StrEnum):
    DONE = "done"
    REJECTED = "input or state rejected (400/409/422)"
    SIGN_IN = "sign in"
    REFUSED = "refused (403)"
    NOT_FOUND = "not found (404)"
    SERVER_ERROR = "server error (500)"


SERVED = frozenset({Outcome.DONE, Outcome.REJECTED})


class Channel(enum.StrEnum):
    API = "api"  # Authorization: Bearer <API key>
    PAGES = "pages"  # the H5 page session, opened through WeChat's OAuth
    CONSOLE = "console"  # the console's staff session
    PUBLIC = "public"  # anyone; the callback's own signature is its business (tests/wechat, tests/fuzz)


# Who holds a credential for each channel. Residents have no API key or console account; staff have no page
# session (the H5 pages are WeChat's); helpers and secretaries have both an API key and a page session.
CREDENTIALS = {
    Channel.API: frozenset({"county_admin", "township_staff", "village_secretary", "helper", "oversight"}),
    Channel.PAGES: frozenset({"village_secretary", "helper", "resident"}),
    Channel.CONSOLE: STAFF,
    Channel.PUBLIC: EVERYONE,
}


@dataclass(frozen=True)
class Rule:
    """``who`` may use the route in their own area; ``scoped``: the path names an object, and outside the
    caller's area that object is not found; the rest of the signed-in get one of ``others`` (403, or 404
    where a route hides what it serves from everyone but its users)."""

    who: frozenset[str]
    scoped: bool = False
    others: frozenset[Outcome] = frozenset({Outcome.REFUSED})

    def expect(self, channel: Channel, principal: str) -> frozenset[Outcome]:
        """What the principal may meet in their own area."""
        if principal not in CREDENTIALS[channel]:
            return frozenset({Outcome.SIGN_IN})
        if principal in self.who:
            return SERVED
        return self.others | {Outcome.REJECTED}


HIDDEN = frozenset({Outcome.NOT_FOUND})
SIGN_IN_FIRST = frozenset({Outcome.SIGN_IN})
REFUSED = frozenset({Outcome.REFUSED})
PUBLIC = Rule(EVERYONE)
API_READ = Rule(CREDENTIALS[Channel.API])
API_CASE_READ = Rule(CREDENTIALS[Channel.API], scoped=True)
CASE_WORK = Rule(IN_VILLAGE, scoped=True)  # the workbench's case page: the village's helpers and its secretary
WORKBENCH_ACT = Rule(frozenset({"helper"}), scoped=True)  # its acts: the secretary sees them, the helper acts
HELPER_ACT = Rule(frozenset({"helper"}), scoped=True)  # the API's helper steps, taken with a helper's key
STAFF_ACT = Rule(STAFF - {"oversight"}, scoped=True)
SECRETARY_ACT = Rule(frozenset({"village_secretary"}), scoped=True)

RULES: dict[str, Rule] = {
    # -- documentation --
    "GET /api/v1/openapi.json": PUBLIC,
    "GET /api/docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    # -- the REST API --
    "GET /api/v1/regions": API_READ,
    "GET /api/v1/matters": API_READ,
    "GET /api/v1/helpers": API_READ,
    "GET /api/v1/entrustments": API_READ,
    "POST /api/v1/entrustments": Rule(frozenset({"county_admin", "helper"})),  # the platform; a helper registering
    "GET /api/v1/entrustments/{entrustment_id}": API_CASE_READ,
    "GET /api/v1/entrustments/{entrustment_id}/notifications": API_CASE_READ,
    "POST /api/v1/entrustments/{entrustment_id}/accept": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/request-supplement": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/supplement": Rule(frozenset({"helper", "county_admin"}), scoped=True),
    "POST /api/v1/entrustments/{entrustment_id}/decline": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/forward": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/progress": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/complete": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/evaluate": Rule(frozenset({"helper", "county_admin"}), scoped=True),
    "POST /api/v1/entrustments/{entrustment_id}/request-termination": Rule(frozenset({"county_admin"}), scoped=True),
    "POST /api/v1/entrustments/{entrustment_id}/terminate": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/reassign": STAFF_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/archive": STAFF_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/close-supplement": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/allow-second-supplement": STAFF_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/record-termination-statement": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/confirm-termination": SECRETARY_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/request-extension": HELPER_ACT,
    "POST /api/v1/entrustments/{entrustment_id}/decide-extension": STAFF_ACT,
    "GET /api/v1/notifications/failed": API_READ,
    "GET /api/v1/rectifications": API_READ,
    "POST /api/v1/rectifications/{rectification_id}/close": STAFF_ACT,
    # -- H5 pages: sign-in, residents --
    "GET /h5/auth": PUBLIC,
    # WeChat's authorisation returns here with a code and our state; with neither, only a signed-in visitor
    # gets anywhere (home).
    "GET /h5/auth/callback": Rule(CREDENTIALS[Channel.PAGES], others=SIGN_IN_FIRST),
    "GET /h5/": Rule(CREDENTIALS[Channel.PAGES]),
    "GET /h5/villages": Rule(CREDENTIALS[Channel.PAGES]),
    "GET /h5/entrust": Rule(CREDENTIALS[Channel.PAGES]),
    "POST /h5/entrust": Rule(CREDENTIALS[Channel.PAGES]),
    "GET /h5/cases": Rule(CREDENTIALS[Channel.PAGES]),
    "GET /h5/cases/{case_id}": Rule(frozenset({"resident"}), scoped=True, others=HIDDEN),
    "POST /h5/cases/{case_id}/supplement": Rule(frozenset({"resident"}), scoped=True, others=HIDDEN),
    "GET /h5/cases/{case_id}/cancel": Rule(frozenset({"resident"}), scoped=True, others=HIDDEN),
    "POST /h5/cases/{case_id}/cancel": Rule(frozenset({"resident"}), scoped=True, others=HIDDEN),
    "POST /h5/cases/{case_id}/rate": Rule(frozenset({"resident"}), scoped=True, others=HIDDEN),
    "GET /h5/complain": Rule(CREDENTIALS[Channel.PAGES]),
    "POST /h5/complain": Rule(CREDENTIALS[Channel.PAGES]),
    "GET /h5/complaints/{complaint_id}": Rule(frozenset({"resident"}), scoped=True, others=HIDDEN),
    "GET /h5/files/{attachment_id}": Rule(CREDENTIALS[Channel.PAGES], scoped=True),
    "GET /h5/{rest:path}": Rule(frozenset(), others=HIDDEN),
    "POST /h5/{rest:path}": Rule(frozenset(), others=HIDDEN),
    # -- H5 pages: the helper's workbench (a village secretary is a helper of the village too) --
    "GET /h5/helper": Rule(IN_VILLAGE),
    # A call task is one helper's: the village's secretary does not find the helper's.
    "POST /h5/helper/calls/{call_id}/done": Rule(frozenset({"helper"}), scoped=True, others=REFUSED | HIDDEN),
    "GET /h5/helper/cases/{case_id}": CASE_WORK,
    "POST /h5/helper/cases/{case_id}/accept": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/request-supplement": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/decline": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/supplement": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/forward": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/progress": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/complete": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/termination-statement": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/close-supplement": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/request-extension": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/terminate": WORKBENCH_ACT,
    "POST /h5/helper/cases/{case_id}/evaluate": WORKBENCH_ACT,
    "GET /h5/helper/register": Rule(IN_VILLAGE),
    "POST /h5/helper/register": Rule(IN_VILLAGE),
    "GET /h5/helper/visits": Rule(IN_VILLAGE),
    "POST /h5/helper/visits": Rule(IN_VILLAGE),
    # -- H5 pages: the village secretary --
    "GET /h5/secretary": Rule(frozenset({"village_secretary"})),
    "GET /h5/secretary/cases/{case_id}": Rule(frozenset({"village_secretary"}), scoped=True),
    "POST /h5/secretary/cases/{case_id}/confirm-termination": Rule(frozenset({"village_secretary"}), scoped=True),
    "POST /h5/secretary/cases/{case_id}/reassignment": Rule(frozenset({"village_secretary"}), scoped=True),
    # -- the public notice of each village --
    "GET /notice/{village_code}": PUBLIC,
    "GET /notice/{village_code}/board.pdf": PUBLIC,
    "GET /notice/{village_code}/photos/{helper_id}": PUBLIC,
    # -- the console --
    "GET /console/login": PUBLIC,
    "POST /console/login": Rule(frozenset(), others=REFUSED),  # only with the sign-in page's own form token
    "GET /console/login/qr.png": Rule(frozenset(), others=HIDDEN),  # only for the browser that showed the code
    "GET /console/login/qr/status": PUBLIC,
    "POST /console/logout": PUBLIC,
    "POST /console/logout-everywhere": PUBLIC,  # without a session: back to the sign-in page
    "GET /console/": Rule(STAFF),
    "GET /console": PUBLIC,
    "GET /console/cases": Rule(STAFF),
    "GET /console/cases/{case_no}": Rule(STAFF, scoped=True),
    "GET /console/files/{attachment_id}": Rule(STAFF, scoped=True),
    "POST /console/cases/{case_no}/act/reassign": STAFF_ACT,
    "POST /console/cases/{case_no}/act/allow-second-supplement": STAFF_ACT,
    "POST /console/cases/{case_no}/act/decide-extension": STAFF_ACT,
    "POST /console/cases/{case_no}/act/close-rectification": STAFF_ACT,
    "GET /console/weekly": Rule(STAFF),
    "POST /console/weekly/sign-off": Rule(frozenset({"township_staff"})),  # the township's own weekly check
    # The county's ranking of townships: unknown to township staff, as any other address.
    "GET /console/ranking": Rule(COUNTY_WIDE, others=HIDDEN),
    "GET /console/ranking/report.docx": Rule(frozenset({"county_admin"}), others=HIDDEN),
    "GET /console/ranking/{township_code}": Rule(COUNTY_WIDE, scoped=True, others=HIDDEN),
    "GET /console/audit": Rule(COUNTY_WIDE, others=HIDDEN),  # the county's and oversight's reading of the log
    # The ledgers, roster, signboard and archive bundles of the member's area (the area itself is a query
    # parameter: tested in tests/console and tests/ledgers).
    "GET /console/exports": Rule(STAFF),
    "GET /console/exports/ledger1": Rule(STAFF),
    "GET /console/exports/ledger2": Rule(STAFF),
    "GET /console/exports/roster": Rule(STAFF),
    "GET /console/exports/board": Rule(STAFF),
    "GET /console/exports/archive": Rule(STAFF),
    # Complaints to the townships of the member's area, answered by the task force or the county; the quarter's
    # report submitted by the township's own task force, seen and downloaded within the area.
    "GET /console/complaints": Rule(STAFF),
    "POST /console/complaints/{complaint_id}/answer": STAFF_ACT,
    "GET /console/reports": Rule(STAFF),
    "POST /console/reports/submit": Rule(frozenset({"township_staff"}), others=HIDDEN),  # unknown to the county
    "GET /console/reports/file": Rule(STAFF),
    "GET /console/{rest:path}": Rule(frozenset(), others=HIDDEN),
    "POST /console/{rest:path}": Rule(frozenset(), others=HIDDEN),
    # -- operations: probes for the orchestrator, metrics for Prometheus with their own token --
    "GET /tour/": PUBLIC,  # the demo's guided tour, served only in demo mode like the sandbox
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": Rule(frozenset(), others=REFUSED),  # BANGBAN_METRICS_TOKEN, from loopback
    # -- WeChat's callback: only with WeChat's signature (tests/wechat, tests/fuzz) --
    "GET /wechat/callback": Rule(frozenset(), others=REFUSED),
    "POST /wechat/callback": Rule(frozenset(), others=REFUSED),
}

EXCLUDED_PREFIXES = ("/sandbox", "/h5/static", "/console/static")


def channel_of(path: str) -> Channel:
    if "{rest:path}" in path:
        return Channel.PUBLIC  # what no route serves is not found, signed in or not
    if path.startswith("/api/v1/") and path != "/api/v1/openapi.json":
        return Channel.API
    if path.startswith("/h5/") and not path.startswith("/h5/auth"):
        return Channel.PAGES
    if path.startswith("/console/") and not path.startswith(("/console/login", "/console/logout")):
        return Channel.CONSOLE
    return Channel.PUBLIC


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def served_routes(app: FastAPI) -> list[Route]:
    found: dict[str, Route] = {}
    for context in iter_route_contexts(app.routes):
        path = context.path
        if not path or path.startswith(EXCLUDED_PREFIXES) or not context.methods:
            continue
        for method in sorted(set(context.methods) - {"HEAD"}):
            route = Route(method, path)
            found.setdefault(route.key, route)
    return list(found.values())


# -- the county -----------------------------------------------------------------------------------


@dataclass
class Place:
    """One village's objects: what its own people reach, and what everyone else must not."""

    village: Region
    case: Entrustment
    attachment_id: int
    complaint_id: int
    call_id: int
    helper_id: int
    rectification_id: int
    township_code: str


@dataclass
class Principal:
    name: str
    own: Place
    other: Place
    bearer: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    page_csrf: str | None = None
    console_csrf: str | None = None


def _place(db: Session, village: Region, helper: Helper, matter: Any) -> Place:
    resident = create_resident(db, village, openid=f"o-matrix-resident-{village.code}")
    case = submit_as_resident(db, resident, village, matter)
    bad = submit_as_resident(db, resident, village, matter)
    worker = helper_actor(helper)
    service.transition(db, worker, bad.id, Action.ACCEPT, rule_for(Action.ACCEPT).schema())
    service.transition(db, worker, bad.id, Action.COMPLETE, CompleteIn.model_validate(
        {"result": "已办结", "replied_at": "2026-11-28T10:00:00", "proof_reference": "回执001"}))
    service.transition(db, staff_actor(Role.COUNTY_ADMIN), bad.id, Action.EVALUATE, EvaluateIn.model_validate(
        {"level": "非常不满意", "source": "resident"}))
    photo = attachments.store(db, case, attachments.Photo(PNG, "image/png"), kind=AttachmentKind.MATERIAL,
                              uploaded_by=worker)
    complaint = file_complaint(db, resident_actor(resident), text="没人回电话", name=resident.name,
                               phone="13800138000", entrustment_id=case.id)
    call = CallTask(helper_id=helper.id, entrustment_id=case.id, reason="matrix", text="请回电")
    db.add(call)
    db.flush()
    rectification = db.query(Rectification).filter(Rectification.entrustment_id == bad.id).one()
    helper.photo_path = photos.store(db, photos.RosterPhoto("photo.png", "", village.name, helper.name, PNG,
                                                            "image/png"))
    township = db.get(Region, village.parent_id)
    assert township is not None
    return Place(village, case, photo.id, complaint.id, call.id, helper.id, rectification.id, township.code)


def _console_session(db: Session, role: str, area: Region) -> tuple[str, str]:
    member = add_member(db, name=f"矩阵{role}", area_code=area.code, role=role)
    opened = sessions.open_session(db, member, via="password", ip="127.0.0.1")
    return opened.token, opened.row.csrf


@pytest.fixture
def county(db: Session) -> dict[str, Principal]:
    """垫江县 (桂溪街道: 桂北社区 with helper and secretary; 澄溪镇: 澄溪村 with a helper) and 梁平区 (one
    village with a helper): each village with a case, a photo, a complaint, a call task and a rectification.
    Village-level and township principals' "other area" is 澄溪村; the county's, 梁平区's village."""
    tree = create_tree(db)
    far_county = create_region(db, RegionLevel.COUNTY, "梁平区", "500155000000")
    far_town = create_region(db, RegionLevel.TOWNSHIP, "梁山街道", "500155001000", far_county)
    far = create_region(db, RegionLevel.VILLAGE, "东风社区", "500155001001", far_town)
    matter = create_matter(db)
    helper = create_helper(db, tree["guibei"], "王芳", openid="o-matrix-helper")
    secretary = create_helper(db, tree["guibei"], "张书记", openid="o-matrix-secretary", is_secretary=True)
    guibei = _place(db, tree["guibei"], helper, matter)
    chengxi = _place(db, tree["chengxi_village"], create_helper(db, tree["chengxi_village"], "孙立"), matter)
    faraway = _place(db, far, create_helper(db, far, "李平"), matter)
    guibei_resident_openid = f"o-matrix-resident-{tree['guibei'].code}"

    principals = {
        "county_admin": Principal("county_admin", guibei, faraway,
                                  bearer=api_key(db, "county_admin", area=tree["county"])),
        "township_staff": Principal("township_staff", guibei, chengxi,
                                    bearer=api_key(db, "township_staff", area=tree["guixi"])),
        "oversight": Principal("oversight", guibei, faraway, bearer=api_key(db, "oversight", area=tree["county"])),
        "village_secretary": Principal("village_secretary", guibei, chengxi,
                                       bearer=api_key(db, "village_secretary", area=tree["guibei"])),
        "helper": Principal("helper", guibei, chengxi, bearer=api_key(db, "helper", helper=helper)),
        "resident": Principal("resident", guibei, chengxi),
        "anonymous": Principal("anonymous", guibei, chengxi),
    }
    for name, area in (("county_admin", tree["county"]), ("township_staff", tree["guixi"]),
                       ("oversight", tree["county"])):
        token, csrf = _console_session(db, name, area)
        principals[name].cookies[CONSOLE_COOKIE] = token
        principals[name].console_csrf = csrf
    from app.web.session import _signer

    for name, openid in (("helper", helper.openid), ("village_secretary", secretary.openid),
                         ("resident", guibei_resident_openid)):
        csrf = f"csrf-{name}"
        principals[name].cookies[PAGE_COOKIE] = _signer("h5-session").dumps({"o": openid, "c": csrf})
        principals[name].page_csrf = csrf
    db.flush()
    return principals


# -- calling a route ------------------------------------------------------------------------------


def _values(place: Place) -> dict[str, object]:
    return {
        "entrustment_id": place.case.id, "case_id": place.case.id, "case_no": place.case.number,
        "attachment_id": place.attachment_id, "complaint_id": place.complaint_id, "call_id": place.call_id,
        "helper_id": place.helper_id, "village_code": place.village.code,
        "rectification_id": place.rectification_id, "township_code": place.township_code,
        "rest:path": "nothing-here",
    }


# Objects that do not exist: what someone outside an area is told must be exactly what these get.
NOWHERE: dict[str, object] = {
    "entrustment_id": 987_654, "case_id": 987_654, "case_no": "DJ20269999999", "attachment_id": 987_654,
    "complaint_id": 987_654, "call_id": 987_654, "helper_id": 987_654, "village_code": "500231999999",
    "rectification_id": 987_654, "township_code": "500231999000", "rest:path": "nothing-here",
}


def _path_for(route: Route, values: dict[str, object]) -> str:
    path = route.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"{route.key}: no test value for its path parameter; add one to _values and NOWHERE"
    return path


def _json_body(spec: dict[str, Any], route: Route) -> dict[str, Any] | None:
    operation = spec["paths"].get(route.path, {}).get(route.method.lower())
    if not operation or "requestBody" not in operation:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    return _value(spec, schema)  # type: ignore[no-any-return]


SAMPLES = {"village_code": "500231001001", "matter_code": "linshi-zhengwu", "contact_phone": "13800138000",
           "replied_at": "2026-11-28T10:00:00", "level": "满意", "confirmed": True}


def _value(spec: dict[str, Any], schema: dict[str, Any], name: str = "") -> Any:
    """The smallest value a schema accepts, with plausible samples for the fields that carry formats."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return _value(spec, spec["components"]["schemas"][ref], name)
    if name in SAMPLES:
        return SAMPLES[name]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _value(spec, options[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {prop: _value(spec, sub, prop) for prop, sub in schema.get("properties", {}).items() if prop in required}
    if kind == "array":
        return [_value(spec, schema.get("items", {}), name)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2026-11-28T10:00:00"
    if schema.get("format") == "date":
        return "2026-11-28"
    return "测试内容"


def classify(route: Route, status: int, location: str) -> Outcome:
    if status == 500:
        return Outcome.SERVER_ERROR
    sign_in = ("/connect/oauth2/authorize", "/console/login")
    if status == 401 or (300 <= status < 400 and any(target in location for target in sign_in)
                         and not route.path.startswith(("/h5/auth", "/console/login", "/console/logout"))):
        return Outcome.SIGN_IN
    if status == 403:
        return Outcome.REFUSED
    if status == 404:
        return Outcome.NOT_FOUND
    if status in (400, 409, 413, 422, 429):
        return Outcome.REJECTED
    return Outcome.DONE


@pytest.fixture
def client(county: dict[str, Principal]) -> Iterator[tuple[FastAPI, TestClient]]:
    from app.main import create_app

    app = create_app()
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as test_client:
        yield app, test_client


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    status: int


def call(test_client: TestClient, spec: dict[str, Any], route: Route, principal: Principal,
         values: dict[str, object]) -> Answer:
    headers = {"Authorization": f"Bearer {principal.bearer}"} if principal.bearer else {}
    test_client.cookies.clear()
    for name, value in principal.cookies.items():
        test_client.cookies.set(name, value)
    url = _path_for(route, values)
    if route.method == "GET":
        response = test_client.get(url, headers=headers)
    elif channel_of(route.path) is Channel.API:
        response = test_client.request(route.method, url, headers=headers, json=_json_body(spec, route) or {})
    else:
        csrf = principal.console_csrf if route.path.startswith("/console") else principal.page_csrf
        response = test_client.request(route.method, url, headers=headers, data={"csrf": csrf or ""})
    return Answer(classify(route, response.status_code, response.headers.get("location", "")), response.status_code)


def test_every_route_has_a_rule(client: tuple[FastAPI, TestClient]) -> None:
    app, _ = client
    missing = [route.key for route in served_routes(app) if route.key not in RULES]
    assert missing == [], "\n".join(
        f"route {key} has no rule in tests/test_authorization_matrix.py RULES; add one" for key in missing)


def test_no_rule_names_a_route_that_is_gone(client: tuple[FastAPI, TestClient]) -> None:
    app, _ = client
    served = {route.key for route in served_routes(app)}
    assert sorted(set(RULES) - served) == []


def test_the_principals_cover_every_role() -> None:
    assert {role.value for role in Role} <= set(PRINCIPALS)


def test_every_route_answers_every_principal_in_and_outside_their_area_as_its_rule_says(
    db: Session, county: dict[str, Principal], client: tuple[FastAPI, TestClient]
) -> None:
    app, test_client = client
    spec = app.openapi()
    wrong: list[str] = []

    def answer(route: Route, principal: Principal, values: dict[str, object]) -> Answer:
        # Each call starts from the same county: one principal's act must not change what the next meets.
        checkpoint = db.connection().begin_nested()
        try:
            return call(test_client, spec, route, principal, values)
        finally:
            checkpoint.rollback()

    for route in served_routes(app):
        rule = RULES.get(route.key)
        if rule is None:
            continue
        channel = channel_of(route.path)
        for principal in county.values():
            expected = rule.expect(channel, principal.name)
            own = answer(route, principal, _values(principal.own))
            if own.outcome not in expected:
                wrong.append(f"{route.key} as {principal.name}, own area: {own.outcome} ({own.status}), "
                             f"the rule says {' or '.join(sorted(expected))}")
            if not rule.scoped or Outcome.SIGN_IN in expected:
                continue  # without a credential the object is never looked at
            other = answer(route, principal, _values(principal.other))
            nowhere = answer(route, principal, NOWHERE)
            if principal.name in rule.who and other.outcome is not Outcome.NOT_FOUND:
                wrong.append(f"{route.key} as {principal.name}, other area: {other.outcome} ({other.status}), "
                                 "the rule says not found (404)")
            if other.status != nowhere.status:
                wrong.append(f"{route.key} as {principal.name}: {other.status} for another area's object but "
                             f"{nowhere.status} for one that does not exist")
            if other.outcome is Outcome.SERVER_ERROR or nowhere.outcome is Outcome.SERVER_ERROR:
                wrong.append(f"{route.key} as {principal.name}: server error outside the area")
    assert wrong == [], "\n".join(wrong)
