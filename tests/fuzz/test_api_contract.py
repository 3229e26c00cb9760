"""``/api/v1`` keeps its published contract (issue 15 item 3): schemathesis draws requests for every
operation of ``/api/v1/openapi.json`` and sends them in-process to the ASGI app with a real API key of
each role, or none, against a county with cases in several states: valid requests, and requests that break
the schema. Whatever it sends, the answer is never a 500, its status is one the operation documents, and
its body matches the schema documented for that status.

Most draws aim at rows that exist (a case, a rectification), so the workflow's own answers are checked too,
not only "not found". The draws are the same on every run (tests/fuzz/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, EvaluateIn
from app.entrustments.workflow import Action
from app.models import Entrustment, Rectification, Role
from tests.factories import (
    api_key,
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    staff_actor,
    submit_as_resident,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Every role's key, and no key at all: a refusal is part of the contract too.
ROLES = [*(role.value for role in Role), "anonymous"]


@dataclass
class County:
    keys: dict[str, str]
    case_ids: list[int]
    rectification_ids: list[int]


@pytest.fixture
def county(db: Session) -> County:
    """Two townships, a helper in each, and cases of the first helper's village that are waiting,
    accepted, completed and rated badly (so a rectification is open)."""
    tree = create_tree(db)
    matter = create_matter(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    create_helper(db, tree["chengxi_village"], "孙立")
    resident = create_resident(db, tree["guibei"])
    cases: list[Entrustment] = [submit_as_resident(db, resident, tree["guibei"], matter) for _ in range(4)]
    worker = helper_actor(helper)
    for case in cases[1:]:
        service.transition(db, worker, case.id, Action.ACCEPT, AcceptIn())
    for case in cases[2:]:
        service.transition(db, worker, case.id, Action.COMPLETE, CompleteIn.model_validate(
            {"result": "已批准临时救助金", "replied_at": "2026-11-28T10:00:00", "proof_reference": "回执001"}))
    service.transition(db, staff_actor(Role.COUNTY_ADMIN), cases[3].id, Action.EVALUATE, EvaluateIn.model_validate(
        {"level": "不满意", "source": "resident", "comment": "一直没人回电话"}))
    other = submit_as_resident(db, create_resident(db, tree["chengxi_village"]), tree["chengxi_village"], matter)
    keys = {
        Role.COUNTY_ADMIN.value: api_key(db, "county_admin"),
        Role.TOWNSHIP_STAFF.value: api_key(db, "township_staff", area=tree["guixi"]),
        Role.VILLAGE_SECRETARY.value: api_key(db, "village_secretary", area=tree["guibei"]),
        Role.HELPER.value: api_key(db, "helper", helper=helper),
        Role.OVERSIGHT.value: api_key(db, "oversight"),
    }
    db.flush()
    rectifications = [r.id for r in db.query(Rectification).all()]
    assert rectifications, "the bad rating should have opened a rectification"
    return County(keys, [case.id for case in [*cases, other]], rectifications)


def _aim(case: schemathesis.Case, county: County, existing: int) -> None:
    """Point the draw at a row that exists when ``existing`` ≥ 0; otherwise keep the drawn id."""
    for name, ids in (("entrustment_id", county.case_ids), ("rectification_id", county.rectification_ids)):
        if name in (case.path_parameters or {}) and existing >= 0:
            case.path_parameters[name] = ids[existing % len(ids)]


def _signed(case: schemathesis.Case, key: str | None) -> None:
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers = {**headers, "Authorization": f"Bearer {key}"} if key else headers


def published_operation(app: FastAPI, label: str) -> dict[str, Any]:
    method, path = label.split(" ", 1)
    operation: dict[str, Any] = app.openapi()["paths"][path][method.lower()]
    return operation


def _can_be_broken(operation: dict[str, Any]) -> bool:
    """An invalid request needs something with a schema to break: a body, or a parameter other than the
    key (any Authorization header is valid as far as the schema goes)."""
    names = {p["name"].lower() for p in operation.get("parameters", [])}
    return "requestBody" in operation or bool(names - {"authorization"})


@pytest.mark.parametrize(("mode", "examples"), [(GenerationMode.POSITIVE, 12), (GenerationMode.NEGATIVE, 6)],
                         ids=["valid-requests", "invalid-requests"])
def test_every_operation_answers_within_its_contract_for_every_role(
    county: County, mode: GenerationMode, examples: int
) -> None:
    """Valid requests, and requests that break the schema (wrong types, missing fields, values out of range):
    the latter must be refused as documented, not crash."""
    from app.main import create_app

    app = create_app()
    api = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    published = [(method, path) for path, item in app.openapi()["paths"].items() for method in item]
    assert len(operations) == len(published) > 0
    broken: dict[str, str] = {}
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not _can_be_broken(published_operation(app, operation.label)):
            continue

        @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES),
               existing=st.integers(-1, 5))
        @settings(max_examples=examples)
        def keeps_its_contract(case: schemathesis.Case, role: str, existing: int) -> None:
            _aim(case, county, existing)
            _signed(case, county.keys.get(role))
            case.call_and_validate(checks=CHECKS)

        try:
            keeps_its_contract()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, all failures reported together
            broken[operation.label] = str(exc)
    assert broken == {}, "\n\n".join(f"{label}:\n{failure}" for label, failure in broken.items())
