"""A rule holds whichever way a person comes in: each rule below is refused with the same words through
the API and through the pages, because it lives once, in the use cases. Every write, from every channel,
leaves an audit entry naming the channel and the status before and after."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import AcceptIn, CompleteIn
from app.entrustments.workflow import Action
from app.models import AuditEntry, Entrustment, EntrustmentStatus
from tests.factories import api_key, china_time, helper_actor
from tests.web.support import HELPER, RESIDENT, Site, World, csrf_of, signed_in
from tests.web.test_helper_pages import act, new_case, reload
from tests.web.test_register_and_visits import registration
from tests.web.test_resident_pages import entrust_form, filled


@pytest.fixture
def helper_page(site: Site, world: World) -> httpx.Client:
    return signed_in(site, HELPER)


@pytest.fixture
def resident_page(site: Site, world: World) -> httpx.Client:
    return signed_in(site, RESIDENT)


def _client(site: Site, key: str) -> httpx.Client:
    return httpx.Client(base_url=site.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@pytest.fixture
def helper_api(site: Site, world: World, db: Session) -> Iterator[httpx.Client]:
    key = api_key(db, "helper", helper=world.helper)
    db.commit()
    with _client(site, key) as client:
        yield client


@pytest.fixture
def platform_api(site: Site, world: World, db: Session) -> Iterator[httpx.Client]:
    key = api_key(db, "county_admin")
    db.commit()
    with _client(site, key) as client:
        yield client


def refused_on_api(response: httpx.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    message: str = body["message"]
    return message


def refused_on_page(response: httpx.Response, message: str) -> None:
    assert response.status_code == 422
    assert message in html.unescape(response.text)


def submission(**overrides: object) -> dict[str, object]:
    return {"village_code": "500231001001", "matter_code": "linshi-zhengwu", "resident_name": "张大爷",
            "contact_phone": "023-74221234", "description": "腿脚不便，想问问能申请什么", **overrides}


def accepted_case(db: Session, world: World) -> Entrustment:
    case = new_case(db, world)
    service.transition(db, helper_actor(world.helper), case.id, Action.ACCEPT, AcceptIn())
    db.commit()
    return case


def test_a_reply_time_in_the_future_is_refused_alike(helper_api: httpx.Client, helper_page: httpx.Client,
                                                      world: World, db: Session) -> None:
    case = accepted_case(db, world)
    api = helper_api.post(f"/api/v1/entrustments/{case.id}/complete",
                          json={"result": "已批准", "replied_at": "2099-01-01T10:00:00"})
    message = refused_on_api(api, "replied_at")
    assert message == "回复时间不能晚于现在。"
    refused_on_page(act(helper_page, case, "complete", result="已批准", replied_at="2099-01-01T10:00"), message)
    assert reload(db, case).status is EntrustmentStatus.ACCEPTED


def test_a_paper_entrustment_without_the_forms_photo_is_refused_alike(
        helper_api: httpx.Client, helper_page: httpx.Client, db: Session) -> None:
    api = helper_api.post("/api/v1/entrustments", json=submission(channel="paper", authorisation_ref="纸质委托书"))
    message = refused_on_api(api, "photos")
    assert "纸质委托书要拍照上传" in message
    page = helper_page.get("/h5/helper/register").text
    refused_on_page(helper_page.post("/h5/helper/register",
                                     data=registration(page, channel="paper", authorisation_ref="纸质委托书")), message)
    assert db.scalar(select(Entrustment)) is None


def test_a_family_member_needs_both_name_and_relation_alike(platform_api: httpx.Client,
                                                            resident_page: httpx.Client, db: Session) -> None:
    api = platform_api.post("/api/v1/entrustments",
                            json=submission(channel="wechat", beneficiary_name="李大爷", for_family=True))
    message = refused_on_api(api, "beneficiary_relation")
    assert "家里人的姓名" in message
    page = resident_page.post("/h5/entrust", data=filled(entrust_form(resident_page), for_whom="family",
                                                          beneficiary_name="李大爷"))
    refused_on_page(page, message)
    assert db.scalar(select(Entrustment)) is None


def test_a_helper_alone_cannot_end_a_case_alike(helper_api: httpx.Client, helper_page: httpx.Client,
                                                 world: World, db: Session) -> None:
    case = new_case(db, world)
    asked = helper_api.post(f"/api/v1/entrustments/{case.id}/request-termination",
                            json={"reason": "家里说先不办", "confirmed": True})
    assert asked.status_code == 403 and "委托人" in asked.json()["message"]
    api = helper_api.post(f"/api/v1/entrustments/{case.id}/record-termination-statement",
                          json={"cause": "委托人不需要办了", "reason": "家里说先不办"})
    message = refused_on_api(api, "photos")
    assert "签字的终止声明" in message
    refused_on_page(act(helper_page, case, "termination-statement", cause="委托人不需要办了", reason="家里说先不办"),
                    message)
    ended = helper_api.post(f"/api/v1/entrustments/{case.id}/terminate",
                            json={"authorisation_evidence": "电话", "handover_receiver": "李秀英",
                                  "handover_materials": ["未收取材料"]})
    assert ended.status_code == 409 and "尚未确认申请终止" in ended.json()["message"]
    assert reload(db, case).termination_requested_at is None


def test_a_helper_cannot_record_a_rating_as_the_residents_own_alike(
        helper_api: httpx.Client, helper_page: httpx.Client, world: World, db: Session) -> None:
    case = accepted_case(db, world)
    service.transition(db, helper_actor(world.helper), case.id, Action.COMPLETE,
                       CompleteIn(proof_reference="垫民救〔2026〕1号",
                                  result="已办好", replied_at=china_time("2026-01-01T10:00")))
    db.commit()
    api = helper_api.post(f"/api/v1/entrustments/{case.id}/evaluate", json={"level": "满意", "source": "resident"})
    message = refused_on_api(api, "source")
    assert "帮办员只能登记" in message
    refused_on_page(act(helper_page, case, "evaluate", level="满意", source="resident"), message)
    unsourced = helper_api.post(f"/api/v1/entrustments/{case.id}/evaluate", json={"level": "满意"})
    refused_on_page(act(helper_page, case, "evaluate", level="满意"), refused_on_api(unsourced, "source"))
    assert reload(db, case).status is EntrustmentStatus.COMPLETED


def test_a_supplement_with_nothing_in_it_is_refused_alike(platform_api: httpx.Client, resident_page: httpx.Client,
                                                          helper_page: httpx.Client, world: World,
                                                          db: Session) -> None:
    case = new_case(db, world)
    act(helper_page, case, "request-supplement", missing=["户口簿"])
    api = platform_api.post(f"/api/v1/entrustments/{case.id}/supplement", json={})
    message = refused_on_api(api, "photos")
    assert "请至少拍一张材料的照片" in message
    page = resident_page.get(f"/h5/cases/{case.id}").text
    refused_on_page(resident_page.post(f"/h5/cases/{case.id}/supplement", data={"csrf": csrf_of(page)}), message)
    assert reload(db, case).status is EntrustmentStatus.AWAITING_SUPPLEMENT


def audit_of(db: Session, case: Entrustment) -> list[tuple[str, str, str | None, str | None]]:
    db.expire_all()
    rows = [(e.via, e.action, e.status_before, e.status_after) for e in db.scalars(
        select(AuditEntry).where(AuditEntry.entrustment_id == case.id, AuditEntry.action != "read")
        .order_by(AuditEntry.id))]
    db.commit()
    return rows


def test_writes_from_the_pages_and_the_api_are_audited_with_their_channel(
        helper_page: httpx.Client, platform_api: httpx.Client, world: World, db: Session) -> None:
    entrusted = platform_api.post("/api/v1/entrustments", json=submission(channel="wechat"))
    assert entrusted.status_code == 201, entrusted.text
    case = reload(db, db.get(Entrustment, entrusted.json()["id"]))  # type: ignore[arg-type]
    act(helper_page, case, "accept")
    act(helper_page, case, "progress", text="街道已收件")
    assert audit_of(db, case) == [
        ("api", "submit", None, "submitted"),
        ("h5", "accept", "submitted", "accepted"),
        ("h5", "note_progress", "accepted", "accepted"),
    ]
