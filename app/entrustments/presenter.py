"""Entrustments as the API shows them, masked for roles that do not need personal data."""

from __future__ import annotations

from collections.abc import Sequence

from app.auth.actor import Actor
from app.entrustments import deadlines
from app.entrustments.schemas import EntrustmentDetailOut, EntrustmentOut, EventOut, ResidentOut
from app.entrustments.workflow import STATUS_LABELS, allowed_actions, gates_of
from app.models import Entrustment, EntrustmentEvent, Role
from app.privacy import mask_phone


def _shows_personal_data(actor: Actor) -> bool:
    return actor.role is not Role.OVERSIGHT


def entrustment_out(case: Entrustment, actor: Actor) -> EntrustmentOut:
    flagged = case.termination_requested_at is not None
    phone = case.contact_phone if _shows_personal_data(actor) else mask_phone(case.contact_phone)
    return EntrustmentOut(
        id=case.id,
        number=case.number or "",
        status=case.status,
        status_label=STATUS_LABELS[case.status] + ("（委托人已申请终止）" if flagged else ""),
        termination_requested=flagged,
        village_code=case.village.code,
        village_name=case.village.name,
        matter_code=case.matter.code,
        matter_name=case.matter.name,
        category=case.matter.category.value,
        channel=case.channel,
        resident=ResidentOut(name=case.resident_name, openid=case.resident.openid, contact_phone=phone),
        beneficiary_name=case.beneficiary_name,
        beneficiary_relation=case.beneficiary_relation,
        description=case.description,
        helper_id=case.helper_id,
        queue=case.queue,
        submitted_at=case.submitted_at,
        accepted_at=case.accepted_at,
        completed_at=case.completed_at,
        acceptance_due_on=case.acceptance_due_on,
        due_on=case.due_on,
        progress_due_on=case.progress_due_on,
        time_limit_days=case.time_limit_days,
        missing_materials=case.missing_materials or [],
        result=case.result,
        replied_at=case.replied_at,
        calendar_fallback=case.calendar_fallback,
        deadline_provisional=deadlines.provisional(case),
        version=case.version,
        allowed_actions=[a.value for a in allowed_actions(case.status, gates_of(case))],
    )


def entrustment_detail_out(case: Entrustment, actor: Actor,
                           events: Sequence[EntrustmentEvent]) -> EntrustmentDetailOut:
    return EntrustmentDetailOut(
        **entrustment_out(case, actor).model_dump(),
        decline_reason=case.decline_reason,
        window_name=case.window_name,
        forwarded_on=case.forwarded_on,
        remark=case.remark,
        timeline=[
            EventOut(kind=e.kind, from_status=e.from_status, to_status=e.to_status,
                     actor=f"{e.actor_kind}:{e.actor_name or ''}", details=e.details, at=e.created_at)
            for e in events
        ],
    )
