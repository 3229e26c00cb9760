"""The outbox worker's pipeline against the sandbox over real HTTP: outcomes written a batch at a time,
leases that run out, two workers at once, and the rate limit as WeChat's call log shows it."""
# ruff: noqa: F811

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import clock
from app.db import get_engine
from app.models import CallTask, OutboxMessage, OutboxStatus
from app.notifications import worker as worker_module
from app.notifications.leases import Outcome, claim, record
from app.sandbox.state import Fault, SandboxState
from tests.notifications.world import World, dispatcher, make_world, submit
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401

pytestmark = pytest.mark.committed
TEMPLATE_SEND = "/cgi-bin/message/template/send"


def queue_copies(db: Session, world: World, copies: int) -> list[str]:
    """``copies`` of a new case's two notifications under new dedupe keys; returns every key queued."""
    submit(db, world)
    db.flush()
    originals = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    for number in range(copies - 1):
        for row in originals:
            db.add(OutboxMessage(kind=row.kind, dedupe_key=f"{row.dedupe_key}:copy{number}",
                                 recipient_kind=row.recipient_kind, recipient_id=row.recipient_id,
                                 recipient_openid=row.recipient_openid, entrustment_id=row.entrustment_id,
                                 payload=dict(row.payload), status=OutboxStatus.PENDING, attempts=0,
                                 next_attempt_at=clock.now()))
    db.commit()
    return list(db.scalars(select(OutboxMessage.dedupe_key)))


def rows_by_status(db: Session) -> Counter[OutboxStatus]:
    db.expire_all()
    counted = Counter(db.scalars(select(OutboxMessage.status)))
    db.commit()
    return counted


def test_a_batch_of_mixed_outcomes_is_written_row_by_row_right(db: Session, sandbox_server: SandboxServer,
                                                              sandbox: SandboxState) -> None:
    world = make_world(db)
    keys = queue_copies(db, world, 30)  # 30 to the resident, 30 to the helper
    sandbox.set_following("o_resident_lixiuying", False)  # every resident message: a call task
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=5, errcode=-1))  # busy: retried later
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=3, errcode=40037))  # never: failed
    report = dispatcher(sandbox_server.base_url, worker_batch=16, worker_concurrency=4).drain()

    assert report.claimed == len(keys) == 60
    assert report.sent + report.retried + report.failed + report.call_tasks == 60
    assert (report.retried, report.failed) == (5, 3)
    db.expire_all()
    rows = db.scalars(select(OutboxMessage)).all()
    by_status = Counter(row.status for row in rows)
    assert by_status[OutboxStatus.FAILED_TEMPORARY] == 5
    assert by_status[OutboxStatus.SENT] == report.sent
    assert by_status[OutboxStatus.FAILED_PERMANENT] == report.failed + report.call_tasks
    for row in rows:
        if row.status is OutboxStatus.SENT:
            assert row.wechat_msgid and row.sent_at is not None and row.last_error is None
        elif row.status is OutboxStatus.FAILED_TEMPORARY:
            assert row.last_error and row.last_error.startswith("-1") and row.next_attempt_at > clock.now()
        else:
            assert row.last_error and row.wechat_msgid is None
    tasks = db.scalars(select(CallTask)).all()
    assert len(tasks) == report.call_tasks > 0
    assert {task.outbox_id for task in tasks} <= {row.id for row in rows if row.recipient_kind == "resident"}
    received = {m.msgid: m.client_msg_id for m in sandbox.templates}
    assert {row.wechat_msgid: row.dedupe_key for row in rows if row.wechat_msgid} == {
        str(msgid): key for msgid, key in received.items()}
    db.commit()


def test_outcomes_are_written_a_batch_per_transaction(db: Session, sandbox_server: SandboxServer,
                                                     sandbox: SandboxState,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(db)
    keys = queue_copies(db, world, 60)
    worker = dispatcher(sandbox_server.base_url, worker_batch=40, worker_concurrency=8)
    worker.client.tokens.get()
    monkeypatch.setattr(worker_module, "RECORD_EVERY_SECONDS", 60.0)  # written when a batch is full
    commits: list[int] = []
    listener = lambda connection: commits.append(1)  # noqa: E731
    event.listen(get_engine(), "commit", listener)
    try:
        report = worker.drain()
    finally:
        event.remove(get_engine(), "commit", listener)

    assert report.sent == len(keys) == 120
    assert rows_by_status(db) == {OutboxStatus.SENT: 120}
    # Claims of up to 48 rows and records of 40 outcomes: a handful of transactions, not one a message.
    assert len(commits) <= 12


def test_a_claim_whose_lease_ran_out_is_taken_again_and_its_late_outcome_ignored(
        db: Session, sandbox_server: SandboxServer, sandbox: SandboxState) -> None:
    world = make_world(db)
    queue_copies(db, world, 1)
    first = claim(10, timedelta(seconds=60))
    assert len(first) == 2 and claim(10, timedelta(seconds=60)) == []  # held while the lease runs

    clock.move(timedelta(seconds=61))  # the first worker died, or hangs
    second = claim(10, timedelta(seconds=60))
    assert [item.id for item in second] == [item.id for item in first]
    assert all(item.attempts == 2 for item in second)

    record([Outcome(item, OutboxStatus.FAILED_PERMANENT, "failed", last_error="late") for item in first])
    assert rows_by_status(db) == {OutboxStatus.SENDING: 2}  # the late outcome found the row claimed again

    record([Outcome(item, OutboxStatus.SENT, "sent", wechat_msgid=str(9000 + item.id)) for item in second])
    db.expire_all()
    rows = db.scalars(select(OutboxMessage)).all()
    assert {(row.status, row.attempts, row.last_error) for row in rows} == {(OutboxStatus.SENT, 2, None)}
    db.commit()


def test_two_workers_at_once_hand_each_message_to_wechat_once(db: Session, sandbox_server: SandboxServer,
                                                             sandbox: SandboxState) -> None:
    world = make_world(db)
    keys = queue_copies(db, world, 100)
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=10_000, delay=0.02))
    workers = [dispatcher(sandbox_server.base_url, worker_batch=20, worker_concurrency=6) for _ in range(2)]
    reports = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            reports.append(workers[index].drain())
        except BaseException as error:  # the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors

    sends = Counter(call.body["client_msg_id"] for call in sandbox.calls_to(TEMPLATE_SEND))
    assert set(sends) == set(keys) and set(sends.values()) == {1}
    assert sum(report.sent for report in reports) == len(keys) == 200
    assert all(report.sent > 0 for report in reports), "both workers took part"
    assert rows_by_status(db) == {OutboxStatus.SENT: 200}


def test_the_rate_limit_holds_in_every_second_of_wechats_call_log(db: Session, sandbox_server: SandboxServer,
                                                                  sandbox: SandboxState) -> None:
    world = make_world(db)
    queue_copies(db, world, 30)
    rate, threads = 20, 4
    report = dispatcher(sandbox_server.base_url, worker_rate=float(rate), worker_concurrency=threads,
                        worker_batch=30).drain()
    assert report.sent == 60

    arrivals = sorted(call.at for call in sandbox.calls_to(TEMPLATE_SEND))
    busiest = max(sum(1 for at in arrivals if start <= at < start + 1.0) for start in arrivals)
    # A second holds at most rate + 1 sends started in it, and the sends started before it that arrive
    # late: at most one a thread. Without the limit all 60 arrive within the same second.
    assert busiest <= rate + 1 + threads


def test_a_claim_outlasts_the_wait_a_slow_rate_limit_puts_on_its_last_row(sandbox_server: SandboxServer) -> None:
    worker = dispatcher(sandbox_server.base_url, worker_rate=1.0, worker_batch=100, worker_concurrency=4,
                        worker_lease=60.0)
    # 104 rows in flight at one a second: the last is sent after 104 s, so another worker must not take
    # it at 60.
    assert worker.lease >= timedelta(seconds=worker.window / 1.0)


def test_a_backlog_is_claimed_a_window_at_a_time_not_all_at_once(db: Session, sandbox_server: SandboxServer,
                                                                sandbox: SandboxState) -> None:
    world = make_world(db)
    keys = queue_copies(db, world, 60)
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=10_000, delay=0.03))
    worker = dispatcher(sandbox_server.base_url, worker_batch=8, worker_concurrency=4)
    held: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            held.append(rows_by_status(db)[OutboxStatus.SENDING])

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = worker.run_pass()
    finally:
        done.set()
        watcher.join()
    assert report.sent == len(keys) == 120
    # However large the backlog, the worker holds (and keeps in memory) at most its window of rows in
    # flight and a batch of outcomes not yet written.
    assert 0 < max(held) <= worker.window + worker.batch == 20
