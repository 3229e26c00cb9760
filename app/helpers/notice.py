"""What a village's public notice (公开公示) shows, read in one place for the page and the signboard: the
village's active helpers and its party secretary (第一责任人), the supervision phone of the township task
force, and the matter guide of the catalog by category. Everything here is public under the plan's 公示."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.helpers import photos
from app.matters import repository as matters
from app.models import AssistanceCategory, Helper, Matter, Region, RegionLevel
from app.regions import repository as regions


@dataclass(frozen=True)
class NoticeHelper:
    id: int
    name: str
    phone: str
    office: str | None
    duties: str | None
    photo: Path | None


@dataclass(frozen=True)
class VillageNotice:
    village: Region
    township: Region | None
    helpers: list[NoticeHelper]
    secretary: NoticeHelper | None
    guide: list[tuple[AssistanceCategory, list[Matter]]]

    @property
    def township_phone(self) -> str | None:
        return self.township.complaint_phone if self.township is not None else None


def _photo(helper: Helper) -> Path | None:
    path = photos.path_of(helper.photo_path) if helper.photo_path else None
    return path if path is not None and path.is_file() else None


def _shown(helper: Helper) -> NoticeHelper:
    return NoticeHelper(id=helper.id, name=helper.name, phone=helper.phone, office=helper.office,
                        duties=helper.duties, photo=_photo(helper))


def matter_guide(session: Session) -> list[tuple[AssistanceCategory, list[Matter]]]:
    """The catalog's active matters by category, in the enum's order; 待帮办员确认 is no matter to publish."""
    return [(category, matters.active(session, category)) for category in matters.categories_in_use(session)
            if category is not AssistanceCategory.UNDECIDED]


def village_notice(session: Session, village_code: str,
                   guide: list[tuple[AssistanceCategory, list[Matter]]] | None = None) -> VillageNotice | None:
    """The notice of a village that has not been merged away; None for any other code."""
    village = regions.village_by_code(session, village_code)
    if village is None or village.merged_into_id is not None:
        return None
    staff = regions.village_helpers(session, village.id)
    secretary = next((h for h in staff if h.is_secretary), None)
    return VillageNotice(
        village=village,
        township=regions.by_id(session, village.parent_id),
        helpers=[_shown(h) for h in staff if not h.is_secretary],
        secretary=_shown(secretary) if secretary is not None else None,
        guide=matter_guide(session) if guide is None else guide,
    )


def township_notices(session: Session, township_code: str) -> list[VillageNotice] | None:
    """Every village's notice of a township, in code order; None for a code that is no township."""
    township = regions.by_code(session, township_code, RegionLevel.TOWNSHIP)
    if township is None:
        return None
    guide = matter_guide(session)
    found = (village_notice(session, village.code, guide) for village in regions.children(session, township))
    return [notice for notice in found if notice is not None]


def photo_of(session: Session, village_code: str, helper_id: int) -> Path | None:
    """The stored photo of an active helper (or the secretary) of this village, for the public page."""
    village = regions.village_by_code(session, village_code)
    if village is None:
        return None
    helper = next((h for h in regions.village_helpers(session, village.id) if h.id == helper_id), None)
    return _photo(helper) if helper is not None else None
