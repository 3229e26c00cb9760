"""Export of an archived case's bundle (办结归档) for the auditors: the stored ZIP, exactly as kept, after its
SHA-256 is checked. Staff export the cases of their area and oversight (read-only) any; a case outside the
caller's area is as unknown as one that does not exist, and the refusal is audited by the channel.

A case archived before bundles were kept has none: its bundle is built and stored at its first export, from the
records as they stand, marked as built on demand on its sheet and in the audit log; later exports give those
same bytes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import audit
from app.auth.actor import Actor, ActorKind
from app.auth.scope import entrustment_scope
from app.entrustments import archive
from app.entrustments.archive_texts import NOT_RECORDED, actor_label
from app.entrustments.workflow import STATUS_LABELS
from app.errors import Conflict, Forbidden, NotFound
from app.models import CaseArchive, Entrustment, EntrustmentStatus

_KINDS = frozenset({ActorKind.STAFF})


@dataclass(frozen=True)
class ExportedArchive:
    number: str
    bundle: bytes
    sha256: str
    files: int
    built_now: bool


def _built_now(session: Session, actor: Actor, case: Entrustment) -> CaseArchive:
    event = archive.archiving_event(session, case.id)
    archived_at = case.archived_at or (event.created_at if event else None)
    if archived_at is None:
        raise Conflict(f"办件 {case.number} 没有归档时间的记录，无法补建归档案卷。", code="archive_time_unknown")
    kept = archive.keep(session, case, actor, archived_at=archived_at, on_demand=True,
                        archived_by=actor_label(event.actor_kind, event.actor_name) if event else NOT_RECORDED)
    audit.record(session, actor, "build", object_type="case_archive", object_id=kept.id, entrustment_id=case.id,
                 number=case.number, sha256=kept.sha256, size=kept.size, files=kept.files, on_demand=True)
    return kept


def export_archive(session: Session, actor: Actor, number: str) -> ExportedArchive:
    """The bundle of the archived case ``number``; the export is audited with the digest handed out."""
    if not (actor.kinds & _KINDS or actor.is_read_only):
        raise Forbidden("只有乡镇（街道）、县局工作人员和纪检监察机关可以导出归档案卷。", object_type="case_archive")
    number = number.strip()
    case = archive.case_by_number(session, number, entrustment_scope(session, actor))
    if case is None:
        raise NotFound(f"没有找到办件编号为 {number} 的委托。", object_type="entrustment",
                       object_id=archive.case_id(session, number))
    if case.status is not EntrustmentStatus.ARCHIVED:
        raise Conflict(f"办件 {number} 当前状态为「{STATUS_LABELS[case.status]}」，还没有归档，没有归档案卷。"
                       "归档后才能导出。", code="not_archived")
    kept = archive.kept_for(session, case.id)
    built_now = kept is None
    if kept is None:
        kept = _built_now(session, actor, case)
    bundle = archive.read(kept, number)
    audit.record(session, actor, "export", object_type="case_archive", object_id=kept.id, entrustment_id=case.id,
                 number=number, sha256=kept.sha256, size=kept.size, files=kept.files, built_now=built_now)
    return ExportedArchive(number=number, bundle=bundle, sha256=kept.sha256, files=kept.files, built_now=built_now)
