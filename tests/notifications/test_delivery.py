"""Delivery is visible: WeChat's TEMPLATESENDJOBFINISH updates the row, the API shows each case's
messages and each township's failures, and the catalog check names what is missing."""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import main
from app.models import CallTask, OutboxMessage
from app.notifications.render import DEMO_CATALOG
from app.sandbox.state import SandboxState
from tests.factories import api_key
from tests.notifications.world import dispatcher, make_world, submit
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401
from tests.wechat.support import WeChat, event_xml


@pytest.fixture
def app_client(db: Session) -> Iterator[TestClient]:
    from app.main import create_app

    with TestClient(create_app()) as client:
        yield client


def _finished(msgid: str, status: str, openid: str) -> str:
    return event_xml("TEMPLATESENDJOBFINISH", f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status>",
                     openid=openid)


def _row(db: Session, kind: str) -> OutboxMessage:
    db.expire_all()
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind))
    assert row is not None
    return row


def test_job_finished_reports_mark_delivery_and_failures(db: Session, app_client: TestClient,
                                                        sandbox_server: SandboxServer, sandbox: SandboxState) -> None:
    world = make_world(db)
    case = submit(db, world)
    db.commit()
    dispatcher(sandbox_server.base_url).drain()
    helper_row, resident_row = _row(db, "helper_new_case"), _row(db, "resident_receipt")
    db.commit()

    url, body = WeChat().plain(_finished(str(helper_row.wechat_msgid), "success", "o_helper_wangfang"))
    assert app_client.post(url, content=body).status_code == 200
    url, body = WeChat().plain(_finished(str(resident_row.wechat_msgid), "failed:user block", "o_resident_lixiuying"))
    assert app_client.post(url, content=body).status_code == 200

    assert _row(db, "helper_new_case").status.value == "delivered"
    failed = _row(db, "resident_receipt")
    assert failed.status.value == "failed_permanent" and failed.last_error == "failed:user block"
    task = db.scalar(select(CallTask).where(CallTask.outbox_id == failed.id))
    assert task is not None and task.helper_id == world.helper.id and "拒收" in task.reason
    assert case.number in task.text


def test_the_api_shows_each_cases_messages_and_a_townships_failures(db: Session, app_client: TestClient,
                                                                   sandbox_server: SandboxServer,
                                                                   sandbox: SandboxState) -> None:
    world = make_world(db)
    case = submit(db, world)
    guixi = api_key(db, "township_staff", area=world.tree["guixi"])
    chengxi = api_key(db, "township_staff", area=world.tree["chengxi"])
    db.commit()
    sandbox.set_following("o_resident_lixiuying", False)
    dispatcher(sandbox_server.base_url).drain()

    listed = app_client.get(f"/api/v1/entrustments/{case.id}/notifications",
                            headers={"Authorization": f"Bearer {guixi}"}).json()
    assert {(n["kind"], n["status"]) for n in listed} == {("resident_receipt", "failed_permanent"),
                                                         ("helper_new_case", "sent")}
    failed = app_client.get("/api/v1/notifications/failed", headers={"Authorization": f"Bearer {guixi}"}).json()
    assert [n["kind"] for n in failed] == ["resident_receipt"] and "未关注" in failed[0]["last_error"]
    elsewhere = app_client.get("/api/v1/notifications/failed", headers={"Authorization": f"Bearer {chengxi}"})
    assert elsewhere.json() == []


# The command reads the settings: the test environment's (``database_url``), whichever tests ran before.
@pytest.mark.usefixtures("database_url")
def test_templates_check_passes_for_the_demo_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "check", str(DEMO_CATALOG)]) == 0
    assert "完整" in capsys.readouterr().out


# The command reads the settings: the test environment's (``database_url``), whichever tests ran before.
@pytest.mark.usefixtures("database_url")
def test_templates_check_names_kinds_without_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = DEMO_CATALOG.read_text(encoding="utf-8").replace('template_id = "demo_weekly_digest"', 'template_id = ""')
    partial = tmp_path / "templates.toml"
    partial.write_text(text, encoding="utf-8")
    assert main(["templates", "check", str(partial)]) == 1
    assert "缺少模板：weekly_digest" in capsys.readouterr().out


# The command reads the settings: the test environment's (``database_url``), whichever tests ran before.
@pytest.mark.usefixtures("database_url")
def test_templates_check_reports_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "templates.toml"
    broken.write_text('[kinds.helper_new_case]\ntitle = "x"\n'
                      'fields = [{ key = "thing1", type = "colour", value = "" }]\n', encoding="utf-8")
    assert main(["templates", "check", str(broken)]) == 1
    assert "有误" in capsys.readouterr().out
