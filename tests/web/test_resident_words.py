"""What the resident reads: the state of each case in plain words and what is asked of them, the helper's
note with the list of what is missing, a rating a helper recorded for them, and a polite answer when a step
can no longer be taken (rating twice, cancelling twice, supplying what is no longer missing)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, EvaluateIn, RequestSupplementIn, SupplementIn
from app.entrustments.workflow import Action
from app.models import Entrustment, EntrustmentEvent, Matter, OutboxMessage, RatingLevel, RatingSource, Resident
from tests.factories import create_resident, helper_actor, submit_as_resident
from tests.web.support import RESIDENT, Site, World, csrf_of, signed_in


@pytest.fixture
def resident(site: Site, world: World) -> httpx.Client:
    return signed_in(site, RESIDENT)


@pytest.fixture
def me(db: Session, world: World) -> Resident:
    found = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    db.commit()
    return found


def new_case(db: Session, world: World, me: Resident, **overrides: object) -> Entrustment:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    case = submit_as_resident(db, me, world.tree["guibei"], matter, **overrides)
    db.commit()
    return case


def completed(db: Session, world: World, me: Resident) -> Entrustment:
    case = new_case(db, world, me)
    helper = helper_actor(world.helper)
    service.transition(db, helper, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, helper, case.id, Action.COMPLETE, CompleteIn(proof_reference="垫民救〔2026〕1号",
                                                                        result="已批准临时救助 2000 元",
                                                                       replied_at=clock.now()))
    db.commit()
    return case


def test_my_cases_say_the_state_in_plain_words_and_what_is_asked_of_me(
        resident: httpx.Client, world: World, db: Session, me: Resident) -> None:
    waiting = new_case(db, world, me, beneficiary_name="李大爷", beneficiary_relation="父母")
    missing = new_case(db, world, me)
    service.transition(db, helper_actor(world.helper), missing.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["居民身份证"]))
    db.commit()
    done = completed(db, world, me)
    page = resident.get("/h5/cases").text
    rows = {case.id: page[page.index(f'href="/h5/cases/{case.id}"'):] for case in (waiting, missing, done)}
    assert rows[waiting.id].split("</a>")[0].count("等帮办员联系") == 1
    assert "为李大爷（您的父母）办" in rows[waiting.id].split("</a>")[0]
    assert "还需要补材料" in rows[missing.id] and "需要您：补交材料" in rows[missing.id].split("</a>")[0]
    assert "办好了，请评价" in rows[done.id] and "需要您：给帮办员的服务评个价" in rows[done.id].split("</a>")[0]
    assert "需要您" not in rows[waiting.id].split("</a>")[0]
    for official in ("待受理", "待补正材料", "已办结"):
        assert official not in page


def test_the_helpers_note_comes_with_the_list_of_what_is_missing(
        resident: httpx.Client, world: World, db: Session, me: Resident) -> None:
    case = new_case(db, world, me)
    service.transition(db, helper_actor(world.helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["居民身份证"], note="复印件就可以，不用原件"))
    db.commit()
    page = resident.get(f"/h5/cases/{case.id}").text
    assert "帮办员的说明" in page and "复印件就可以，不用原件" in page
    assert page.index("复印件就可以") < page.index("提交补交的材料")
    assert "每张照片不超过 8MB，只收 JPG、PNG、WebP 格式" in page


def test_a_rating_the_helper_recorded_by_phone_is_marked_so_on_my_page(
        resident: httpx.Client, world: World, db: Session, me: Resident) -> None:
    case = completed(db, world, me)
    service.transition(db, helper_actor(world.helper), case.id, Action.EVALUATE,
                       EvaluateIn(level=RatingLevel.SATISFIED, source=RatingSource.PHONE, comment="谢谢"))
    db.commit()
    page = resident.get(f"/h5/cases/{case.id}").text
    assert "您的评价" in page and "您在电话里告诉帮办员的，由帮办员代为登记" in page
    assert "评价：满意（帮办员代为登记）" in page
    assert "请给这次服务评个价" not in page


def test_the_rating_form_says_it_is_given_once(resident: httpx.Client, world: World, db: Session,
                                               me: Resident) -> None:
    case = completed(db, world, me)
    assert "每件委托只评价一次，提交后不能再改" in resident.get(f"/h5/cases/{case.id}").text


def test_a_bad_rating_is_answered_with_what_the_township_does_next(
        resident: httpx.Client, world: World, db: Session, me: Resident) -> None:
    case = completed(db, world, me)
    page = resident.get(f"/h5/cases/{case.id}").text
    rated = resident.post(f"/h5/cases/{case.id}/rate", data={"csrf": csrf_of(page), "level": "不满意",
                                                             "comment": "一直没人来"})
    assert rated.status_code == 200
    assert "乡镇（街道）工作专班会查看，督促帮办员在 15 个工作日内整改" in rated.text
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "helper_bad_rating")) is not None


def test_cancelling_twice_is_answered_politely_and_asks_nothing_twice(
        resident: httpx.Client, world: World, db: Session, me: Resident) -> None:
    case = new_case(db, world, me)
    form = resident.get(f"/h5/cases/{case.id}/cancel").text
    first = resident.post(f"/h5/cases/{case.id}/cancel", data={"csrf": csrf_of(form), "reason": "自己去办",
                                                               "confirmed": "yes"})
    assert first.status_code == 200 and "已申请取消，等帮办员联系" in first.text
    again = resident.post(f"/h5/cases/{case.id}/cancel", data={"csrf": csrf_of(form), "reason": "其他原因",
                                                               "confirmed": "yes"})
    assert again.status_code == 409 and "您已经申请过取消了" in again.text and "材料原样还给您" in again.text
    reopened = resident.get(f"/h5/cases/{case.id}/cancel")
    assert reopened.status_code == 409 and "您已经申请过取消了" in reopened.text and "确认取消" not in reopened.text
    db.expire_all()
    asked = db.scalar(select(func.count()).select_from(EntrustmentEvent)
                      .where(EntrustmentEvent.kind == "request_termination"))
    assert asked == 1


def test_a_closed_case_cannot_be_cancelled_and_says_why(resident: httpx.Client, world: World, db: Session,
                                                        me: Resident) -> None:
    case = completed(db, world, me)
    page = resident.get(f"/h5/cases/{case.id}/cancel")
    assert page.status_code == 409 and "这件委托现在是“办好了，请评价”，不能再取消了" in page.text


def test_supplying_from_a_stale_page_what_the_helper_already_collected_is_answered_politely(
        resident: httpx.Client, world: World, db: Session, me: Resident) -> None:
    case = new_case(db, world, me)
    service.transition(db, helper_actor(world.helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["居民身份证"]))
    db.commit()
    page = resident.get(f"/h5/cases/{case.id}").text
    service.transition(db, helper_actor(world.helper), case.id, Action.SUPPLEMENT,
                       SupplementIn(materials=["居民身份证"], note="上门收到"))
    db.commit()
    late = resident.post(f"/h5/cases/{case.id}/supplement", data={"csrf": csrf_of(page), "note": "材料备好了"})
    assert late.status_code == 409 and "现在不需要补交材料了" in late.text
    assert "办件当前状态" not in late.text
