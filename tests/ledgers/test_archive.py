"""办结归档 (issue 11 item 4): archiving a case keeps one bundle — the case sheet (PDF) and the photos in a ZIP with
their SHA-256 sums — and the ZIP's digest beside the case; `bangban export archive` hands out exactly those bytes
to staff of the case's area, refuses (and audits) anyone else, and refuses a case not archived."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock, media
from app.auth.actor import Actor
from app.cli import main
from app.entrustments import archive, attachments, service
from app.entrustments.attachments import Photo
from app.entrustments.schemas import (
    AcceptIn,
    ArchiveIn,
    CompleteIn,
    EvaluateIn,
    ForwardIn,
    RequestSupplementIn,
    SupplementIn,
)
from app.entrustments.sweeps import remind_and_archive
from app.entrustments.workflow import Action
from app.errors import Conflict
from app.ledgers.archive import export_archive
from app.models import (
    AttachmentKind,
    AuditEntry,
    AuditOutcome,
    CaseArchive,
    Entrustment,
    EntrustmentEvent,
    EntrustmentStatus,
    RatingLevel,
    RatingSource,
    Region,
    Role,
)
from app.notifications.sweeps import SweepReport
from tests.factories import (
    create_helper,
    create_matter,
    create_resident,
    create_tree,
    helper_actor,
    resident_actor,
    staff_actor,
    submit_as_resident,
)
from tests.ledgers.cases import case as case_row
from tests.publicity.test_board import real_photo, text_of

MoveTo = Callable[[str], None]
ID_NUMBER = "500231195503071238"
PHONE = "13800138000"
RESULT = "临时救助金 2000 元已发放"
COMMENT = "王芳跑了三趟，谢谢"


def _photo(marker: bytes) -> Photo:
    return Photo(data=real_photo(8, 8) + marker, content_type="image/png")


@pytest.fixture
def rated(db: Session, at: MoveTo) -> dict[str, object]:
    """A case of 桂北社区 taken through the use cases: one supplement list, the household register sent as a
    photo, forwarded, completed with a photo of the decision, rated."""
    at("2026-12-01T09:00")
    tree = create_tree(db)
    helper = create_helper(db, tree["guibei"], "王芳")
    resident = create_resident(db, tree["guibei"], "李大妈")
    matter = create_matter(db)
    case = submit_as_resident(db, resident, tree["guibei"], matter, resident_id_number=ID_NUMBER)
    as_helper, as_resident = helper_actor(helper), resident_actor(resident)
    service.transition(db, as_helper, case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=["户口簿"], note="请拍户口簿首页和本人页"))
    service.transition(db, as_resident, case.id, Action.SUPPLEMENT, SupplementIn(),
                       photos=[("户口簿", _photo(b"household"))])
    service.transition(db, as_helper, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, as_helper, case.id, Action.FORWARD_TO_WINDOW,
                       ForwardIn(window_name="桂溪街道社会救助服务窗口"))
    service.transition(db, as_helper, case.id, Action.COMPLETE,
                       CompleteIn(result=RESULT, replied_at=clock.now(), proof_reference="GX-2026-0412"),
                       photos=[(None, _photo(b"decision"))])
    service.transition(db, as_resident, case.id, Action.EVALUATE,
                       EvaluateIn(level=RatingLevel.VERY_SATISFIED, source=RatingSource.RESIDENT, comment=COMMENT))
    return {"tree": tree, "case": case, "helper": helper, "matter": matter}


@pytest.fixture
def world(db: Session, rated: dict, at: MoveTo) -> dict[str, object]:
    """The same case, archived by the township's staff."""
    at("2026-12-10T10:30")
    service.transition(db, staff_actor(Role.TOWNSHIP_STAFF, rated["tree"]["guixi"]), rated["case"].id,
                       Action.ARCHIVE, ArchiveIn())
    return rated


def _kept(db: Session, case: Entrustment) -> CaseArchive:
    kept = db.scalar(select(CaseArchive).where(CaseArchive.entrustment_id == case.id))
    assert kept is not None
    return kept


def _stored(db: Session, case: Entrustment) -> bytes:
    return archive.read(_kept(db, case), case.number or "")


def _audit(db: Session, outcome: AuditOutcome, object_type: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.outcome == outcome,
                                                    AuditEntry.object_type == object_type).order_by(AuditEntry.id)))


def test_archiving_keeps_a_bundle_whose_sums_and_digest_verify(db: Session, world: dict) -> None:
    case = world["case"]
    bundle = _stored(db, case)
    kept = _kept(db, case)

    assert hashlib.sha256(bundle).hexdigest() == kept.sha256 and len(bundle) == kept.size
    with zipfile.ZipFile(io.BytesIO(bundle)) as opened:
        names = opened.namelist()
        assert names == ["case-sheet.pdf", "photos/01-material.png", "photos/02-proof.png", "SHA256SUMS"]
        listed = dict(reversed(line.split("  ")) for line in opened.read("SHA256SUMS").decode().splitlines())
        assert sorted(listed) == sorted(names[:-1])
        for name, digest in listed.items():
            assert hashlib.sha256(opened.read(name)).hexdigest() == digest
        assert opened.read("photos/02-proof.png").endswith(b"decision")
    archived = db.scalar(select(EntrustmentEvent).where(EntrustmentEvent.entrustment_id == case.id,
                                                        EntrustmentEvent.kind == "archive"))
    assert archived is not None and archived.details["bundle_sha256"] == kept.sha256
    assert case.status is EntrustmentStatus.ARCHIVED and kept.files == 3 and not kept.on_demand


def test_the_case_sheet_reads_back_with_the_case_its_people_result_and_rating(db: Session, world: dict,
                                                                               tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(_stored(db, world["case"]))) as opened:
        (tmp_path / "sheet.pdf").write_bytes(opened.read("case-sheet.pdf"))

    text = text_of(tmp_path / "sheet.pdf")

    for expected in (world["case"].number, "临时救助", world["matter"].name, "李大妈", "王芳", RESULT.replace(" ", ""),
                     "GX-2026-0412", "非常满意", COMMENT, "户口簿", "桂溪街道社会救助服务窗口", "2026-12-1010:30",
                     "photos/02-proof.png"):
        assert expected in text, expected
    assert "138****8000" in text and PHONE not in text
    assert "500231********1238" in text and ID_NUMBER not in text


def test_export_writes_the_stored_bytes_and_is_audited(db: Session, world: dict, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    case, out = world["case"], tmp_path / "bundle.zip"

    assert main(["export", "archive", case.number, "--out", str(out),
                 "--as-township", world["tree"]["guixi"].code]) == 0

    assert out.read_bytes() == _stored(db, case)
    assert _kept(db, case).sha256 in capsys.readouterr().out
    [entry] = _audit(db, AuditOutcome.OK, "case_archive")
    assert (entry.action, entry.entrustment_id, entry.via, entry.actor) == ("export", case.id, "cli", "staff:命令行")
    assert entry.details["sha256"] == _kept(db, case).sha256 and entry.details["built_now"] is False


def test_another_townships_staff_is_refused_and_audited(db: Session, world: dict, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    case, out = world["case"], tmp_path / "bundle.zip"

    assert main(["export", "archive", case.number, "--out", str(out),
                 "--as-township", world["tree"]["chengxi"].code]) == 2

    assert f"没有找到办件编号为 {case.number} 的委托" in capsys.readouterr().err
    assert not out.exists()
    [refusal] = _audit(db, AuditOutcome.REFUSED, "entrustment")
    assert (refusal.action, refusal.object_id, refusal.via, refusal.details["status"]) == (
        "export_archive", case.id, "cli", 404)
    assert _audit(db, AuditOutcome.OK, "case_archive") == []


def test_a_case_not_archived_is_refused(db: Session, world: dict, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    resident = create_resident(db, world["tree"]["guibei"], "张大爷")
    open_case = submit_as_resident(db, resident, world["tree"]["guibei"], world["matter"])
    out = tmp_path / "bundle.zip"

    assert main(["export", "archive", open_case.number, "--out", str(out)]) == 2

    assert f"办件 {open_case.number} 当前状态为「待受理」，还没有归档" in capsys.readouterr().err
    assert not out.exists()


def test_an_unknown_case_number_is_refused_in_chinese(db: Session, world: dict, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "archive", "DJ2026-999999", "--out", str(tmp_path / "x.zip")]) == 2
    assert "没有找到办件编号为 DJ2026-999999 的委托" in capsys.readouterr().err


def test_an_altered_bundle_is_not_handed_out(db: Session, world: dict) -> None:
    kept = _kept(db, world["case"])
    path = media.root() / "archives" / kept.storage_key[:2] / f"{kept.storage_key}.zip"
    path.write_bytes(path.read_bytes() + b"\0")

    with pytest.raises(Conflict) as caught:
        export_archive(db, staff_actor(Role.COUNTY_ADMIN), world["case"].number)

    assert "不一致" in caught.value.message


def test_oversight_exports_any_township(db: Session, world: dict) -> None:
    oversight = Actor(kinds=frozenset(), name="纪委", role=Role.OVERSIGHT)

    done = export_archive(db, oversight, world["case"].number)

    assert done.bundle == _stored(db, world["case"])


def test_a_case_archived_before_bundles_gets_one_at_its_first_export(db: Session, world: dict) -> None:
    tree: dict[str, Region] = world["tree"]
    old = case_row(db, tree["guibei"], world["matter"], "冯大姐", "2026-10-09T09:00", helper=world["helper"],
                   status=EntrustmentStatus.ARCHIVED, accepted_at="2026-10-09T10:00", completed_at="2026-10-12T16:00",
                   archived_at="2026-10-30T02:00", result="医疗救助已报销", replied_at="2026-10-12T16:00")
    old.number = "DJ2026-000900"
    county = staff_actor(Role.COUNTY_ADMIN)

    first = export_archive(db, county, old.number)
    again = export_archive(db, county, old.number)

    assert first.built_now and not again.built_now and again.bundle == first.bundle
    kept = _kept(db, old)
    assert kept.on_demand and hashlib.sha256(first.bundle).hexdigest() == kept.sha256
    assert [e.action for e in _audit(db, AuditOutcome.OK, "case_archive")] == ["build", "export", "export"]


def test_a_refused_archive_keeps_no_bundle(db: Session, world: dict) -> None:
    resident = create_resident(db, world["tree"]["guibei"], "张大爷")
    case = submit_as_resident(db, resident, world["tree"]["guibei"], world["matter"])
    as_helper = helper_actor(world["helper"])
    service.transition(db, as_helper, case.id, Action.ACCEPT, AcceptIn())
    service.transition(db, as_helper, case.id, Action.COMPLETE,
                       CompleteIn(result=RESULT, replied_at=clock.now(), proof_reference="GX-1"))
    service.transition(db, resident_actor(resident), case.id, Action.EVALUATE,
                       EvaluateIn(level=RatingLevel.DISSATISFIED, source=RatingSource.RESIDENT))

    with pytest.raises(Conflict):
        service.transition(db, staff_actor(Role.COUNTY_ADMIN), case.id, Action.ARCHIVE, ArchiveIn())

    assert db.scalar(select(CaseArchive).where(CaseArchive.entrustment_id == case.id)) is None


def test_the_worker_archiving_a_case_keeps_its_bundle_too(db: Session, rated: dict, at: MoveTo,
                                                          tmp_path: Path) -> None:
    at("2026-12-20T03:00")

    remind_and_archive(db, clock.today(), SweepReport())

    case = rated["case"]
    assert case.status is EntrustmentStatus.ARCHIVED
    with zipfile.ZipFile(io.BytesIO(_stored(db, case))) as opened:
        (tmp_path / "sheet.pdf").write_bytes(opened.read("case-sheet.pdf"))
    assert "归档人：系统" in text_of(tmp_path / "sheet.pdf")


def test_a_photo_whose_file_is_gone_is_named_and_left_out(db: Session, rated: dict, tmp_path: Path) -> None:
    case = rated["case"]
    [proof] = [a for a in attachments.for_case(db, case) if a.kind is AttachmentKind.PROOF]
    (media.root() / proof.storage_key[:2] / proof.storage_key).unlink()

    service.transition(db, staff_actor(Role.COUNTY_ADMIN), case.id, Action.ARCHIVE, ArchiveIn())

    kept = _kept(db, case)
    with zipfile.ZipFile(io.BytesIO(_stored(db, case))) as opened:
        assert opened.namelist() == ["case-sheet.pdf", "photos/01-material.png", "SHA256SUMS"]
        (tmp_path / "sheet.pdf").write_bytes(opened.read("case-sheet.pdf"))
    assert (kept.files, kept.missing_photos) == (2, 1)
    assert "文件已不在，未收入归档包" in text_of(tmp_path / "sheet.pdf")


def test_without_the_fonts_the_case_is_not_archived(db: Session, rated: dict,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "missing_font", lambda: Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"))
    case = rated["case"]

    with pytest.raises(Conflict) as caught:
        service.transition(db, staff_actor(Role.COUNTY_ADMIN), case.id, Action.ARCHIVE, ArchiveIn())

    assert "fonts-noto-cjk" in caught.value.message
    assert case.status is EntrustmentStatus.EVALUATED
    assert db.scalar(select(CaseArchive).where(CaseArchive.entrustment_id == case.id)) is None
