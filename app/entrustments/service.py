"""Use cases of the entrustment workflow. Services flush, never commit (DESIGN §3 rule 2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit, clock, limits
from app.auth.actor import WORKER, Actor, ActorKind
from app.auth.scope import entrustment_scope, region_in_scope
from app.calendar.service import WorkCalendar
from app.config import get_settings
from app.entrustments import attachments, clocks, events, notices, repository
from app.entrustments.cursor import Cursor
from app.entrustments.effects import EFFECTS, Act, NamedPhoto, remaining_materials
from app.entrustments.routing import route
from app.entrustments.schemas import CloseSupplementIn, SubmitIn
from app.entrustments.workflow import Action, EventKind, Flag, Rule, check, gates_of, rule_for
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.matters import repository as matters
from app.models import (
    AttachmentKind,
    AuthorisationKind,
    Channel,
    Entrustment,
    EntrustmentEvent,
    EntrustmentStatus,
    Region,
    Resident,
    Visit,
)
from app.privacy import lookup_hash
from app.regions import repository as regions

STALE = "这件委托刚刚被其他人更新过，请刷新后再操作。"


def _stamp(case: Entrustment, rule: Rule, act: Act) -> None:
    """Enter the rule's status; its time is when the case first got there (a case back in
    ``submitted`` after its materials came keeps the time it was entrusted)."""
    if rule.target is not None:
        case.status = rule.target
        column = f"{rule.target.value}_at"
        if getattr(case, column) is None:
            setattr(case, column, act.now)
    if rule.flag is Flag.SETS:
        case.termination_requested_at = act.now


def _apply(act: Act, rule: Rule, from_status: EntrustmentStatus | None, details: dict[str, Any],
           photo_kind: AttachmentKind) -> EntrustmentEvent:
    """The columns of the table, in order: clock effect, status and flag, photos, event, audit, notices."""
    case = act.case
    details = {**details, **clocks.EFFECTS[rule.clock](case, act.calendar, act.now)}
    _stamp(case, rule, act)
    if act.calendar.fell_back:
        case.calendar_fallback = True
        details["calendar_fallback"] = True
    try:
        act.session.flush()
    except StaleDataError:
        raise Conflict(STALE, code="version_conflict") from None
    for name, photo in act.photos:
        attachments.store(act.session, case, photo, kind=photo_kind, uploaded_by=act.actor, material_name=name)
    event = events.record(act.session, case, EventKind(rule.action.value), act.actor, from_status=from_status,
                          details=details)
    audit.record(act.session, act.actor, rule.action.value, object_id=case.id, entrustment_id=case.id,
                 status_before=from_status.value if from_status else None, status_after=case.status.value)
    return event


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


def _authorisation(actor: Actor, data: SubmitIn, photos: Sequence[NamedPhoto]) -> tuple[AuthorisationKind, str | None]:
    """The resident's 委托手续: their own WeChat confirmation; for a helper registering a phone, visit
    or paper entrustment, the signed form's photo or the reference of a signature on record."""
    if ActorKind.RESIDENT in actor.kinds:
        return AuthorisationKind.WECHAT_CONFIRMATION, data.authorisation_ref
    if ActorKind.HELPER in actor.kinds:
        if data.channel is Channel.PAPER:
            if not photos:
                raise InvalidInput("photos", "纸质委托书要拍照上传，作为委托人的委托手续。")
            return AuthorisationKind.PAPER_PHOTO, data.authorisation_ref or PAPER_FORM
        if not data.authorisation_ref:
            raise InvalidInput(
                "authorisation_ref",
                "帮办员代为登记时请填写「委托手续」：委托人签字照片或当面签名的存档编号。",
            )
        return AuthorisationKind.SIGNATURE, data.authorisation_ref
    return AuthorisationKind.PLATFORM, data.authorisation_ref


PAPER_FORM = "纸质委托书照片（见附件）"


def _beneficiary(data: SubmitIn) -> tuple[str | None, str | None]:
    """Who the matter is for when it is not the resident: both the name and the relation, or neither."""
    name, relation = data.beneficiary_name or None, data.beneficiary_relation or None
    family = data.for_family if data.for_family is not None else bool(name or relation)
    if family and not (name and relation):
        raise InvalidInput("beneficiary_relation" if name else "beneficiary_name",
                           "为家里人办，请同时填写家里人的姓名和他（她）与委托人的关系。")
    return (name, relation) if family else (None, None)


def submit(session: Session, actor: Actor, data: SubmitIn, *, photos: Sequence[NamedPhoto] = (),
           visit_id: int | None = None) -> Entrustment:
    """A new case: by the resident, by the county's platform, or registered by a helper with the
    signed form's photos and, after a home visit, linked to that visit — all or nothing."""
    rule = check(None, Action.SUBMIT, actor.kinds, fields=data.model_dump())
    village = regions.village_by_code(session, data.village_code)
    if village is None:
        raise InvalidInput("village_code", f"找不到村（社区）编码「{data.village_code}」，请核对。")
    if not region_in_scope(session, actor, village):
        raise Forbidden("不能为本人负责区域以外的村（社区）登记委托。")
    matter = matters.active_by_code(session, data.matter_code)
    if matter is None:
        raise InvalidInput("matter_code", f"找不到办理事项编码「{data.matter_code}」，请核对。")
    beneficiary_name, beneficiary_relation = _beneficiary(data)
    if ActorKind.HELPER in actor.kinds and data.channel is Channel.WECHAT:
        raise InvalidInput("channel", "帮办员代为登记的委托，渠道应为电话、上门或纸质委托书。")
    authorisation_kind, authorisation_ref = _authorisation(actor, data, photos)

    resident = _resident_for(session, actor, data, village)
    limits.check_entrustment(session, actor, resident)
    limits.check_photos(session, actor, None, [len(photo.data) for _, photo in photos])
    calendar = WorkCalendar.load(session)
    case = Entrustment(
        village=village,
        matter=matter,
        resident=resident,
        resident_name=data.resident_name,
        contact_phone=data.contact_phone,
        description=data.description,
        channel=data.channel,
        beneficiary_name=beneficiary_name,
        beneficiary_relation=beneficiary_relation,
        authorisation_kind=authorisation_kind,
        authorisation_ref=authorisation_ref,
        registered_by_helper_id=actor.helper_id,
        time_limit_days=matter.time_limit_days,
        remark=data.remark,
        missing_materials=[],
    )
    decision = route(session, village)
    case.helper = decision.helper
    case.queue = decision.queue
    act = Act(session, actor, case, calendar, clock.now(), photos)
    _stamp(case, rule, act)
    session.add(case)
    session.flush()
    case.number = f"{get_settings().case_prefix}{clock.local_date(act.now).year}-{case.id:06d}"
    kind = AttachmentKind.AUTHORISATION if ActorKind.HELPER in actor.kinds else AttachmentKind.MATERIAL
    event = _apply(act, rule, None, {"channel": data.channel.value, "matter": matter.code,
                                     "authorisation": authorisation_kind.value}, kind)
    events.record(session, case, EventKind.ROUTE, from_status=None, details=decision.as_details())
    if visit_id is not None:
        _link_visit(session, actor, visit_id, case)
    notices.notify(session, case, rule, event)
    return case


def _link_visit(session: Session, actor: Actor, visit_id: int, case: Entrustment) -> None:
    """The home visit (主动上门) at which the helper took this entrustment."""
    visit = session.get(Visit, visit_id)
    if visit is None or visit.helper_id != actor.helper_id:
        raise NotFound("找不到这次走访记录。")
    if visit.entrustment_id is not None:
        raise Conflict("这次走访已经登记过委托了。")
    visit.entrustment_id = case.id


# ---- actions on an existing case -------------------------------------------------------------------


def _authorise_on_case(actor: Actor, case: Entrustment, rule: Rule) -> None:
    """The table says which kinds of actor may act; this says which one of them, on this case."""
    acting = rule.actors & actor.kinds
    if acting == {ActorKind.HELPER} and case.helper_id != actor.helper_id:
        raise Forbidden("这件委托不是由您负责办理的，如需接手请联系乡镇（街道）工作专班改派。")
    if acting == {ActorKind.RESIDENT} and case.resident_id != actor.resident_id:
        raise NotFound("找不到这件委托。")


# Photos that come with an action are materials, except those of papers handed back.
PHOTO_KINDS = {Action.TERMINATE: AttachmentKind.HANDOVER, Action.COMPLETE: AttachmentKind.PROOF,
               Action.RECORD_TERMINATION_STATEMENT: AttachmentKind.TERMINATION}


def transition(session: Session, actor: Actor, entrustment_id: int, action: Action, data: BaseModel, *,
               photos: Sequence[NamedPhoto] = ()) -> Entrustment:
    """Check the table, apply the action's effect and the table's clock, status and flag, store its
    photos, record one event and one audit entry and write the notifications the rule declares — all
    in the caller's transaction."""
    schema = rule_for(action).schema
    if not isinstance(data, schema):
        raise TypeError(f"{action.value} takes {schema.__name__}, not {type(data).__name__}")
    case = repository.get_for_update(session, entrustment_id, entrustment_scope(session, actor))
    if case is None:
        raise NotFound("找不到这件委托，或您无权查看。", object_type="entrustment", object_id=entrustment_id)
    version = getattr(data, "version", None)
    if version is not None and version != case.version:
        raise Conflict(STALE, code="version_conflict", version=case.version)
    rule = check(case.status, action, actor.kinds, gates=gates_of(case), fields=data.model_dump())
    _authorise_on_case(actor, case, rule)
    limits.check_photos(session, actor, case, [len(photo.data) for _, photo in photos])
    act = Act(session, actor, case, WorkCalendar.load(session), clock.now(), photos)
    from_status = case.status
    details = EFFECTS[action](act, data)
    event = _apply(act, rule, from_status, details, PHOTO_KINDS.get(action, AttachmentKind.MATERIAL))
    notices.notify(session, case, rule, event)
    if action is Action.SUPPLEMENT and not remaining_materials(case):
        _close_supplement(act)
    return case


def _close_supplement(act: Act) -> None:
    """Every listed item has arrived: the step ends on its own and the acceptance clock runs again."""
    rule = rule_for(Action.CLOSE_SUPPLEMENT)
    closing = Act(act.session, WORKER, act.case, act.calendar, act.now)
    details = EFFECTS[Action.CLOSE_SUPPLEMENT](closing, CloseSupplementIn())
    event = _apply(closing, rule, act.case.status, details, AttachmentKind.MATERIAL)
    notices.notify(act.session, act.case, rule, event)


# ---- reading ------------------------------------------------------------------------------------


def get(session: Session, actor: Actor, entrustment_id: int) -> Entrustment:
    """The case if the actor may see it; a staff read of its personal data is audited."""
    case = repository.get(session, entrustment_id, entrustment_scope(session, actor))
    if case is None:
        raise NotFound("找不到这件委托，或您无权查看。", object_type="entrustment", object_id=entrustment_id)
    audit.read(session, actor, "entrustment", case.id, entrustment_id=case.id)
    return case


def cases_page(session: Session, actor: Actor, *, status: EntrustmentStatus | None = None,
               village_code: str | None = None, helper_id: int | None = None, limit: int = 50,
               offset: int = 0, after: Cursor | None = None) -> repository.Page:
    """A page of the cases the actor may see, newest first, as the API's list shows them; reading it is audited."""
    found = repository.page(session, entrustment_scope(session, actor), status=status, village_code=village_code,
                            helper_id=helper_id, limit=limit, offset=offset, after=after, listing=True)
    if found.items:
        audit.read(session, actor, "entrustment", None, ids=[case.id for case in found.items])
    return found


def list_page(session: Session, actor: Actor, *, status: EntrustmentStatus | None = None,
              village_code: str | None = None, helper_id: int | None = None, limit: int = 50,
              offset: int = 0) -> tuple[Sequence[Entrustment], int | None]:
    found = repository.page(session, entrustment_scope(session, actor), status=status, village_code=village_code,
                            helper_id=helper_id, limit=limit, offset=offset)
    if found.items:
        audit.read(session, actor, "entrustment", None, ids=[case.id for case in found.items])
    return found.items, found.total


def timeline(session: Session, case: Entrustment) -> Sequence[EntrustmentEvent]:
    return repository.events(session, case.id)
