"""The helper registers an entrustment taken by phone, on a visit or on paper (with a photo of the signed
form), and records proactive home visits to the old, sick, disabled and orphaned."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app import clock
from app.auth.deps import SessionDep
from app.entrustments import service
from app.entrustments.schemas import SubmitIn
from app.errors import InvalidInput
from app.helpers import visits
from app.matters import repository as matters
from app.models import AssistanceCategory, Channel, Helper, VisitReason
from app.regions import repository as regions
from app.validation import invalid_from
from app.web import helper_texts as texts
from app.web.forms import read_photos
from app.web.identity import FormChecked, Visitor, VisitorDep, as_helper
from app.web.pages import PageRoute, render, see_other

router = APIRouter(prefix="/h5/helper", route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]
PhotosIn = Annotated[list[UploadFile | str], File()]

CHANNELS = [(c.value, f"{texts.CHANNEL_LABELS[c]}委托") for c in (Channel.PHONE, Channel.VISIT, Channel.PAPER)]


def _helper(visitor: Visitor) -> Helper:
    as_helper(visitor)
    assert visitor.helper is not None
    return visitor.helper


def _register_page(request: Request, session: Session, visitor: Visitor, *, visit_id: int | None,
                   values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Response:
    helper = _helper(visitor)
    visit = visits.get_visit(session, as_helper(visitor), visit_id) if visit_id else None
    defaults = {"resident_name": visit.person_name, "channel": Channel.VISIT.value} if visit else {}
    order = list(AssistanceCategory)
    ordered = sorted(matters.active(session), key=lambda m: order.index(m.category))
    grouped = [(category.value, list(items)) for category, items in groupby(ordered, key=lambda m: m.category)]
    return render(request, "helper/register.html", status=422 if errors else 200, title="登记委托",
                  village=regions.by_id(session, helper.village_id), visit=visit, channels=CHANNELS, texts=texts,
                  matters=grouped, values={**defaults, **(values or {})}, errors=errors or {})


@router.get("/register")
def register_form(request: Request, session: SessionDep, visitor: VisitorDep, visit: int | None = None) -> Response:
    return _register_page(request, session, visitor, visit_id=visit)


@router.post("/register", dependencies=[FormChecked])
def register(
    request: Request, session: SessionDep, visitor: VisitorDep, channel: Text = "", resident_name: Text = "",
    contact_phone: Text = "", resident_id_number: Text = "", beneficiary_name: Text = "",
    beneficiary_relation: Text = "", matter_code: Text = "", description: Text = "", authorisation_ref: Text = "",
    remark: Text = "", visit_id: Text = "", photos: PhotosIn = [],  # noqa: B006
) -> Response:
    actor = as_helper(visitor)
    helper = _helper(visitor)
    village = regions.by_id(session, helper.village_id)
    assert village is not None
    values = {"channel": channel, "resident_name": resident_name, "contact_phone": contact_phone,
              "resident_id_number": resident_id_number, "beneficiary_name": beneficiary_name,
              "beneficiary_relation": beneficiary_relation, "matter_code": matter_code, "description": description,
              "authorisation_ref": authorisation_ref, "remark": remark}
    visit = int(visit_id) if visit_id.isdigit() else None
    try:
        if channel not in {value for value, _ in CHANNELS}:
            raise InvalidInput("channel", "请选择委托方式：电话、上门或纸质委托书。")
        forms = read_photos(photos)
        try:
            data = SubmitIn.model_validate({
                "village_code": village.code, "matter_code": matter_code, "resident_name": resident_name,
                "contact_phone": contact_phone, "description": description, "channel": channel,
                "resident_id_number": resident_id_number or None, "beneficiary_name": beneficiary_name or None,
                "beneficiary_relation": beneficiary_relation or None, "authorisation_ref": authorisation_ref or None,
                "remark": remark or None,
            })
        except ValidationError as exc:
            raise invalid_from(exc) from None
        with session.begin_nested():
            case = service.submit(session, actor, data, photos=[("委托书", photo) for _, photo in forms],
                                  visit_id=visit)
    except InvalidInput as exc:
        return _register_page(request, session, visitor, visit_id=visit, values=values,
                              errors={exc.field: exc.message})
    return see_other(f"/h5/helper/cases/{case.id}?done=register")


def _visits_page(request: Request, session: Session, visitor: Visitor, *, recorded: int | None = None,
                 values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Response:
    actor = as_helper(visitor)
    return render(request, "helper/visits.html", status=422 if errors else 200, title="上门走访",
                  visits=visits.recent_visits(session, actor), today=clock.today(),
                  recorded=visits.get_visit(session, actor, recorded) if recorded else None,
                  reasons=[(r.value, texts.VISIT_REASONS[r]) for r in VisitReason],
                  values=values or {}, errors=errors or {})


@router.get("/visits")
def visits_page(request: Request, session: SessionDep, visitor: VisitorDep, done: int | None = None) -> Response:
    return _visits_page(request, session, visitor, recorded=done)


@router.post("/visits", dependencies=[FormChecked])
def record_visit(request: Request, session: SessionDep, visitor: VisitorDep, person_name: Text = "",
                 reason: Text = "", visited_on: Text = "", note: Text = "") -> Response:
    actor = as_helper(visitor)
    values = {"person_name": person_name, "reason": reason, "visited_on": visited_on, "note": note}
    try:
        try:
            day = date.fromisoformat(visited_on) if visited_on else None
        except ValueError:
            raise InvalidInput("visited_on", "走访日期的格式不对，请重新选择。") from None
        with session.begin_nested():
            visit = visits.record_visit(session, actor, person_name=person_name, reason=reason, note=note,
                                        visited_on=day)
    except InvalidInput as exc:
        return _visits_page(request, session, visitor, values=values, errors={exc.field: exc.message})
    return see_other(f"/h5/helper/visits?done={visit.id}")
