"""The acts a staff member takes on a case from its console page, each a form posted with the session's token to
/console/cases/{number}/act/{act} and handed to the use case that owns it: ``transition`` for reassigning,
allowing a second supplement list and deciding an extension, ``close_rectification`` for a bad rating. No rule
is checked here; what the use case refuses comes back on the page in its words, with what was typed kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Form, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.auth.deps import SessionDep
from app.console.case_file import ACTS
from app.console.case_list import case_by_number
from app.console.deps import ConsoleForm, ConsoleUser, ConsoleUserDep
from app.console.pages import case_page
from app.console.routing import console_router
from app.entrustments import service
from app.entrustments.schemas import AllowSecondSupplementIn, ExtensionDecisionIn, ReassignIn
from app.errors import InvalidInput
from app.evaluations import service as evaluations
from app.evaluations.schemas import CloseRectificationIn
from app.validation import invalid_from
from app.web.pages import see_other

router = console_router()

Text = Annotated[str, Form()]
# Fields these forms have that the shared translator (``app.validation``) does not name in Chinese.
LABELS = {"approved": "审批结果", "callback_note": "回访委托人的情况", "resolution": "整改情况"}


def _version(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _done(request: Request, session: Session, user: ConsoleUser, case_no: str, slug: str,
          act: Callable[[int], object], values: dict[str, str]) -> Response:
    case = case_by_number(session, user.actor, case_no)
    try:
        with session.begin_nested():
            act(case.id)
    except ValidationError as exc:
        error = invalid_from(exc)
        message = error.message.replace(f"「{error.field}」", f"「{LABELS.get(error.field, error.field)}」")
        return case_page(request, session, user, case_no, open_act=slug, values=values,
                         errors={error.field: message})
    except InvalidInput as exc:
        return case_page(request, session, user, case_no, open_act=slug, values=values,
                         errors={exc.field: exc.message})
    return see_other(f"/console/cases/{case_no}?done={slug}")


def _transition(user: ConsoleUser, slug: str, build: Callable[[], BaseModel],
                session: Session) -> Callable[[int], object]:
    def act(case_id: int) -> object:
        return service.transition(session, user.actor, case_id, ACTS[slug], build())

    return act


@router.post("/cases/{case_no}/act/reassign", dependencies=[ConsoleForm])
def reassign(request: Request, session: SessionDep, user: ConsoleUserDep, case_no: str, version: Text = "",
             helper_id: Text = "", reason: Text = "") -> Response:
    def build() -> BaseModel:
        return ReassignIn.model_validate({"version": _version(version), "helper_id": helper_id or None,
                                          "reason": reason})

    return _done(request, session, user, case_no, "reassign", _transition(user, "reassign", build, session),
                 {"helper_id": helper_id, "reason": reason})


@router.post("/cases/{case_no}/act/allow-second-supplement", dependencies=[ConsoleForm])
def allow_second_supplement(request: Request, session: SessionDep, user: ConsoleUserDep, case_no: str,
                            version: Text = "", reason: Text = "") -> Response:
    def build() -> BaseModel:
        return AllowSecondSupplementIn.model_validate({"version": _version(version), "reason": reason})

    slug = "allow-second-supplement"
    return _done(request, session, user, case_no, slug, _transition(user, slug, build, session), {"reason": reason})


@router.post("/cases/{case_no}/act/decide-extension", dependencies=[ConsoleForm])
def decide_extension(request: Request, session: SessionDep, user: ConsoleUserDep, case_no: str, version: Text = "",
                     approved: Text = "", note: Text = "") -> Response:
    def build() -> BaseModel:
        if approved not in ("1", "0"):
            raise InvalidInput("approved", "请选择“批准延期”或“不批准”。")
        return ExtensionDecisionIn.model_validate({"version": _version(version), "note": note,
                                                   "approved": approved == "1"})

    slug = "decide-extension"
    return _done(request, session, user, case_no, slug, _transition(user, slug, build, session),
                 {"approved": approved, "note": note})


@router.post("/cases/{case_no}/act/close-rectification", dependencies=[ConsoleForm])
def close_rectification(request: Request, session: SessionDep, user: ConsoleUserDep, case_no: str,
                        rectification_id: Text = "", callback_note: Text = "", resolution: Text = "",
                        unfounded: Text = "") -> Response:
    def act(case_id: int) -> object:
        data = CloseRectificationIn.model_validate({"callback_note": callback_note, "resolution": resolution,
                                                    "unfounded": unfounded == "1"})
        return evaluations.close_rectification(session, user.actor, _version(rectification_id) or 0, data)

    return _done(request, session, user, case_no, "close-rectification", act,
                 {"callback_note": callback_note, "resolution": resolution, "unfounded": unfounded})
