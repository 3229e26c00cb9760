"""Limits on what one sender may put in (README, 限额): refused politely in Chinese, with nothing lost of what
was accepted before; photos redrawn without their metadata and refused by their header when too large."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.entrustments import service
from app.entrustments.attachments import check_photo
from app.entrustments.schemas import RequestSupplementIn, SubmitIn, SupplementIn
from app.entrustments.workflow import Action
from app.errors import InvalidInput, TooMany
from app.models import Attachment, Channel, Entrustment, Helper, InboundMessage, Region, Resident
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    submit_as_resident,
)
from tests.images import GPS_IFD, MAKE, MODEL, PNG, picture, png_header
from tests.wechat.chat import Phone, chat_client
from tests.wechat.support import WeChat, text_xml

Limits = Callable[..., None]


@pytest.fixture
def tree(db: Session) -> dict[str, Region]:
    tree = create_tree(db)
    create_matter(db)
    create_helper(db, tree["guibei"])
    return tree


def case_count(db: Session) -> int:
    return db.scalar(select(func.count(Entrustment.id))) or 0


# -- entrustments ---------------------------------------------------------------------------------------


def test_a_resident_past_the_hourly_limit_is_refused_and_keeps_the_cases_already_entrusted(
        db: Session, tree: dict[str, Region], limits: Limits) -> None:
    limits(entrustments_per_hour=3, entrustments_per_day=10)
    resident = create_resident(db, tree["guibei"])
    matter = create_matter(db, "dibao")
    for _ in range(3):
        submit_as_resident(db, resident, tree["guibei"], matter)

    with pytest.raises(TooMany) as refused:
        submit_as_resident(db, resident, tree["guibei"], matter)

    assert refused.value.status == 429
    assert "一小时内已经提交了 3 件委托" in refused.value.message
    assert "已经提交的委托都在" in refused.value.message
    assert 0 < refused.value.retry_after <= 3600
    assert case_count(db) == 3


def test_the_hourly_window_slides(db: Session, tree: dict[str, Region], limits: Limits) -> None:
    limits(entrustments_per_hour=2, entrustments_per_day=10)
    resident = create_resident(db, tree["guibei"])
    matter = create_matter(db, "dibao")
    submit_as_resident(db, resident, tree["guibei"], matter)
    clock.move(timedelta(minutes=40))
    submit_as_resident(db, resident, tree["guibei"], matter)
    with pytest.raises(TooMany) as refused:
        submit_as_resident(db, resident, tree["guibei"], matter)
    assert 19 * 60 <= refused.value.retry_after <= 20 * 60  # when the first one leaves the hour

    clock.move(timedelta(minutes=21))
    submit_as_resident(db, resident, tree["guibei"], matter)
    assert case_count(db) == 3


def test_the_daily_limit_counts_the_last_24_hours(db: Session, tree: dict[str, Region], limits: Limits) -> None:
    limits(entrustments_per_hour=5, entrustments_per_day=3)
    resident = create_resident(db, tree["guibei"])
    matter = create_matter(db, "dibao")
    for _ in range(3):
        submit_as_resident(db, resident, tree["guibei"], matter)
        clock.move(timedelta(hours=2))

    with pytest.raises(TooMany, match="一天内已经提交了 3 件委托"):
        submit_as_resident(db, resident, tree["guibei"], matter)
    clock.move(timedelta(hours=19))
    submit_as_resident(db, resident, tree["guibei"], matter)


def test_one_residents_limit_is_not_anothers(db: Session, tree: dict[str, Region], limits: Limits) -> None:
    limits(entrustments_per_hour=1)
    matter = create_matter(db, "dibao")
    first, second = create_resident(db, tree["guibei"]), create_resident(db, tree["guibei"], "赵敏")
    submit_as_resident(db, first, tree["guibei"], matter)
    submit_as_resident(db, second, tree["guibei"], matter)
    with pytest.raises(TooMany):
        submit_as_resident(db, first, tree["guibei"], matter)


def _registration(village: Region, n: int) -> SubmitIn:
    return SubmitIn(village_code=village.code, matter_code="dibao", resident_name=f"委托人{n}",
                    contact_phone="13800138000", description="电话委托", channel=Channel.PHONE,
                    authorisation_ref=f"签字存档-{n}")


def test_a_helper_registering_entrustments_has_a_limit_of_their_own(db: Session, tree: dict[str, Region],
                                                                    limits: Limits) -> None:
    limits(helper_entrustments_per_hour=2)
    create_matter(db, "dibao")
    helper = helper_actor(create_helper(db, tree["guibei"], "李登记"))
    service.submit(db, helper, _registration(tree["guibei"], 1))
    service.submit(db, helper, _registration(tree["guibei"], 2))

    with pytest.raises(TooMany) as refused:
        service.submit(db, helper, _registration(tree["guibei"], 3))
    assert "您一小时内已经提交了 2 件委托" in refused.value.message
    assert "已经登记的委托都在" in refused.value.message and "乡镇（街道）工作专班" in refused.value.message
    assert case_count(db) == 2


# -- photos -------------------------------------------------------------------------------------------


def _entrust_with_photos(db: Session, resident: Resident, village: Region, count: int) -> Entrustment:
    data = SubmitIn(village_code=village.code, matter_code="dibao", resident_name=resident.name,
                    contact_phone="13800138000", description="老伴住院，家里急需帮助", channel=Channel.WECHAT)
    photo = check_photo(PNG)
    return service.submit(db, resident_actor(resident), data, photos=[(None, photo)] * count)


def test_photos_past_the_hourly_limit_are_refused_and_the_earlier_ones_kept(db: Session, tree: dict[str, Region],
                                                                           limits: Limits) -> None:
    limits(photos_per_hour=3)
    create_matter(db, "dibao")
    resident = create_resident(db, tree["guibei"])
    _entrust_with_photos(db, resident, tree["guibei"], 2)

    with pytest.raises(TooMany) as refused:
        _entrust_with_photos(db, resident, tree["guibei"], 2)

    assert "一小时内最多上传 3 张照片，您已经上传了 2 张" in refused.value.message
    assert "现在最多还能传 1 张" in refused.value.message
    assert db.scalar(select(func.count(Attachment.id))) == 2 and case_count(db) == 1
    clock.move(timedelta(minutes=61))
    _entrust_with_photos(db, resident, tree["guibei"], 2)


def _noise(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG")
    return out.getvalue()


def test_a_case_holds_photos_up_to_its_quota(db: Session, tree: dict[str, Region], limits: Limits) -> None:
    limits(case_photo_quota_mb=2)
    helper = helper_actor(db.scalars(select(Helper)).one())
    resident = create_resident(db, tree["guibei"])
    case = submit_as_resident(db, resident, tree["guibei"], create_matter(db, "dibao"))
    service.transition(db, helper, case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["身份证", "户口簿"]))
    large = check_photo(_noise(700))  # about 1.4 MB

    with pytest.raises(InvalidInput) as refused:
        service.transition(db, resident_actor(resident), case.id, Action.SUPPLEMENT,
                           SupplementIn(materials=["身份证", "户口簿"]),
                           photos=[("身份证", large), ("户口簿", large)])

    assert refused.value.field == "photos"
    assert "这件委托的照片一共不能超过 2MB，还能再传 2.0MB" in refused.value.message
    assert db.scalar(select(func.count(Attachment.id))) == 0
    service.transition(db, resident_actor(resident), case.id, Action.SUPPLEMENT, SupplementIn(materials=["身份证"]),
                       photos=[("身份证", large)])
    assert db.scalar(select(func.count(Attachment.id))) == 1


# -- pictures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_photo_is_redrawn_without_its_location_and_camera(kind: str) -> None:
    taken = picture(kind, gps=True)
    assert Image.open(io.BytesIO(taken)).getexif().get_ifd(GPS_IFD)

    kept = check_photo(taken)

    redrawn = Image.open(io.BytesIO(kept.data))
    assert redrawn.format == kind and redrawn.size == (64, 48)
    exif = redrawn.getexif()
    assert not exif.get_ifd(GPS_IFD) and MAKE not in exif and MODEL not in exif
    assert b"HUAWEI" not in kept.data and "exif" not in redrawn.info


def test_a_photo_taken_sideways_is_kept_the_way_it_was_held() -> None:
    kept = check_photo(picture("JPEG", width=64, height=48, orientation=6))  # the phone turned a quarter
    assert Image.open(io.BytesIO(kept.data)).size == (48, 64)


@pytest.mark.parametrize(("width", "height"), [(20000, 20000), (10001, 100), (7000, 6000)])
def test_a_picture_too_large_is_refused_from_its_header(width: int, height: int) -> None:
    bomb = png_header(width, height)
    assert len(bomb) < 200

    with pytest.raises(InvalidInput) as refused:
        check_photo(bomb, label="身份证的照片")

    assert refused.value.message.startswith("「身份证的照片」的像素太多了")
    assert "10000 像素" in refused.value.message and "40 百万像素" in refused.value.message


def test_the_largest_picture_allowed_is_kept() -> None:
    kept = check_photo(picture("PNG", width=10000, height=4000))
    assert Image.open(io.BytesIO(kept.data)).size == (10000, 4000)


def test_a_picture_that_does_not_decode_is_refused_in_plain_words() -> None:
    with pytest.raises(InvalidInput, match="打不开，可能没有传完整或已损坏"):
        check_photo(picture("JPEG", width=400, height=300)[:300])


# -- the chat -----------------------------------------------------------------------------------------


@pytest.fixture
def phone(db: Session, limits: Limits) -> Iterator[Phone]:
    with chat_client() as client:
        yield Phone(client, openid="o-fast-typist")


def _recorded(db: Session, openid: str) -> int:
    db.expire_all()
    return db.scalar(select(func.count(InboundMessage.id)).where(InboundMessage.openid == openid)) or 0


def test_a_chat_sender_past_the_limit_is_asked_to_wait_and_what_came_before_is_kept(
        db: Session, limits: Limits, phone: Phone) -> None:
    limits(chat_messages_per_minute=3)
    answers = [phone.says("你好") for _ in range(3)]
    assert all("太快" not in answer for answer in answers)

    refused = phone.says("你好")

    assert "您发得太快了" in refused and "1 分钟后再发" in refused
    assert _recorded(db, "o-fast-typist") == 3
    clock.move(timedelta(seconds=61))
    assert "太快" not in phone.says("你好")


def test_wechats_own_reports_are_never_paced(db: Session, limits: Limits, phone: Phone) -> None:
    limits(chat_messages_per_minute=1)
    phone.says("你好")
    for n in range(3):
        assert phone._event("TEMPLATESENDJOBFINISH", f"<MsgID>{n + 1}</MsgID><Status>success</Status>") == ""
    assert _recorded(db, "o-fast-typist") == 4


def test_a_msg_id_longer_than_wechats_numbers_is_refused_without_a_traceback(
        db: Session, caplog: pytest.LogCaptureFixture) -> None:
    wechat = WeChat()
    with chat_client() as client, caplog.at_level(logging.INFO):
        url, body = wechat.plain(text_xml("你好", msg_id="9" * 200, openid="o-long-id"))
        response = client.post(url, content=body)

    assert response.status_code == 400
    assert _recorded(db, "o-long-id") == 0
    assert not [record for record in caplog.records if record.exc_info]

