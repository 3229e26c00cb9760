"""Resident pages: entrust (village from the QR scene, matter by category with its conditions and
materials), my cases, supply what is missing, cancel, rate, complain."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import ValidationError

from app.auth.deps import SessionDep
from app.auth.scope import entrustment_scope
from app.complaints import service as complaints
from app.entrustments import attachments, service
from app.entrustments import repository as entrustments_repository
from app.entrustments.schemas import EvaluateIn, RequestTerminationIn, SubmitIn, SupplementIn
from app.entrustments.workflow import Action, allowed_actions, gates_of
from app.errors import Conflict, InvalidInput, NotFound
from app.evaluations import repository as evaluations
from app.matters import repository as matters
from app.models import AssistanceCategory, Channel, RatingLevel, RatingSource, RegionLevel
from app.regions import repository as regions
from app.validation import invalid_from
from app.web import resident_texts as texts
from app.web.forms import read_photos
from app.web.identity import FormChecked, VisitorDep, as_resident
from app.web.pages import PageRoute, render, see_other

router = APIRouter(prefix="/h5", route_class=PageRoute, include_in_schema=False)

PhotosIn = Annotated[list[UploadFile | str], File()]
Text = Annotated[str, Form()]

CANCEL_REASONS = ("不需要办了", "自己去办", "材料准备不了", "其他原因")


@router.get("/")
def home(request: Request, session: SessionDep, visitor: VisitorDep) -> Response:
    actor = as_resident(visitor)
    helper = visitor.helper if visitor.helper is not None and visitor.helper.active else None
    open_count = entrustments_repository.open_count(session, entrustment_scope(session, actor))
    return render(request, "resident/home.html", title="帮办代办", open_count=open_count,
                  is_helper=helper is not None, is_secretary=bool(helper and helper.is_secretary))


@router.get("/villages")
def choose_village(request: Request, session: SessionDep, visitor: VisitorDep, township: str | None = None,
                   purpose: Annotated[str, Query(alias="for")] = "entrust") -> Response:
    purpose = "complain" if purpose == "complain" else "entrust"
    chosen = regions.by_code(session, township, RegionLevel.TOWNSHIP)
    return render(request, "resident/villages.html", title="选择村（社区）", target=f"/h5/{purpose}",
                  purpose=purpose, township=chosen,
                  townships=[] if chosen else regions.townships(session),
                  villages=regions.children(session, chosen) if chosen else [])


def _category(value: str | None) -> AssistanceCategory | None:
    try:
        return AssistanceCategory(value) if value else None
    except ValueError:
        return None


def _entrust_page(request: Request, session: SessionDep, visitor: VisitorDep, *, village_code: str | None,
                  category: str | None, matter_code: str | None, values: dict[str, Any] | None = None,
                  errors: dict[str, str] | None = None) -> Response:
    resident = visitor.resident
    place = regions.village_by_code(session, village_code)
    if place is None and not village_code and resident is not None:
        place = regions.by_id(session, resident.village_id)
    chosen = matters.active_by_code(session, matter_code)
    kind = chosen.category if chosen else _category(category)
    defaults = {"resident_name": resident.name if resident else "", "contact_phone": resident.phone if resident else "",
                "for_whom": "self"}
    return render(
        request, "resident/entrust.html", status=422 if errors else 200, title="我要委托帮办",
        village=place, township=regions.by_id(session, place.parent_id) if place else None,
        unknown_village=bool(village_code) and place is None, category=kind,
        categories=[(c, texts.CATEGORY_LABELS[c]) for c in matters.categories_in_use(session)],
        matters=matters.active(session, kind) if kind and not chosen else [], matter=chosen,
        values={**defaults, **(values or {})}, errors=errors or {}, relations=texts.RELATIONS,
        consent=texts.CONSENT, free=texts.FREE, photo_hint=texts.PHOTO_HINT, texts=texts,
    )


@router.get("/entrust")
def entrust_form(request: Request, session: SessionDep, visitor: VisitorDep, village: str | None = None,
                 category: str | None = None, matter: str | None = None) -> Response:
    return _entrust_page(request, session, visitor, village_code=village, category=category, matter_code=matter)


@router.post("/entrust", dependencies=[FormChecked])
def entrust_submit(
    request: Request, session: SessionDep, visitor: VisitorDep,
    village_code: Text = "", matter_code: Text = "", resident_name: Text = "", contact_phone: Text = "",
    description: Text = "", for_whom: Text = "self", beneficiary_name: Text = "", beneficiary_relation: Text = "",
    consent: Text = "", photos: PhotosIn = [],  # noqa: B006 - FastAPI copies the default
) -> Response:
    # The timeline names the resident as they sign this entrustment, also on their first one.
    actor = replace(as_resident(visitor), name=resident_name.strip()[:32] or "委托人")
    family = for_whom == "family"
    values = {"resident_name": resident_name, "contact_phone": contact_phone, "description": description,
              "for_whom": "family" if family else "self", "beneficiary_name": beneficiary_name,
              "beneficiary_relation": beneficiary_relation, "consent": consent}
    try:
        if consent != "yes":
            raise InvalidInput("consent", "请先读一下“个人信息使用”的说明，同意的话在方框里打勾。")
        chosen = read_photos(photos)
        try:
            data = SubmitIn.model_validate({
                "village_code": village_code, "matter_code": matter_code, "resident_name": resident_name,
                "contact_phone": contact_phone, "description": description, "channel": Channel.WECHAT,
                "for_family": family,
                "beneficiary_name": beneficiary_name if family else None,
                "beneficiary_relation": beneficiary_relation if family else None,
                "resident_openid": visitor.openid, "authorisation_ref": "微信页面确认委托并同意使用个人信息",
            })
        except ValidationError as exc:
            raise invalid_from(exc) from None
        with session.begin_nested():
            case = service.submit(session, actor, data, photos=chosen)
    except InvalidInput as exc:
        return _entrust_page(request, session, visitor, village_code=village_code, category=None,
                             matter_code=matter_code, values=values, errors={exc.field: exc.message})
    return see_other(f"/h5/cases/{case.id}?done=submit")


@router.get("/cases")
def my_cases(request: Request, session: SessionDep, visitor: VisitorDep) -> Response:
    actor = as_resident(visitor)
    cases, _ = service.list_page(session, actor, limit=100)
    return render(request, "resident/cases.html", title="我的办件", cases=cases, texts=texts)


def _case_page(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, *, done: str | None = None,
               refused: Action | None = None, values: dict[str, Any] | None = None,
               errors: dict[str, str] | None = None) -> Response:
    actor = as_resident(visitor)
    case = service.get(session, actor, case_id)
    flagged = case.termination_requested_at is not None
    allowed = allowed_actions(case.status, gates_of(case))
    history = service.timeline(session, case)
    events = [(e, texts.timeline_line(e, case)) for e in history]
    evaluation = evaluations.for_case(session, case.id)
    return render(
        request, "resident/case.html", status=422 if errors else 409 if refused else 200, title=f"办件 {case.number}",
        case=case, texts=texts, done=texts.done_message(done, case, evaluation) if done else None,
        refusal=texts.refusal(refused, case, evaluation) if refused else None,
        timeline=[(e, line) for e, line in events if line], photos=attachments.for_case(session, case),
        evaluation=evaluation, can_supplement=Action.SUPPLEMENT in allowed,
        supplement_note=texts.supplement_note(history),
        can_cancel=Action.REQUEST_TERMINATION in allowed and not flagged, can_rate=Action.EVALUATE in allowed,
        levels=[(level.value, texts.RATING_HINTS[level.value]) for level in RatingLevel],
        values=values or {}, errors=errors or {},
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
              done: str | None = None) -> Response:
    return _case_page(request, session, visitor, case_id, done=done)


@router.post("/cases/{case_id}/supplement", dependencies=[FormChecked])
def supplement(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int,
               photo_for: Annotated[list[str], Form()] = [], photos: PhotosIn = [],  # noqa: B006
               note: Text = "") -> Response:
    actor = as_resident(visitor)
    try:
        chosen = read_photos(photos, names=photo_for)
        try:
            data = SupplementIn(note=note or None)
        except ValidationError as exc:
            raise invalid_from(exc) from None
        with session.begin_nested():
            service.transition(session, actor, case_id, Action.SUPPLEMENT, data, photos=chosen)
    except InvalidInput as exc:
        return _case_page(request, session, visitor, case_id, values={"note": note},
                          errors={exc.field: exc.message})
    except Conflict:
        return _case_page(request, session, visitor, case_id, refused=Action.SUPPLEMENT)
    return see_other(f"/h5/cases/{case_id}?done=supplement")


@router.get("/cases/{case_id}/cancel")
def cancel_form(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int) -> Response:
    case = service.get(session, as_resident(visitor), case_id)
    if case.termination_requested_at is not None or Action.REQUEST_TERMINATION not in allowed_actions(case.status):
        return _case_page(request, session, visitor, case_id, refused=Action.REQUEST_TERMINATION)
    return render(request, "resident/cancel.html", title="取消委托", case=case, reasons=CANCEL_REASONS,
                  promise=texts.CANCEL_PROMISE, values={}, errors={})


@router.post("/cases/{case_id}/cancel", dependencies=[FormChecked])
def cancel(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, reason: Text = "",
           detail: Text = "", confirmed: Text = "") -> Response:
    actor = as_resident(visitor)
    if service.get(session, actor, case_id).termination_requested_at is not None:
        return _case_page(request, session, visitor, case_id, refused=Action.REQUEST_TERMINATION)
    try:
        if reason not in CANCEL_REASONS:
            raise InvalidInput("reason", "请选一个取消的原因。")
        text = f"{reason}：{detail.strip()}" if detail.strip() else reason
        try:
            data = RequestTerminationIn(reason=text, confirmed=confirmed == "yes")
        except ValidationError as exc:
            raise invalid_from(exc) from None
        with session.begin_nested():
            service.transition(session, actor, case_id, Action.REQUEST_TERMINATION, data)
    except Conflict:
        return _case_page(request, session, visitor, case_id, refused=Action.REQUEST_TERMINATION)
    except InvalidInput as exc:
        case = service.get(session, actor, case_id)
        return render(request, "resident/cancel.html", status=422, title="取消委托", case=case,
                      reasons=CANCEL_REASONS, promise=texts.CANCEL_PROMISE,
                      values={"reason": reason, "detail": detail}, errors={exc.field: exc.message})
    return see_other(f"/h5/cases/{case_id}?done=cancel")


@router.post("/cases/{case_id}/rate", dependencies=[FormChecked])
def rate(request: Request, session: SessionDep, visitor: VisitorDep, case_id: int, level: Text = "",
         comment: Text = "") -> Response:
    actor = as_resident(visitor)
    try:
        try:
            data = EvaluateIn(level=RatingLevel(level), source=RatingSource.RESIDENT, comment=comment or None)
        except ValueError:
            raise InvalidInput("level", "请选一个评价：非常满意、满意、基本满意、不满意或非常不满意。") from None
        with session.begin_nested():
            service.transition(session, actor, case_id, Action.EVALUATE, data)
    except Conflict:
        return _case_page(request, session, visitor, case_id, refused=Action.EVALUATE)
    except InvalidInput as exc:
        return _case_page(request, session, visitor, case_id, values={"level": level, "comment": comment},
                          errors={exc.field: exc.message})
    return see_other(f"/h5/cases/{case_id}?done=rate")


@router.get("/complain")
def complain_form(request: Request, session: SessionDep, visitor: VisitorDep, case: int | None = None,
                  village: str | None = None) -> Response:
    return _complain_page(request, session, visitor, case_id=case, village_code=village)


def _complain_page(request: Request, session: SessionDep, visitor: VisitorDep, *, case_id: int | None,
                   village_code: str | None, values: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None) -> Response:
    actor = as_resident(visitor)
    case = service.get(session, actor, case_id) if case_id is not None else None
    resident = visitor.resident
    place = case.village if case else regions.village_by_code(session, village_code)
    if place is None and not village_code and resident is not None:
        place = regions.by_id(session, resident.village_id)
    defaults = {"name": resident.name if resident else "", "phone": resident.phone if resident else ""}
    township = regions.by_id(session, place.parent_id) if place else None
    return render(request, "resident/complain.html", status=422 if errors else 200, title="我要投诉", case=case,
                  village=place, township=township, values={**defaults, **(values or {})}, errors=errors or {})


@router.post("/complain", dependencies=[FormChecked])
def complain(request: Request, session: SessionDep, visitor: VisitorDep, text: Text = "", name: Text = "",
             phone: Text = "", case_id: Text = "", village_code: Text = "") -> Response:
    actor = as_resident(visitor)
    case = int(case_id) if case_id.isdigit() else None
    try:
        with session.begin_nested():
            complaint = complaints.file_complaint(session, actor, text=text, name=name, phone=phone,
                                                  entrustment_id=case, village_code=village_code or None)
    except InvalidInput as exc:
        return _complain_page(request, session, visitor, case_id=case, village_code=village_code,
                              values={"text": text, "name": name, "phone": phone}, errors={exc.field: exc.message})
    return see_other(f"/h5/complaints/{complaint.id}")


@router.get("/complaints/{complaint_id}")
def complaint_page(request: Request, session: SessionDep, visitor: VisitorDep, complaint_id: int) -> Response:
    actor = as_resident(visitor)
    complaint = complaints.get_complaint(session, actor, complaint_id)
    township = complaints.township_of(session, complaint)
    if township is None:
        raise NotFound("找不到这条投诉。")
    return render(request, "resident/complaint.html", title="投诉已提交", complaint=complaint, township=township)
