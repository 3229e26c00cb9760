"""Files under ``BANGBAN_MEDIA_DIR`` (photos of materials, roster photos), outside any web root.

A file is written in the caller's transaction: if that transaction, or the savepoint it was written in, rolls
back, the file is deleted with it, so no file outlives the row that names it."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.config import get_settings

_PENDING = "bangban_new_media"


def root() -> Path:
    return Path(get_settings().media_dir).resolve()


def _watch_rollbacks(session: Session) -> None:
    if session.info.get(_PENDING) is not None:
        return
    session.info[_PENDING] = []

    @event.listens_for(session, "after_commit")
    def _kept(sess: Session) -> None:
        sess.info[_PENDING] = []

    @event.listens_for(session, "after_soft_rollback")
    def _undo(sess: Session, rolled_back: SessionTransaction) -> None:
        kept: list[tuple[SessionTransaction, Path]] = []
        for written_in, path in sess.info.get(_PENDING, []):
            transaction: SessionTransaction | None = written_in
            while transaction is not None and transaction is not rolled_back:
                transaction = transaction.parent
            if transaction is rolled_back:
                path.unlink(missing_ok=True)
            else:
                kept.append((written_in, path))
        sess.info[_PENDING] = kept


def write(session: Session, path: Path, data: bytes) -> None:
    """Write a new file (never over an existing one, readable by this user only) in the session's transaction."""
    _watch_rollbacks(session)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    written_in = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info[_PENDING].append((written_in, path))
