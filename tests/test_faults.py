"""Faults the service must live through.

- PostgreSQL restarted under a callback load: a callback answered 200 has its effect committed; one the
  database could not store is answered 503, and WeChat's retry (re-posting what got no 200) brings it in
  once. Run against a throwaway cluster of its own (initdb/pg_ctl in a temporary directory, another port),
  never the shared server other tests use.
- WeChat's API down for an hour: the worker keeps retrying without giving up, the backlog drains once
  WeChat is back, and WeChat receives each message once (the sandbox's log of what it received).
"""
# ruff: noqa: F811

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import xmltodict  # type: ignore[import-untyped]
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app import clock
from app.chat import wording
from app.config import get_settings
from app.models import InboundMessage, OutboxMessage, OutboxStatus, Resident
from app.notifications.worker import BACKOFF_CAP_SECONDS
from app.sandbox.state import Fault, SandboxState
from app.wechat import texts
from tests.live import free_port, serve
from tests.notifications.world import dispatcher, make_world, submit
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401
from tests.wechat.support import WeChat, event_xml

# -- PostgreSQL restarted under a callback load -------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own: started, stopped and removed by the test."""

    bin: Path
    root: Path
    port: int
    user: str | None  # the OS user the server runs as when the tests run as root (initdb refuses root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/bangban_faults"

    def _run(self, *command: str) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        # Fast: every session is ended at once, as a restart by an operator or a package upgrade does.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")


@pytest.fixture
def cluster(is_postgres: bool) -> Iterator[Cluster]:
    if not is_postgres:
        pytest.skip("PostgreSQL only: the production database's restart, with the PostgreSQL binaries")
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pwd.getpwnam(user)
    root = Path(tempfile.mkdtemp(prefix="bangban-faults-"))
    if user is not None:
        record = pwd.getpwnam(user)
        os.chown(root, record.pw_uid, record.pw_gid)
    made = Cluster(pg_bin, root, free_port(), user)
    made.init()
    made.start()
    try:
        admin = create_engine(made.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE bangban_faults")
        admin.dispose()
        yield made
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            made.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def app_on_cluster(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``bangban db upgrade`` against the cluster, then the app as deployed, served on loopback."""
    from app.cli import main
    from app.db import engine_for

    monkeypatch.setenv("BANGBAN_DATABASE_URL", cluster.url)
    get_settings.cache_clear()
    try:
        assert main(["db", "upgrade"]) == 0
        from app.main import create_app

        with serve(create_app()) as base_url:
            yield base_url
    finally:
        engine_for(cluster.url).dispose()
        get_settings.cache_clear()


@dataclass
class Message:
    openid: str
    url: str
    body: bytes
    answers: list[int] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def follow(n: int, create_time: int) -> Message:
    openid = f"o_fault_{n:04d}"
    url, body = WeChat().plain(event_xml("subscribe", "<EventKey><![CDATA[]]></EventKey>", openid=openid,
                                         create_time=str(create_time)))
    return Message(openid, url, body)


def deliver(http: httpx.Client, message: Message) -> int:
    """Post as WeChat does; a dropped connection counts as no answer."""
    try:
        response = http.post(message.url, content=message.body)
    except httpx.TransportError:
        message.answers.append(0)
        return 0
    message.answers.append(response.status_code)
    if response.status_code == 200:
        message.replies.append(str(xmltodict.parse(response.text)["xml"]["Content"]))
    return response.status_code


def committed(url: str) -> tuple[set[str], set[str], Counter[str]]:
    """Who is a subscribed resident, which follow events are stored as handled, and how often each."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            residents = set(session.scalars(select(Resident.openid).where(Resident.subscribed.is_(True))))
            rows = session.execute(select(InboundMessage.openid, InboundMessage.status)).all()
    finally:
        engine.dispose()
    return {r for r in residents if r}, {openid for openid, status in rows if status == "done"}, \
        Counter(openid for openid, _ in rows)


@pytest.mark.postgres_only
@pytest.mark.committed
def test_a_postgres_restart_under_callback_load_loses_nothing_and_answers_200_only_after_the_commit(
    cluster: Cluster, app_on_cluster: str
) -> None:
    first_time = int(time.time()) - 60
    messages = [follow(n, first_time + n) for n in range(120)]
    before, during, after = messages[:50], messages[50:56], messages[56:]
    restarted = threading.Event()

    def restart() -> None:
        cluster.stop()
        with httpx.Client(base_url=app_on_cluster, timeout=30) as http:
            for message in during:  # the database is down: nothing can be stored
                deliver(http, message)
        cluster.start()
        restarted.set()

    with httpx.Client(base_url=app_on_cluster, timeout=30) as http, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda m: deliver(http, m), before[:30]))
        stopping = pool.submit(restart)
        list(pool.map(lambda m: deliver(http, m), before[30:]))  # in flight while the server goes down
        stopping.result()
        assert restarted.is_set()
        list(pool.map(lambda m: deliver(http, m), after))

    # Every 200 so far stands for a committed effect; every message the database could not take got no 200.
    residents, handled, _ = committed(cluster.url)
    answered = [m for m in messages if 200 in m.answers]
    assert {m.openid for m in answered} <= residents & handled
    assert all(m.answers == [503] for m in during)
    assert all(reply == wording.WELCOME for m in answered for reply in m.replies)  # never "busy" with a 200

    # WeChat posts again what got no 200, until it does.
    with httpx.Client(base_url=app_on_cluster, timeout=30) as http:
        for _ in range(5):
            waiting = [m for m in messages if 200 not in m.answers]
            if not waiting:
                break
            for message in waiting:
                deliver(http, message)
    assert [m.openid for m in messages if 200 not in m.answers] == []

    residents, handled, stored = committed(cluster.url)
    assert residents == handled == {m.openid for m in messages}
    assert set(stored.values()) == {1}  # one stored message each: one effect, however often it came
    assert all(set(m.replies) == {wording.WELCOME} for m in messages)
    assert texts.BUSY not in {reply for m in messages for reply in m.replies}


# -- WeChat's API down for an hour -------------------------------------------------------------------


def template_sends(sandbox: SandboxState) -> Counter[str]:
    return Counter(m.client_msg_id or "" for m in sandbox.templates)


@pytest.mark.committed
def test_an_hour_without_wechat_delays_the_messages_and_sends_each_once_afterwards(
    db: Session, sandbox_server: SandboxServer, sandbox: SandboxState
) -> None:
    world = make_world(db)
    cases = [submit(db, world) for _ in range(3)]
    db.commit()
    expected = db.scalar(select(func.count(OutboxMessage.id)))
    assert expected == 2 * len(cases)
    worker = dispatcher(sandbox_server.base_url, worker_concurrency=1, wechat_timeout=1.0)
    worker.client.tokens.get()  # the worker has been running: it holds an access token
    # The first message reaches WeChat but its answer never comes back (a timeout), then WeChat is gone.
    sandbox.add_fault(Fault(path="/cgi-bin/message/template/send", times=1, delay=3.0))
    sandbox.add_fault(Fault(path="*", times=1_000_000, status=503))

    outage_ends = clock.now() + timedelta(hours=1)
    while clock.now() < outage_ends:
        worker.drain()
        clock.move(timedelta(minutes=2))
    db.expire_all()
    during = {row.status for row in db.scalars(select(OutboxMessage))}
    db.commit()

    assert during == {OutboxStatus.FAILED_TEMPORARY}  # nobody gave up on them
    deadline = time.monotonic() + 30  # WeChat finishes the slow request the worker stopped waiting for
    while not sandbox.templates and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(sandbox.templates) == 1  # the one whose answer was lost on the way back

    sandbox.faults.clear()
    clock.move(timedelta(seconds=BACKOFF_CAP_SECONDS + 60))  # past the longest wait between two tries
    report = worker.drain()

    db.expire_all()
    rows = db.scalars(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    sends = template_sends(sandbox)
    assert set(sends) == {row.dedupe_key for row in rows}
    assert set(sends.values()) == {1}
    assert report.failed == 0
    db.commit()
