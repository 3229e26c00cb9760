"""The ledger exports as use cases: who may export which area, what a period holds, and the audit entry
each export leaves (who, what, how many rows). A refusal names its object in the error; the channel audits
it once the transaction is over (``audit.refused_error``), as it does for every other refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor, ActorKind
from app.auth.scope import entrustment_scope, region_in_scope
from app.errors import Forbidden, NotFound
from app.ledgers import repository, rows, sheets
from app.ledgers.period import Period
from app.models import Region, RegionLevel

_LEVEL_NAMES = {RegionLevel.VILLAGE: "村（社区）", RegionLevel.TOWNSHIP: "乡镇（街道）"}
# Ledger 1 is the village's own book: its secretary (第一责任人) keeps it. Ledger 2 goes from the township
# to the county. Staff, and oversight (read-only), may export both within their area.
_LEDGER1_KINDS = frozenset({ActorKind.STAFF, ActorKind.SECRETARY})
_LEDGER2_KINDS = frozenset({ActorKind.STAFF})


@dataclass(frozen=True)
class Footer:
    leader: str | None = None
    clerk: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Exported:
    sheets: int
    rows: int


def _check_kind(actor: Actor, ledger: str, kinds: frozenset[ActorKind]) -> None:
    if not (actor.kinds & kinds or actor.is_read_only):
        raise Forbidden("只有乡镇（街道）、县局工作人员和村（社区）党组织书记可以导出台账。", object_type=ledger)


def _region(session: Session, actor: Actor, code: str, level: RegionLevel) -> Region:
    """The region of ``code`` at ``level``; one outside the actor's area is as unknown as one that is not there."""
    region = repository.region_by_code(session, code)
    if region is None or region.level is not level or not region_in_scope(session, actor, region):
        raise NotFound(f"没有找到编码为 {code} 的{_LEVEL_NAMES[level]}。", object_type="region",
                       object_id=region.id if region else None)
    return region


def export_ledger1(session: Session, actor: Actor, target: str | IO[bytes], *, village_code: str | None = None,
                   township_code: str | None = None, period: Period | None = None) -> Exported:
    """附件1: one sheet for the village, or one per village of the township, each with the cases the period holds."""
    period = period or Period()
    _check_kind(actor, "ledger1", _LEDGER1_KINDS)
    if village_code is not None:
        village = _region(session, actor, village_code, RegionLevel.VILLAGE)
        township = repository.parent_of(session, village)
        area, villages = village, [village]
    elif township_code is not None:
        township = area = _region(session, actor, township_code, RegionLevel.TOWNSHIP)
        villages = [v for v in repository.villages_of(session, township) if region_in_scope(session, actor, v)]
    else:
        raise ValueError("a village or a township is needed")
    scope = entrustment_scope(session, actor)
    today = clock.today()
    contents = repository.matter_contents(session)
    book = sheets.workbook(target)
    count = 0
    for village in villages:
        sheet = sheets.village_sheet(book, township.name if township else "", village.name)
        for record in repository.stream(session, scope, village, period):
            sheet.case(rows.case_cells(record, contents[record.matter_id], today))
        count += sheet.cases
    sheets.save(book)
    audit.record(session, actor, "export", object_type="ledger1", object_id=area.id, region=area.code,
                 region_name=area.name, sheets=len(villages), rows=count, period=period.as_details())
    return Exported(sheets=len(villages), rows=count)


def export_ledger2(session: Session, actor: Actor, target: str | IO[bytes], *, period: Period,
                   township_code: str | None = None, footer: Footer | None = None) -> Exported:
    """附件2: the cases of the quarter across the township's villages (every township in the actor's area
    when none is named), with the footer the township signs and the plan's note on the deadlines."""
    footer = footer or Footer()
    _check_kind(actor, "ledger2", _LEDGER2_KINDS)
    township = _region(session, actor, township_code, RegionLevel.TOWNSHIP) if township_code else None
    where = f"乡镇（街道）：{township.name if township else '全部'}"
    covers = f"{period.label or ''}（{period.first}至{period.last}）"
    today = clock.today()
    contents = repository.matter_contents(session)
    book = sheets.workbook(target)
    sheet = sheets.quarter_sheet(book, period.label or rows.TITLE_SUFFIX, f"{where}　　时间：{covers}")
    case_cells = rows.case_cells
    for record in repository.stream(session, entrustment_scope(session, actor), township, period):
        sheet.case([record.township or "", record.village,
                    *case_cells(record, contents[record.matter_id], today)])
    sheets.quarter_footer(sheet, footer.leader, footer.clerk, footer.phone)
    sheets.save(book)
    audit.record(session, actor, "export", object_type="ledger2", object_id=township.id if township else None,
                 region=township.code if township else None, region_name=township.name if township else None,
                 quarter=period.label, rows=sheet.cases, period=period.as_details())
    return Exported(sheets=sheet.sheets, rows=sheet.cases)
