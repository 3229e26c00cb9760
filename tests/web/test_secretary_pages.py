"""The village secretary over HTTP: all of the village's cases, and a reassignment request to the township."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import DeclineIn, RequestTerminationIn
from app.entrustments.workflow import Action
from app.models import AuditEntry, Entrustment, EntrustmentEvent, Matter, OutboxMessage, Resident, StaffMember
from tests.factories import create_helper, create_resident, helper_actor, resident_actor, submit_as_resident
from tests.web.support import HELPER, SECRETARY, Site, World, csrf_of, form_token, signed_in


@pytest.fixture
def secretary(site: Site, world: World) -> httpx.Client:
    return signed_in(site, SECRETARY)


def case_in(db: Session, world: World, village: str, name: str) -> Entrustment:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    resident = create_resident(db, world.tree[village], name, openid=None)
    case = submit_as_resident(db, resident, world.tree[village], matter, resident_name=name)
    db.commit()
    return case


def test_the_secretary_sees_every_case_of_the_village_and_no_other(secretary: httpx.Client, world: World,
                                                                   db: Session) -> None:
    colleague = create_helper(db, world.tree["guibei"], "刘强", openid="o_helper_liu_qiang")
    db.commit()
    mine = case_in(db, world, "guibei", "李秀英")
    theirs = case_in(db, world, "guibei", "张大爷")
    theirs.helper_id = colleague.id
    elsewhere = case_in(db, world, "chengxi_village", "外村人")
    closed = case_in(db, world, "guibei", "王婆婆")
    service.transition(db, helper_actor(world.helper), closed.id, Action.DECLINE, DeclineIn(reason="重复委托"))
    db.commit()
    page = secretary.get("/h5/secretary").text
    assert "桂北社区办件" in page and "正在办 <b>2</b> 件" in page
    assert mine.number in page and theirs.number in page and "帮办员：刘强" in page
    assert elsewhere.number not in page and closed.number not in page
    everything = secretary.get("/h5/secretary", params={"show": "all"}).text
    assert closed.number in everything and elsewhere.number not in everything
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "list")) is not None


def test_a_case_of_another_village_is_refused(secretary: httpx.Client, world: World, db: Session) -> None:
    elsewhere = case_in(db, world, "chengxi_village", "外村人")
    page = secretary.get(f"/h5/secretary/cases/{elsewhere.id}")
    assert page.status_code == 404 and "外村人" not in page.text


def test_a_reassignment_request_goes_to_the_township_and_onto_the_timeline(secretary: httpx.Client, world: World,
                                                                          db: Session) -> None:
    db.add(StaffMember(region_id=world.tree["guixi"].id, name="刘专班", openid="o_staff_liu"))
    case = case_in(db, world, "guibei", "李秀英")
    page = secretary.get(f"/h5/secretary/cases/{case.id}").text
    assert "申请乡镇（街道）改派帮办员" in page and "tel:" in page
    empty = secretary.post(f"/h5/secretary/cases/{case.id}/reassignment", data={"csrf": csrf_of(page), "reason": ""})
    assert empty.status_code == 422 and "请写明为什么要改派" in empty.text
    sent = secretary.post(f"/h5/secretary/cases/{case.id}/reassignment",
                          data={"csrf": csrf_of(page), "reason": "王芳住院，两周不能上门"})
    assert sent.status_code == 200 and "改派申请已交给乡镇（街道）工作专班" in sent.text
    assert "张书记申请乡镇改派：王芳住院，两周不能上门" in sent.text
    event = db.scalar(select(EntrustmentEvent).where(EntrustmentEvent.kind == "reassignment_requested"))
    assert event is not None and event.actor_kind == "secretary" and event.details["reason"] == "王芳住院，两周不能上门"
    notice = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "township_reassignment_requested"))
    assert notice is not None and notice.recipient_openid == "o_staff_liu" and notice.entrustment_id == case.id
    db.expire_all()
    assert db.get(Entrustment, case.id).helper_id == world.helper.id  # type: ignore[union-attr]


def test_a_closed_case_needs_no_reassignment(secretary: httpx.Client, world: World, db: Session) -> None:
    case = case_in(db, world, "guibei", "李秀英")
    service.transition(db, helper_actor(world.helper), case.id, Action.DECLINE, DeclineIn(reason="重复委托"))
    db.commit()
    page = secretary.get(f"/h5/secretary/cases/{case.id}").text
    assert "申请乡镇（街道）改派帮办员" not in page
    refused = secretary.post(f"/h5/secretary/cases/{case.id}/reassignment",
                             data={"csrf": form_token(secretary), "reason": "试试"})
    assert refused.status_code == 409 and "不需要改派" in refused.text


def test_only_the_secretary_opens_the_village_view(site: Site, world: World) -> None:
    page = signed_in(site, HELPER).get("/h5/secretary")
    assert page.status_code == 403 and "只有村（社区）书记能打开" in page.text


def test_the_secretarys_list_flags_a_residents_request_to_stop(secretary: httpx.Client, world: World,
                                                               db: Session) -> None:
    quiet = case_in(db, world, "guibei", "王大爷")
    stopping = case_in(db, world, "guibei", "李秀英")
    resident = db.get(Resident, stopping.resident_id)
    assert resident is not None
    service.transition(db, resident_actor(resident), stopping.id, Action.REQUEST_TERMINATION,
                       RequestTerminationIn(reason="不需要办了", confirmed=True))
    db.commit()
    page = secretary.get("/h5/secretary").text
    flagged = page[page.index("李秀英"):]
    assert "委托人已申请终止" in flagged[:flagged.index("</a>")]
    calm = page[page.index("王大爷"):]
    assert "委托人已申请终止" not in calm[:calm.index("</a>")]
    assert quiet.termination_requested_at is None
