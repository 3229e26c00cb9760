"""Real worker processes: killed mid-batch and restarted, or two at once, every message reaches its
reader exactly once."""
# ruff: noqa: F811

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import OutboxMessage, OutboxStatus
from app.sandbox.state import Fault, SandboxState
from tests.notifications.world import make_world, submit
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_SEND = "/cgi-bin/message/template/send"
CASES = 15  # two messages each


@pytest.fixture
def start_worker(sandbox_server: SandboxServer) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    env = {**os.environ, "BANGBAN_WECHAT_API_BASE": sandbox_server.base_url, "BANGBAN_WORKER_INTERVAL": "0.1",
           "BANGBAN_WORKER_BATCH": "6", "BANGBAN_WORKER_CONCURRENCY": "3", "BANGBAN_WORKER_RATE": "1000",
           "BANGBAN_WORKER_LEASE": "1", "BANGBAN_WECHAT_TIMEOUT": "0.5"}

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _count(db: Session, *statuses: OutboxStatus) -> int:
    result = db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(statuses)))
    db.commit()
    return result or 0


def _wait_until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.1)


def _seed(db: Session, limits: Callable[..., None]) -> int:
    limits(entrustments_per_hour=CASES, entrustments_per_day=CASES)  # one resident entrusts them all
    world = make_world(db)
    for _ in range(CASES):
        submit(db, world)
    db.commit()
    return _count(db, OutboxStatus.PENDING)


def test_a_worker_killed_mid_batch_leaves_nothing_undelivered_or_doubled(
        db: Session, sandbox: SandboxState, start_worker: Callable[[], subprocess.Popen[bytes]],
        limits: Callable[..., None]) -> None:
    total = _seed(db, limits)
    assert total == 2 * CASES
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=1000, delay=0.15))
    first = start_worker()
    _wait_until(lambda: len(sandbox.templates) >= 4 and _count(db, OutboxStatus.SENDING) > 0, 30)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert _count(db, OutboxStatus.SENT) < total, "the worker was killed before it finished"

    second = start_worker()
    _wait_until(lambda: _count(db, OutboxStatus.SENT) == total, 60)
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0

    received = [(m.touser, m.client_msg_id) for m in sandbox.templates]
    assert len(received) == total and len(set(received)) == total
    keys = set(db.scalars(select(OutboxMessage.dedupe_key)))
    assert {key for _, key in received} == keys


def test_two_workers_at_once_send_each_message_once(
        db: Session, sandbox: SandboxState, start_worker: Callable[[], subprocess.Popen[bytes]],
        limits: Callable[..., None]) -> None:
    total = _seed(db, limits)
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=1000, delay=0.05))
    workers = [start_worker(), start_worker()]
    _wait_until(lambda: _count(db, OutboxStatus.SENT) == total, 60)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
    sends = sandbox.calls_to(TEMPLATE_SEND)
    assert len(sends) == total, "no message was handed to WeChat twice"
    assert len({(m.touser, m.client_msg_id) for m in sandbox.templates}) == total
