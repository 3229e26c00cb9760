"""The quarterly report as an act: a township submits its quarter's 附件2, the exact bytes are kept with their
SHA-256 and never change (a correction is the next version), and the county sees who reported on time, late,
or not at all."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.errors import Forbidden, InvalidInput, NotFound
from app.ledgers.period import quarter
from app.ledgers.reports import ReportStatus, report_status, submit_report
from app.ledgers.service import export_ledger2
from app.models import AuditEntry, AuditOutcome, Entrustment, QuarterlyReport, Region, RegionLevel, Role
from tests.factories import create_matter, create_region, create_tree, staff_actor
from tests.ledgers.cases import case

MoveTo = Callable[[str], None]
FOOTER = {"leader": "刘分管", "clerk": "陈经办", "phone": "023-74512345"}


@pytest.fixture
def world(db: Session, at: MoveTo) -> dict[str, Region]:
    at("2026-12-10T09:00")
    tree = create_tree(db)
    matter = create_matter(db)
    case(db, tree["guibei"], matter, "李大妈", "2026-11-22T20:00")
    case(db, tree["chengxi_village"], matter, "冯大姐", "2026-11-25T09:00")
    return tree


def _submit(db: Session, township: Region, **footer: str) -> QuarterlyReport:
    return submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, township), quarter_text="2026Q4",
                         township_code=township.code, **{**FOOTER, **footer})


def _names(workbook: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    return [row[3] for row in sheet.iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)]


def _cells(workbook: bytes) -> str:
    sheet = load_workbook(io.BytesIO(workbook)).worksheets[0]
    return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def test_the_submitted_workbook_is_kept_byte_for_byte_after_the_cases_change(
        db: Session, world: dict[str, Region]) -> None:
    report = _submit(db, world["guixi"])
    kept = bytes(report.workbook)
    db.scalars(select(Entrustment).where(Entrustment.resident_name == "李大妈")).one().resident_name = "李改名"
    db.flush()
    db.expire_all()

    again = io.BytesIO()
    export_ledger2(db, staff_actor(Role.TOWNSHIP_STAFF, world["guixi"]), again, period=quarter("2026Q4"),
                   township_code=world["guixi"].code)
    stored = db.get(QuarterlyReport, report.id)
    assert stored is not None
    assert _names(again.getvalue()) == ["李改名"]
    assert stored.workbook == kept and _names(stored.workbook) == ["李大妈"]
    assert stored.sha256 == hashlib.sha256(kept).hexdigest()
    assert "刘分管" in _cells(kept) and "联系电话：023-74512345" in _cells(kept)


def test_a_submission_cannot_be_changed(db: Session, world: dict[str, Region]) -> None:
    report = _submit(db, world["guixi"])
    report.workbook = b"forged"

    with pytest.raises(ValueError, match="cannot change"):
        db.flush()


def test_a_second_submission_is_version_2_and_both_are_kept(db: Session, world: dict[str, Region],
                                                            at: MoveTo) -> None:
    first = _submit(db, world["guixi"])
    at("2026-12-26T10:00")
    second = _submit(db, world["guixi"], clerk="王经办")

    rows = db.scalars(select(QuarterlyReport).order_by(QuarterlyReport.version)).all()
    assert [(r.version, r.clerk, r.on_time) for r in rows] == [(1, "陈经办", True), (2, "王经办", False)]
    assert first.sha256 != second.sha256 and "王经办" in _cells(second.workbook)
    statuses = {s.township.code: s for s in report_status(db, staff_actor(Role.COUNTY_ADMIN), "2026Q4")}
    assert statuses[world["guixi"].code].status is ReportStatus.ON_TIME  # a late correction keeps it on time
    assert statuses[world["guixi"].code].latest == second


@pytest.mark.parametrize("footer", [{"leader": " "}, {"clerk": ""}, {"phone": ""}, {"phone": "12345"}])
def test_the_footer_is_required_and_the_phone_checked(db: Session, world: dict[str, Region],
                                                      footer: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        _submit(db, world["guixi"], **footer)
    assert db.scalars(select(QuarterlyReport)).all() == []


def test_only_the_townships_own_task_force_submits(db: Session, world: dict[str, Region]) -> None:
    with pytest.raises(Forbidden):
        submit_report(db, staff_actor(Role.COUNTY_ADMIN), quarter_text="2026Q4",
                      township_code=world["guixi"].code, **FOOTER)
    with pytest.raises(NotFound):
        submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, world["chengxi"]), quarter_text="2026Q4",
                      township_code=world["guixi"].code, **FOOTER)


def test_another_townships_code_is_refused_and_audited(db: Session, world: dict[str, Region],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "submit", "--quarter", "2026Q4", "--township", world["guixi"].code,
                 "--as-township", world["chengxi"].code, "--leader", "刘分管", "--clerk", "陈经办",
                 "--phone", "13800138000"]) == 2

    assert f"没有找到编码为 {world['guixi'].code} 的乡镇（街道）" in capsys.readouterr().err
    refused = db.scalars(select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED)).all()
    assert [(e.action, e.object_type, e.object_id, e.via) for e in refused] == [
        ("submit_quarterly_report", "region", world["guixi"].id, "cli")]
    assert db.scalars(select(QuarterlyReport)).all() == []


def test_status_shows_on_time_late_and_missing(db: Session, world: dict[str, Region], at: MoveTo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    create_region(db, RegionLevel.TOWNSHIP, "永安镇", "500231120000", world["county"])
    assert main(["report", "submit", "--quarter", "2026Q4", "--township", world["guixi"].code,
                 "--leader", "刘分管", "--clerk", "陈经办", "--phone", "13800138000"]) == 0
    at("2026-12-25T23:00")
    assert main(["report", "status", "--quarter", "2026Q4"]) == 0
    before = capsys.readouterr().out
    at("2026-12-28T09:00")
    _submit(db, world["chengxi"])
    assert main(["report", "status", "--quarter", "2026Q4"]) == 0
    after = capsys.readouterr().out

    assert "已报送 2026Q4 第 1 版（按时报送，2026-12-10 09:00）" in before
    assert "永安镇\t未报送\t-" in before
    lines = {line.split("\t")[1]: line.split("\t") for line in after.splitlines()[1:]}
    guixi = db.scalars(select(QuarterlyReport).where(QuarterlyReport.township_id == world["guixi"].id)).one()
    assert lines["桂溪街道"] == [world["guixi"].code, "桂溪街道", "按时报送", "1", "2026-12-10 09:00",
                             guixi.sha256[:12]]
    assert lines["澄溪镇"][2:5] == ["逾期报送", "1", "2026-12-28 09:00"]
    assert lines["永安镇"][2:] == ["缺报", "-", "-", "-"]


def test_a_township_sees_only_its_own_status(db: Session, world: dict[str, Region]) -> None:
    statuses = report_status(db, staff_actor(Role.TOWNSHIP_STAFF, world["chengxi"]), "2026Q4")
    assert [(s.township.name, s.status) for s in statuses] == [("澄溪镇", ReportStatus.PENDING)]


def test_show_gives_back_the_stored_bytes_of_a_version(db: Session, world: dict[str, Region], tmp_path: Path,
                                                       at: MoveTo) -> None:
    first = _submit(db, world["guixi"])
    at("2026-12-11T09:00")
    _submit(db, world["guixi"], leader="赵分管")
    out = tmp_path / "v1.xlsx"

    assert main(["report", "show", "--quarter", "2026Q4", "--township", world["guixi"].code, "--version", "1",
                 "--out", str(out)]) == 0
    assert out.read_bytes() == first.workbook
    assert main(["report", "show", "--quarter", "2026Q4", "--township", world["guixi"].code,
                 "--version", "3", "--out", str(out)]) == 2
    reads = db.scalars(select(AuditEntry).where(AuditEntry.action == "read",
                                                AuditEntry.object_type == "quarterly_report")).all()
    assert [e.details["version"] for e in reads] == [1]


def test_a_march_report_is_accepted_but_never_missing_without_the_march_setting(
        db: Session, world: dict[str, Region], at: MoveTo) -> None:
    at("2027-04-10T09:00")
    report = submit_report(db, staff_actor(Role.TOWNSHIP_STAFF, world["guixi"]), quarter_text="2027Q1",
                           township_code=world["guixi"].code, **FOOTER)

    assert (report.deadline.isoformat(), report.on_time) == ("2027-03-25", False)
    statuses = {s.township.name: s.status for s in report_status(db, staff_actor(Role.COUNTY_ADMIN), "2027Q1")}
    assert statuses == {"桂溪街道": ReportStatus.LATE, "澄溪镇": ReportStatus.NOT_REQUIRED}
