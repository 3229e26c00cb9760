"""Repositories answer the lookups every channel shares: a place by code and level, an active matter."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

import app
from app.matters import repository as matters
from app.models import RegionLevel
from app.regions import repository as regions
from tests.factories import create_matter, create_tree


def test_a_region_is_found_by_code_only_at_the_level_asked(db: Session) -> None:
    tree = create_tree(db)
    village = tree["guibei"]

    assert regions.by_code(db, village.code) is village
    assert regions.by_code(db, village.code, RegionLevel.VILLAGE) is village
    assert regions.by_code(db, village.code, RegionLevel.TOWNSHIP) is None
    assert regions.village_by_code(db, tree["guixi"].code) is None
    assert regions.by_code(db, None) is None and regions.by_code(db, "") is None


def test_a_withdrawn_matter_cannot_be_chosen_by_its_code(db: Session) -> None:
    matter = create_matter(db)
    assert matters.active_by_code(db, matter.code) is matter

    matter.active = False
    db.flush()

    assert matters.active_by_code(db, matter.code) is None
    assert matter not in matters.active(db)
    assert matters.categories_in_use(db) == []


def test_area_filtering_is_written_only_in_auth_scope() -> None:
    root = Path(app.__file__).parent
    writers = {str(path.relative_to(root)) for path in root.rglob("*.py")
               if "Region.path" in path.read_text(encoding="utf-8")}
    assert writers == {"auth/scope.py"}
