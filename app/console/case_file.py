"""What the console's case page shows of one case: the same record the helper's workbench reads (timeline,
photos, rating, messages), with the rectification and the hand-over beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import region_scope
from app.console.case_list import case_by_number
from app.entrustments import attachments, service
from app.entrustments.workflow import Action, allowed_actions, gates_of, rule_for
from app.evaluations import repository as evaluations
from app.helpers import workbench
from app.models import (
    Attachment,
    Entrustment,
    EntrustmentEvent,
    Evaluation,
    Handover,
    Helper,
    OutboxMessage,
    Rectification,
    RectificationStatus,
    Region,
    Role,
)
from app.notifications import delivery
from app.privacy import mask_phone

# The acts a staff member may take on a case from its page, by the slug of their form.
ACTS = {"reassign": Action.REASSIGN, "allow-second-supplement": Action.ALLOW_SECOND_SUPPLEMENT,
        "decide-extension": Action.DECIDE_EXTENSION}
CLOSE_RECTIFICATION = "close-rectification"


@dataclass(frozen=True)
class CaseFile:
    case: Entrustment
    township: Region | None
    clock: workbench.Clock
    timeline: Sequence[EntrustmentEvent]
    photos: Sequence[Attachment]
    evaluation: Evaluation | None
    rectification: Rectification | None
    handover: Handover | None
    deliveries: Sequence[OutboxMessage]
    contact_phone: str  # masked for oversight, who audit and need no one's number
    acts: tuple[str, ...] = ()  # the forms the page offers; the use cases still decide
    helpers: Sequence[tuple[Helper, Region]] = ()  # whom the case may be reassigned to, with their village

    @property
    def rectification_state(self) -> str | None:
        """As the dashboard counts it: open, late (open past its due day), resolved or unfounded."""
        found = self.rectification
        if found is None:
            return None
        if found.status is RectificationStatus.OPEN:
            return "late" if found.due_on < clock.today() else "open"
        return found.status.value


def _acts(case: Entrustment, actor: Actor, rectification: Rectification | None) -> tuple[str, ...]:
    """The forms worth showing: what the workflow table lets this actor do in the case's state (an offer only;
    ``transition`` checks everything again). A second supplement list is offered once a first one went out."""
    allowed = allowed_actions(case.status, gates_of(case))
    offered = [slug for slug, action in ACTS.items() if action in allowed and rule_for(action).actors & actor.kinds]
    if "allow-second-supplement" in offered and (case.supplement_rounds != 1 or case.second_supplement_allowed_at):
        offered.remove("allow-second-supplement")
    if (rectification is not None and rectification.status is RectificationStatus.OPEN
            and ActorKind.STAFF in actor.kinds):
        offered.append(CLOSE_RECTIFICATION)
    return tuple(offered)


def _helpers(session: Session, actor: Actor, case: Entrustment) -> list[tuple[Helper, Region]]:
    """The active helpers of the case's township the member may see: those ``reassign`` accepts."""
    rows = session.execute(
        select(Helper, Region).join(Region, Region.id == Helper.village_id)
        .where(Region.parent_id == case.village.parent_id, Helper.active.is_(True), region_scope(session, actor))
        .order_by(Region.code, Helper.is_secretary, Helper.name))
    return [(helper, village) for helper, village in rows]


def case_file(session: Session, actor: Actor, number: str) -> CaseFile:
    case = case_by_number(session, actor, number)
    phone = mask_phone(case.contact_phone) if actor.role is Role.OVERSIGHT else case.contact_phone
    rectification = session.scalar(select(Rectification).where(Rectification.entrustment_id == case.id)
                                   .order_by(Rectification.id.desc()).limit(1))
    acts = _acts(case, actor, rectification)
    return CaseFile(
        case=case,
        township=session.get(Region, case.village.parent_id) if case.village.parent_id is not None else None,
        clock=workbench.clock_of(case),
        timeline=service.timeline(session, case),
        photos=attachments.for_case(session, case),
        evaluation=evaluations.for_case(session, case.id),
        rectification=rectification,
        handover=session.scalar(select(Handover).where(Handover.entrustment_id == case.id)),
        deliveries=delivery.for_case(session, case.id),
        contact_phone=phone,
        acts=acts,
        helpers=_helpers(session, actor, case) if "reassign" in acts else (),
    )
