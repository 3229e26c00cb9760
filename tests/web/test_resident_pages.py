"""Resident pages over HTTP: entrusting from a village QR code, following a case, supplying what is
missing, cancelling, rating, complaining — and never seeing anybody else's case."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn, RequestSupplementIn
from app.entrustments.workflow import Action
from app.models import (
    Attachment,
    Complaint,
    Entrustment,
    EntrustmentStatus,
    Evaluation,
    Matter,
    OutboxMessage,
    RatingSource,
    Resident,
)
from tests.factories import create_resident, helper_actor, submit_as_resident
from tests.images import JPEG, PNG, kept
from tests.web.support import OTHER_RESIDENT, RESIDENT, Site, World, csrf_of, signed_in

GUIBEI = "500231001001"


@pytest.fixture
def resident(site: Site, world: World) -> httpx.Client:
    return signed_in(site, RESIDENT)


def entrust_form(browser: httpx.Client, matter: str = "linshi-zhengwu") -> str:
    return browser.get("/h5/entrust", params={"village": GUIBEI, "matter": matter}).text


def filled(page: str, **changes: str) -> dict[str, str]:
    return {"csrf": csrf_of(page), "village_code": GUIBEI, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
            "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "for_whom": "self",
            "consent": "yes", **changes}


def count(db: Session, model: type) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def media_files() -> list[Path]:
    return [p for p in Path(get_settings().media_dir).rglob("*") if p.is_file()]


def test_the_village_from_the_qr_code_is_filled_in(resident: httpx.Client) -> None:
    page = resident.get("/h5/entrust", params={"village": GUIBEI})
    assert "桂溪街道 · 桂北社区" in page.text
    assert "最低生活保障（低保）" in page.text and "不清楚，请帮办员打电话问我" in page.text


def test_an_unknown_village_code_asks_to_choose(resident: httpx.Client) -> None:
    page = resident.get("/h5/entrust", params={"village": "999999999999"})
    assert "没找到这个村（社区）" in page.text and "/h5/villages?for=entrust" in page.text
    townships = resident.get("/h5/villages", params={"for": "entrust"}).text
    assert "桂溪街道" in townships and "澄溪镇" in townships
    villages = resident.get("/h5/villages", params={"for": "entrust", "township": "500231001000"}).text
    assert f"/h5/entrust?village={GUIBEI}" in villages and "明月社区" in villages


def test_a_matter_shows_its_conditions_and_materials_before_the_form(resident: httpx.Client, db: Session) -> None:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    listing = resident.get("/h5/entrust", params={"village": GUIBEI, "category": "临时救助"}).text
    assert matter.name in listing and "确认提交委托" not in listing
    page = entrust_form(resident)
    assert matter.conditions in page
    for material in matter.materials:
        assert material["name"] in page
    assert page.index(matter.conditions) < page.index("确认提交委托")
    assert "我同意" in page and "只用于这次办理" in page


def test_entrusting_creates_the_case_tells_the_helper_and_says_what_comes_next(
        resident: httpx.Client, world: World, db: Session) -> None:
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident)),
                         files=[("photos", ("id.jpg", JPEG, "image/jpeg")), ("photos", ("book.png", PNG, "image/png"))])
    assert page.status_code == 200 and page.url.path.startswith("/h5/cases/")
    case = db.scalar(select(Entrustment))
    assert case is not None and case.status is EntrustmentStatus.SUBMITTED
    assert f"委托已提交，编号 {case.number}" in page.text
    assert "帮办员王芳会在" in page.text and "和您联系" in page.text
    assert db.scalar(select(Resident.openid).where(Resident.id == case.resident_id)) == RESIDENT
    kinds = {(m.kind, m.recipient_openid) for m in db.scalars(select(OutboxMessage))}
    assert ("helper_new_case", world.helper.openid) in kinds and ("resident_receipt", RESIDENT) in kinds
    photos = db.scalars(select(Attachment)).all()
    assert sorted(p.content_type for p in photos) == ["image/jpeg", "image/png"]
    assert resident.get(f"/h5/files/{photos[0].id}").content == kept(JPEG if photos[0].content_type == "image/jpeg"
                                                                       else PNG)


def test_for_a_family_member_needs_their_name_and_relation(resident: httpx.Client, db: Session) -> None:
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident), for_whom="family",
                                                    beneficiary_name="李大爷"))
    assert page.status_code == 422 and "家里人的姓名" in page.text and "李大爷" in page.text
    assert count(db, Entrustment) == 0
    done = resident.post("/h5/entrust", data=filled(entrust_form(resident), for_whom="family",
                                                    beneficiary_name="李大爷", beneficiary_relation="父母"))
    assert done.status_code == 200
    case = db.scalar(select(Entrustment))
    assert case is not None and (case.beneficiary_name, case.beneficiary_relation) == ("李大爷", "父母")


def test_without_consent_nothing_is_submitted_and_nothing_typed_is_lost(resident: httpx.Client, db: Session) -> None:
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident), consent=""))
    assert page.status_code == 422
    assert "同意的话在方框里打勾" in page.text and "老伴住院，家里急需帮助" in page.text
    assert count(db, Entrustment) == 0


def test_a_bad_phone_number_is_explained(resident: httpx.Client, db: Session) -> None:
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident), contact_phone="12345"))
    assert page.status_code == 422 and "不是有效的手机号" in page.text
    assert count(db, Entrustment) == 0


def test_a_file_that_is_not_a_photo_is_refused_in_chinese_and_nothing_is_stored(
        resident: httpx.Client, db: Session) -> None:
    before = media_files()
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident)),
                         files=[("photos", ("ok.jpg", JPEG, "image/jpeg")),
                                ("photos", ("virus.jpg", b"MZ\x90\x00 not a picture", "image/jpeg"))])
    assert page.status_code == 422
    assert "第 2 张照片" in page.text and "只能上传 JPG、PNG 或 WebP 格式的照片" in page.text
    assert count(db, Entrustment) == 0 and count(db, Attachment) == 0
    assert media_files() == before


def test_a_photo_over_the_size_limit_is_refused(resident: httpx.Client, db: Session) -> None:
    big = JPEG + b"\x00" * (8 * 1024 * 1024)
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident)),
                         files=[("photos", ("big.jpg", big, "image/jpeg"))])
    assert page.status_code == 422 and "太大了" in page.text
    assert count(db, Entrustment) == 0 and count(db, Attachment) == 0


def test_a_request_body_beyond_every_limit_is_cut_off(resident: httpx.Client, db: Session) -> None:
    huge = b"\xff\xd8\xff" + b"\x00" * (60 * 1024 * 1024)
    page = resident.post("/h5/entrust", data=filled(entrust_form(resident)),
                         files=[("photos", ("huge.jpg", huge, "image/jpeg"))],
                         headers={"referer": f"{resident.base_url}/h5/entrust?village={GUIBEI}&matter=linshi-zhengwu"})
    assert page.status_code == 413 and "照片太大或太多" in page.text
    assert "bangban.css" in page.text and page.headers["cache-control"] == "no-store"
    assert 'href="/h5/entrust?village=500231001001&amp;matter=linshi-zhengwu">返回上一页' in page.text
    assert count(db, Entrustment) == 0


def test_another_residents_case_and_photos_are_not_found(site: Site, world: World, db: Session) -> None:
    owner = signed_in(site, RESIDENT)
    owner.post("/h5/entrust", data=filled(entrust_form(owner)), files=[("photos", ("id.jpg", JPEG, "image/jpeg"))])
    case = db.scalar(select(Entrustment))
    photo = db.scalar(select(Attachment))
    assert case is not None and photo is not None
    stranger = signed_in(site, OTHER_RESIDENT)
    for path in (f"/h5/cases/{case.id}", f"/h5/cases/{case.id}/cancel", f"/h5/files/{photo.id}",
                 f"/h5/complain?case={case.id}"):
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert "李秀英" not in response.text and "老伴住院" not in response.text
    assert case.number not in stranger.get("/h5/cases").text
    token = csrf_of(entrust_form(stranger))
    refused = stranger.post(f"/h5/cases/{case.id}/cancel", data={"csrf": token, "reason": "其他原因",
                                                                 "confirmed": "yes"})
    assert refused.status_code == 404
    db.expire_all()
    assert db.get(Entrustment, case.id).termination_requested_at is None  # type: ignore[union-attr]


def supplement_requested(db: Session, world: World, resident: Resident) -> Entrustment:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    case = submit_as_resident(db, resident, world.tree["guibei"], matter)
    service.transition(db, helper_actor(world.helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["居民身份证", "医院诊断证明"], note="复印件即可"))
    db.commit()
    return case


def test_the_missing_list_is_shown_once_and_supplied_one_photo_at_a_time(resident: httpx.Client, world: World,
                                                                         db: Session) -> None:
    me = db.scalar(select(Resident).where(Resident.openid == RESIDENT)) or create_resident(
        db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    case = supplement_requested(db, world, me)
    page = resident.get(f"/h5/cases/{case.id}").text
    assert "还缺这些材料（一次告诉您）" in page and "1. 居民身份证" in page and "2. 医院诊断证明" in page
    first = resident.post(f"/h5/cases/{case.id}/supplement",
                          data={"csrf": csrf_of(page), "photo_for": ["居民身份证", "医院诊断证明"], "note": ""},
                          files=[("photos", ("id.jpg", JPEG, "image/jpeg")),
                                 ("photos", ("", b"", "application/octet-stream"))])
    assert first.status_code == 200 and "还差：医院诊断证明" in first.text and "✓ 已交" in first.text
    db.expire_all()
    assert db.get(Entrustment, case.id).status is EntrustmentStatus.AWAITING_SUPPLEMENT  # type: ignore[union-attr]
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "helper_supplement_received")) is not None
    db.commit()
    second = resident.post(f"/h5/cases/{case.id}/supplement",
                           data={"csrf": csrf_of(first.text), "photo_for": ["医院诊断证明"], "note": ""},
                           files=[("photos", ("proof.jpg", JPEG, "image/jpeg"))])
    assert second.status_code == 200 and "补交的材料已提交" in second.text
    db.expire_all()
    assert db.get(Entrustment, case.id).status is EntrustmentStatus.SUBMITTED  # type: ignore[union-attr]
    assert [a.material_name for a in db.scalars(select(Attachment))] == ["居民身份证", "医院诊断证明"]
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "helper_supplement_complete")) is not None


def test_supplying_nothing_asks_for_a_photo_or_a_word(resident: httpx.Client, world: World, db: Session) -> None:
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    case = supplement_requested(db, world, me)
    page = resident.get(f"/h5/cases/{case.id}").text
    again = resident.post(f"/h5/cases/{case.id}/supplement", data={"csrf": csrf_of(page), "note": " "})
    assert again.status_code == 422 and "至少拍一张" in again.text
    db.expire_all()
    assert db.get(Entrustment, case.id).status is EntrustmentStatus.AWAITING_SUPPLEMENT  # type: ignore[union-attr]


def test_cancelling_needs_an_explicit_confirmation_and_promises_the_papers_back(
        resident: httpx.Client, world: World, db: Session) -> None:
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    case = submit_as_resident(db, me, world.tree["guibei"], matter)  # type: ignore[arg-type]
    db.commit()
    form = resident.get(f"/h5/cases/{case.id}/cancel").text
    assert "帮办员会和您联系，把您交给他的材料原样还给您" in form
    unconfirmed = resident.post(f"/h5/cases/{case.id}/cancel", data={"csrf": csrf_of(form), "reason": "自己去办"})
    assert unconfirmed.status_code == 422 and "我确认取消这件委托" in unconfirmed.text
    db.expire_all()
    assert db.get(Entrustment, case.id).termination_requested_at is None  # type: ignore[union-attr]
    done = resident.post(f"/h5/cases/{case.id}/cancel", data={"csrf": csrf_of(form), "reason": "自己去办",
                                                              "detail": "儿子回来了", "confirmed": "yes"})
    assert done.status_code == 200 and "已申请取消" in done.text and "材料原样还给您" in done.text
    db.expire_all()
    assert db.get(Entrustment, case.id).termination_reason == "自己去办：儿子回来了"  # type: ignore[union-attr]
    assert "不想办了，取消委托" not in done.text


def test_a_completed_case_is_rated_once(resident: httpx.Client, world: World, db: Session) -> None:
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    case = submit_as_resident(db, me, world.tree["guibei"], matter)  # type: ignore[arg-type]
    helper = helper_actor(world.helper)
    service.transition(db, helper, case.id, Action.ACCEPT, AcceptIn())
    from app import clock

    service.transition(db, helper, case.id, Action.COMPLETE, CompleteIn(proof_reference="垫民救〔2026〕1号",
                                                                        result="已批准临时救助 2000 元",
                                                                       replied_at=clock.now()))
    db.commit()
    page = resident.get(f"/h5/cases/{case.id}").text
    assert "请给这次服务评个价" in page and "已批准临时救助 2000 元" in page
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f'value="{level}"' in page
    rated = resident.post(f"/h5/cases/{case.id}/rate", data={"csrf": csrf_of(page), "level": "满意",
                                                             "comment": "王芳很耐心"})
    assert rated.status_code == 200 and "谢谢您的评价" in rated.text and "请给这次服务评个价" not in rated.text
    evaluation = db.scalar(select(Evaluation))
    assert evaluation is not None and evaluation.source is RatingSource.RESIDENT and evaluation.comment == "王芳很耐心"
    twice = resident.post(f"/h5/cases/{case.id}/rate", data={"csrf": csrf_of(page), "level": "不满意"})
    assert twice.status_code == 409
    assert "这件委托已经评价过了（满意），每件委托只评价一次" in twice.text and "我要投诉" in twice.text
    assert "不能「评价」" not in twice.text and "请给这次服务评个价" not in twice.text
    assert count(db, Evaluation) == 1
    assert db.scalar(select(Evaluation.level)).value == "满意"  # type: ignore[union-attr]


def test_a_complaint_goes_to_the_township_task_force(resident: httpx.Client, world: World, db: Session) -> None:
    first = resident.get("/h5/complain")
    assert "先选择您所在的村（社区）" in first.text
    page = resident.get("/h5/complain", params={"village": GUIBEI}).text
    assert "也可以打桂溪街道的监督电话" in page and 'href="tel:023-74221234"' in page
    empty = resident.post("/h5/complain", data={"csrf": csrf_of(page), "village_code": GUIBEI, "text": "",
                                                "name": "李秀英", "phone": "13800138000"})
    assert empty.status_code == 422 and "请写下您要投诉的事情" in empty.text
    sent = resident.post("/h5/complain", data={"csrf": csrf_of(page), "village_code": GUIBEI,
                                               "text": "帮办员三天没回电话", "name": "李秀英", "phone": "13800138000"})
    assert sent.status_code == 200 and "已交给桂溪街道帮办代办工作专班" in sent.text
    complaint = db.scalar(select(Complaint))
    assert complaint is not None and complaint.township_id == world.tree["guixi"].id
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_complaint"))
    assert notice is not None and notice.recipient_id == world.tree["guixi"].id
    assert signed_in_as_other(resident).get(f"/h5/complaints/{complaint.id}").status_code == 404


def signed_in_as_other(resident: httpx.Client) -> httpx.Client:
    site = Site(url=str(resident.base_url).rstrip("/"), sandbox_url="", sandbox=None)  # type: ignore[arg-type]
    return signed_in(site, OTHER_RESIDENT)


def test_the_home_page_offers_the_three_things_a_resident_does(resident: httpx.Client) -> None:
    page = resident.get("/h5/").text
    for words in ("我要委托帮办", "查看我的办件", "我要投诉"):
        assert words in page
    assert "帮办员工作台" not in page
