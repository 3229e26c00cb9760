"""The audit log through the pages: a helper's read of a case is recorded, a resident's read of their own is
not, and a refused attempt on a case or a photo is recorded with the page visitor as the actor."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, AuditOutcome, Entrustment, Matter, Resident
from tests.factories import create_resident, submit_as_resident
from tests.web.support import HELPER, OTHER_HELPER, RESIDENT, Site, World, signed_in


def new_case(db: Session, world: World) -> Entrustment:
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    resident = db.scalar(select(Resident).where(Resident.openid == RESIDENT))
    resident = resident or create_resident(db, world.tree["guibei"], "李秀英", openid=RESIDENT)
    case = submit_as_resident(db, resident, world.tree["guibei"], matter, resident_name="李秀英")
    db.commit()
    return case


def page_entries(db: Session, **where: object) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).filter_by(via="h5", **where).order_by(AuditEntry.id)))


def test_a_helper_opening_a_case_page_is_audited(site: Site, world: World, db: Session) -> None:
    case = new_case(db, world)
    assert signed_in(site, HELPER).get(f"/h5/helper/cases/{case.id}").status_code == 200
    [entry] = page_entries(db, action="read", entrustment_id=case.id)
    assert (entry.actor_kind, entry.actor_id, entry.outcome) == ("helper", world.helper.id, AuditOutcome.OK)


def test_a_resident_reading_their_own_case_is_not_audited(site: Site, world: World, db: Session) -> None:
    case = new_case(db, world)
    assert signed_in(site, RESIDENT).get(f"/h5/cases/{case.id}").status_code == 200
    assert page_entries(db, action="read") == []


def test_a_helper_of_another_village_opening_a_case_is_audited_as_refused(site: Site, world: World,
                                                                          db: Session) -> None:
    case = new_case(db, world)
    assert signed_in(site, OTHER_HELPER).get(f"/h5/helper/cases/{case.id}").status_code == 404
    [entry] = page_entries(db, outcome=AuditOutcome.REFUSED)
    assert (entry.actor_kind, entry.actor_id, entry.action, entry.entrustment_id) == (
        "helper", world.other_helper.id, "read", case.id)
    assert entry.details["status"] == 404


def test_a_guessed_photo_number_is_audited_as_refused(site: Site, world: World, db: Session) -> None:
    assert signed_in(site, RESIDENT).get("/h5/files/987654").status_code == 404
    [entry] = page_entries(db, outcome=AuditOutcome.REFUSED)
    assert (entry.actor_kind, entry.object_type, entry.object_id, entry.reference) == (
        "resident", "attachment", 987654, RESIDENT)


def test_the_helpers_queue_is_a_read_of_the_cases_it_lists(site: Site, world: World, db: Session) -> None:
    case = new_case(db, world)
    assert signed_in(site, HELPER).get("/h5/helper").status_code == 200
    [entry] = page_entries(db, action="list")
    assert (entry.actor_kind, entry.actor_id, entry.details["ids"]) == ("helper", world.helper.id, [case.id])
