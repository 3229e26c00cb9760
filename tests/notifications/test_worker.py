"""The outbox worker against the WeChat sandbox over real HTTP: sent once, retried when WeChat is
busy, turned into a call task when the resident cannot be reached."""
# ruff: noqa: F811

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.entrustments import service
from app.entrustments.schemas import RequestSupplementIn
from app.entrustments.workflow import Action
from app.models import CallTask, OutboxMessage
from app.notifications.render import load_catalog
from app.sandbox.state import Fault, SandboxState
from tests.factories import helper_actor
from tests.notifications.world import dispatcher, make_due, make_world, statuses, submit
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401

TEMPLATE_SEND = "/cgi-bin/message/template/send"


def test_each_message_is_sent_once_with_its_dedupe_key(db: Session, sandbox_server: SandboxServer,
                                                     sandbox: SandboxState) -> None:
    world = make_world(db)
    case = submit(db, world)
    db.commit()
    report = dispatcher(sandbox_server.base_url).drain()
    assert report.sent == 2
    assert statuses(db) == {"resident_receipt": "sent", "helper_new_case": "sent"}
    by_user = {m.touser: m for m in sandbox.templates}
    assert set(by_user) == {"o_resident_lixiuying", "o_helper_wangfang"}
    receipt = by_user["o_resident_lixiuying"]
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "resident_receipt"))
    assert row is not None and receipt.client_msg_id == row.dedupe_key
    assert receipt.data["character_string2"]["value"] == case.number
    assert receipt.url is not None
    link = urlsplit(receipt.url)
    assert link.path == "/h5/auth" and parse_qs(link.query)["next"] == [f"/h5/cases/{case.id}"]
    assert dispatcher(sandbox_server.base_url).drain().claimed == 0
    assert len(sandbox.templates) == 2


def test_supplement_notice_fits_the_missing_list_into_a_thing_field(db: Session, sandbox_server: SandboxServer,
                                                                   sandbox: SandboxState) -> None:
    world = make_world(db)
    case = submit(db, world)
    missing = ["户口簿复印件", "家庭经济状况核查授权书", "医院诊断证明"]
    service.transition(db, helper_actor(world.helper), case.id, Action.REQUEST_SUPPLEMENT,
                       RequestSupplementIn(missing_materials=missing))
    db.commit()
    dispatcher(sandbox_server.base_url).drain()
    notice = next(m for m in sandbox.templates if m.template_id == "demo_supplement_needed")
    assert notice.data["thing2"]["value"] == "户口簿复印件等3项"


def test_busy_wechat_is_retried_then_delivered(db: Session, sandbox_server: SandboxServer,
                                              sandbox: SandboxState) -> None:
    world = make_world(db)
    submit(db, world)
    db.commit()
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=1, errcode=45011))  # the minute's calls used up
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=1, errcode=-1))
    worker = dispatcher(sandbox_server.base_url, worker_concurrency=1)
    first = worker.drain()
    assert first.retried == 2 and first.sent == 0
    assert set(statuses(db).values()) == {"failed_temporary"}
    make_due(db)
    assert worker.drain().sent == 2
    assert set(statuses(db).values()) == {"sent"}
    assert len(sandbox.templates) == 2


def test_the_days_quota_used_up_stops_sending_until_the_next_day_without_spending_attempts(
        db: Session, sandbox_server: SandboxServer, sandbox: SandboxState) -> None:
    world = make_world(db)
    submit(db, world)  # two messages: the resident's receipt and the helper's new case
    db.commit()
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=1, errcode=45009))
    worker = dispatcher(sandbox_server.base_url, worker_concurrency=1)

    first = worker.drain()

    assert first.retried == 2 and first.sent == 0
    assert len(sandbox.calls_to(TEMPLATE_SEND)) == 1  # the second was not even tried
    db.expire_all()
    rows = db.scalars(select(OutboxMessage)).all()
    assert {row.attempts for row in rows} == {0} and all("次日零点后自动续发" in (row.last_error or "") for row in rows)
    tomorrow = (clock.now().astimezone(clock.CHINA) + timedelta(days=1)).date()
    assert {row.next_attempt_at.astimezone(clock.CHINA).date() for row in rows if row.next_attempt_at} == {tomorrow}
    db.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))  # due again, but still today
    db.commit()
    assert worker.drain().claimed == 0  # the worker does not ask WeChat again before the next day

    clock.move(timedelta(days=1))
    assert worker.drain().sent == 2
    assert set(statuses(db).values()) == {"sent"}


def test_a_timeout_is_retried(db: Session, sandbox_server: SandboxServer, sandbox: SandboxState) -> None:
    world = make_world(db)
    submit(db, world)
    db.commit()
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=2, delay=1.5))
    worker = dispatcher(sandbox_server.base_url, wechat_timeout=0.5)
    assert worker.drain().retried == 2
    db.expire_all()
    errors = [row.last_error or "" for row in db.scalars(select(OutboxMessage))]
    assert all(errors)
    make_due(db)
    # Once WeChat answers in time again: a worker whose timeout a loaded test machine cannot run out.
    assert dispatcher(sandbox_server.base_url, wechat_timeout=10.0).drain().sent == 2


def test_not_following_becomes_a_call_task_for_the_helper(db: Session, sandbox_server: SandboxServer,
                                                         sandbox: SandboxState) -> None:
    world = make_world(db)
    case = submit(db, world)
    db.commit()
    sandbox.set_following("o_resident_lixiuying", False)
    report = dispatcher(sandbox_server.base_url).drain()
    assert report.call_tasks == 1 and report.sent == 1
    task = db.scalar(select(CallTask))
    assert task is not None and task.helper_id == world.helper.id and task.entrustment_id == case.id
    assert "未关注" in task.reason and case.number in task.text
    assert statuses(db)["resident_receipt"] == "failed_permanent"


def test_a_phone_entrustment_without_wechat_becomes_a_call_task(db: Session, sandbox_server: SandboxServer,
                                                               sandbox: SandboxState) -> None:
    world = make_world(db)
    world.resident.openid = None
    submit(db, world)
    db.commit()
    report = dispatcher(sandbox_server.base_url).drain()
    assert report.call_tasks == 1
    assert [m.touser for m in sandbox.templates] == ["o_helper_wangfang"]


def test_a_refused_token_is_refreshed_and_the_message_sent(db: Session, sandbox_server: SandboxServer,
                                                          sandbox: SandboxState) -> None:
    world = make_world(db)
    submit(db, world)
    db.commit()
    worker = dispatcher(sandbox_server.base_url)
    worker.client.tokens.get()
    sandbox.revoke_tokens()
    assert worker.drain().sent == 2
    assert [c.errcode for c in sandbox.calls_to(TEMPLATE_SEND)][0] == 40001


def test_permanent_errors_stop_with_the_reason_kept(db: Session, sandbox_server: SandboxServer,
                                                   sandbox: SandboxState) -> None:
    world = make_world(db)
    submit(db, world)
    db.commit()
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=2, errcode=40037))
    report = dispatcher(sandbox_server.base_url).drain()
    assert report.failed == 2
    db.expire_all()
    assert {row.last_error.split()[0] for row in db.scalars(select(OutboxMessage)) if row.last_error} == {"40037"}
    make_due(db)
    assert dispatcher(sandbox_server.base_url).drain().claimed == 0


def test_a_kind_without_a_template_waits_and_is_not_lost(db: Session, sandbox_server: SandboxServer,
                                                        sandbox: SandboxState) -> None:
    world = make_world(db)
    submit(db, world)
    db.commit()
    full = load_catalog()
    partial = full.model_copy(update={"kinds": {k: v for k, v in full.kinds.items() if k != "helper_new_case"}})
    worker = dispatcher(sandbox_server.base_url)
    worker.catalog = partial
    report = worker.drain()
    assert report.sent == 1 and report.waiting == 1
    assert statuses(db)["helper_new_case"] == "pending"
    make_due(db)
    worker.catalog = full
    assert worker.drain().sent == 1


def test_retries_stop_after_the_limit(db: Session, sandbox_server: SandboxServer, sandbox: SandboxState,
                                      at: Callable[[str], None]) -> None:
    world = make_world(db)
    submit(db, world)
    db.commit()
    sandbox.add_fault(Fault(path=TEMPLATE_SEND, times=100, errcode=-1))
    worker = dispatcher(sandbox_server.base_url, worker_max_attempts=3)
    for _ in range(3):
        worker.drain()
        make_due(db)
    assert set(statuses(db).values()) == {"failed_permanent"}


def test_a_failing_pass_does_not_end_the_worker(sandbox_server: SandboxServer, sandbox: SandboxState,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from app.notifications import worker as worker_module
    from app.notifications.worker import PassReport, Worker

    monkeypatch.setattr(worker_module, "ERROR_PAUSE_SECONDS", 0.0)
    passes: list[str] = []
    loop = Worker(dispatcher(sandbox_server.base_url), sweep=lambda session: None, interval=0.0, sweep_every=3600)

    def flaky_pass(stopping: object = None, until: object = None) -> PassReport:
        passes.append("pass")
        if len(passes) == 1:
            raise RuntimeError("the database went away")
        loop.stopping.set()
        return PassReport()

    monkeypatch.setattr(loop.dispatcher, "run_pass", flaky_pass)
    loop.run()
    assert passes == ["pass", "pass"]


def test_a_catalog_broken_while_running_keeps_the_last_good_one(db: Session, sandbox_server: SandboxServer,
                                                               sandbox: SandboxState, tmp_path: Path) -> None:
    from app.notifications.render import DEMO_CATALOG

    path = tmp_path / "templates.toml"
    path.write_text(DEMO_CATALOG.read_text(encoding="utf-8"), encoding="utf-8")
    worker = dispatcher(sandbox_server.base_url, template_catalog=str(path))
    world = make_world(db)
    submit(db, world)
    db.commit()
    worker.drain()
    path.write_text("[kinds.helper_new_case\\nbroken", encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))
    submit(db, world)
    db.commit()
    assert worker.drain().sent == 2
