"""The helper's workbench over HTTP: the queue by deadline with call tasks on top, every action of the
workflow from the case page, and the walls around other villages' cases."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, ForwardIn, RequestTerminationIn
from app.entrustments.workflow import Action
from app.models import (
    Attachment,
    AttachmentKind,
    CallTask,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Handover,
    Matter,
    OutboxMessage,
    OutboxStatus,
    ProgressNote,
    RatingSource,
    Resident,
    TerminationCause,
)
from tests.factories import create_helper, create_resident, helper_actor, resident_actor, submit_as_resident
from tests.images import JPEG, PNG
from tests.web.support import HELPER, OTHER_HELPER, RESIDENT, SECRETARY, Site, World, csrf_of, form_token, signed_in


@pytest.fixture
def helper(site: Site, world: World) -> httpx.Client:
    return signed_in(site, HELPER)


def matter(db: Session, code: str = "linshi-zhengwu") -> Matter:
    found = db.scalar(select(Matter).where(Matter.code == code))
    assert found is not None
    return found


def new_case(db: Session, world: World, name: str = "李秀英", openid: str | None = RESIDENT,
             code: str = "linshi-zhengwu") -> Entrustment:
    resident = db.scalar(select(Resident).where(Resident.openid == openid)) if openid else None
    resident = resident or create_resident(db, world.tree["guibei"], name, openid=openid)
    case = submit_as_resident(db, resident, world.tree["guibei"], matter(db, code), resident_name=name)
    db.commit()
    return case


def reload(db: Session, case: Entrustment) -> Entrustment:
    db.expire_all()
    found = db.get(Entrustment, case.id)
    assert found is not None
    return found


def act(browser: httpx.Client, case: Entrustment, slug: str, **fields: object) -> httpx.Response:
    page = browser.get(f"/h5/helper/cases/{case.id}").text
    return browser.post(f"/h5/helper/cases/{case.id}/{slug}", data={"csrf": csrf_of(page), **fields})


def outbox_kinds(db: Session, case: Entrustment) -> list[str]:
    return [m.kind for m in db.scalars(select(OutboxMessage).where(OutboxMessage.entrustment_id == case.id)
                                       .order_by(OutboxMessage.id))]


def test_the_queue_puts_call_tasks_on_top_and_cases_by_deadline_marking_the_overdue(
        helper: httpx.Client, world: World, db: Session, at: object) -> None:
    at("2026-11-23T09:00")  # type: ignore[operator]
    late = new_case(db, world, "张大爷", "o_resident_zhang")
    at("2026-11-25T09:00")  # type: ignore[operator]
    soon = new_case(db, world, "李秀英")
    done = new_case(db, world, "王婆婆", "o_resident_wang")
    actor = helper_actor(world.helper)
    service.transition(db, actor, done.id, Action.ACCEPT, AcceptIn())
    service.transition(db, actor, done.id, Action.COMPLETE, CompleteIn(proof_reference="垫民救〔2026〕1号",
                                                                       result="已办好", replied_at=clock.now()))
    elsewhere = submit_as_resident(db, create_resident(db, world.tree["chengxi_village"], "外村人", openid=None),
                                   world.tree["chengxi_village"], matter(db))
    db.add(CallTask(helper_id=world.helper.id, entrustment_id=done.id, reason="not_following",
                    text="请打电话告诉王婆婆：事情已办好，请她评价"))
    db.commit()
    page = helper.get("/h5/helper").text
    assert page.index("要打的电话（1）") < page.index("待办（3）")
    assert "请打电话告诉王婆婆" in page and "tel:" in page
    queue = page[page.index("待办（3）"):]
    order = [queue.index(name) for name in ("张大爷 · ", "李秀英 · ", "王婆婆 · ")]
    assert order == sorted(order)
    assert "已超期 1 天（受理期限 11月24日（星期二））" in page
    assert "受理期限：11月26日（星期四）" in page and "已办结，等委托人评价" in page
    assert elsewhere.number not in page and late.number in page and soon.number in page


def test_a_call_task_is_ticked_off_with_a_note(helper: httpx.Client, world: World, db: Session) -> None:
    case = new_case(db, world)
    task = CallTask(helper_id=world.helper.id, entrustment_id=case.id, reason="phone_entrustment",
                    text="请打电话告诉李秀英：已受理")
    db.add(task)
    db.commit()
    page = helper.get("/h5/helper").text
    done = helper.post(f"/h5/helper/calls/{task.id}/done", data={"csrf": csrf_of(page), "note": "已告知"})
    assert done.status_code == 200 and "电话任务已完成" in done.text and "要打的电话" not in done.text
    db.expire_all()
    assert db.get(CallTask, task.id).done_note == "已告知"  # type: ignore[union-attr]


def test_accepting_sets_the_deadline_and_tells_the_resident(helper: httpx.Client, world: World,
                                                            db: Session) -> None:
    case = new_case(db, world)
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    for title in ("材料齐全，受理", "缺材料：一次性告知", "不予受理"):
        assert title in page
    assert page.count('href="tel:13800138000"') == 1  # the call comes before the actions
    assert page.index('href="tel:13800138000"') < page.index("材料齐全，受理")
    assert "办结" not in page.split("办理经过")[0].replace("办结期限", "").replace("承诺 10 个工作日内办结", "")
    accepted = act(helper, case, "accept", version=str(case.version))
    assert accepted.status_code == 200 and "已受理，已通知委托人李秀英" in accepted.text
    case = reload(db, case)
    assert case.status is EntrustmentStatus.ACCEPTED and case.due_on is not None
    assert "resident_accepted" in outbox_kinds(db, case)


def test_asking_for_materials_lists_the_matter_checklist_plus_free_items_once(
        helper: httpx.Client, world: World, db: Session) -> None:
    case = new_case(db, world)
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    for item in matter(db).materials:
        assert f'name="missing" value="{item["name"]}"' in page
    nothing = act(helper, case, "request-supplement", extra=" \n ")
    assert nothing.status_code == 422 and "一次全部列出来" in nothing.text
    asked = act(helper, case, "request-supplement", missing=["居民身份证", "户口簿或居住证"],
                extra="医院诊断证明\n居民身份证\n", note="复印件即可")
    assert asked.status_code == 200 and "已把缺少的 3 项材料一次告诉委托人" in asked.text
    case = reload(db, case)
    assert case.status is EntrustmentStatus.AWAITING_SUPPLEMENT
    assert case.missing_materials == ["居民身份证", "户口簿或居住证", "医院诊断证明"]
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "resident_supplement_needed"))
    assert message is not None and message.recipient_openid == RESIDENT


def test_the_helper_records_materials_handed_over_in_person(helper: httpx.Client, world: World,
                                                            db: Session) -> None:
    case = new_case(db, world)
    act(helper, case, "request-supplement", missing=["居民身份证"])
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    done = helper.post(f"/h5/helper/cases/{case.id}/supplement",
                       data={"csrf": csrf_of(page), "materials": ["居民身份证"], "note": "上门收取"},
                       files=[("photos", ("id.jpg", JPEG, "image/jpeg"))])
    assert done.status_code == 200 and "已记下补交的材料" in done.text
    assert reload(db, case).status is EntrustmentStatus.SUBMITTED
    assert "/h5/files/" in done.text


def test_declining_needs_a_reason_which_reaches_the_resident(helper: httpx.Client, world: World,
                                                             db: Session) -> None:
    case = new_case(db, world)
    empty = act(helper, case, "decline", reason="")
    assert empty.status_code == 422 and "请填写「原因」" in empty.text
    declined = act(helper, case, "decline", reason="不属于社会救助范围")
    assert declined.status_code == 200 and "已不予受理" in declined.text
    case = reload(db, case)
    assert case.status is EntrustmentStatus.DECLINED and case.decline_reason == "不属于社会救助范围"
    assert "resident_declined" in outbox_kinds(db, case)


def test_forward_progress_and_complete(helper: httpx.Client, world: World, db: Session) -> None:
    case = new_case(db, world)
    act(helper, case, "accept")
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    assert 'value="桂溪街道社会救助服务窗口"' in page
    forwarded = act(helper, case, "forward", window_name="桂溪街道社会救助服务窗口", forwarded_on="")
    assert forwarded.status_code == 200 and "已记下送件到桂溪街道社会救助服务窗口" in forwarded.text
    noted = act(helper, case, "progress", text="街道已审核，等县民政局审批")
    assert noted.status_code == 200 and "进展已记下" in noted.text
    assert db.scalar(select(ProgressNote.text)) == "街道已审核，等县民政局审批"
    future = (clock.now() + timedelta(days=1)).astimezone(clock.CHINA).strftime("%Y-%m-%dT%H:%M")
    too_late = act(helper, case, "complete", result="已批准", replied_at=future)
    assert too_late.status_code == 422 and "不能晚于现在" in too_late.text
    completed = act(helper, case, "complete", result="临时救助 2000 元已批准", replied_at="",
                    proof_reference="垫民救〔2026〕1号")
    assert completed.status_code == 200 and "已办结" in completed.text
    case = reload(db, case)
    assert case.status is EntrustmentStatus.COMPLETED and case.result == "临时救助 2000 元已批准"
    assert outbox_kinds(db, case)[-2:] == ["resident_completed", "resident_evaluation_invitation"]


def test_a_rating_given_by_phone_is_recorded_and_marked_so(helper: httpx.Client, world: World,
                                                           db: Session) -> None:
    case = new_case(db, world)
    act(helper, case, "accept")
    act(helper, case, "complete", result="已办好", replied_at="", proof_reference="垫民救〔2026〕1号")
    unsourced = act(helper, case, "evaluate", level="满意")
    assert unsourced.status_code == 422 and "电话里还是当面" in unsourced.text
    recorded = act(helper, case, "evaluate", level="满意", source="phone", comment="谢谢王芳")
    assert recorded.status_code == 200 and "并标明是您代为登记的" in recorded.text
    assert "委托人在电话里说的，帮办员代为登记" in recorded.text
    evaluation = db.scalar(select(Evaluation))
    assert evaluation is not None and evaluation.source is RatingSource.PHONE
    assert evaluation.recorded_by_helper_id == world.helper.id


def test_a_helper_alone_cannot_end_a_case_the_statement_goes_to_the_secretary_first(
        helper: httpx.Client, site: Site, world: World, db: Session) -> None:
    case = new_case(db, world)
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    assert "终止办理并交还材料" not in page and "委托人要求终止：记下签字的声明" in page
    unsigned = act(helper, case, "termination-statement", cause="委托人去世", reason="老人上周去世了")
    assert unsigned.status_code == 422 and "签字的终止声明" in unsigned.text
    badly_drawn = act(helper, case, "termination-statement", cause="委托人去世", reason="老人上周去世了",
                      signature="data:image/png;base64,not-a-picture")
    assert badly_drawn.status_code == 422 and "签名没有保存好" in badly_drawn.text
    signed = act(helper, case, "termination-statement", cause="委托人去世", reason="老人上周去世了，儿子签字",
                 signature="data:image/png;base64," + base64.b64encode(PNG).decode())
    assert signed.status_code == 200 and "已请村（社区）书记确认" in signed.text
    assert "终止办理并交还材料" not in signed.text  # not before the secretary confirms
    assert outbox_kinds(db, case)[-1] == "secretary_termination_to_confirm"
    secretary = signed_in(site, SECRETARY)
    confirm_page = secretary.get(f"/h5/secretary/cases/{case.id}").text
    assert "确认委托人要求终止" in confirm_page and "委托人去世" in confirm_page
    confirmed = secretary.post(f"/h5/secretary/cases/{case.id}/confirm-termination",
                               data={"csrf": csrf_of(confirm_page), "note": "已电话核实"})
    assert confirmed.status_code == 200 and "已确认委托人要求终止" in confirmed.text
    flagged = helper.get(f"/h5/helper/cases/{case.id}").text
    assert "终止办理并交还材料" in flagged
    terminated = act(helper, case, "terminate", authorisation_evidence="委托人儿子签字的终止声明，书记已确认",
                     handover_receiver="李秀英的儿子", handed=["居民身份证"], extra="医院病历")
    assert terminated.status_code == 200 and "已终止办理" in terminated.text
    handover = db.scalar(select(Handover))
    assert handover is not None and handover.materials == ["居民身份证", "医院病历"]
    case = reload(db, case)
    assert case.status is EntrustmentStatus.TERMINATED and case.termination_cause is TerminationCause.DECEASED
    kinds = {a.kind for a in db.scalars(select(Attachment).where(Attachment.entrustment_id == case.id))}
    assert kinds == {AttachmentKind.TERMINATION}
    assert "resident_terminated" in outbox_kinds(db, case)


def test_a_resident_cancelling_on_wechat_puts_the_case_on_top_with_the_terminate_form(
        helper: httpx.Client, world: World, db: Session) -> None:
    first = new_case(db, world, "张大爷", "o_resident_zhang")
    case = new_case(db, world)
    service.transition(db, resident_actor(case.resident), case.id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="自己去办", confirmed=True))
    db.commit()
    queue = helper.get("/h5/helper").text
    assert queue.index(case.number or "") < queue.index(first.number or "")
    assert "委托人已申请终止，请交还材料" in queue
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    assert "原因：自己去办" in page and '<details class="action" id="terminate" open>' in page


def test_a_stale_page_cannot_overwrite_a_newer_change(helper: httpx.Client, world: World, db: Session) -> None:
    case = new_case(db, world)
    service.transition(db, helper_actor(world.helper), case.id, Action.ACCEPT, AcceptIn())
    db.commit()
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    seen = case.version
    service.transition(db, helper_actor(world.helper), case.id, Action.FORWARD_TO_WINDOW,
                       ForwardIn(window_name="桂溪街道社会救助服务窗口"))
    db.commit()
    stale = helper.post(f"/h5/helper/cases/{case.id}/complete",
                        data={"csrf": csrf_of(page), "version": str(seen), "result": "旧页面上写的"})
    assert stale.status_code == 409 and "刚刚被其他人更新过，请刷新后再操作" in stale.text
    assert reload(db, case).status is EntrustmentStatus.IN_PROGRESS


def test_a_helper_of_another_village_is_told_the_case_is_not_found(site: Site, world: World, db: Session) -> None:
    case = new_case(db, world)
    outsider = signed_in(site, OTHER_HELPER)
    page = outsider.get(f"/h5/helper/cases/{case.id}")
    assert page.status_code == 404 and "找不到这件委托" in page.text
    assert "李秀英" not in page.text and "老伴住院" not in page.text
    refused = outsider.post(f"/h5/helper/cases/{case.id}/accept", data={"csrf": form_token(outsider)})
    assert refused.status_code == 404 and "李秀英" not in refused.text
    assert reload(db, case).status is EntrustmentStatus.SUBMITTED
    assert case.number not in outsider.get("/h5/helper").text


def test_a_helper_of_the_same_village_only_reads_a_colleagues_case(site: Site, world: World, db: Session) -> None:
    case = new_case(db, world)
    colleague = create_helper(db, world.tree["guibei"], "刘强", openid="o_helper_liu_qiang")
    db.commit()
    browser = signed_in(site, colleague.openid or "")
    page = browser.get(f"/h5/helper/cases/{case.id}")
    assert page.status_code == 200 and "只能查看" in page.text and "材料齐全，受理" not in page.text
    refused = browser.post(f"/h5/helper/cases/{case.id}/accept", data={"csrf": form_token(browser)})
    assert refused.status_code == 403 and "不是由您负责办理" in refused.text


def test_the_workbench_is_for_helpers_only(site: Site, world: World) -> None:
    resident = signed_in(site, RESIDENT)
    page = resident.get("/h5/helper")
    assert page.status_code == 403 and "只有帮办代办员能打开" in page.text
    assert signed_in(site, SECRETARY).get("/h5/helper").status_code == 200


def test_the_case_page_shows_which_messages_went_out_and_whether_they_arrived(
        helper: httpx.Client, world: World, db: Session) -> None:
    case = new_case(db, world)
    rows = {m.kind: m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.entrustment_id == case.id))}
    rows["resident_receipt"].status = OutboxStatus.DELIVERED
    rows["helper_new_case"].status = OutboxStatus.FAILED_PERMANENT
    rows["helper_new_case"].last_error = "改为电话告知：委托人未关注公众号"
    db.commit()
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    assert "消息通知" in page
    assert "委托回执 → 委托人：已送达" in page
    assert "新委托提醒 → 帮办员：微信发不到，已转为电话告知" in page


def test_terminating_is_refused_without_the_authorisation_or_the_hand_over(helper: httpx.Client, world: World,
                                                                           db: Session) -> None:
    case = new_case(db, world)
    service.transition(db, resident_actor(case.resident), case.id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="自己去办", confirmed=True))
    db.commit()
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    assert page.index('id="terminate"') < page.index('id="accept"')  # the hand-over comes first
    assert "在微信里申请取消，原因：自己去办" in page
    unauthorised = act(helper, case, "terminate", authorisation_evidence=" ", handover_receiver="李秀英",
                       handed=["居民身份证"])
    assert unauthorised.status_code == 422 and "委托人授权证明" in unauthorised.text
    nothing_handed = act(helper, case, "terminate", authorisation_evidence="委托人微信申请取消",
                         handover_receiver="李秀英", extra="  ")
    assert nothing_handed.status_code == 422 and "请写明交还给委托人的材料" in nothing_handed.text
    nobody = act(helper, case, "terminate", authorisation_evidence="委托人微信申请取消", handover_receiver="",
                 handed=["居民身份证"])
    assert nobody.status_code == 422 and "材料接收人" in nobody.text
    assert reload(db, case).status is EntrustmentStatus.SUBMITTED
    assert db.scalar(select(Handover)) is None


def test_a_case_number_past_the_databases_range_is_not_found(helper: httpx.Client) -> None:
    response = helper.get("/h5/helper/cases/3000000000")
    assert response.status_code == 404 and "错误编号" not in response.text


def test_an_undecided_case_is_accepted_with_the_matter_the_helper_confirmed(
        helper: httpx.Client, world: World, db: Session) -> None:
    case = new_case(db, world, code="undecided")
    page = helper.get(f"/h5/helper/cases/{case.id}").text
    assert "选好要办的事项再受理" in page and 'name="matter_code"' in page
    refused = act(helper, case, "accept", version=str(case.version))
    assert refused.status_code == 422 and "确认" in refused.text
    accepted = act(helper, case, "accept", version=str(case.version), matter_code="linshi-zhengwu")
    assert accepted.status_code in (200, 303)
    case = reload(db, case)
    assert case.status is EntrustmentStatus.ACCEPTED and matter(db).id == case.matter_id
