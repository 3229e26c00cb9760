"""Complaints (投诉监督) in the console: /console/complaints lists those to the townships within the member's
area, open ones first, each with a form to answer it; the case page shows its own complaints with the same form
(``console/_case_complaints.html``). The answer goes to ``app.complaints.service.answer_complaint``, which
checks everything and tells the resident; what it refuses comes back on the page, with the reply kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import SessionDep
from app.complaints import service
from app.console.deps import ConsoleForm, ConsoleUser, ConsoleUserDep
from app.console.routing import console_router, render
from app.errors import InvalidInput
from app.models import Complaint, Entrustment, Region, Resident
from app.web.pages import see_other

router = console_router()

Text = Annotated[str, Form()]
STATES = {"open": False, "answered": True, "all": None}
DONE = "已答复，投诉人会收到答复通知（没有微信的，由帮办员电话告知）。"


@dataclass(frozen=True)
class Row:
    complaint: Complaint
    township: str
    resident: str
    case_number: str | None

    @property
    def is_open(self) -> bool:
        return self.complaint.answered_at is None


def rows(session: Session, user: ConsoleUser, *, entrustment_id: int | None = None,
         answered: bool | None = None) -> list[Row]:
    found = service.for_staff(session, user.actor, entrustment_id=entrustment_id, answered=answered)
    townships = {id_: name for id_, name in session.execute(
        select(Region.id, Region.name).where(Region.id.in_({c.township_id for c in found})))}
    residents = {r.id: r.name for r in session.scalars(
        select(Resident).where(Resident.id.in_({c.resident_id for c in found if c.resident_id})))}
    numbers = {id_: number for id_, number in session.execute(select(Entrustment.id, Entrustment.number).where(
        Entrustment.id.in_({c.entrustment_id for c in found if c.entrustment_id})))}
    return [Row(c, townships.get(c.township_id, ""), residents.get(c.resident_id or 0) or "",
                numbers.get(c.entrustment_id or 0)) for c in found]


def _page(request: Request, session: Session, user: ConsoleUser, state: str, *, done: bool = False,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          open_id: int | None = None) -> Response:
    if state not in STATES:
        state = "open"
    return render(request, "console/complaints.html", status=422 if errors else 200, title="投诉", nav="complaints",
                  complaints=rows(session, user, answered=STATES[state]), state=state,
                  done=DONE if done else None, errors=errors or {}, values=values or {}, open_id=open_id,
                  back="list")


@router.get("/complaints")
def complaints(request: Request, session: SessionDep, user: ConsoleUserDep, state: str = "open",
               done: str | None = None) -> Response:
    return _page(request, session, user, state, done=done == "answer")


@router.post("/complaints/{complaint_id}/answer", dependencies=[ConsoleForm])
def answer(request: Request, session: SessionDep, user: ConsoleUserDep, complaint_id: int, reply: Text = "",
           back: Text = "list") -> Response:
    """``back`` = "case": answered from the case page, which is shown again."""
    try:
        with session.begin_nested():
            complaint = service.answer_complaint(session, user.actor, complaint_id, reply)
    except InvalidInput as exc:
        errors = {f"reply-{complaint_id}": exc.message}
        values = {f"reply-{complaint_id}": reply}
        number = _case_number(session, complaint_id) if back == "case" else None
        if number is not None:
            from app.console.pages import case_page  # the case page lists complaints through ``rows`` below

            return case_page(request, session, user, number, errors=errors, values=values,
                             open_act=f"complaint-{complaint_id}")
        return _page(request, session, user, "open", errors=errors, values=values, open_id=complaint_id)
    number = _case_number(session, complaint.id) if back == "case" else None
    if number is not None:
        return see_other(f"/console/cases/{number}?done=answer-complaint")
    return see_other("/console/complaints?done=answer")


def _case_number(session: Session, complaint_id: int) -> str | None:
    """The number of the case a complaint (already found within the member's area) is about."""
    return session.scalar(select(Entrustment.number).join(Complaint, Complaint.entrustment_id == Entrustment.id)
                          .where(Complaint.id == complaint_id))
