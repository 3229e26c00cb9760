"""Call tasks on the helper's workbench: messages WeChat could not carry, said on the phone instead."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.auth.actor import Actor
from app.errors import Conflict, InvalidInput, NotFound
from app.models import CallTask

MAX_NOTE = 500


def open_calls(session: Session, actor: Actor) -> Sequence[CallTask]:
    if actor.helper_id is None:
        return []
    return session.scalars(
        select(CallTask).where(CallTask.helper_id == actor.helper_id, CallTask.done_at.is_(None))
        .order_by(CallTask.created_at, CallTask.id)
    ).all()


def mark_called(session: Session, actor: Actor, call_id: int, note: str = "") -> CallTask:
    task = session.get(CallTask, call_id)
    if task is None or actor.helper_id is None or task.helper_id != actor.helper_id:
        raise NotFound("找不到这条电话任务。")
    if task.done_at is not None:
        raise Conflict("这条电话任务已经完成了。")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", f"通话情况请不要超过 {MAX_NOTE} 个字。")
    task.done_at = clock.now()
    task.done_note = note or None
    session.flush()
    audit.record(session, actor, "call_done", object_type="call_task", object_id=task.id,
                 entrustment_id=task.entrustment_id)
    return task
