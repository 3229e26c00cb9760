"""What the console's case page shows of one case: the same record the helper's workbench reads (timeline,
photos, rating, messages), with the rectification and the hand-over beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import Actor
from app.console.case_list import case_by_number
from app.entrustments import attachments, service
from app.evaluations import repository as evaluations
from app.helpers import workbench
from app.models import (
    Attachment,
    Entrustment,
    EntrustmentEvent,
    Evaluation,
    Handover,
    OutboxMessage,
    Rectification,
    RectificationStatus,
    Region,
    Role,
)
from app.notifications import delivery
from app.privacy import mask_phone


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

    @property
    def rectification_state(self) -> str | None:
        """As the dashboard counts it: open, late (open past its due day), resolved or unfounded."""
        found = self.rectification
        if found is None:
            return None
        if found.status is RectificationStatus.OPEN:
            return "late" if found.due_on < clock.today() else "open"
        return found.status.value


def case_file(session: Session, actor: Actor, number: str) -> CaseFile:
    case = case_by_number(session, actor, number)
    phone = mask_phone(case.contact_phone) if actor.role is Role.OVERSIGHT else case.contact_phone
    return CaseFile(
        case=case,
        township=session.get(Region, case.village.parent_id) if case.village.parent_id is not None else None,
        clock=workbench.clock_of(case),
        timeline=service.timeline(session, case),
        photos=attachments.for_case(session, case),
        evaluation=evaluations.for_case(session, case.id),
        rectification=session.scalar(select(Rectification).where(Rectification.entrustment_id == case.id)
                                     .order_by(Rectification.id.desc()).limit(1)),
        handover=session.scalar(select(Handover).where(Handover.entrustment_id == case.id)),
        deliveries=delivery.for_case(session, case.id),
        contact_phone=phone,
    )
