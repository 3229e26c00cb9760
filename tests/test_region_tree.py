"""The demo region tree of 垫江县: what the shipped file holds and how it is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.scope import within
from app.models import Region, RegionLevel
from app.regions.repository import by_code, children
from app.regions.tree import REGION_TREE_PATH, RegionTreeError, load_region_tree, read_region_tree

COUNTY_CODE = "500231000000"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = REGION_TREE_PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "regions.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _region(db: Session, code: str) -> Region:
    region = by_code(db, code)
    assert region is not None, code
    return region


def test_file_holds_every_street_town_and_township_of_dianjiang() -> None:
    tree = read_region_tree()

    names = [township.name for township in tree.townships]

    assert tree.county.code == COUNTY_CODE and tree.county.name == "垫江县"
    assert len(names) == 26
    assert sum(name.endswith("街道") for name in names) == 2
    assert sum(name.endswith("镇") for name in names) == 22
    assert sum(name.endswith("乡") for name in names) == 2
    assert {"桂溪街道", "桂阳街道", "澄溪镇", "高安镇", "沙河乡", "大石乡"} <= set(names)


def test_every_township_has_at_least_two_villages_each_with_a_service_station() -> None:
    for township in read_region_tree().townships:
        assert len(township.villages) >= 2, township.name
        assert township.complaint_phone
        for village in township.villages:
            assert village.service_station and village.service_station.startswith(village.name)


def test_loading_builds_county_townships_and_villages(db: Session) -> None:
    created = load_region_tree(db)

    tree = read_region_tree()
    assert created == 1 + len(tree.townships) + sum(len(t.villages) for t in tree.townships)
    county = _region(db, COUNTY_CODE)
    assert county.level is RegionLevel.COUNTY
    assert county.parent_id is None
    assert county.path == f"/{county.id}/"

    township = _region(db, "500231001000")
    assert township.name == "桂溪街道"
    assert township.level is RegionLevel.TOWNSHIP
    assert township.parent_id == county.id
    assert township.path == f"/{county.id}/{township.id}/"
    assert township.complaint_phone

    village = _region(db, "500231001001")
    assert village.name == "东街社区"
    assert village.level is RegionLevel.VILLAGE
    assert village.parent_id == township.id
    assert village.path == f"/{county.id}/{township.id}/{village.id}/"
    assert village.service_station == "东街社区便民服务中心"


def test_every_loaded_region_sits_under_its_parent(db: Session) -> None:
    load_region_tree(db)

    regions = {region.id: region for region in db.scalars(select(Region))}

    for region in regions.values():
        if region.parent_id is None:
            assert region.level is RegionLevel.COUNTY
            continue
        parent = regions[region.parent_id]
        assert region.path == f"{parent.path}{region.id}/"
        if parent.level is RegionLevel.COUNTY:
            assert region.level is RegionLevel.TOWNSHIP
            assert region.code[:6] == parent.code[:6]
        else:
            assert region.level is RegionLevel.VILLAGE
            assert region.code[:9] == parent.code[:9]


def test_loading_twice_creates_nothing_new(db: Session) -> None:
    load_region_tree(db)
    db.commit()
    before = {region.code: (region.id, region.path) for region in db.scalars(select(Region))}

    created = load_region_tree(db)

    assert created == 0
    assert not db.dirty and not db.new
    assert {region.code: (region.id, region.path) for region in db.scalars(select(Region))} == before


def test_reloading_an_edited_file_updates_in_place(db: Session, tmp_path: Path) -> None:
    load_region_tree(db)
    old_id = _region(db, "500231001001").id
    path = _variant(tmp_path, '"东街社区便民服务中心"', '"东街社区党群服务中心"')

    created = load_region_tree(db, path)

    village = _region(db, "500231001001")
    assert created == 0
    assert village.id == old_id
    assert village.service_station == "东街社区党群服务中心"


def test_within_a_township_is_the_township_and_its_villages(db: Session) -> None:
    load_region_tree(db)
    township = _region(db, "500231109000")

    scoped = db.scalars(select(Region).where(within(township.path))).all()

    assert {region.code for region in scoped} == {township.code} | {v.code for v in children(db, township)}
    county = _region(db, COUNTY_CODE)
    everything = db.scalar(select(func.count()).select_from(Region).where(within(county.path)))
    assert everything == db.scalar(select(func.count()).select_from(Region))


def test_children_lists_a_townships_villages_in_code_order(db: Session) -> None:
    load_region_tree(db)

    villages = children(db, _region(db, "500231109000"))

    assert len(villages) >= 2
    assert [v.code for v in villages] == sorted(v.code for v in villages)
    assert all(v.level is RegionLevel.VILLAGE for v in villages)


def test_village_code_outside_its_township_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'code = "500231001001"', 'code = "500231002099"')

    with pytest.raises(RegionTreeError, match="500231002099"):
        read_region_tree(path)


def test_duplicate_region_code_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'code = "500231001002"', 'code = "500231001001"')

    with pytest.raises(RegionTreeError, match="500231001001 重复"):
        read_region_tree(path)
