"""The demo seed: real townships, a bound helper in every village, cases in every state; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.demo import seed_demo
from app.models import Base, Entrustment, EntrustmentStatus, Helper, Region, RegionLevel, StaffMember


def _counts(db: Session) -> dict[str, int]:
    return {t.name: db.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def test_demo_has_dianjiang_with_helpers_everywhere_and_cases_in_every_state(db: Session) -> None:
    seed_demo(db)
    county = db.scalar(select(Region).where(Region.level == RegionLevel.COUNTY))
    assert county is not None and county.name == "垫江县"
    townships = db.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP)).all()
    names = {t.name for t in townships}
    assert {"桂溪街道", "桂阳街道", "澄溪镇", "高安镇"} <= names
    villages = db.scalars(select(Region).where(Region.level == RegionLevel.VILLAGE)).all()
    per_township = {t.id: 0 for t in townships}
    for village in villages:
        per_township[village.parent_id] += 1  # type: ignore[index]
        bound = db.scalar(select(func.count()).select_from(Helper).where(
            Helper.village_id == village.id, Helper.active.is_(True), Helper.is_secretary.is_(False),
            Helper.openid.is_not(None)))
        assert bound and bound >= 1, village.name
    assert min(per_township.values()) >= 2
    for township in townships:
        members = db.scalars(select(StaffMember).where(StaffMember.region_id == township.id)).all()
        assert members and all(m.openid for m in members), township.name
    statuses = set(db.scalars(select(Entrustment.status)))
    assert statuses == set(EntrustmentStatus)
    flagged = db.scalar(select(func.count()).select_from(Entrustment).where(
        Entrustment.termination_requested_at.is_not(None), Entrustment.status == EntrustmentStatus.SUBMITTED))
    assert flagged and flagged >= 1


def test_running_the_demo_seed_twice_changes_nothing(db: Session) -> None:
    seed_demo(db)
    db.commit()
    first = _counts(db)
    snapshot = [(e.id, e.status, e.version, e.helper_id)
                for e in db.scalars(select(Entrustment).order_by(Entrustment.id))]
    seed_demo(db)
    db.commit()
    assert _counts(db) == first
    assert [(e.id, e.status, e.version, e.helper_id)
            for e in db.scalars(select(Entrustment).order_by(Entrustment.id))] == snapshot
