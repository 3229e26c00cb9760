"""How long what is no longer needed is kept (README, 个人信息): the worker's retention sweeps.

- Callback retry records (``wechat_inbound``: the sender's openid, the message id and the reply sent): WeChat
  retries within seconds, so ``BANGBAN_RETAIN_INBOUND_DAYS`` after receipt they go.
- Dialogue states: a dialogue lives 30 minutes; an expired one is kept ``BANGBAN_RETAIN_DIALOGUE_STATE_HOURS``
  only so a resident who comes back is told their half-written entrustment was dropped.
- Loose photos of closed cases, ``BANGBAN_RETAIN_CLOSED_CASE_PHOTOS_DAYS`` after the case closed (0 keeps
  them). An archived case's photos are in its archive bundle (``app.entrustments.archive``): a loose file
  goes only when the bundle is there, unchanged since it was kept (its SHA-256), and lists the file's exact
  bytes in its SHA256SUMS. A terminated case has no bundle: the photos of its materials go (they were handed
  back, and copies of ID cards and household books are the most sensitive files we hold); the photos that
  prove the resident's authorisation, their signed statement and the hand-over stay with the case.
- Console sessions (``console_sessions``: who signed in, from which address) go once they can no longer be
  used: signed out, idle past ``BANGBAN_CONSOLE_IDLE_MINUTES`` or older than ``BANGBAN_CONSOLE_SESSION_HOURS``.
  The audit log keeps every sign-in and sign-out.
- Files of interrupted uploads: a file is written in its row's transaction, so one the process died with
  has no row. Files of the media directory's known layout (case photos, roster photos, archive bundles)
  that no row names, older than ``BANGBAN_UPLOAD_ORPHAN_HOURS``, are deleted. Anything else there is not
  ours to judge and is left alone.

The rows of photos whose file went stay, marked ``file_removed_at``: the case's history still lists them.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app import audit, clock, media
from app.auth.actor import WORKER
from app.config import get_settings
from app.entrustments import archive, attachments
from app.models import (
    Attachment,
    AttachmentKind,
    CaseArchive,
    ConversationState,
    Entrustment,
    EntrustmentStatus,
    Helper,
    InboundMessage,
)
from app.models.staff import ConsoleSession
from app.notifications.sweeps import Sweep, SweepReport

# What a terminated case keeps: the evidence the plan asks for when a case stops.
EVIDENCE = frozenset({AttachmentKind.AUTHORISATION, AttachmentKind.TERMINATION, AttachmentKind.HANDOVER})
CASES_PER_PASS = 200
_IN_CHUNK = 500

# The media directory's layout (app.entrustments.attachments, app.helpers.photos, app.entrustments.archive).
_CASE_PHOTO = re.compile(r"^([0-9a-f]{2})/(\1[0-9a-f]{30})$")
_ROSTER_PHOTO = re.compile(r"^roster/([0-9a-f]{2})/\1[0-9a-f]{30}\.(jpg|png)$")
_BUNDLE = re.compile(r"^archives/([0-9a-f]{2})/(\1[0-9a-f]{30})\.zip$")


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def prune_inbound(session: Session, today: date, report: SweepReport) -> None:
    kept = timedelta(days=get_settings().retain_inbound_days)
    report.pruned += _rows(session.execute(delete(InboundMessage)
                                           .where(InboundMessage.received_at < clock.now() - kept)))


def prune_dialogue_states(session: Session, today: date, report: SweepReport) -> None:
    kept = timedelta(hours=get_settings().retain_dialogue_state_hours)
    report.pruned += _rows(session.execute(delete(ConversationState)
                                           .where(ConversationState.expires_at < clock.now() - kept)))


def prune_console_sessions(session: Session, today: date, report: SweepReport) -> None:
    settings = get_settings()
    now = clock.now()
    report.pruned += _rows(session.execute(delete(ConsoleSession).where(or_(
        ConsoleSession.revoked_at.is_not(None),
        ConsoleSession.last_seen_at < now - timedelta(minutes=settings.console_idle_minutes),
        ConsoleSession.created_at < now - timedelta(hours=settings.console_session_hours),
    ))))


# -- photos of closed cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LoosePhoto:
    attachment: Attachment
    path: Path


def _loose(session: Session, case_id: int, kinds: Iterable[AttachmentKind] | None = None) -> list[LoosePhoto]:
    query = (select(Attachment).where(Attachment.entrustment_id == case_id, Attachment.file_removed_at.is_(None))
             .order_by(Attachment.id))
    if kinds is not None:
        query = query.where(Attachment.kind.in_(list(kinds)))
    return [LoosePhoto(row, attachments.path_for(row.storage_key)) for row in session.scalars(query)]


def _bundled_sums(kept: CaseArchive, number: str) -> set[str] | None:
    """The SHA-256 sums the case's bundle lists, if the bundle is there and unchanged; else None."""
    from app.errors import AppError

    try:
        data = archive.read(kept, number)
    except AppError:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            listing = bundle.read(archive.SUMS).decode()
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return None
    return {line.split()[0] for line in listing.splitlines() if line.strip()}


def _closed_cases(session: Session, closed_before: object) -> Iterator[Entrustment]:
    """Archived or terminated before ``closed_before``, with a photo whose file is still kept."""
    has_photos = select(Attachment.id).where(Attachment.entrustment_id == Entrustment.id,
                                             Attachment.file_removed_at.is_(None)).exists()
    query = (select(Entrustment)
             .where(or_(Entrustment.archived_at < closed_before, Entrustment.terminated_at < closed_before),
                    Entrustment.status.in_([EntrustmentStatus.ARCHIVED, EntrustmentStatus.TERMINATED]),
                    has_photos)
             .order_by(Entrustment.id))
    yield from session.scalars(query)


def remove_closed_case_photos(session: Session, today: date, report: SweepReport) -> None:
    days = get_settings().retain_closed_case_photos_days
    if days <= 0:
        return
    closed_before = clock.now() - timedelta(days=days)
    handled = 0
    for case in _closed_cases(session, closed_before):
        if handled >= CASES_PER_PASS:  # the rest on the next pass: a sweep stays short
            return
        if case.status is EntrustmentStatus.ARCHIVED:
            removable = _bundled(session, case)
        else:
            removable = _loose(session, case.id, set(AttachmentKind) - EVIDENCE)
        if not removable:
            continue
        handled += 1
        now = clock.now()
        for photo in removable:
            photo.path.unlink(missing_ok=True)
            photo.attachment.file_removed_at = now
        report.pruned += len(removable)
        audit.record(session, WORKER, "case_photos_removed", object_type="entrustment", object_id=case.id,
                     photos=[photo.attachment.id for photo in removable], retention_days=days)


def _bundled(session: Session, case: Entrustment) -> list[LoosePhoto]:
    kept = archive.kept_for(session, case.id)
    if kept is None:
        return []
    loose = _loose(session, case.id)
    sums = _bundled_sums(kept, case.number or str(case.id)) if loose else None
    if sums is None:
        return []
    # A file already gone counts as removed; one whose bytes the bundle does not hold stays.
    return [photo for photo in loose
            if not photo.path.is_file() or hashlib.sha256(photo.path.read_bytes()).hexdigest() in sums]


# -- files of interrupted uploads ---------------------------------------------------------------------


def _old_files(root: Path, older_than: float) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for path in root.rglob("*"):
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_mtime >= older_than:
                continue
        except OSError:
            continue
        yield path.relative_to(root).as_posix(), path


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start:start + _IN_CHUNK]


def _named(session: Session, column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
           values: list[str]) -> set[str]:
    named: set[str] = set()
    for chunk in _chunks(values):
        named.update(value for value in session.scalars(select(column).where(column.in_(chunk))) if value)
    return named


def remove_orphan_uploads(session: Session, today: date, report: SweepReport) -> None:
    older_than = (clock.now() - timedelta(hours=get_settings().upload_orphan_hours)).timestamp()
    photos: dict[str, Path] = {}
    roster: dict[str, Path] = {}
    bundles: dict[str, Path] = {}
    for relative, path in _old_files(media.root(), older_than):
        if match := _CASE_PHOTO.match(relative):
            photos[match.group(2)] = path
        elif _ROSTER_PHOTO.match(relative):
            roster[relative] = path
        elif match := _BUNDLE.match(relative):
            bundles[match.group(2)] = path
    orphans: list[Path] = []
    for column, found in ((Attachment.storage_key, photos), (Helper.photo_path, roster),
                          (CaseArchive.storage_key, bundles)):
        named = _named(session, column, list(found))
        orphans += [path for key, path in found.items() if key not in named]
    for path in orphans:
        path.unlink(missing_ok=True)
    report.pruned += len(orphans)


# The file sweeps walk directories and read bundles: once an hour is enough, not every worker pass.
FILE_SWEEP_EVERY = timedelta(hours=1)
_last_file_sweep: dict[str, datetime] = {}


def hourly(sweep: Sweep) -> Sweep:
    def run(session: Session, today: date, report: SweepReport) -> None:
        last = _last_file_sweep.get(sweep.__name__)
        now = clock.now()
        if last is not None and last <= now < last + FILE_SWEEP_EVERY:
            return
        _last_file_sweep[sweep.__name__] = now
        sweep(session, today, report)

    run.__name__ = sweep.__name__
    return run


SWEEPS: tuple[Sweep, ...] = (prune_inbound, prune_dialogue_states, prune_console_sessions,
                             hourly(remove_closed_case_photos),
                             hourly(remove_orphan_uploads))
