"""The helper's workbench: the queue (call tasks on top, then cases by deadline) and the case page
with every action of the workflow the helper may take (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind
from app.auth.deps import SessionDep
from app.auth.scope import entrustment_scope
from app.entrustments import attachments, service
from app.entrustments import repository as entrustments_repository
from app.entrustments.schemas import (
    AcceptIn,
    CloseSupplementIn,
    CompleteIn,
    DeclineIn,
    EvaluateIn,
    ExtensionIn,
    ForwardIn,
    ProgressIn,
    RequestSupplementIn,
    SupplementIn,
    TerminateIn,
    TerminationStatementIn,
)
from app.entrustments.workflow import RULES, Action, allowed_actions, gates_of
from app.errors import InvalidInput
from app.evaluations import repository as evaluations
from app.helpers import calls, workbench
from app.matters import repository as matters
from app.matters.catalog import UNDECIDED_CODE
from app.models import CallTask, Entrustment, RatingLevel, TerminationCause
from app.notifications import delivery
from app.regions import repository as regions
from app.validation import invalid_from
from app.web import helper_texts as texts
from app.web.forms import drawn_signature, read_photos
from app.web.identity import FormChecked, Visitor, VisitorDep, as_helper
from app.web.pages import PageRoute, render, see_other

router = APIRouter(prefix="/h5/helper", route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]
Texts = Annotated[list[str], Form()]
PhotosIn = Annotated[list[UploadFile | str], File()]

_HELPER_ACTIONS = {rule.action for rule in RULES if ActorKind.HELPER in rule.actors}


def case_for_staff(session: Session, actor: Actor, case_id: int) -> Entrustment:
    """The case if it lies in the actor's area. A case elsewhere gets the same 404 as one that does not
    exist (both audited as refusals), so a page cannot be used to learn which case numbers exist."""
    return service.get(session, actor, case_id)


def offered_actions(case: Entrustment, actor: Actor) -> list[Action]:
    if case.helper_id != actor.helper_id:
        return []
    flagged = case.termination_requested_at is not None or case.termination_statement_at is not None
    allowed = allowed_actions(case.status, gates_of(case))
    offered = [a for a in allowed if a in _HELPER_ACTIONS and a in texts.ACTION_SLUGS]
    order = list(texts.ACTION_SLUGS)
    if flagged:  # the resident asked to stop: handing the papers back comes first
        offered = [a for a in offered if a is not Action.RECORD_TERMINATION_STATEMENT]
        order.insert(0, order.pop(order.index(Action.TERMINATE)))
    return sorted(offered, key=order.index)


def _case_of_task(session: Session, actor: Actor, task: CallTask) -> Entrustment | None:
    if task.entrustment_id is None:
        return None
    return entrustments_repository.get(session, task.entrustment_id, entrustment_scope(session, actor))


@router.get("")
def queue(request: Request, session: SessionDep, visitor: VisitorDep, done: str | None = None) -> Response:
    actor = as_helper(visitor)
    helper = visitor.helper
    assert helper is not None
    tasks = [(task, _case_of_task(session, actor, task)) for task in calls.open_calls(session, actor)]
    return render(request, "helper/queue.html", title="帮办员工作台", helper=helper,
                  village=regions.by_id(session, helper.village_id), calls=tasks,
                  items=workbench.queue(session, actor), texts=texts, done=texts.QUEUE_DONE.get(done or ""))


@router.post("/calls/{call_id}/done", dependencies=[FormChecked])
def call_done(session: SessionDep, visitor: VisitorDep, call_id: int, note: Text = "") -> Response:
    calls.mark_called(session, as_helper(visitor), call_id, note)
    return see_other("/h5/helper?done=call")


def case_page(request: Request, session: Session, visitor: Visitor, case_id: int, *, done: str | None = None,
              open_action: str | None = None, values: dict[str, Any] | None = None,
              errors: dict[str, str] | None = None) -> Response:
    actor = as_helper(visitor)
    case = case_for_staff(session, actor, case_id)
    township = regions.by_id(session, case.village.parent_id)
    actions = offered_actions(case, actor)
    history = service.timeline(session, case)
    return render(
        request, "helper/case.html", status=422 if errors else 200, title=f"办件 {case.number}", case=case,
        texts=texts, done=texts.done_message(done, case) if done else None, actions=actions, Action=Action,
        clock=workbench.clock_of(case), timeline=history, evidence=texts.termination_evidence(history),
        photos=attachments.for_case(session, case), evaluation=evaluations.for_case(session, case.id),
        deliveries=delivery.for_case(session, case.id), township=township,
        matters=[m for m in matters.active(session) if m.code != UNDECIDED_CODE],
        levels=[level.value for level in RatingLevel], causes=[cause.value for cause in TerminationCause],
        today=clock.today(),
        now=clock.now().astimezone(clock.CHINA).strftime("%Y-%m-%dT%H:%M"), mine=case.helper_id == actor.helper_id,
        open_action=open_action or _first_to_open(actions),
        values=values or {}, errors=errors or {},
    )


def _first_to_open(actions: list[Action]) -> str | None:
    """The form most likely wanted: the only one, or the termination the resident asked for."""
    if Action.TERMINATE in actions:
        return texts.ACTION_SLUGS[Action.TERMINATE]
    return texts.ACTION_SLUGS[actions[0]] if len(actions) == 1 else None


@router.get("/cases/{case_id}")
def case(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
         done: str | None = None) -> Response:
    return case_page(request, session, visitor, case_id, done=done)


def _version(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _lines(*groups: Sequence[str] | str) -> list[str]:
    """Checked items and free lines, trimmed, blanks and repeats dropped, in order."""
    items: list[str] = []
    for group in groups:
        items.extend(group.splitlines() if isinstance(group, str) else group)
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def _act(request: Request, session: Session, visitor: Visitor, case_id: int, action: Action,
         build: Callable[[], BaseModel], values: dict[str, Any], *, photos: PhotosIn | None = None,
         signature: str = "") -> Response:
    actor = as_helper(visitor)
    case_for_staff(session, actor, case_id)
    slug = texts.ACTION_SLUGS[action]
    try:
        chosen = read_photos(photos or [])
        if signature:
            chosen.append(("委托人手写签名", drawn_signature(signature)))
        try:
            data = build()
        except ValidationError as exc:
            raise invalid_from(exc) from None
        with session.begin_nested():
            service.transition(session, actor, case_id, action, data, photos=chosen)
    except InvalidInput as exc:
        return case_page(request, session, visitor, case_id, open_action=slug, values=values,
                         errors={exc.field: exc.message})
    return see_other(f"/h5/helper/cases/{case_id}?done={slug}")


@router.post("/cases/{case_id}/accept", dependencies=[FormChecked])
def accept(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
           matter_code: Text = "") -> Response:
    return _act(request, session, visitor, case_id, Action.ACCEPT,
                lambda: AcceptIn(version=_version(version), matter_code=matter_code or None),
                {"matter_code": matter_code})


@router.post("/cases/{case_id}/request-supplement", dependencies=[FormChecked])
def request_supplement(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
                       version: Text = "", missing: Texts = [], extra: Text = "",  # noqa: B006
                       note: Text = "") -> Response:
    def build() -> BaseModel:
        return RequestSupplementIn(version=_version(version), missing_materials=_lines(missing, extra),
                                   note=note or None)

    return _act(request, session, visitor, case_id, Action.REQUEST_SUPPLEMENT, build,
                {"missing": missing, "extra": extra, "note": note})


@router.post("/cases/{case_id}/decline", dependencies=[FormChecked])
def decline(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
            reason: Text = "") -> Response:
    return _act(request, session, visitor, case_id, Action.DECLINE,
                lambda: DeclineIn(version=_version(version), reason=reason), {"reason": reason})


@router.post("/cases/{case_id}/supplement", dependencies=[FormChecked])
def supplement(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
               materials: Texts = [], note: Text = "", photos: PhotosIn = []) -> Response:  # noqa: B006
    return _act(request, session, visitor, case_id, Action.SUPPLEMENT,
                lambda: SupplementIn(version=_version(version), materials=_lines(materials), note=note or None),
                {"materials": materials, "note": note}, photos=photos)


def _day(value: str, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise InvalidInput(field, "日期格式不对，请重新选择。") from None


@router.post("/cases/{case_id}/forward", dependencies=[FormChecked])
def forward(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
            window_name: Text = "", forwarded_on: Text = "") -> Response:
    def build() -> BaseModel:
        return ForwardIn(version=_version(version), window_name=window_name,
                         forwarded_on=_day(forwarded_on, "forwarded_on"))

    return _act(request, session, visitor, case_id, Action.FORWARD_TO_WINDOW, build,
                {"window_name": window_name, "forwarded_on": forwarded_on})


@router.post("/cases/{case_id}/progress", dependencies=[FormChecked])
def progress(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
             text: Text = "") -> Response:
    return _act(request, session, visitor, case_id, Action.NOTE_PROGRESS,
                lambda: ProgressIn(version=_version(version), text=text), {"text": text})


@router.post("/cases/{case_id}/complete", dependencies=[FormChecked])
def complete(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
             result: Text = "", replied_at: Text = "", proof_reference: Text = "",
             photos: PhotosIn = []) -> Response:  # noqa: B006
    def build() -> BaseModel:
        return CompleteIn.model_validate({"version": _version(version), "result": result,
                                          "replied_at": replied_at or clock.now(),
                                          "proof_reference": proof_reference or None})

    return _act(request, session, visitor, case_id, Action.COMPLETE, build,
                {"result": result, "replied_at": replied_at, "proof_reference": proof_reference}, photos=photos)


@router.post("/cases/{case_id}/termination-statement", dependencies=[FormChecked])
def termination_statement(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
                          version: Text = "", cause: Text = "", reason: Text = "", signature: Text = "",
                          photos: PhotosIn = []) -> Response:  # noqa: B006
    def build() -> BaseModel:
        return TerminationStatementIn.model_validate({"version": _version(version), "cause": cause or None,
                                                      "reason": reason})

    return _act(request, session, visitor, case_id, Action.RECORD_TERMINATION_STATEMENT, build,
                {"cause": cause, "reason": reason}, photos=photos, signature=signature)


@router.post("/cases/{case_id}/close-supplement", dependencies=[FormChecked])
def close_supplement(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
                     note: Text = "") -> Response:
    return _act(request, session, visitor, case_id, Action.CLOSE_SUPPLEMENT,
                lambda: CloseSupplementIn(version=_version(version), note=note or None), {"note": note})


@router.post("/cases/{case_id}/request-extension", dependencies=[FormChecked])
def request_extension(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
                      days: Text = "", reason: Text = "", basis: Text = "") -> Response:
    def build() -> BaseModel:
        return ExtensionIn.model_validate({"version": _version(version), "days": days or None, "reason": reason,
                                           "basis": basis})

    return _act(request, session, visitor, case_id, Action.REQUEST_EXTENSION, build,
                {"days": days, "reason": reason, "basis": basis})


@router.post("/cases/{case_id}/terminate", dependencies=[FormChecked])
def terminate(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
              authorisation_evidence: Text = "", handover_receiver: Text = "", handed: Texts = [],  # noqa: B006
              extra: Text = "", photos: PhotosIn = []) -> Response:  # noqa: B006
    def build() -> BaseModel:
        return TerminateIn(version=_version(version), authorisation_evidence=authorisation_evidence,
                           handover_receiver=handover_receiver, handover_materials=_lines(handed, extra))

    return _act(request, session, visitor, case_id, Action.TERMINATE, build,
                {"authorisation_evidence": authorisation_evidence, "handover_receiver": handover_receiver,
                 "handed": handed, "extra": extra}, photos=photos)


@router.post("/cases/{case_id}/evaluate", dependencies=[FormChecked])
def evaluate(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, version: Text = "",
             level: Text = "", source: Text = "", comment: Text = "") -> Response:
    def build() -> BaseModel:
        return EvaluateIn.model_validate({"version": _version(version), "level": level or None,
                                          "source": source or None, "comment": comment or None})

    return _act(request, session, visitor, case_id, Action.EVALUATE, build,
                {"level": level, "source": source, "comment": comment})
