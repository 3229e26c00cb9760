"""投诉监督: a resident's complaint goes to the task force of the township the case (or the resident's
village) belongs to. Services flush, never commit."""

from __future__ import annotations

from sqlalchemy import case as sql_case
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import region_in_scope, region_scope
from app.entrustments import notices, repository
from app.entrustments import service as entrustments
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Complaint, ComplaintStatus, Region, Resident
from app.notifications.outbox import Kind, enqueue
from app.notifications.task_force import tell_task_force
from app.privacy import normalize_phone, phone_is_valid
from app.regions import repository as regions

MAX_TEXT = 1000
MAX_REPLY = 1000


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


def answer_complaint(session: Session, actor: Actor, complaint_id: int, reply: str) -> Complaint:
    """The task force of the complaint's township (or the county) answers it, once; the resident is told."""
    if ActorKind.STAFF not in actor.kinds:
        raise Forbidden("只有乡镇（街道）工作专班或县民政局可以答复投诉。")
    complaint = session.get(Complaint, complaint_id, with_for_update=True)
    township = township_of(session, complaint) if complaint is not None else None
    if complaint is None or township is None or not region_in_scope(session, actor, township):
        raise NotFound("找不到这条投诉，或您无权查看。", object_type="complaint", object_id=complaint_id)
    if complaint.status is ComplaintStatus.ANSWERED:
        raise Conflict("这条投诉已经答复过了，不能再次答复；如需补充，请直接联系投诉人。", code="complaint_answered")
    reply = reply.strip()
    if not reply:
        raise InvalidInput("reply", "请写下答复内容：核实的情况和处理结果。")
    if len(reply) > MAX_REPLY:
        raise InvalidInput("reply", f"答复内容请不要超过 {MAX_REPLY} 个字。")
    complaint.reply = reply
    complaint.status = ComplaintStatus.ANSWERED
    complaint.answered_at = clock.now()
    session.flush()
    audit.record(session, actor, "answer_complaint", object_type="complaint", object_id=complaint.id,
                 entrustment_id=complaint.entrustment_id, status_before=ComplaintStatus.OPEN.value,
                 status_after=ComplaintStatus.ANSWERED.value)
    # The case as the complaint names it (no second read audited): its township is the complaint's.
    case = repository.get(session, complaint.entrustment_id, true()) if complaint.entrustment_id else None
    resident = session.get(Resident, complaint.resident_id) if complaint.resident_id else None
    if resident is not None:
        base = notices.payload(case) if case else {"village": township.name}
        payload = {**base, "complaint_id": complaint.id, "township": township.name, "text": complaint.text,
                   "reply": reply, "created_at": complaint.created_at.isoformat()}
        kind = Kind.RESIDENT_COMPLAINT_ANSWERED
        enqueue(session, kind, dedupe_key=f"{kind.value}:{complaint.id}", recipient_kind="resident",
                recipient_id=resident.id, recipient_openid=resident.openid, payload=payload,
                entrustment_id=complaint.entrustment_id)
    return complaint


def for_staff(session: Session, actor: Actor, *, entrustment_id: int | None = None, answered: bool | None = None,
              limit: int = 100) -> list[Complaint]:
    """The complaints to the townships within the actor's area, open ones first, newest first; those about one
    case with ``entrustment_id``. A staff read of them is audited."""
    if actor.resident_id is not None or actor.helper_id is not None or ActorKind.RESIDENT in actor.kinds:
        raise Forbidden("投诉只有乡镇（街道）工作专班、县民政局和监督人员可以查看。")
    query = select(Complaint).where(Complaint.township_id.in_(select(Region.id).where(region_scope(session, actor))))
    if entrustment_id is not None:
        query = query.where(Complaint.entrustment_id == entrustment_id)
    if answered is not None:
        wanted = ComplaintStatus.ANSWERED if answered else ComplaintStatus.OPEN
        query = query.where(Complaint.status == wanted)
    open_first = sql_case((Complaint.status == ComplaintStatus.OPEN, 0), else_=1)
    found = list(session.scalars(query.order_by(open_first, Complaint.created_at.desc(), Complaint.id.desc())
                                 .limit(limit)))
    if found:
        audit.read(session, actor, "complaint", None, entrustment_id=entrustment_id, ids=[c.id for c in found])
    return found
