"""Every message a person receives reads as words: every notification kind, rendered for demo cases of
every matter and state, shows no internal code and no empty value, fits WeChat's fields and, when
shortened, ends with "…" at a boundary; staff messages say which clock ran out and open the case; the
call scripts a helper reads to a resident without WeChat say the same in full sentences."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.auth.actor import ROLE_KINDS, Actor, ActorKind
from app.complaints.service import answer_complaint, file_complaint
from app.demo import seed_demo
from app.entrustments import service
from app.entrustments.attachments import check_photo
from app.entrustments.reassignment import request_reassignment
from app.entrustments.schemas import (
    AcceptIn,
    AllowSecondSupplementIn,
    CloseSupplementIn,
    CompleteIn,
    ConfirmTerminationIn,
    DeclineIn,
    EvaluateIn,
    ExtensionDecisionIn,
    ExtensionIn,
    ForwardIn,
    ProgressIn,
    RequestSupplementIn,
    RequestTerminationIn,
    SubmitIn,
    SupplementIn,
    TerminateIn,
    TerminationStatementIn,
)
from app.entrustments.workflow import Action
from app.evaluations.schemas import CloseRectificationIn
from app.evaluations.service import close_rectification
from app.helpers.arrivals import helper_joined
from app.helpers.departures import helper_leaves
from app.helpers.policy import tell_helpers_of_changes
from app.matters.catalog import UNDECIDED_CODE, PolicyChange, SyncResult
from app.models import (
    Channel,
    EntrustmentStatus,
    Helper,
    HelperCategory,
    Matter,
    OutboxMessage,
    RatingLevel,
    RatingSource,
    Rectification,
    Region,
    RegionLevel,
    Role,
    TerminationCause,
)
from app.notifications.outbox import Kind
from app.notifications.render import DEMO_CATALOG, LIMITS, context, load_catalog, render, shorten
from app.notifications.wording import call_text
from app.worker import run_sweeps
from tests.factories import create_region, create_resident, helper_actor, resident_actor
from tests.images import PNG

CLOCK_WORDS = ("受理期限", "进度反馈", "办结期限", "整改期限")
CLOCK_KINDS = {Kind.HELPER_DEADLINE_WARNING, Kind.HELPER_OVERDUE, Kind.SECRETARY_ESCALATION,
               Kind.TOWNSHIP_ESCALATION}
SWEEP_DAYS = 40
LONG_PROGRESS = "县民政局已审批通过，救助金 2000 元将在 15 个工作日内打到您的社保卡上，请注意查收"
LONG_REASON = "经核实家庭人均收入高于本县 2026 年低保标准 760 元，暂不符合条件"


@dataclass(frozen=True)
class Message:
    kind: str
    recipient_kind: str
    entrustment_id: int | None
    number: str | None
    matter: str | None  # the case's matter name, as the payload carries it
    category: str | None
    fields: dict[str, tuple[str, str, str]]  # key -> (type, value before fitting, value sent)
    url: str | None
    script: str | None  # the call task's text, for a message to a resident


@dataclass(frozen=True)
class Sent:
    messages: list[Message]
    matters: set[str]  # the catalog's matter names
    codes: set[str]  # every internal code a message must not show


_built: list[Sent] = []


@pytest.fixture
def sent(db: Session) -> Sent:
    """Built once per test process: what was sent is plain data."""
    if not _built:
        _built.append(_every_message(db))
    return _built[0]


@pytest.fixture
def messages(sent: Sent) -> list[Message]:
    return sent.messages


def _every_message(db: Session) -> Sent:
    clock.reset()
    clock.move(datetime(2026, 6, 1, 9, tzinfo=clock.CHINA) - clock.now())
    seed_demo(db)
    villages = db.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE).order_by(Region.code)
                          .limit(4)).all()
    matters = db.scalars(select(Matter).where(Matter.active.is_(True), Matter.code != UNDECIDED_CODE)
                         .order_by(Matter.code)).all()
    for n, matter in enumerate(matters):
        village = villages[n % len(villages)]
        _completed(db, village, matter, bad=n == 0)
        _declined_after_supplement(db, village, matter)
        _terminated(db, village, matter)
    _rectified(db, villages[2])
    _second_list_and_extension(db, villages[3])
    _terminated_on_a_signed_statement(db, villages[1])
    tell_helpers_of_changes(db, SyncResult(added=0, updated=2, deactivated=0, version="2027.1", policy_changes=(
        PolicyChange("最低生活保障申请", ("办理条件", "办理时限")), PolicyChange("临时救助申请", ("所需材料",)))))
    _undecided_then_confirmed(db, villages[0])
    _unrouted(db, villages[0])
    _complained_and_reassignment_asked(db, villages[1])
    _helper_left_and_another_joined(db, villages[2])
    for _ in range(SWEEP_DAYS):
        clock.move(timedelta(days=1))
        run_sweeps(db)
    catalog = load_catalog(DEMO_CATALOG)
    formatter = string.Formatter()
    built = []
    for row in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        rendered = render(catalog, row.kind, row.payload, row.entrustment_id, recipient_kind=row.recipient_kind)
        assert rendered is not None, f"no template for {row.kind}"
        values = context(row.payload)
        entry = catalog.kinds[row.kind]
        fields = {f.key: (f.type, " ".join(formatter.vformat(f.value, (), values).split()), rendered.data[f.key])
                  for f in entry.fields}
        built.append(Message(row.kind, row.recipient_kind, row.entrustment_id, row.payload.get("number"),
                             row.payload.get("matter"), row.payload.get("category"), fields, rendered.url,
                             call_text(row.kind, row.payload) if row.recipient_kind == "resident" else None))
    names = set(db.scalars(select(Matter.name).where(Matter.active.is_(True), Matter.code != UNDECIDED_CODE)))
    codes = set(db.scalars(select(Matter.code)))
    codes |= {s.value for s in EntrustmentStatus} | {s.value for s in RatingSource} | {UNDECIDED_CODE}
    return Sent(built, names, codes)


def _resident_and_helper(db: Session, village: Region) -> tuple[Actor, Actor]:
    resident = create_resident(db, village, "张桂英", openid=None)
    helper = db.scalar(select(Helper).where(Helper.village_id == village.id, Helper.is_secretary.is_(False)))
    assert helper is not None
    return resident_actor(resident), helper_actor(helper)


def _submit(db: Session, resident: Actor, village: Region, matter_code: str) -> int:
    case = service.submit(db, resident, SubmitIn(
        village_code=village.code, matter_code=matter_code, resident_name="张桂英", contact_phone="13800138000",
        description="老伴住院，家里急需帮助", channel=Channel.WECHAT))
    return case.id


def _completed(db: Session, village: Region, matter: Matter, *, bad: bool) -> None:
    resident, helper = _resident_and_helper(db, village)
    case_id = _submit(db, resident, village, matter.code)
    for action, data in (
        (Action.ACCEPT, AcceptIn()),
        (Action.FORWARD_TO_WINDOW, ForwardIn(window_name="桂溪街道社会救助服务窗口")),
        (Action.NOTE_PROGRESS, ProgressIn(text=LONG_PROGRESS)),
        (Action.COMPLETE, CompleteIn(result="经审批，已发放临时救助金 2000 元，DJ2026-000001 号决定书已送达",
                                     replied_at=clock.now(), proof_reference="垫民救〔2026〕1号")),
    ):
        service.transition(db, helper, case_id, action, data)
    if bad:
        service.transition(db, resident, case_id, Action.EVALUATE, EvaluateIn(
            level=RatingLevel.VERY_DISSATISFIED, source=RatingSource.RESIDENT, comment="等了很久没人联系"))


def _rectified(db: Session, village: Region) -> None:
    """A second bad rating, which the township closes after calling the resident back."""
    resident, helper = _resident_and_helper(db, village)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    _completed(db, village, matter, bad=True)
    township = db.get(Region, village.parent_id)
    staff = Actor(kinds=ROLE_KINDS[Role.TOWNSHIP_STAFF], name="陈专班", role=Role.TOWNSHIP_STAFF,
                  area_id=township.id if township else None)
    for rectification in db.scalars(select(Rectification).order_by(Rectification.id.desc()).limit(1)):
        close_rectification(db, staff, rectification.id, CloseRectificationIn(
            callback_note="委托人说帮办员三天没回电话", resolution="已约谈帮办员，今后两个工作日内必须回电"))


def _declined_after_supplement(db: Session, village: Region, matter: Matter) -> None:
    resident, helper = _resident_and_helper(db, village)
    case_id = _submit(db, resident, village, matter.code)
    missing = ["户口簿复印件", "家庭经济状况核查授权书", "残疾证复印件", "近 6 个月银行流水"]
    service.transition(db, helper, case_id, Action.REQUEST_SUPPLEMENT, RequestSupplementIn(missing_materials=missing))
    service.transition(db, resident, case_id, Action.SUPPLEMENT,
                       SupplementIn(materials=missing[:2], note="其余的明天送"))
    service.transition(db, helper, case_id, Action.CLOSE_SUPPLEMENT, CloseSupplementIn(note="核对后够用"))
    service.transition(db, helper, case_id, Action.DECLINE, DeclineIn(reason=LONG_REASON))


def _second_list_and_extension(db: Session, village: Region) -> None:
    """Supplied in full, a second list the township allowed, then an extension it approved."""
    resident, helper = _resident_and_helper(db, village)
    case_id = _submit(db, resident, village, "dibao-zhengwu")
    township = db.get(Region, village.parent_id)
    staff = Actor(kinds=ROLE_KINDS[Role.TOWNSHIP_STAFF], name="陈专班", role=Role.TOWNSHIP_STAFF,
                  area_id=township.id if township else None)
    for actor, action, data in (
        (helper, Action.REQUEST_SUPPLEMENT, RequestSupplementIn(missing_materials=["户口簿复印件"])),
        (resident, Action.SUPPLEMENT, SupplementIn(materials=["户口簿复印件"])),
        (staff, Action.ALLOW_SECOND_SUPPLEMENT, AllowSecondSupplementIn(reason="新政策要求补交近三个月的收入证明")),
        (helper, Action.REQUEST_SUPPLEMENT, RequestSupplementIn(missing_materials=["近三个月收入证明"])),
        (resident, Action.SUPPLEMENT, SupplementIn(materials=["近三个月收入证明"])),
        (helper, Action.ACCEPT, AcceptIn()),
        (helper, Action.REQUEST_EXTENSION, ExtensionIn(days=15, reason="家庭收入要入户核实，情况比较复杂",
                                                        basis="《最低生活保障审核确认办法》")),
        (staff, Action.DECIDE_EXTENSION, ExtensionDecisionIn(approved=True, note="同意按规定延长15个工作日")),
    ):
        service.transition(db, actor, case_id, action, data)


def _terminated_on_a_signed_statement(db: Session, village: Region) -> None:
    """A resident without WeChat: the helper records the signed statement, the secretary confirms it."""
    resident, helper = _resident_and_helper(db, village)
    case_id = _submit(db, resident, village, "linshi-zhengwu")
    service.transition(db, helper, case_id, Action.RECORD_TERMINATION_STATEMENT,
                       TerminationStatementIn(cause=TerminationCause.MOVED_AWAY, reason="全家搬到重庆主城了"),
                       photos=[("终止声明", check_photo(PNG))])
    secretary = db.scalar(select(Helper).where(Helper.village_id == village.id, Helper.is_secretary.is_(True)))
    assert secretary is not None
    confirming = Actor(kinds=frozenset({ActorKind.SECRETARY}), name=secretary.name, role=Role.VILLAGE_SECRETARY,
                       area_id=village.id, helper_id=secretary.id)
    service.transition(db, confirming, case_id, Action.CONFIRM_TERMINATION, ConfirmTerminationIn(note="已电话核实"))
    service.transition(db, helper, case_id, Action.TERMINATE, TerminateIn(
        authorisation_evidence="委托人签字的终止声明，书记已确认", handover_receiver="委托人本人",
        handover_materials=["户口簿原件"]))


def _terminated(db: Session, village: Region, matter: Matter) -> None:
    resident, helper = _resident_and_helper(db, village)
    case_id = _submit(db, resident, village, matter.code)
    service.transition(db, resident, case_id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="家里人已经在县城帮忙办好了", confirmed=True))
    service.transition(db, helper, case_id, Action.TERMINATE, TerminateIn(
        authorisation_evidence="委托人在微信里申请取消", handover_receiver="委托人本人",
        handover_materials=["户口簿原件"]))


def _undecided_then_confirmed(db: Session, village: Region) -> None:
    resident, helper = _resident_and_helper(db, village)
    case_id = _submit(db, resident, village, UNDECIDED_CODE)
    service.transition(db, helper, case_id, Action.ACCEPT, AcceptIn(matter_code="dibao-zhengwu"))


def _unrouted(db: Session, village: Region) -> None:
    township = db.get(Region, village.parent_id)
    assert township is not None
    empty = create_region(db, RegionLevel.VILLAGE, "新建安置社区", township.code[:9] + "999", township)
    resident = resident_actor(create_resident(db, empty, "周德明"))
    _submit(db, resident, empty, "linshi-zhengwu")


def _complained_and_reassignment_asked(db: Session, village: Region) -> None:
    resident_row = create_resident(db, village, "吴秀兰")
    resident = resident_actor(resident_row)
    case_id = _submit(db, resident, village, "yiliao-zhengwu")
    complaint = file_complaint(db, resident, text="交了材料一个星期了，帮办员一直没有回电话", name="吴秀兰",
                               phone="13800138000", entrustment_id=case_id)
    task_force = Actor(kinds=ROLE_KINDS[Role.TOWNSHIP_STAFF], name="陈专班", role=Role.TOWNSHIP_STAFF,
                       area_id=village.parent_id)
    answer_complaint(db, task_force, complaint.id,
                     "已核实，帮办员生病住院；已改由本村另一位帮办员两个工作日内上门取材料")
    file_complaint(db, resident, text="村里的服务站经常没人", name="吴秀兰", phone="13800138000",
                   village_code=village.code)
    secretary = db.scalar(select(Helper).where(Helper.village_id == village.id, Helper.is_secretary.is_(True)))
    assert secretary is not None
    actor = Actor(kinds=frozenset({ActorKind.SECRETARY}), name=secretary.name, role=Role.VILLAGE_SECRETARY,
                  area_id=village.id, helper_id=secretary.id)
    request_reassignment(db, actor, case_id, "帮办员住院了，这两周联系不上")


def _helper_left_and_another_joined(db: Session, village: Region) -> None:
    """A helper leaves with an open case, which the secretary takes over; a new helper joins."""
    resident = resident_actor(create_resident(db, village, "黄大爷"))
    case_id = _submit(db, resident, village, "linshi-zhengwu")
    holder = db.get(Helper, service.get(db, resident, case_id).helper_id)
    assert holder is not None
    staff = Actor(kinds=ROLE_KINDS[Role.COUNTY_ADMIN], name="县民政局", role=Role.COUNTY_ADMIN)
    helper_leaves(db, staff, holder)
    newcomer = Helper(village_id=village.id, name="何小燕", phone="13900001234", category=HelperCategory.GRID_WORKER)
    db.add(newcomer)
    db.flush()
    helper_joined(db, staff, newcomer, village)


def _code_in(text: str, codes: set[str]) -> str | None:
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_-]*", text):
        if token.lower() in codes or "_" in token or re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", token):
            return token
    return None


# ---- the set of messages ---------------------------------------------------------------------------


def test_every_notification_kind_is_rendered(messages: list[Message]) -> None:
    assert {m.kind for m in messages} == {kind.value for kind in Kind}


def test_every_matter_of_the_catalog_is_rendered(sent: Sent) -> None:
    assert len(sent.matters) > 20
    assert {m.matter for m in sent.messages if m.kind == Kind.RESIDENT_COMPLETED} == sent.matters


# ---- template messages -----------------------------------------------------------------------------


def test_no_template_value_shows_an_internal_code(sent: Sent) -> None:
    shown = [(m.kind, value, _code_in(value, sent.codes)) for m in sent.messages for _, _, value in m.fields.values()]
    assert [s for s in shown if s[2]] == []


def test_residents_read_the_matter_by_its_name(messages: list[Message]) -> None:
    accepted = [m for m in messages if m.kind == Kind.RESIDENT_ACCEPTED]
    assert "最低生活保障申请" in {m.fields["thing1"][2] for m in accepted}
    assert all(m.fields["thing1"][2] == m.matter for m in accepted)


def test_no_template_value_is_empty(messages: list[Message]) -> None:
    empty = {(m.kind, key) for m in messages for key, (_, _, value) in m.fields.items() if not value.strip()}
    assert empty == set()


def test_every_value_fits_its_wechat_field(messages: list[Message]) -> None:
    too_long = {(m.kind, value) for m in messages for kind, _, value in m.fields.values()
                if kind in LIMITS and len(value) > LIMITS[kind]}
    assert too_long == set()
    assert all(value.isascii() for m in messages for kind, _, value in m.fields.values()
               if kind == "character_string")


def test_phrases_fit_whole(messages: list[Message]) -> None:
    """A phrase has no room for a "…": what the catalog puts in one is at most five characters."""
    assert {(m.kind, full) for m in messages for kind, full, _ in m.fields.values()
            if kind == "phrase" and len(full) > LIMITS["phrase"]} == set()


def _cut_inside_a_word(full: str, head: str) -> bool:
    if not head or len(head) >= len(full):
        return False
    before, after = head[-1], full[len(head)]
    return before.isascii() and before.isalnum() and after.isascii() and (after.isalnum() or after in "-.:/,")


def test_a_shortened_value_ends_with_an_ellipsis_at_a_word_boundary(messages: list[Message]) -> None:
    shortened = [(full, sent) for m in messages for kind, full, sent in m.fields.values()
                 if kind == "thing" and full != sent]
    assert len(shortened) > 10  # the long progress notes, reasons and results
    for full, sent in shortened:
        listed = re.search(r"等\d+项$", sent)
        assert sent.endswith("…") or listed, sent
        head = sent[:-1] if sent.endswith("…") else sent
        if not listed:
            assert full.startswith(head) and not _cut_inside_a_word(full, head), (full, sent)


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("经审批，已发放临时救助金 2000 元，请查收", 16, "经审批，已发放临时救助金…"),
    ("补办编号 DJ2026-000123 的材料", 12, "补办编号…"),
    ("县民政局已审批通过，等待打款", 12, "县民政局已审批通过…"),
    ("临时救助申请", 20, "临时救助申请"),
])
def test_shorten_cuts_between_words_and_marks_the_cut(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected


# ---- staff messages --------------------------------------------------------------------------------


def test_overdue_and_warning_messages_name_the_clock_that_ran_out(messages: list[Message]) -> None:
    clocked = [m for m in messages if m.kind in CLOCK_KINDS]
    named = {word for m in clocked for _, _, value in m.fields.values() for word in CLOCK_WORDS if word in value}
    assert named == set(CLOCK_WORDS)
    assert all(any(word in value for _, _, value in m.fields.values() for word in CLOCK_WORDS) for m in clocked)


def test_helpers_and_secretaries_messages_open_the_case(messages: list[Message]) -> None:
    for m in messages:
        if m.recipient_kind in ("helper", "secretary") and m.entrustment_id is not None:
            assert m.url is not None and unquote(m.url).endswith(f"/cases/{m.entrustment_id}"), m.kind


def test_township_staff_messages_name_the_case_they_cannot_open(messages: list[Message]) -> None:
    """Township staff have no pages yet: no link that would refuse them, and the case number instead."""
    for m in messages:
        if m.recipient_kind in ("staff", "township"):
            assert m.url is None, m.kind
            if m.entrustment_id is not None and m.kind != Kind.TOWNSHIP_COMPLAINT:
                assert m.number in {value for _, _, value in m.fields.values()}, m.kind


# ---- call scripts ----------------------------------------------------------------------------------


def test_every_resident_message_has_a_call_script(messages: list[Message]) -> None:
    resident_kinds = {kind.value for kind in Kind if kind.value.startswith("resident_")}
    assert {m.kind for m in messages if m.script} == resident_kinds


def test_call_scripts_are_full_sentences_with_the_matters_name(sent: Sent) -> None:
    for m in sent.messages:
        if m.script is None:
            continue
        spoken = m.script.split("“", 1)[1]
        assert _code_in(spoken, sent.codes) is None, m.script
        assert "—" not in spoken and "：。" not in spoken and "。。" not in spoken, m.script
        assert spoken.endswith("。”") or spoken.endswith("？”"), m.script
        assert (m.matter or "") in spoken if m.category != "待帮办员确认" else "您委托办理的事" in spoken


def test_a_progress_call_says_what_happened(messages: list[Message]) -> None:
    progress = {m.script for m in messages if m.kind == Kind.RESIDENT_PROGRESS}
    assert any("材料已送到桂溪街道社会救助服务窗口。" in s for s in progress if s)
    assert any(LONG_PROGRESS + "。" in s for s in progress if s)


def _payload(**values: Any) -> dict[str, Any]:
    return {"number": "DJ2026-000023", "matter": "医疗救助申请", "category": "医疗救助", **values}


def test_a_call_script_leaves_out_a_sentence_whose_value_is_missing() -> None:
    said = call_text(Kind.RESIDENT_ACCEPTED, _payload(due_on=None, event={"matter": "yiliao-zhengwu"}))
    assert said == "请打电话告诉委托人：“您委托办理的医疗救助申请已经受理了。”"
