"""Every input has a limit, and every limit answers in Chinese with a 4xx, over real HTTP: the form parser's
bounds, numbers past the database's range, photos too large by their header or carrying their location,
senders past their rate, and a case of another area that answers exactly like one that does not exist."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Attachment, AuditEntry, AuditOutcome, Entrustment, Matter, Resident
from tests.factories import api_key, create_resident, submit_as_resident
from tests.images import GPS_IFD, MAKE, picture, png_header
from tests.web.support import OTHER_HELPER, RESIDENT, Site, World, csrf_of, signed_in

GUIBEI = "500231001001"
BIG = 10**30  # past SQLite's and PostgreSQL's 64-bit integers


@pytest.fixture
def resident(site: Site, world: World) -> httpx.Client:
    return signed_in(site, RESIDENT)


def entrust_page(browser: httpx.Client) -> str:
    return browser.get("/h5/entrust", params={"village": GUIBEI, "matter": "linshi-zhengwu"}).text


def filled(page: str, **changes: str) -> dict[str, str]:
    return {"csrf": csrf_of(page), "village_code": GUIBEI, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
            "contact_phone": "13800138000", "description": "老伴住院，家里急需帮助", "for_whom": "self",
            "consent": "yes", **changes}


def count(db: Session, model: type) -> int:
    db.expire_all()
    found = db.scalar(select(func.count()).select_from(model)) or 0
    db.commit()  # end the read: on SQLite an open transaction would hold up the server
    return found


def is_chinese_page(response: httpx.Response) -> bool:
    return "<html" in response.text and "bangban.css" in response.text and "Traceback" not in response.text


# -- the form parser's bounds --------------------------------------------------------------------------


def test_a_form_with_thousands_of_fields_is_refused_with_a_page(resident: httpx.Client, db: Session) -> None:
    data = filled(entrust_page(resident))
    fields = list(data.items()) + [(f"extra{n}", "x") for n in range(2000)]
    page = resident.post("/h5/entrust", content="&".join(f"{k}={v}" for k, v in fields).encode(),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "表单里的内容太多了" in page.text and is_chinese_page(page)
    assert count(db, Entrustment) == 0


def test_a_form_with_a_thousand_files_is_refused_with_a_page(resident: httpx.Client, db: Session) -> None:
    files = [("photos", (f"{n}.jpg", b"x", "image/jpeg")) for n in range(1500)]
    page = resident.post("/h5/entrust", data=filled(entrust_page(resident)), files=files)
    assert page.status_code == 413 and "一次选的文件太多了" in page.text and is_chinese_page(page)
    assert count(db, Entrustment) == 0


def test_a_text_field_of_a_megabyte_is_refused_with_a_page(resident: httpx.Client, db: Session) -> None:
    page = resident.post("/h5/entrust", data=filled(entrust_page(resident)),
                         files=[("description", (None, "很长" * 300_000))])
    assert page.status_code == 413 and "填写的文字太长了" in page.text and is_chinese_page(page)
    assert count(db, Entrustment) == 0


# -- numbers past the database's range ----------------------------------------------------------------


@pytest.mark.parametrize("path", [f"/h5/cases/{BIG}", f"/h5/helper/cases/{BIG}", f"/h5/files/{BIG}",
                                  f"/h5/complaints/{BIG}", f"/h5/complain?case={BIG}",
                                  f"/h5/helper/register?visit={BIG}", f"/h5/helper/visits?done={BIG}"])
def test_a_page_asked_for_a_number_past_the_range_is_not_found(site: Site, world: World, path: str) -> None:
    page = signed_in(site, world.helper.openid or "").get(path)
    assert page.status_code == 404 and is_chinese_page(page), page.text[:300]


def test_the_api_answers_numbers_past_the_range_in_its_error_shape(site: Site, world: World, db: Session) -> None:
    key = api_key(db, "county_admin")
    db.commit()
    api = httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    for path, params in ((f"/api/v1/entrustments/{BIG}", {}), ("/api/v1/entrustments", {"offset": str(BIG)}),
                         ("/api/v1/entrustments", {"helper_id": str(BIG)})):
        response = api.get(path, params=params)
        assert response.status_code in (404, 422), (path, response.text)
        assert set(response.json()) >= {"code", "message"} and "超出范围" in response.json()["message"]


# -- photos -------------------------------------------------------------------------------------------


def test_a_picture_claiming_twenty_thousand_pixels_a_side_is_refused_and_nothing_is_stored(
        resident: httpx.Client, db: Session) -> None:
    page = resident.post("/h5/entrust", data=filled(entrust_page(resident)),
                         files=[("photos", ("scan.png", png_header(20000, 20000), "image/png"))])
    assert page.status_code == 422 and "第 1 张照片」的像素太多了" in page.text
    assert "老伴住院，家里急需帮助" in page.text  # what was typed is still there
    assert count(db, Entrustment) == 0 and count(db, Attachment) == 0


def test_a_photo_comes_back_without_its_location_and_camera(resident: httpx.Client, db: Session) -> None:
    taken = picture("JPEG", width=320, height=240, gps=True)
    done = resident.post("/h5/entrust", data=filled(entrust_page(resident)),
                         files=[("photos", ("id.jpg", taken, "image/jpeg"))])
    assert done.status_code == 200
    db.expire_all()
    attachment = db.scalars(select(Attachment)).one()
    db.commit()

    served = resident.get(f"/h5/files/{attachment.id}")

    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (320, 240)
    assert not image.getexif().get_ifd(GPS_IFD) and MAKE not in image.getexif()
    assert b"HUAWEI" not in served.content and attachment.size == len(served.content)


# -- senders past their rate --------------------------------------------------------------------------


def test_a_resident_past_the_hourly_limit_gets_a_polite_page_and_keeps_the_cases(
        resident: httpx.Client, db: Session, limits: Callable[..., None]) -> None:
    limits(entrustments_per_hour=2)
    for _ in range(2):
        assert resident.post("/h5/entrust", data=filled(entrust_page(resident))).status_code == 200

    page = resident.post("/h5/entrust", data=filled(entrust_page(resident)))

    assert page.status_code == 429 and is_chinese_page(page)
    assert "请稍后再试" in page.text and "一小时内已经提交了 2 件委托" in page.text
    assert "已经提交的委托都在" in page.text
    assert count(db, Entrustment) == 2
    assert "办件" in resident.get("/h5/cases").text


def test_the_api_refuses_a_resident_past_the_limit_with_429_and_retry_after(
        site: Site, world: World, db: Session, limits: Callable[..., None]) -> None:
    limits(entrustments_per_hour=1)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    assert matter is not None
    submit_as_resident(db, me, world.tree["guibei"], matter)
    key = api_key(db, "county_admin")
    db.commit()
    api = httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)

    response = api.post("/api/v1/entrustments", json={
        "village_code": GUIBEI, "matter_code": "linshi-zhengwu", "resident_name": "李秀英",
        "contact_phone": "13800138000", "description": "再委托一件", "channel": "wechat", "resident_openid": RESIDENT})

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "too_many_requests" and "这位委托人一小时内已经提交了 1 件委托" in body["message"]
    wait = int(response.headers["retry-after"])
    assert 0 < wait <= 3600 and body["retry_after"] == wait
    assert count(db, Entrustment) == 1
    assert db.scalar(select(func.count(Resident.id))) == 1


# -- another area's case ------------------------------------------------------------------------------


def test_another_townships_case_answers_exactly_like_a_missing_one_and_both_are_audited(
        site: Site, world: World, db: Session) -> None:
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    case = submit_as_resident(db, me, world.tree["guibei"], matter)
    db.commit()
    missing = case.id + 1000
    outsider = signed_in(site, OTHER_HELPER)

    existing_page, missing_page = (outsider.get(f"/h5/helper/cases/{n}") for n in (case.id, missing))

    assert existing_page.status_code == missing_page.status_code == 404
    assert existing_page.text == missing_page.text
    assert "李秀英" not in existing_page.text and "找不到这件委托" in existing_page.text
    db.expire_all()
    refused = db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED,
                                                  AuditEntry.actor_id == world.other_helper.id)).all()
    db.commit()
    assert sorted(entry.object_id for entry in refused) == [case.id, missing]
    assert {entry.details["status"] for entry in refused} == {404}
