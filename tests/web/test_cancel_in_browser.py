"""Cancelling, in the browser: 李秀英 cancels with an explicit confirmation and is told her papers will come
back; 王芳 opens the message, finds the hand-over first with the resident's request as its authorisation,
cannot end the case without saying what she handed back, then does; 李秀英 reads that it has ended."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Entrustment, EntrustmentStatus, Handover, Matter
from app.notifications.render import load_catalog
from tests.factories import create_resident, submit_as_resident
from tests.web.browser import signed_in_page, snap
from tests.web.support import HELPER, RESIDENT, Site, World, deliver, link_sent_to, outbox


def test_the_resident_cancels_and_the_helper_hands_the_papers_back(browser: Browser, site: Site, world: World,
                                                                   db: Session) -> None:
    templates = {kind: entry.template_id for kind, entry in load_catalog().kinds.items()}
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    case = submit_as_resident(db, me, world.tree["guibei"], matter)
    db.commit()
    case_id = case.id
    li = signed_in_page(browser, site.url, site.sandbox_url, RESIDENT)
    wang = signed_in_page(browser, site.url, site.sandbox_url, HELPER)

    li.goto(f"{site.url}/h5/cases/{case_id}")
    li.get_by_role("link", name="不想办了，取消委托").click()
    expect(li.locator(".notice-info")).to_contain_text("取消后，帮办员会和您联系，把您交给他的材料原样还给您")
    li.locator("label.choice", has_text="自己去办").click()
    li.get_by_role("button", name="确认取消").click()  # not ticked: the page itself holds the form back
    expect(li).to_have_url(f"{site.url}/h5/cases/{case_id}/cancel")
    assert li.locator("input[name=confirmed]").evaluate("(box) => box.validity.valueMissing")
    db.expire_all()
    assert db.get(Entrustment, case_id).termination_requested_at is None  # type: ignore[union-attr]
    db.commit()
    li.locator("label.choice", has_text="我确认取消这件委托").click()
    snap(li, "cancel-01-confirm")
    li.get_by_role("button", name="确认取消").click()
    expect(li.locator(".notice-ok")).to_contain_text("已申请取消。取消后，帮办员会和您联系，把您交给他的材料原样还给您")
    expect(li.locator(".badge")).to_have_text("已申请取消，等帮办员联系")
    expect(li.get_by_role("link", name="不想办了，取消委托")).to_have_count(0)
    assert outbox(db, case_id)[-1] == ("helper_termination_requested", HELPER)
    deliver(site)

    wang.goto(link_sent_to(site, HELPER, templates["helper_termination_requested"]))
    expect(wang.locator(".notice-info")).to_contain_text("委托人申请终止原因：自己去办")
    first = wang.locator("details.action").first
    expect(first.locator("summary")).to_have_text("终止办理并交还材料")
    expect(first).to_have_attribute("open", "")
    expect(first.locator("textarea[name=authorisation_evidence]")).to_have_value(
        re.compile("^委托人.+在微信里申请取消，原因：自己去办$"))
    expect(first.locator("input[name=handover_receiver]")).to_have_value("李秀英")
    first.get_by_role("button", name="终止办理").click()
    expect(wang.locator(".notice-error")).to_contain_text("请写明交还给委托人的材料")
    db.expire_all()
    assert db.get(Entrustment, case_id).status is EntrustmentStatus.SUBMITTED  # type: ignore[union-attr]
    db.commit()
    terminate = wang.locator("details#terminate")
    terminate.locator("label.choice", has_text="居民身份证").click()
    terminate.locator("textarea[name=extra]").fill("医院病历复印件")
    snap(wang, "cancel-02-hand-over")
    terminate.get_by_role("button", name="终止办理").click()
    expect(wang.locator(".notice-ok")).to_contain_text("已终止办理，材料交还已记下，已通知委托人李秀英。这件委托已结束")
    expect(wang.locator(".timeline.events")).to_contain_text("王芳终止办理，材料（居民身份证、医院病历复印件）交还李秀英")
    assert outbox(db, case_id)[-1] == ("resident_terminated", RESIDENT)
    handover = db.scalar(select(Handover))
    assert handover is not None and handover.materials == ["居民身份证", "医院病历复印件"]
    db.commit()
    deliver(site)

    li.goto(link_sent_to(site, RESIDENT, templates["resident_terminated"]))
    expect(li.locator(".badge")).to_have_text("已终止办理")
    expect(li.locator(".timeline")).to_contain_text("已终止办理，居民身份证、医院病历复印件已交还给李秀英")
    expect(li.get_by_text("已经终止办理，材料已经还给您")).to_be_visible()
    snap(li, "cancel-03-ended")
