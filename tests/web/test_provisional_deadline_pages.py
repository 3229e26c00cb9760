"""A deadline counted through a year whose holidays are computed, not yet published, is marked on the
resident's and the helper's case pages."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.entrustments import service
from app.entrustments.schemas import AcceptIn
from app.entrustments.workflow import Action
from app.models import Entrustment, Matter
from tests.factories import create_resident, helper_actor, submit_as_resident
from tests.web.support import HELPER, RESIDENT, Site, World, signed_in

MoveTo = Callable[[str], None]


def accepted_on_28_december(db: Session, world: World, at: MoveTo) -> Entrustment:
    me = create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    at("2026-12-28T09:00")
    case = submit_as_resident(db, me, world.tree["guibei"], matter)
    service.transition(db, helper_actor(world.helper), case.id, Action.ACCEPT, AcceptIn())
    db.commit()
    return case


def test_the_resident_page_marks_a_provisional_due_date(db: Session, site: Site, world: World, at: MoveTo) -> None:
    case = accepted_on_28_december(db, world, at)
    page = signed_in(site, RESIDENT).get(f"/h5/cases/{case.id}").text
    assert "暂按法定节假日推算，以国务院公布为准" in page


def test_the_helper_page_marks_a_provisional_due_date(db: Session, site: Site, world: World, at: MoveTo) -> None:
    case = accepted_on_28_december(db, world, at)
    page = signed_in(site, HELPER).get(f"/h5/helper/cases/{case.id}").text
    assert "暂定：按法定节假日推算，未含调休" in page
