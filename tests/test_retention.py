"""The worker's retention sweeps: callback retry records and expired dialogues go after their settings; the
loose photos of a closed case go only where the case's archive bundle holds them (or, for a terminated case,
the materials but not the evidence); files of interrupted uploads that no row names go after a while, and
nothing else in the media directory is touched."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock, media
from app.config import get_settings
from app.entrustments import archive, attachments
from app.errors import NotFound
from app.models import (
    Attachment,
    AttachmentKind,
    AuditEntry,
    CaseArchive,
    ConversationState,
    Entrustment,
    EntrustmentStatus,
    Helper,
    InboundMessage,
    Matter,
    Region,
)
from app.models.staff import ConsoleSession
from app.notifications.sweeps import SweepReport
from app.retention import (
    prune_console_sessions,
    prune_dialogue_states,
    prune_inbound,
    remove_closed_case_photos,
    remove_orphan_uploads,
)
from app.staff.service import add_member
from app.worker import run_sweeps
from tests.factories import create_helper, create_matter, create_resident, create_tree, helper_actor, submit_as_resident

Settings = Callable[..., None]
JPEG = b"\xff\xd8\xff\xe0" + b"photo of a household register " * 4


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """A media directory of the test's own; ``settings(retain_inbound_days=2)`` changes a setting."""
    monkeypatch.setenv("BANGBAN_MEDIA_DIR", str(tmp_path / "media"))
    get_settings.cache_clear()

    def change(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"BANGBAN_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield change
    get_settings.cache_clear()


def sweep(db: Session, *sweeps: Callable[[Session, object, SweepReport], None]) -> int:
    report = SweepReport()
    for one in sweeps:
        one(db, clock.today(), report)
    db.flush()
    return report.pruned


# -- retry records and dialogues ---------------------------------------------------------------------


def test_callback_retry_records_go_after_the_configured_days(db: Session, settings: Settings) -> None:
    settings(retain_inbound_days=2)
    db.add(InboundMessage(dedupe_key="msg:old", openid="o_resident_1", msg_type="text", status="done",
                          reply="您的电话 13800138000 已登记", received_at=clock.now() - timedelta(days=3)))
    db.add(InboundMessage(dedupe_key="msg:new", openid="o_resident_1", msg_type="text", status="done",
                          received_at=clock.now() - timedelta(days=1)))
    db.flush()

    assert sweep(db, prune_inbound) == 1

    assert db.scalars(select(InboundMessage.dedupe_key)).all() == ["msg:new"]


def test_an_expired_dialogue_is_kept_only_the_configured_hours(db: Session, settings: Settings) -> None:
    settings(retain_dialogue_state_hours=2)
    db.add(ConversationState(openid="o_resident_1", flow="entrust", step="confirm", data={"phone": "13800138000"},
                             expires_at=clock.now() - timedelta(hours=3)))
    db.add(ConversationState(openid="o_resident_2", flow="entrust", step="confirm", data={"phone": "13900139000"},
                             expires_at=clock.now() - timedelta(hours=1)))
    db.flush()

    assert sweep(db, prune_dialogue_states) == 1

    assert db.scalars(select(ConversationState.openid)).all() == ["o_resident_2"]


def test_console_sessions_go_once_they_can_no_longer_be_used(db: Session, settings: Settings) -> None:
    settings(console_idle_minutes=30, console_session_hours=12)
    tree = create_tree(db)
    member = add_member(db, name="桂溪街道专班", area_code=tree["guixi"].code, role="township_staff")
    db.flush()
    now = clock.now()
    rows = {
        "in-use": dict(created_at=now - timedelta(hours=2), last_seen_at=now - timedelta(minutes=5)),
        "signed-out": dict(created_at=now - timedelta(hours=1), last_seen_at=now, revoked_at=now),
        "idle": dict(created_at=now - timedelta(hours=1), last_seen_at=now - timedelta(minutes=31)),
        "too-old": dict(created_at=now - timedelta(hours=13), last_seen_at=now - timedelta(minutes=1)),
    }
    for token, times in rows.items():
        db.add(ConsoleSession(id=token, staff_id=member.id, csrf="c" * 32, via="password", **times))
    db.flush()

    assert sweep(db, prune_console_sessions) == 3

    assert db.scalars(select(ConsoleSession.id)).all() == ["in-use"]


# -- photos of closed cases --------------------------------------------------------------------------


@dataclass
class World:
    village: Region
    helper: Helper
    matter: Matter


@pytest.fixture
def world(db: Session) -> World:
    tree = create_tree(db)
    return World(tree["guibei"], create_helper(db, tree["guibei"], "王芳"), create_matter(db))


def case_with_photos(db: Session, world: World, *kinds: AttachmentKind) -> tuple[Entrustment, list[Attachment]]:
    case = submit_as_resident(db, create_resident(db, world.village, "李秀英"), world.village, world.matter)
    photos = [attachments.store(db, case, attachments.Photo(JPEG + secrets.token_bytes(8), "image/jpeg"), kind=kind,
                                uploaded_by=helper_actor(world.helper))
              for kind in kinds]
    return case, photos


def close(db: Session, case: Entrustment, status: EntrustmentStatus, days_ago: int) -> None:
    case.status = status
    moment = clock.now() - timedelta(days=days_ago)
    if status is EntrustmentStatus.ARCHIVED:
        case.archived_at = moment
    else:
        case.terminated_at = moment
    db.flush()


def keep_bundle(db: Session, case: Entrustment, photos: list[Attachment]) -> CaseArchive:
    """The archive bundle as ``app.entrustments.archive`` keeps it: the photos and their SHA256SUMS."""
    files = [(f"photos/{n:02d}.jpg", attachments.path_for(p.storage_key).read_bytes()) for n, p in enumerate(photos)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in [*files, (archive.SUMS, archive.sums(files))]:
            bundle.writestr(name, data)
    data = buffer.getvalue()
    key = secrets.token_hex(16)
    path = archive._path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    kept = CaseArchive(entrustment_id=case.id, storage_key=key, sha256=hashlib.sha256(data).hexdigest(),
                       size=len(data), files=len(files), missing_photos=0, on_demand=False, built_by="系统")
    db.add(kept)
    db.flush()
    return kept


def on_disk(photo: Attachment) -> bool:
    return attachments.path_for(photo.storage_key).is_file()


def test_an_archived_case_loses_its_loose_photos_once_its_bundle_holds_them_and_the_days_have_passed(
    db: Session, settings: Settings, world: World
) -> None:
    settings(retain_closed_case_photos_days=30)
    case, photos = case_with_photos(db, world, AttachmentKind.MATERIAL, AttachmentKind.AUTHORISATION)
    kept = keep_bundle(db, case, photos)
    close(db, case, EntrustmentStatus.ARCHIVED, days_ago=29)

    assert sweep(db, remove_closed_case_photos) == 0
    assert all(on_disk(photo) for photo in photos)

    close(db, case, EntrustmentStatus.ARCHIVED, days_ago=31)
    assert sweep(db, remove_closed_case_photos) == 2

    assert not any(on_disk(photo) for photo in photos)
    assert all(photo.file_removed_at is not None for photo in photos)  # the rows stay, marked
    with pytest.raises(NotFound, match="归档包"):  # the helper is told where the photo is now
        attachments.open_for(db, helper_actor(world.helper), photos[0].id)
    assert archive.read(kept, case.number or "")  # the bundle is untouched
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "case_photos_removed"))
    assert entry is not None and entry.entrustment_id == case.id
    assert sweep(db, remove_closed_case_photos) == 0


def test_an_archived_case_without_a_bundle_keeps_its_photos(db: Session, settings: Settings, world: World) -> None:
    settings(retain_closed_case_photos_days=30)
    case, photos = case_with_photos(db, world, AttachmentKind.MATERIAL)
    close(db, case, EntrustmentStatus.ARCHIVED, days_ago=400)

    assert sweep(db, remove_closed_case_photos) == 0
    assert on_disk(photos[0])


def test_a_photo_the_bundle_does_not_hold_and_a_changed_bundle_keep_their_files(
    db: Session, settings: Settings, world: World
) -> None:
    settings(retain_closed_case_photos_days=30)
    case, photos = case_with_photos(db, world, AttachmentKind.MATERIAL, AttachmentKind.PROOF)
    keep_bundle(db, case, photos[:1])  # the proof came after the bundle
    close(db, case, EntrustmentStatus.ARCHIVED, days_ago=31)

    assert sweep(db, remove_closed_case_photos) == 1
    assert not on_disk(photos[0]) and on_disk(photos[1])

    other, other_photos = case_with_photos(db, world, AttachmentKind.MATERIAL)
    altered = keep_bundle(db, other, other_photos)
    archive._path(altered.storage_key).write_bytes(b"PK changed afterwards")
    close(db, other, EntrustmentStatus.ARCHIVED, days_ago=31)
    assert sweep(db, remove_closed_case_photos) == 0
    assert on_disk(other_photos[0])


def test_a_terminated_case_loses_its_material_photos_but_keeps_the_evidence(
    db: Session, settings: Settings, world: World
) -> None:
    settings(retain_closed_case_photos_days=30)
    case, photos = case_with_photos(db, world, AttachmentKind.MATERIAL, AttachmentKind.AUTHORISATION,
                                    AttachmentKind.TERMINATION, AttachmentKind.HANDOVER)
    close(db, case, EntrustmentStatus.TERMINATED, days_ago=31)

    assert sweep(db, remove_closed_case_photos) == 1

    assert [on_disk(photo) for photo in photos] == [False, True, True, True]
    with pytest.raises(NotFound, match="材料已交还委托人"):
        attachments.open_for(db, helper_actor(world.helper), photos[0].id)


def test_with_zero_days_closed_cases_keep_their_photos(db: Session, settings: Settings, world: World) -> None:
    settings(retain_closed_case_photos_days=0)
    case, photos = case_with_photos(db, world, AttachmentKind.MATERIAL)
    close(db, case, EntrustmentStatus.TERMINATED, days_ago=4000)

    assert sweep(db, remove_closed_case_photos) == 0
    assert on_disk(photos[0])


# -- files of interrupted uploads --------------------------------------------------------------------


def file_at(relative: str, hours_old: float) -> Path:
    path = media.root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(JPEG)
    moment = (clock.now() - timedelta(hours=hours_old)).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_files_no_row_names_go_after_the_configured_hours_and_nothing_else_is_touched(
    db: Session, settings: Settings, world: World
) -> None:
    settings(upload_orphan_hours=6)
    case, (named,) = case_with_photos(db, world, AttachmentKind.MATERIAL)
    named_path = attachments.path_for(named.storage_key)
    os.utime(named_path, (0, 0))
    key = secrets.token_hex(16)
    interrupted = file_at(f"{key[:2]}/{key}", hours_old=7)
    recent_key = secrets.token_hex(16)
    still_uploading = file_at(f"{recent_key[:2]}/{recent_key}", hours_old=1)
    roster_key = secrets.token_hex(16)
    roster_orphan = file_at(f"roster/{roster_key[:2]}/{roster_key}.jpg", hours_old=7)
    bundle_key = secrets.token_hex(16)
    bundle_orphan = file_at(f"archives/{bundle_key[:2]}/{bundle_key}.zip", hours_old=7)
    not_ours = file_at("backup-notes.txt", hours_old=700)

    assert sweep(db, remove_orphan_uploads) == 3

    assert not interrupted.exists() and not roster_orphan.exists() and not bundle_orphan.exists()
    assert named_path.exists() and still_uploading.exists() and not_ours.exists()


def test_the_worker_runs_the_retention_sweeps(db: Session, settings: Settings) -> None:
    settings(upload_orphan_hours=6, retain_inbound_days=2)
    db.add(InboundMessage(dedupe_key="msg:old", openid="o_resident_1", msg_type="text", status="done",
                          received_at=clock.now() - timedelta(days=3)))
    db.flush()
    key = secrets.token_hex(16)
    interrupted = file_at(f"{key[:2]}/{key}", hours_old=7)
    clock.move(timedelta(hours=2))  # a fresh hour for the file sweeps of this process

    assert run_sweeps(db).pruned >= 2

    assert not interrupted.exists()
    assert db.scalar(select(InboundMessage)) is None
