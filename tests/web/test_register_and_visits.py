"""The helper registers entrustments taken by phone, on a visit or on paper, and records home visits."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment, AttachmentKind, AuthorisationKind, Channel, Entrustment, OutboxMessage, Visit
from tests.images import JPEG, kept
from tests.web.support import HELPER, RESIDENT, SECRETARY, Site, World, csrf_of, form_token, signed_in


@pytest.fixture
def helper(site: Site, world: World) -> httpx.Client:
    return signed_in(site, HELPER)


def registration(page: str, **changes: str) -> dict[str, str]:
    return {"csrf": csrf_of(page), "channel": "phone", "resident_name": "张大爷", "contact_phone": "023-74221234",
            "matter_code": "undecided", "description": "腿脚不便，想问问能申请什么", "authorisation_ref":
            "2026年11月27日上午电话委托", **changes}


def test_a_phone_entrustment_is_registered_with_its_authorisation(helper: httpx.Client, world: World,
                                                                  db: Session) -> None:
    page = helper.get("/h5/helper/register").text
    assert "桂北社区" in page and "待帮办员确认" in page and "临时救助申请" in page
    done = helper.post("/h5/helper/register", data=registration(page))
    assert done.status_code == 200 and done.url.path.startswith("/h5/helper/cases/")
    case = db.scalar(select(Entrustment))
    assert case is not None
    assert (case.channel, case.authorisation_kind, case.authorisation_ref) == (
        Channel.PHONE, AuthorisationKind.SIGNATURE, "2026年11月27日上午电话委托")
    assert case.registered_by_helper_id == world.helper.id and case.village_id == world.tree["guibei"].id
    assert f"委托已登记，编号 {case.number}，已分派给帮办员王芳" in done.text
    receipt = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "resident_receipt"))
    assert receipt is not None and receipt.recipient_openid is None  # no WeChat: the worker makes it a call task


def test_a_registration_without_its_authorisation_is_refused(helper: httpx.Client, db: Session) -> None:
    page = helper.get("/h5/helper/register").text
    refused = helper.post("/h5/helper/register", data=registration(page, authorisation_ref=""))
    assert refused.status_code == 422 and "委托手续" in refused.text and "腿脚不便" in refused.text
    no_channel = helper.post("/h5/helper/register", data=registration(page, channel="wechat"))
    assert no_channel.status_code == 422 and "请选择委托方式" in no_channel.text
    assert db.scalar(select(Entrustment)) is None


def test_a_paper_form_needs_its_photo_which_is_kept_as_the_authorisation(helper: httpx.Client,
                                                                         db: Session) -> None:
    page = helper.get("/h5/helper/register").text
    missing = helper.post("/h5/helper/register", data=registration(page, channel="paper", authorisation_ref=""))
    assert missing.status_code == 422 and "纸质委托书要拍照上传" in missing.text
    done = helper.post("/h5/helper/register", data=registration(page, channel="paper", authorisation_ref=""),
                       files=[("photos", ("form.jpg", JPEG, "image/jpeg"))])
    assert done.status_code == 200
    case = db.scalar(select(Entrustment))
    photo = db.scalar(select(Attachment))
    assert case is not None and photo is not None
    assert case.authorisation_kind is AuthorisationKind.PAPER_PHOTO
    assert case.authorisation_ref == "纸质委托书照片（见附件）"
    assert photo.kind is AttachmentKind.AUTHORISATION
    assert helper.get(f"/h5/files/{photo.id}").content == kept(JPEG)


def test_a_home_visit_is_recorded_and_can_lead_to_an_entrustment(helper: httpx.Client, db: Session) -> None:
    page = helper.get("/h5/helper/visits").text
    for reason in ("老：", "病：", "残：", "孤："):
        assert reason in page
    refused = helper.post("/h5/helper/visits", data={"csrf": csrf_of(page), "person_name": "陈奶奶", "reason": "富"})
    assert refused.status_code == 422 and "老、病、残或孤" in refused.text
    recorded = helper.post("/h5/helper/visits", data={"csrf": csrf_of(page), "person_name": "陈奶奶", "reason": "老",
                                                      "note": "独居，八十多岁"})
    assert recorded.status_code == 200 and "已记下" in recorded.text and "为陈奶奶登记委托" in recorded.text
    visit = db.scalar(select(Visit))
    assert visit is not None and visit.note == "独居，八十多岁"
    form = helper.get("/h5/helper/register", params={"visit": visit.id}).text
    assert "来自上门走访" in form and 'value="陈奶奶"' in form
    done = helper.post("/h5/helper/register", data=registration(form, channel="visit", resident_name="陈奶奶",
                                                                 visit_id=str(visit.id)))
    assert done.status_code == 200
    db.expire_all()
    case = db.scalar(select(Entrustment))
    assert case is not None and db.get(Visit, visit.id).entrustment_id == case.id  # type: ignore[union-attr]
    assert "查看登记的委托" in helper.get("/h5/helper/visits").text


def test_a_secretary_registers_for_the_village_and_routing_picks_the_helper(site: Site, world: World,
                                                                          db: Session) -> None:
    secretary = signed_in(site, SECRETARY)
    done = secretary.post("/h5/helper/register", data=registration(secretary.get("/h5/helper/register").text))
    assert done.status_code == 200
    case = db.scalar(select(Entrustment))
    assert case is not None and case.helper_id == world.helper.id


def test_residents_cannot_register_or_record_visits(site: Site, world: World) -> None:
    resident = signed_in(site, RESIDENT)
    assert resident.get("/h5/helper/register").status_code == 403
    assert resident.post("/h5/helper/visits", data={"csrf": form_token(resident), "person_name": "x",
                                                    "reason": "老"}).status_code == 403


@pytest.mark.parametrize(("reason", "label"), [("老", "老：高龄、独居老人"), ("病", "病：重病、长期卧床"),
                                               ("残", "残：残疾人"), ("孤", "孤：孤儿、事实无人抚养儿童")])
def test_a_visit_to_each_of_the_old_sick_disabled_and_orphaned_is_recorded(helper: httpx.Client, db: Session,
                                                                           reason: str, label: str) -> None:
    page = helper.get("/h5/helper/visits").text
    assert label in page
    recorded = helper.post("/h5/helper/visits", data={"csrf": csrf_of(page), "person_name": "陈奶奶", "reason": reason,
                                                      "visited_on": ""})
    assert recorded.status_code == 200 and "已记下" in recorded.text and f"陈奶奶（{reason}）" in recorded.text
    visit = db.scalar(select(Visit))
    assert visit is not None and visit.reason.value == reason
