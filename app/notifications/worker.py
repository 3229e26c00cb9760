"""The outbox worker: claims due messages, sends them to WeChat within a rate limit, retries what can
succeed later and stops on what never will (DESIGN §6).

Sending is a pipeline: a bounded number of messages are in flight on a pool of threads, the next
rows are claimed while the last ones are still on their way, and outcomes are written a batch at a
time (``app.notifications.leases``). So a slow WeChat is waited for concurrently, never a batch at a
time, and the worker's memory does not grow with the backlog.

A claimed row is ``sending`` with a lease in ``next_attempt_at``; a worker that dies mid-pass leaves
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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as day_time
from types import FrameType

from sqlalchemy.orm import Session

from app import clock
from app.config import Settings, get_settings
from app.db import unit_of_work
from app.models import OutboxStatus
from app.notifications.leases import Claimed, Outcome, claim, record
from app.notifications.render import Catalog, CatalogError, catalog_path, load_catalog, render
from app.wechat.client import WeChatClient
from app.wechat.errors import WeChatError, WeChatUnavailable, is_permanent, is_retryable

log = logging.getLogger("bangban.worker")

LEASE = timedelta(seconds=60)
WAIT_FOR_TEMPLATE = timedelta(minutes=10)
BACKOFF_BASE_SECONDS = 15.0
BACKOFF_CAP_SECONDS = 3600.0
NOT_FOLLOWING = 43004
# The account's template messages for the day are used up (WeChat counts them per day, China time): nothing
# more goes out until the next day, and the messages keep their attempts.
DAILY_QUOTA = 45009
QUOTA_NOTE = "今日模板消息额度已用完，次日零点后自动续发"
ERROR_PAUSE_SECONDS = 10.0
OUTAGE_PATIENCE = timedelta(days=1)
# Outcomes wait at most this long before they are written, so a row's state lags its send by
# little more than this while the pipeline keeps the database to one transaction per batch.
RECORD_EVERY_SECONDS = 0.25

@dataclass
class PassReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    call_tasks: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: PassReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "call_tasks", "waiting"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class RateLimiter:
    """At most ``rate`` sends a second across the worker's threads: each send takes the next slot
    of a schedule spaced ``1 / rate`` apart (a token bucket holding one token), so no second ever
    sees more than ``rate`` + 1 sends, however many threads ask at once."""

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


class Dispatcher:
    def __init__(self, client: WeChatClient, *, settings: Settings | None = None,
                 catalog: Catalog | None = None) -> None:
        self.settings = settings or get_settings()
        self.client = client
        self.catalog = catalog
        self.limiter = RateLimiter(self.settings.worker_rate)
        self._last_good_catalog: Catalog | None = None
        self.concurrency = max(1, self.settings.worker_concurrency)
        self.batch = max(1, self.settings.worker_batch)
        # In flight: the sends under way plus a batch waiting for a free thread. A new batch is
        # claimed as soon as the waiting ones run low, so the threads never idle between batches.
        self.window = self.concurrency + self.batch
        # A claim must outlive the slowest wait for it (every send ahead of it paced by the rate
        # limit and timing out), or another worker could take rows this one is still sending.
        paced = self.window / self.settings.worker_rate if self.settings.worker_rate > 0 else 0.0
        slowest = (self.window / self.concurrency * (self.settings.wechat_timeout * 2 + 1) + paced
                   + RECORD_EVERY_SECONDS)
        self.lease = timedelta(seconds=max(self.settings.worker_lease, slowest))
        self._pool: ThreadPoolExecutor | None = None
        self._quota_until: datetime | None = None  # set by a 45009: no claims and no sends before then

    def _quota_used_up(self) -> bool:
        return self._quota_until is not None and clock.now() < self._quota_until

    def _after_quota(self, item: Claimed, reason: str) -> Outcome:
        assert self._quota_until is not None
        return Outcome(item, OutboxStatus.FAILED_TEMPORARY, "retried", last_error=f"{reason}（{QUOTA_NOTE}）",
                       next_attempt_at=self._quota_until, give_back_attempt=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _threads(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="outbox-send")
        return self._pool

    def _current_catalog(self) -> Catalog:
        """The template catalog as configured; while a saved edit does not load, the last good one."""
        try:
            self._last_good_catalog = load_catalog(catalog_path(self.settings))
        except CatalogError:
            if self._last_good_catalog is None:
                raise
            log.exception("template catalog does not load; sending with the last good one")
        return self._last_good_catalog

    def run_pass(self, stopping: threading.Event | None = None, until: float | None = None) -> PassReport:
        """Send what is due until nothing more is, ``stopping`` is set or the monotonic clock passes
        ``until``: claims go on while earlier sends are in flight, and every send claimed is finished
        and recorded before this returns, so stopping loses nothing."""
        report = PassReport()
        catalog = self.catalog or self._current_catalog()
        threads = self._threads()
        in_flight: set[Future[Outcome]] = set()
        finished: list[Outcome] = []
        more_due = True
        last_record = time.monotonic()
        try:
            while True:
                waiting_for_a_thread = len(in_flight) - self.concurrency
                claiming = more_due and not (stopping is not None and stopping.is_set()) and (
                    until is None or time.monotonic() < until) and not self._quota_used_up()
                if claiming and waiting_for_a_thread < self.batch // 2:
                    wanted = self.window - len(in_flight)
                    items = claim(wanted, self.lease)
                    report.claimed += len(items)
                    more_due = len(items) == wanted
                    in_flight.update(threads.submit(self._deliver, item, catalog) for item in items)
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, timeout=RECORD_EVERY_SECONDS, return_when=FIRST_COMPLETED)
                finished.extend(future.result() for future in done)
                if len(finished) >= self.batch or time.monotonic() - last_record >= RECORD_EVERY_SECONDS:
                    self._record(finished, report)
                    finished = []
                    last_record = time.monotonic()
        finally:
            # Sends already handed to a thread finish either way; their outcomes are written if the
            # database lets us, and otherwise the rows come back when their lease runs out.
            for future in in_flight:
                finished.append(future.result())
            self._record(finished, report)
        return report

    def _record(self, outcomes: list[Outcome], report: PassReport) -> None:
        record(outcomes)
        for outcome in outcomes:
            setattr(report, outcome.counted_as, getattr(report, outcome.counted_as) + 1)

    def drain(self, max_passes: int = 1000) -> PassReport:
        """Passes until nothing is due (tests and ``worker --once``)."""
        total = PassReport()
        for _ in range(max_passes):
            report = self.run_pass()
            total.add(report)
            if report.claimed == 0:
                break
        return total

    def _deliver(self, item: Claimed, catalog: Catalog) -> Outcome:
        try:
            return self._send(item, catalog)
        except Exception as exc:  # never lose a row to a bug: it is retried later and logged
            log.exception("outbox %s: unexpected error", item.id)
            return _retry(item, f"内部错误：{exc!r}")

    def _send(self, item: Claimed, catalog: Catalog) -> Outcome:
        if item.recipient_openid is None:
            if item.recipient_kind == "resident":
                return _to_call_task(item, "no_openid")
            return _fail(item, "收件人未绑定微信")
        rendered = render(catalog, item.kind, item.payload, item.entrustment_id, self.settings,
                          recipient_kind=item.recipient_kind)
        if rendered is None:
            return Outcome(item, OutboxStatus.PENDING, "waiting",
                           last_error=f"模板目录中没有「{item.kind}」的模板，消息等待配置后发送",
                           next_attempt_at=clock.now() + WAIT_FOR_TEMPLATE, give_back_attempt=True)
        if self._quota_used_up():  # another send of this pass met the day's quota: do not spend a call
            return self._after_quota(item, f"{DAILY_QUOTA} 额度已用完")
        self.limiter.wait()
        try:
            msgid = self.client.send_template(item.recipient_openid, rendered.template_id, rendered.data,
                                              url=rendered.url, client_msg_id=client_msg_id(item.dedupe_key))
        except WeChatError as error:
            return self._failed_send(item, error)
        return Outcome(item, OutboxStatus.SENT, "sent", wechat_msgid=str(msgid))

    def _failed_send(self, item: Claimed, error: WeChatError) -> Outcome:
        reason = f"{error.errcode} {error.errmsg}"
        if error.errcode == NOT_FOLLOWING and item.recipient_kind == "resident":
            return _to_call_task(item, "not_following")
        if is_permanent(error) or not is_retryable(error):
            return _fail(item, reason)
        if error.errcode == DAILY_QUOTA:
            tomorrow = clock.now().astimezone(clock.CHINA).date() + timedelta(days=1)
            self._quota_until = datetime.combine(tomorrow, day_time(0, 5), tzinfo=clock.CHINA)
            log.warning("WeChat's daily template quota is used up; sending resumes at %s", self._quota_until)
            return self._after_quota(item, reason)
        # While WeChat gives no answer at all (an outage), trying does not use up the attempts: the
        # message waits, up to OUTAGE_PATIENCE after it was written, for WeChat to come back.
        waiting_out_an_outage = (isinstance(error, WeChatUnavailable)
                                 and clock.now() - item.created_at < OUTAGE_PATIENCE)
        if item.attempts >= self.settings.worker_max_attempts and not waiting_out_an_outage:
            return _fail(item, f"重试 {item.attempts} 次仍未成功：{reason}")
        return _retry(item, reason)


def _retry(item: Claimed, reason: str) -> Outcome:
    return Outcome(item, OutboxStatus.FAILED_TEMPORARY, "retried", last_error=reason,
                   next_attempt_at=clock.now() + backoff(item.attempts))


def _fail(item: Claimed, reason: str) -> Outcome:
    return Outcome(item, OutboxStatus.FAILED_PERMANENT, "failed", last_error=reason)


def _to_call_task(item: Claimed, reason: str) -> Outcome:
    from app.notifications.wording import REASONS

    return Outcome(item, OutboxStatus.FAILED_PERMANENT, "call_tasks",
                   last_error=f"改为电话告知：{REASONS[reason]}", call_reason=REASONS[reason])


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

    def _sweep_until_stopped(self) -> None:
        while not self.stopping.is_set():
            try:
                with unit_of_work() as session:
                    self.sweep(session)
            except Exception:
                log.exception("sweep failed; it runs again next time")
            self.stopping.wait(self.sweep_every)

    def run(self) -> None:
        self._warn_about_the_calendar()
        # Sweeps run beside the sending, on a thread of their own, so a long sweep never stalls it.
        sweeper = threading.Thread(target=self._sweep_until_stopped, name="worker-sweeps", daemon=True)
        sweeper.start()
        try:
            while not self.stopping.is_set():
                try:
                    # A long backlog is sent in passes, each taking the template catalog as it is then.
                    report = self.dispatcher.run_pass(self.stopping, until=time.monotonic() + self.sweep_every)
                except Exception:
                    # The database restarting or a broken catalog must not end the worker: wait, retry.
                    log.exception("send pass failed; trying again shortly")
                    self.stopping.wait(max(self.interval, ERROR_PAUSE_SECONDS))
                    continue
                if report.claimed:
                    log.info("sent %s, retried %s, failed %s, call tasks %s, waiting %s", report.sent,
                             report.retried, report.failed, report.call_tasks, report.waiting)
                else:
                    self.stopping.wait(self.interval)
        finally:
            self.stopping.set()
            sweeper.join()
            self.dispatcher.close()
