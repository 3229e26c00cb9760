"""The village secretary (第一责任人): every case of the village with its clock, and a request to the
township task force to reassign one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from app.auth.deps import SessionDep
from app.entrustments import attachments, reassignment, service
from app.entrustments.schemas import ConfirmTerminationIn
from app.entrustments.workflow import OPEN, Action, allowed_actions, gates_of
from app.errors import InvalidInput
from app.evaluations import repository as evaluations
from app.helpers import workbench
from app.notifications import delivery
from app.regions import repository as regions
from app.web import helper_texts as texts
from app.web.helper import case_for_staff
from app.web.identity import FormChecked, Visitor, VisitorDep, as_secretary
from app.web.pages import PageRoute, render, see_other

router = APIRouter(prefix="/h5/secretary", route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]


@router.get("")
def village_cases(request: Request, session: SessionDep, visitor: VisitorDep, show: str = "open") -> Response:
    actor = as_secretary(visitor)
    cases, _ = service.list_page(session, actor, limit=500)
    items = workbench.decorate(cases)
    open_items = sorted((i for i in items if i.case.status in OPEN), key=workbench.sort_key)
    shown = open_items if show != "all" else items
    return render(request, "secretary/index.html", title="本村（社区）办件", secretary=visitor.helper,
                  village=regions.by_id(session, actor.area_id), items=shown, show=show, texts=texts,
                  open_count=len(open_items), overdue_count=sum(1 for i in open_items if i.clock.overdue),
                  total=len(items))


DONE = {"reassignment": texts.REASSIGNMENT_DONE, "confirm-termination": texts.TERMINATION_CONFIRMED}


def _case_page(request: Request, session: Session, visitor: Visitor, case_id: int, *, done: str | None = None,
               values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Response:
    actor = as_secretary(visitor)
    case = case_for_staff(session, actor, case_id)
    return render(request, "secretary/case.html", status=422 if errors else 200, title=f"办件 {case.number}",
                  case=case, texts=texts, clock=workbench.clock_of(case), timeline=service.timeline(session, case),
                  photos=attachments.for_case(session, case), evaluation=evaluations.for_case(session, case.id),
                  deliveries=delivery.for_case(session, case.id), can_request=case.status in OPEN,
                  can_confirm=Action.CONFIRM_TERMINATION in allowed_actions(case.status, gates_of(case)),
                  done=DONE.get(done or ""),
                  values=values or {}, errors=errors or {})


@router.get("/cases/{case_id}")
def case(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, done: str | None = None) -> Response:
    return _case_page(request, session, visitor, case_id, done=done)


@router.post("/cases/{case_id}/confirm-termination", dependencies=[FormChecked])
def confirm_termination(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
                        note: Text = "") -> Response:
    actor = as_secretary(visitor)
    case_for_staff(session, actor, case_id)
    try:
        with session.begin_nested():
            service.transition(session, actor, case_id, Action.CONFIRM_TERMINATION,
                               ConfirmTerminationIn(note=note or None))
    except InvalidInput as exc:
        return _case_page(request, session, visitor, case_id, values={"note": note}, errors={exc.field: exc.message})
    return see_other(f"/h5/secretary/cases/{case_id}?done=confirm-termination")


@router.post("/cases/{case_id}/reassignment", dependencies=[FormChecked])
def request_reassignment(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
                         reason: Text = "") -> Response:
    actor = as_secretary(visitor)
    case_for_staff(session, actor, case_id)
    try:
        with session.begin_nested():
            reassignment.request_reassignment(session, actor, case_id, reason)
    except InvalidInput as exc:
        return _case_page(request, session, visitor, case_id, values={"reason": reason},
                          errors={exc.field: exc.message})
    return see_other(f"/h5/secretary/cases/{case_id}?done=reassignment")
