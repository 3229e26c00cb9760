"""The outbox worker: claims due messages, sends them to WeChat within a rate limit, retries what can
succeed later and stops on what never will (DESIGN §6).

A claimed row is ``sending`` with a lease in ``next_attempt_at``; a worker that dies mid-batch leaves
rows whose lease runs out and another pass claims them again. ``client_msg_id`` is the row's dedupe
key, so WeChat drops a second send of a message the dead worker had already handed over.
"""

from __future__ import annotations

import hashlib
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, object_session

from app import clock
from app.config import Settings, get_settings
from app.db import get_engine, unit_of_work
from app.models import OutboxMessage, OutboxStatus
from app.notifications.calls import open_call_task
from app.notifications.render import Catalog, CatalogError, catalog_path, load_catalog, render
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError, WeChatUnavailable, is_permanent, is_retryable

log = logging.getLogger("bangban.worker")

LEASE = timedelta(seconds=60)
WAIT_FOR_TEMPLATE = timedelta(minutes=10)
BACKOFF_BASE_SECONDS = 15.0
BACKOFF_CAP_SECONDS = 3600.0
NOT_FOLLOWING = 43004
ERROR_PAUSE_SECONDS = 10.0
OUTAGE_PATIENCE = timedelta(days=1)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    dedupe_key: str
    recipient_kind: str
    recipient_openid: str | None
    entrustment_id: int | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


@dataclass
class PassReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    call_tasks: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)


class RateLimiter:
    """At most ``rate`` sends a second across the worker's threads."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def client_msg_id(dedupe_key: str) -> str:
    # WeChat takes at most 64 characters; long keys are hashed, stably.
    return dedupe_key if len(dedupe_key) <= 64 else hashlib.sha256(dedupe_key.encode()).hexdigest()


def claim(limit: int, lease: timedelta = LEASE) -> list[Claimed]:
    """Take up to ``limit`` due rows in one short transaction. On PostgreSQL concurrent workers skip
    each other's rows; on SQLite the write lock taken at BEGIN serialises them."""
    with unit_of_work() as session:
        now = clock.now()
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.next_attempt_at <= now,
                or_(
                    OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED_TEMPORARY]),
                    and_(OutboxMessage.status == OutboxStatus.SENDING),
                ),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if get_engine().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        claimed = []
        for row in rows:
            row.status = OutboxStatus.SENDING
            row.attempts += 1
            row.next_attempt_at = now + lease
            claimed.append(Claimed(row.id, row.kind, row.dedupe_key, row.recipient_kind, row.recipient_openid,
                                   row.entrustment_id, dict(row.payload), row.attempts, row.created_at))
        return claimed


def _finish(item: Claimed, update: Callable[[OutboxMessage], None]) -> None:
    """Record the outcome, unless the lease ran out and another pass has claimed the row since."""
    with unit_of_work() as session:
        row = session.get(OutboxMessage, item.id, with_for_update=True)
        if row is not None and row.status is OutboxStatus.SENDING and row.attempts == item.attempts:
            update(row)


def object_session_of(row: OutboxMessage) -> Session:
    session = object_session(row)
    assert session is not None
    return session


class Dispatcher:
    def __init__(self, client: WeChatClient, *, settings: Settings | None = None,
                 catalog: Catalog | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client
        self.catalog = catalog
        self.limiter = RateLimiter(self.settings.worker_rate)
        self._last_good_catalog: Catalog | None = None
        # A claim must outlive the slowest batch (every send timing out), or another worker could
        # take rows this one is still sending.
        slowest = self.settings.worker_batch / max(1, self.settings.worker_concurrency) * (
            self.settings.wechat_timeout * 2 + 1)
        self.lease = timedelta(seconds=max(self.settings.worker_lease, slowest))

    def _current_catalog(self) -> Catalog:
        """The template catalog as configured; while a saved edit does not load, the last good one."""
        try:
            self._last_good_catalog = load_catalog(catalog_path(self.settings))
        except CatalogError:
            if self._last_good_catalog is None:
                raise
            log.exception("template catalog does not load; sending with the last good one")
        return self._last_good_catalog

    def run_pass(self) -> PassReport:
        """Claim one batch and send it."""
        report = PassReport()
        catalog = self.catalog or self._current_catalog()
        batch = claim(self.settings.worker_batch, self.lease)
        report.claimed = len(batch)
        if not batch:
            return report
        with ThreadPoolExecutor(max_workers=max(1, self.settings.worker_concurrency)) as pool:
            outcomes = list(pool.map(lambda item: self._deliver(item, catalog), batch))
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def drain(self, max_passes: int = 1000) -> PassReport:
        """Passes until nothing is due (tests and ``worker --once``)."""
        total = PassReport()
        for _ in range(max_passes):
            report = self.run_pass()
            if report.claimed == 0:
                break
            for name in ("claimed", "sent", "retried", "failed", "call_tasks", "waiting"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
        return total

    def _deliver(self, item: Claimed, catalog: Catalog) -> str:
        try:
            return self._send(item, catalog)
        except Exception as exc:  # never lose a row to a bug: it is retried later and logged
            log.exception("outbox %s: unexpected error", item.id)
            self._retry(item, f"内部错误：{exc!r}")
            return "retried"

    def _send(self, item: Claimed, catalog: Catalog) -> str:
        if item.recipient_openid is None:
            if item.recipient_kind == "resident":
                self._to_call_task(item, "no_openid")
                return "call_tasks"
            self._fail(item, "收件人未绑定微信")
            return "failed"
        rendered = render(catalog, item.kind, item.payload, item.entrustment_id, self.settings,
                          recipient_kind=item.recipient_kind)
        if rendered is None:
            self._wait_for_template(item)
            return "waiting"
        self.limiter.wait()
        try:
            msgid = self.client.send_template(item.recipient_openid, rendered.template_id, rendered.data,
                                              url=rendered.url, client_msg_id=client_msg_id(item.dedupe_key))
        except WeChatError as error:
            return self._failed_send(item, error)
        self._sent(item, msgid)
        return "sent"

    def _failed_send(self, item: Claimed, error: WeChatError) -> str:
        reason = f"{error.errcode} {error.errmsg}"
        if error.errcode == NOT_FOLLOWING and item.recipient_kind == "resident":
            self._to_call_task(item, "not_following")
            return "call_tasks"
        if is_permanent(error) or not is_retryable(error):
            self._fail(item, reason)
            return "failed"
        # While WeChat gives no answer at all (an outage), trying does not use up the attempts: the
        # message waits, up to OUTAGE_PATIENCE after it was written, for WeChat to come back.
        waiting_out_an_outage = (isinstance(error, WeChatUnavailable)
                                 and clock.now() - item.created_at < OUTAGE_PATIENCE)
        if item.attempts >= self.settings.worker_max_attempts and not waiting_out_an_outage:
            self._fail(item, f"重试 {item.attempts} 次仍未成功：{reason}")
            return "failed"
        self._retry(item, reason)
        return "retried"

    def _sent(self, item: Claimed, msgid: int) -> None:
        def update(row: OutboxMessage) -> None:
            row.status = OutboxStatus.SENT
            row.wechat_msgid = str(msgid)
            row.sent_at = clock.now()
            row.last_error = None

        _finish(item, update)

    def _retry(self, item: Claimed, reason: str) -> None:
        def update(row: OutboxMessage) -> None:
            row.status = OutboxStatus.FAILED_TEMPORARY
            row.last_error = reason
            row.next_attempt_at = clock.now() + backoff(item.attempts)

        _finish(item, update)

    def _fail(self, item: Claimed, reason: str) -> None:
        def update(row: OutboxMessage) -> None:
            row.status = OutboxStatus.FAILED_PERMANENT
            row.last_error = reason

        _finish(item, update)

    def _wait_for_template(self, item: Claimed) -> None:
        def update(row: OutboxMessage) -> None:
            row.status = OutboxStatus.PENDING
            row.attempts = max(0, row.attempts - 1)
            row.last_error = f"模板目录中没有「{item.kind}」的模板，消息等待配置后发送"
            row.next_attempt_at = clock.now() + WAIT_FOR_TEMPLATE

        _finish(item, update)

    def _to_call_task(self, item: Claimed, reason: str) -> None:
        from app.notifications.wording import REASONS

        def update(row: OutboxMessage) -> None:
            open_call_task(object_session_of(row), row, REASONS[reason])
            row.status = OutboxStatus.FAILED_PERMANENT
            row.last_error = f"改为电话告知：{REASONS[reason]}"

        _finish(item, update)


class Worker:
    """``bangban worker``: runs the sweeps it is given (``app.worker`` puts them together) and sends
    until told to stop."""

    def __init__(self, dispatcher: Dispatcher, *, sweep: Callable[[Session], object], interval: float,
                 sweep_every: float = 60.0) -> None:
        self.dispatcher = dispatcher
        self.sweep = sweep
        self.interval = interval
        self.sweep_every = sweep_every
        self.stopping = threading.Event()

    def install_signal_handlers(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            log.info("worker stopping on signal %s", signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def _warn_about_the_calendar(self) -> None:
        from app.calendar.service import coverage_warning

        with unit_of_work() as session:
            warning = coverage_warning(session, clock.today())
        if warning:
            log.warning(warning)

    def run(self) -> None:
        last_sweep = 0.0
        self._warn_about_the_calendar()
        while not self.stopping.is_set():
            if time.monotonic() - last_sweep >= self.sweep_every:
                try:
                    with unit_of_work() as session:
                        self.sweep(session)
                except Exception:
                    log.exception("sweep failed; it runs again next time")
                last_sweep = time.monotonic()
            try:
                report = self.dispatcher.run_pass()
            except Exception:
                # The database restarting or a broken catalog must not end the worker: wait, try again.
                log.exception("send pass failed; trying again shortly")
                self.stopping.wait(max(self.interval, ERROR_PAUSE_SECONDS))
                continue
            if report.claimed:
                log.info("sent %s, retried %s, failed %s, call tasks %s, waiting %s", report.sent,
                         report.retried, report.failed, report.call_tasks, report.waiting)
            else:
                self.stopping.wait(self.interval)
