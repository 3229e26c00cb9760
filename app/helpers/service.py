"""The roster (附件3) in and out: import a township's sheet with its photos, export it again, and list
the villages where no active helper has bound WeChat."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from app import audit
from app.auth.actor import Actor
from app.auth.scope import within
from app.errors import NotFound
from app.helpers import photos as roster_photos
from app.helpers.arrivals import helper_joined
from app.helpers.departures import helper_leaves
from app.helpers.roster import RosterRow, read_roster, write_roster
from app.models import Helper, Region, RegionLevel
from app.privacy import lookup_hash
from app.regions.repository import by_code, names_of_regions, villages_without_bound_helper
from app.regions.sheets import SheetRejected

LEFT_THE_ROSTER = "不在乡镇（街道）报送的名单里，已离岗"


@dataclass
class RosterImport:
    added: list[Helper] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    photos: int = 0
    moved_cases: int = 0


def township_by_code(session: Session, code: str) -> Region:
    township = by_code(session, code, RegionLevel.TOWNSHIP)
    if township is None:
        raise NotFound(f"没有编码为 {code} 的乡镇（街道）")
    return township


def _match_photos(session: Session, rows: list[RosterRow], path: Path) -> dict[int, roster_photos.RosterPhoto]:
    """Each photo to its row by the names in its file name (a former name of a renamed village too)."""
    found, problems = roster_photos.read_zip(path)
    places = names_of_regions(session)
    by_person = {(row.village.id, row.name): row for row in rows}
    matched: dict[int, roster_photos.RosterPhoto] = {}
    for photo in found:
        township = places.find(photo.township, RegionLevel.TOWNSHIP)
        village = places.find(photo.village, RegionLevel.VILLAGE, parent=township) if township else None
        row = by_person.get((village.id, photo.name)) if village else None
        if row is None:
            problems.append(f"照片「{photo.file_name}」：名单里没有{photo.township}{photo.village}的{photo.name}")
        elif row.number in matched:
            problems.append(f"照片「{photo.file_name}」：与「{matched[row.number].file_name}」是同一个人，只留一张")
        else:
            matched[row.number] = photo
    if problems:
        raise SheetRejected(path.name, problems)
    return matched


_FIELDS = ("name", "village_id", "phone", "category", "remark", "id_number")


def _apply(helper: Helper, row: RosterRow) -> list[str]:
    wanted = {"name": row.name, "village_id": row.village.id, "phone": row.phone, "category": row.category,
              "remark": row.remark, "id_number": row.id_number}
    changed = [name for name in _FIELDS if getattr(helper, name) != wanted[name]]
    for name in changed:
        setattr(helper, name, wanted[name])
    return changed


def import_roster(session: Session, actor: Actor, path: Path, *, photos: Path | None = None,
                  township_code: str | None = None, retire_missing: bool = False) -> RosterImport:
    """All or nothing: every row and every photo is checked before anything changes. Rows are matched
    by ID number. With ``township_code`` the sheet is that township's: a row of another is refused, and
    with ``retire_missing`` its helpers absent from the sheet leave."""
    township = township_by_code(session, township_code) if township_code else None
    rows = read_roster(session, path, township)
    matched = _match_photos(session, rows, photos) if photos is not None else {}
    hashes = {row.number: lookup_hash(row.id_number) for row in rows}
    known = {helper.id_number_hash: helper for helper in
             session.scalars(select(Helper).where(Helper.id_number_hash.in_(hashes.values())))}
    result = RosterImport()
    for row in rows:
        helper = known.get(hashes[row.number])
        if helper is None:
            helper = Helper(id_number_hash=hashes[row.number], category=row.category, active=True)
            _apply(helper, row)
            session.add(helper)
            session.flush()
            result.added.append(helper)
            helper_joined(session, actor, helper, row.village)
        else:
            changed = _apply(helper, row)
            returning = not helper.active
            if returning:
                helper.active = True
                result.added.append(helper)
                helper_joined(session, actor, helper, row.village)
            elif changed:
                result.updated.append(f"{row.village.name} {row.name}（{'、'.join(_LABELS[c] for c in changed)}）")
                audit.record(session, actor, "helper_updated", object_type="helper", object_id=helper.id,
                             changed=changed)
            else:
                result.unchanged += 1
        photo = matched.get(row.number)
        if photo is not None and not roster_photos.same_as_stored(helper.photo_path, photo.data):
            helper.photo_path = roster_photos.store(session, photo)
            result.photos += 1
            audit.record(session, actor, "helper_photo", object_type="helper", object_id=helper.id)
    session.flush()
    if township is not None and retire_missing:
        on_sheet = set(hashes.values())
        for helper, village in _helpers_within(session, township):
            if helper.id_number_hash not in on_sheet:
                result.moved_cases += len(helper_leaves(session, actor, helper, LEFT_THE_ROSTER))
                result.retired.append(f"{village.name} {helper.name}")
    return result


_LABELS = {"name": "姓名", "village_id": "村（社区）", "phone": "电话", "category": "人员类别", "remark": "备注",
           "id_number": "身份证号码"}


def _helpers_within(session: Session, area: Region | None) -> list[tuple[Helper, Region]]:
    """Active helpers on the roster (not the secretaries), in township, village and roster order."""
    query = (select(Helper, Region).join(Region, Helper.village_id == Region.id)
             .where(Helper.active.is_(True), Helper.is_secretary.is_(False)).order_by(Region.code, Helper.id))
    if area is not None:
        query = query.where(within(area.path))
    return [(helper, village) for helper, village in session.execute(query).all()]


def _township_names(session: Session) -> dict[int, str]:
    return {region.id: region.name for region in
            session.scalars(select(Region).where(Region.level == RegionLevel.TOWNSHIP))}


def export_roster(session: Session, actor: Actor, target: str | Path | IO[bytes],
                  township_code: str | None = None) -> int:
    """附件3 with full ID numbers and phones, as the county bureau collects it; the read is audited."""
    area = township_by_code(session, township_code) if township_code else None
    helpers = _helpers_within(session, area)
    townships = _township_names(session)
    rows = [(townships.get(village.parent_id or 0, ""), village.name, helper.name, helper.id_number or "",
             helper.phone, helper.category.value, helper.remark or "") for helper, village in helpers]
    write_roster(target, rows)
    audit.read(session, actor, "helper", None, export="附件3", helpers=[helper.id for helper, _ in helpers])
    return len(rows)


def export_roster_photos(session: Session, actor: Actor, target: str | Path | IO[bytes],
                         township_code: str | None = None) -> tuple[int, list[str]]:
    """The photos named as the plan asks (乡镇-村社-姓名), so the zip imports again; and who has none."""
    area = township_by_code(session, township_code) if township_code else None
    townships = _township_names(session)
    written, missing = 0, []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for helper, village in _helpers_within(session, area):
            stem = roster_photos.file_stem(townships.get(village.parent_id or 0, ""), village.name, helper.name)
            path = roster_photos.path_of(helper.photo_path) if helper.photo_path else None
            if path is None or not path.is_file():
                missing.append(stem)
                continue
            info = zipfile.ZipInfo(stem + path.suffix)
            info.flag_bits |= 0x800  # names are UTF-8
            archive.writestr(info, path.read_bytes())
            written += 1
    audit.read(session, actor, "helper", None, export="roster_photos", photos=written)
    return written, missing


def villages_to_staff(session: Session, township_code: str | None = None) -> list[tuple[Region, Region]]:
    """``bangban roster check``: villages (with their township) with no active, WeChat-bound helper."""
    area = township_by_code(session, township_code) if township_code else None
    return villages_without_bound_helper(session, within(area.path) if area is not None else true())
