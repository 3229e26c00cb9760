"""投诉监督: a resident's complaint goes to the task force of the township the case (or the resident's
village) belongs to. Services flush, never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind
from app.entrustments import notices
from app.entrustments import service as entrustments
from app.errors import Forbidden, InvalidInput, NotFound
from app.models import Complaint, ComplaintStatus, Region, Resident
from app.notifications.outbox import Kind
from app.notifications.task_force import tell_task_force
from app.privacy import normalize_phone, phone_is_valid
from app.regions import repository as regions

MAX_TEXT = 1000


def _resident(session: Session, actor: Actor, name: str, phone: str, village: Region) -> Resident:
    resident = session.get(Resident, actor.resident_id) if actor.resident_id else None
    if resident is None and actor.openid:
        resident = session.scalar(select(Resident).where(Resident.openid == actor.openid))
    if resident is None:
        resident = Resident(openid=actor.openid, name=name, village_id=village.id)
        session.add(resident)
    resident.name = name
    resident.phone = phone
    session.flush()
    return resident


def file_complaint(session: Session, actor: Actor, *, text: str, name: str, phone: str,
                   entrustment_id: int | None = None, village_code: str | None = None) -> Complaint:
    if ActorKind.RESIDENT not in actor.kinds:
        raise Forbidden("投诉由委托人本人提交。")
    text, name, phone = text.strip(), name.strip(), normalize_phone(phone.strip())
    if not text:
        raise InvalidInput("text", "请写下您要投诉的事情。")
    if len(text) > MAX_TEXT:
        raise InvalidInput("text", f"投诉内容请不要超过 {MAX_TEXT} 个字。")
    if not name or len(name) > 32:
        raise InvalidInput("name", "请填写您的姓名，方便工作专班联系您。")
    if not phone_is_valid(phone):
        raise InvalidInput("phone", "请填写正确的联系电话（例如 13800000000 或 023-74221234），方便工作专班联系您。")
    case = entrustments.get(session, actor, entrustment_id) if entrustment_id is not None else None
    if case is not None:
        village = case.village
    else:
        found = regions.village_by_code(session, village_code)
        if found is None:
            raise InvalidInput("village_code", "请先选择您所在的村（社区），投诉会交给所属乡镇（街道）的工作专班。")
        village = found
    assert village.parent_id is not None
    resident = _resident(session, actor, name, phone, village)
    complaint = Complaint(township_id=village.parent_id, entrustment_id=case.id if case else None,
                          resident_id=resident.id, text=text, status=ComplaintStatus.OPEN, created_at=clock.now())
    session.add(complaint)
    session.flush()
    audit.record(session, actor, "complain", object_type="complaint", object_id=complaint.id,
                 entrustment_id=case.id if case else None)
    payload = {**(notices.payload(case) if case else {"village": village.name}), "complaint_id": complaint.id,
               "resident_name": name, "text": text, "created_at": complaint.created_at.isoformat()}
    tell_task_force(session, Kind.TOWNSHIP_COMPLAINT, village.parent_id, str(complaint.id), payload,
                    case.id if case else None)
    return complaint


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    """A resident's own complaint; anyone else's is not found."""
    complaint = session.get(Complaint, complaint_id)
    resident_id = actor.resident_id
    if resident_id is None and actor.openid:
        resident_id = session.scalar(select(Resident.id).where(Resident.openid == actor.openid))
    if complaint is None or resident_id is None or complaint.resident_id != resident_id:
        raise NotFound("找不到这条投诉。")
    return complaint


def township_of(session: Session, complaint: Complaint) -> Region | None:
    return session.get(Region, complaint.township_id)
