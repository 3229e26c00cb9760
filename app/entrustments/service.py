"""Use cases of the entrustment workflow. Services flush, never commit (DESIGN §3 rule 2)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import entrustment_scope, region_in_scope
from app.calendar.service import WorkCalendar
from app.config import get_settings
from app.entrustments import repository
from app.entrustments.effects import EFFECTS
from app.entrustments.routing import route
from app.entrustments.schemas import SubmitIn
from app.entrustments.workflow import Action, Clock, Rule, check
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import (
    AuthorisationKind,
    Channel,
    Entrustment,
    EntrustmentEvent,
    EntrustmentStatus,
    Matter,
    Region,
    RegionLevel,
    Resident,
)
from app.notifications.transitions import notify
from app.privacy import lookup_hash


def _record(session: Session, case: Entrustment, action: Action, actor: Actor,
            from_status: EntrustmentStatus | None, details: dict[str, Any]) -> EntrustmentEvent:
    event = EntrustmentEvent(
        entrustment_id=case.id,
        kind=action.value,
        from_status=from_status.value if from_status else None,
        to_status=case.status.value,
        actor_kind=actor.primary_kind,
        actor_id=actor.helper_id or actor.resident_id or actor.api_key_id,
        actor_name=actor.name,
        details=details,
        created_at=clock.now(),
    )
    session.add(event)
    session.flush()
    return event


def _stamp(case: Entrustment, rule: Rule, now: datetime) -> None:
    """Enter the rule's status; its time is when the case first got there (a case back in
    ``submitted`` after its materials came keeps the time it was entrusted)."""
    if rule.target is not None:
        case.status = rule.target
        column = f"{rule.target.value}_at"
        if getattr(case, column) is None:
            setattr(case, column, now)


# ---- submit ---------------------------------------------------------------------------------------


def _resident_for(session: Session, actor: Actor, data: SubmitIn, village: Region) -> Resident:
    """Who entrusts: the resident acting themselves, the WeChat user the county's platform names,
    or a new resident without WeChat. Only the resident changes their own record; a case found by
    openid only fills in what the record lacks (the case keeps its own name and phone)."""
    owner = ActorKind.RESIDENT in actor.kinds
    if owner and actor.resident_id is not None:
        resident = session.get(Resident, actor.resident_id)
        if resident is None:
            raise NotFound("找不到委托人。")
    elif owner and actor.openid:
        if data.resident_openid not in (None, actor.openid):
            raise InvalidInput("resident_openid", "只能以自己的微信提交委托。")
        resident = session.scalar(select(Resident).where(Resident.openid == actor.openid))
        if resident is None:
            resident = Resident(openid=actor.openid, name="")
            session.add(resident)
    elif owner:
        raise NotFound("找不到委托人。")
    elif data.resident_openid:
        if ActorKind.PLATFORM not in actor.kinds:
            raise InvalidInput("resident_openid", "只有一门受理平台可以指定委托人的微信 openid。")
        resident = session.scalar(select(Resident).where(Resident.openid == data.resident_openid))
        if resident is None:
            resident = Resident(openid=data.resident_openid, name="")
            session.add(resident)
    else:
        resident = Resident(name="")
        session.add(resident)
    if owner or not resident.name:
        resident.name = data.resident_name
    if owner or not resident.phone:
        resident.phone = data.contact_phone
    resident.village_id = resident.village_id or village.id
    if data.resident_id_number and (owner or not resident.id_number):
        resident.id_number = data.resident_id_number
        resident.id_number_hash = lookup_hash(data.resident_id_number)
    session.flush()
    return resident


def _authorisation(actor: Actor, data: SubmitIn) -> tuple[AuthorisationKind, str | None]:
    if ActorKind.RESIDENT in actor.kinds:
        return AuthorisationKind.WECHAT_CONFIRMATION, data.authorisation_ref
    if ActorKind.HELPER in actor.kinds:
        if not data.authorisation_ref:
            raise InvalidInput(
                "authorisation_ref",
                "帮办员代为登记时请填写「委托手续」：委托人签字照片或当面签名的存档编号。",
            )
        kind = AuthorisationKind.PAPER_PHOTO if data.channel is Channel.PAPER else AuthorisationKind.SIGNATURE
        return kind, data.authorisation_ref
    return AuthorisationKind.PLATFORM, data.authorisation_ref


def submit(session: Session, actor: Actor, data: SubmitIn) -> Entrustment:
    check(None, Action.SUBMIT, actor.kinds, fields=data.model_dump())
    village = session.scalar(select(Region).where(Region.code == data.village_code))
    if village is None or village.level is not RegionLevel.VILLAGE:
        raise InvalidInput("village_code", f"找不到村（社区）编码「{data.village_code}」，请核对。")
    if not region_in_scope(session, actor, village):
        raise Forbidden("不能为本人负责区域以外的村（社区）登记委托。")
    matter = session.scalar(select(Matter).where(Matter.code == data.matter_code, Matter.active.is_(True)))
    if matter is None:
        raise InvalidInput("matter_code", f"找不到办理事项编码「{data.matter_code}」，请核对。")
    if (data.beneficiary_name is None) != (data.beneficiary_relation is None):
        field = "beneficiary_relation" if data.beneficiary_name else "beneficiary_name"
        raise InvalidInput(field, "为家人代办时，请同时填写家人的姓名和与委托人的关系。")
    if ActorKind.HELPER in actor.kinds and data.channel is Channel.WECHAT:
        raise InvalidInput("channel", "帮办员代为登记的委托，渠道应为电话、上门或纸质委托书。")

    resident = _resident_for(session, actor, data, village)
    authorisation_kind, authorisation_ref = _authorisation(actor, data)
    now = clock.now()
    calendar = WorkCalendar.load(session)
    case = Entrustment(
        village=village,
        matter=matter,
        resident=resident,
        resident_name=data.resident_name,
        contact_phone=data.contact_phone,
        description=data.description,
        channel=data.channel,
        beneficiary_name=data.beneficiary_name,
        beneficiary_relation=data.beneficiary_relation,
        authorisation_kind=authorisation_kind,
        authorisation_ref=authorisation_ref,
        registered_by_helper_id=actor.helper_id,
        status=EntrustmentStatus.SUBMITTED,
        submitted_at=now,
        time_limit_days=matter.time_limit_days,
        acceptance_due_on=calendar.add_working_days(clock.local_date(now), matter.acceptance_days),
        remark=data.remark,
        missing_materials=[],
    )
    decision = route(session, village)
    case.helper = decision.helper
    case.queue = decision.queue
    case.calendar_fallback = calendar.fell_back
    session.add(case)
    session.flush()
    case.number = f"{get_settings().case_prefix}{clock.local_date(now).year}-{case.id:06d}"
    session.flush()

    details: dict[str, Any] = {"channel": data.channel.value, "matter": matter.code,
                               "authorisation": authorisation_kind.value}
    if calendar.fell_back:
        details["calendar_fallback"] = True
    event = _record(session, case, Action.SUBMIT, actor, None, details)
    routing_event = EntrustmentEvent(
        entrustment_id=case.id, kind="route", from_status=None, to_status=case.status.value,
        actor_kind="worker", actor_name="系统", details=decision.as_details(), created_at=clock.now(),
    )
    session.add(routing_event)
    session.flush()
    notify(session, case, Action.SUBMIT, event)
    return case


# ---- actions on an existing case -------------------------------------------------------------------


def _authorise_on_case(actor: Actor, case: Entrustment, rule: Rule) -> None:
    """The table says which kinds of actor may act; this says which one of them, on this case."""
    acting = rule.actors & actor.kinds
    if acting == {ActorKind.HELPER} and case.helper_id != actor.helper_id:
        raise Forbidden("这件委托不是由您负责办理的，如需接手请联系乡镇（街道）工作专班改派。")
    if acting == {ActorKind.RESIDENT} and case.resident_id != actor.resident_id:
        raise NotFound("找不到这件委托。")


def transition(session: Session, actor: Actor, entrustment_id: int, action: Action,
               data: BaseModel) -> Entrustment:
    """Check the table, apply the action's effect, stamp ``<status>_at``, record one event and
    write the notifications it causes — all in the caller's transaction."""
    case = repository.get_for_update(session, entrustment_id, entrustment_scope(session, actor))
    if case is None:
        raise NotFound("找不到这件委托，或您无权查看。")
    version = getattr(data, "version", None)
    if version is not None and version != case.version:
        raise Conflict("这件委托刚刚被其他人更新过，请刷新后再操作。", code="version_conflict",
                       version=case.version)
    fields = data.model_dump()
    rule = check(case.status, action, actor.kinds, flagged=case.termination_requested_at is not None,
                 fields=fields)
    _authorise_on_case(actor, case, rule)
    calendar = WorkCalendar.load(session)
    from_status = case.status
    details = EFFECTS[action](session, actor, case, data, calendar)
    if rule.clock is Clock.STOP:
        case.progress_due_on = None
        case.paused_at = None
    _stamp(case, rule, clock.now())
    if calendar.fell_back:
        case.calendar_fallback = True
        details["calendar_fallback"] = True
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("这件委托刚刚被其他人更新过，请刷新后再操作。", code="version_conflict") from None
    event = _record(session, case, action, actor, from_status, details)
    notify(session, case, action, event)
    return case


# ---- reading ------------------------------------------------------------------------------------


def get(session: Session, actor: Actor, entrustment_id: int) -> Entrustment:
    case = repository.get(session, entrustment_id, entrustment_scope(session, actor))
    if case is None:
        raise NotFound("找不到这件委托，或您无权查看。")
    return case


def list_page(session: Session, actor: Actor, *, status: EntrustmentStatus | None = None,
              village_code: str | None = None, helper_id: int | None = None, limit: int = 50,
              offset: int = 0) -> tuple[Sequence[Entrustment], int]:
    return repository.page(session, entrustment_scope(session, actor), status=status,
                           village_code=village_code, helper_id=helper_id, limit=limit, offset=offset)


def timeline(session: Session, case: Entrustment) -> Sequence[EntrustmentEvent]:
    return repository.events(session, case.id)
