"""The account's access token, kept in the database so every process shares one.

WeChat's stable token API hands out the same token while it is valid and a new one in its last five
minutes; a forced refresh invalidates the previous token at once and is limited to 20 a day. So one
process at a time refreshes: it takes the lease on the token row with an atomic UPDATE, calls WeChat
outside any transaction, stores the result and releases the lease; the others wait and re-read.
Each read and write is its own short transaction, committed before anyone else needs to see it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.db import unit_of_work
from app.models import AccessToken
from app.wechat.errors import WeChatUnavailable

# A token this close to expiry is renewed; WeChat issues the next one from the same moment.
RENEW_MARGIN = timedelta(minutes=5)
POLL_SECONDS = 0.1

Fetch = Callable[[bool], tuple[str, int]]
"""Calls WeChat: ``fetch(force_refresh) -> (access_token, expires_in seconds)``."""


@dataclass(frozen=True)
class _Row:
    token: str | None
    expires_at: datetime | None

    def usable(self, now: datetime, *, unlike: str | None = None) -> bool:
        return (
            self.token is not None
            and self.token != unlike
            and self.expires_at is not None
            and self.expires_at - RENEW_MARGIN > now
        )


class TokenStore:
    """Hands out the current access token; ``lease`` must outlast one call to ``fetch``."""

    def __init__(self, app_id: str, fetch: Fetch, *, lease: timedelta = timedelta(seconds=30)) -> None:
        self.app_id = app_id
        self._fetch = fetch
        self._lease = lease
        self._lock = threading.Lock()
        self._cached = _Row(None, None)

    def get(self) -> str:
        """A token valid for at least five more minutes, fetched from WeChat only when needed."""
        cached = self._cached
        if cached.usable(clock.now()):
            return cast(str, cached.token)
        with self._lock:
            return self._renew(force=False, stale=None)

    def refresh(self, stale: str) -> str:
        """WeChat refused ``stale``: force a new token, unless another thread or process already did."""
        with self._lock:
            return self._renew(force=True, stale=stale)

    def _renew(self, *, force: bool, stale: str | None) -> str:
        if self._cached.usable(clock.now(), unlike=stale if force else None):
            return cast(str, self._cached.token)
        deadline = time.monotonic() + self._lease.total_seconds() + 5
        while True:
            row = self._read()
            if row is not None and row.usable(clock.now(), unlike=stale if force else None):
                return self._remember(row)
            if row is None:
                self._insert_row()
            if self._take_lease():
                return self._refresh_holding_lease(force=force, stale=stale)
            if time.monotonic() > deadline:
                raise WeChatUnavailable("等待其他进程刷新 access_token 超时")
            time.sleep(POLL_SECONDS)

    def _refresh_holding_lease(self, *, force: bool, stale: str | None) -> str:
        try:
            row = self._read()
            if row is not None and row.usable(clock.now(), unlike=stale if force else None):
                self._release_lease()
                return self._remember(row)
            started = clock.now()
            token, expires_in = self._fetch(force)
        except BaseException:
            self._release_lease()
            raise
        row = _Row(token, started + timedelta(seconds=expires_in))
        with unit_of_work() as session:
            session.execute(
                update(AccessToken)
                .where(AccessToken.app_id == self.app_id)
                .values(token=row.token, expires_at=row.expires_at, refreshing_until=None)
            )
        return self._remember(row)

    def _remember(self, row: _Row) -> str:
        self._cached = row
        return cast(str, row.token)

    def _read(self) -> _Row | None:
        with unit_of_work() as session:
            found = session.get(AccessToken, self.app_id)
            return None if found is None else _Row(found.token, found.expires_at)

    def _insert_row(self) -> None:
        try:
            with unit_of_work() as session:
                session.add(AccessToken(app_id=self.app_id))
        except IntegrityError:
            pass  # another process inserted it first

    def _take_lease(self) -> bool:
        now = clock.now()
        with unit_of_work() as session:
            result = session.execute(
                update(AccessToken)
                .where(
                    AccessToken.app_id == self.app_id,
                    or_(AccessToken.refreshing_until.is_(None), AccessToken.refreshing_until < now),
                )
                .values(refreshing_until=now + self._lease)
            )
            return cast(CursorResult[object], result).rowcount == 1

    def _release_lease(self) -> None:
        with unit_of_work() as session:
            session.execute(
                update(AccessToken).where(AccessToken.app_id == self.app_id).values(refreshing_until=None)
            )
