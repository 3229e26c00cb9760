"""What an operator relies on: health checks, metrics, request ids in JSON logs with nothing secret in
them, and container files that start commands which exist."""
# ruff: noqa: F811

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.matters.catalog import sync_catalog
from app.models import AccessToken, Matter, OutboxMessage
from app.observability.logs import JsonFormatter
from app.observability.metrics import CountingWeChatClient, serve_worker_metrics
from app.sandbox.state import Fault, SandboxState
from app.wechat.errors import WeChatError
from tests.factories import create_helper, create_resident, create_tree, submit_as_resident
from tests.live import free_port
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401
from tests.wechat.support import WeChat, text_xml

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("203.0.113.7", 50000)
MoveTo = Callable[[str], None]


def client_from(address: tuple[str, int]) -> TestClient:
    from app.main import create_app

    return TestClient(create_app(), client=address)


@pytest.fixture
def local(db: Session) -> Iterator[TestClient]:
    with client_from(LOOPBACK) as client:
        yield client


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Callable[..., None]]:
    """``settings_env(BANGBAN_METRICS_TOKEN="...")`` for one test."""
    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()


class Captured:
    """Log lines as the configured JSON formatter writes them."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def logs() -> Iterator[Captured]:
    captured = Captured()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield captured
    root.removeHandler(handler)
    root.setLevel(level)


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(exposition) for sample in family.samples}


def value(exposition: str, name: str, **labels: str) -> float:
    return samples(exposition).get((name, frozenset(labels.items())), 0.0)


# -- health checks ------------------------------------------------------------------------------------


def test_healthz_answers_while_the_database_is_down_and_readyz_says_why_not(
        settings_env: Callable[..., None]) -> None:
    settings_env(BANGBAN_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/bangban?connect_timeout=2")
    with client_from(LOOPBACK) as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")
        scrape = client.get("/metrics")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 503
    assert ready.json()["reason"] == "数据库连接不上 / database unreachable"
    assert scrape.status_code == 200 and value(scrape.text, "bangban_database_up") == 0


def test_readyz_is_ready_when_the_schema_is_at_the_latest_migration(local: TestClient) -> None:
    ready = local.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


def test_readyz_refuses_while_the_database_is_behind_the_code(db: Session, local: TestClient) -> None:
    db.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.flush()
    ready = local.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"] == ("数据库结构不是最新，请运行 bangban db upgrade / database schema is behind; "
                                      "run bangban db upgrade")
    assert ready.json()["database"] == ["0001"]


def test_health_checks_and_metrics_are_not_in_the_api_document(local: TestClient) -> None:
    paths = local.get("/api/v1/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


# -- request ids and JSON logs --------------------------------------------------------------------------


def test_a_request_keeps_the_callers_request_id_and_every_log_line_carries_it(
        local: TestClient, logs: Captured) -> None:
    wechat = WeChat(token="not-the-token")  # a wrong signature: the callback logs its refusal
    url, body = wechat.plain(text_xml("你好"))
    response = local.post(url, content=body, headers={"X-Request-ID": "nginx-4f2a.7"})
    assert response.status_code == 403
    assert response.headers.get_list("x-request-id") == ["nginx-4f2a.7"]
    lines = [line for line in logs.lines() if line["logger"].startswith("bangban")]
    assert {line["logger"] for line in lines} == {"bangban.wechat", "bangban.http"}
    assert {line["request_id"] for line in lines} == {"nginx-4f2a.7"}
    access = next(line for line in lines if line["logger"] == "bangban.http")
    assert (access["method"], access["route"], access["status"]) == ("POST", "/wechat/callback", 403)
    assert access["message"] == "POST /wechat/callback 403"


@pytest.mark.parametrize("given", ["", "has spaces", "x" * 65, "semi;colon", "中文"])
def test_a_missing_or_unusable_request_id_is_replaced_by_a_new_one(local: TestClient, given: str) -> None:
    headers = {"X-Request-ID": given.encode()} if given else {}
    first = local.get("/healthz", headers=headers).headers["x-request-id"]
    second = local.get("/healthz", headers=headers).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", first) and re.fullmatch(r"[0-9a-f]{16}", second)
    assert first != second


def test_a_log_line_is_one_json_object_with_time_level_logger_message_request_id_and_fields(
        logs: Captured) -> None:
    log = logging.getLogger("bangban.test")
    log.warning("outbox %s waits", 42, extra={"outbox_id": 42, "kind": "resident_receipt"})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("it failed")
    first, second = logs.lines()
    assert set(first) == {"time", "level", "logger", "message", "request_id", "outbox_id", "kind"}
    assert (first["level"], first["logger"], first["message"], first["outbox_id"], first["kind"]) == (
        "WARNING", "bangban.test", "outbox 42 waits", 42, "resident_receipt")
    assert first["time"].endswith("+00:00") and first["request_id"] is None
    assert second["level"] == "ERROR" and "RuntimeError: boom" in second["exception"]
    assert len(logs.text.splitlines()) == 2  # the traceback stays inside its line


def test_tokens_secrets_codes_openids_phones_and_id_numbers_never_reach_a_log_line(logs: Captured) -> None:
    log = logging.getLogger("bangban.test")
    log.info("HTTP Request: POST https://api.weixin.qq.com/cgi-bin/message/template/send?access_token=TOKEN123abc "
             "\"HTTP/1.1 200 OK\"")
    log.info("GET /sns/oauth2/access_token?appid=wx5823bf96d3bd56c7&secret=S3cr3tValue&code=CODE987"
             "&grant_type=authorization_code")
    log.info("POST /wechat/callback?signature=abc&openid=oia2TjuEGTNoeX76QEjQNrcURxG8")
    log.info("answer %s", {"access_token": "TOKEN456def", "expires_in": 7200})
    log.info("resident said %s, id %s", "13912345678", "50023119500315002X", extra={"phone": "13800138000"})
    try:
        raise ValueError("[SQL: INSERT INTO residents (name) VALUES (?)]\n[parameters: ('李秀英',)]")
    except ValueError:
        log.exception("insert failed")
    for secret in ("TOKEN123abc", "S3cr3tValue", "CODE987", "oia2TjuEGTNoeX76QEjQNrcURxG8", "TOKEN456def",
                   "13912345678", "50023119500315002X", "13800138000", "李秀英"):
        assert secret not in logs.text
    assert "access_token=[redacted]" in logs.text and "appid=wx5823bf96d3bd56c7" in logs.text
    assert "[phone]" in logs.text and "[id-number]" in logs.text and "[parameters: [redacted]]" in logs.text


def test_the_workers_template_sends_are_logged_without_the_access_token(
        db: Session, sandbox_server: SandboxServer, sandbox: SandboxState, logs: Captured) -> None:
    settings = get_settings().model_copy(update={"wechat_api_base": sandbox_server.base_url})
    with CountingWeChatClient(settings) as client:
        client.send_template("o_resident_li_xiuying", "tmpl-1", {"thing1": "收到"})
    token = db.scalar(select(AccessToken.token))
    assert token and token not in logs.text
    assert "/cgi-bin/message/template/send?access_token=[redacted]" in logs.text
    assert "test-app-secret" not in logs.text  # the stable-token request body is not logged either


# -- metrics ------------------------------------------------------------------------------------------


def test_metrics_are_for_loopback_or_the_bearer_token(db: Session, settings_env: Callable[..., None]) -> None:
    with client_from(ELSEWHERE) as outsider:
        refused = outsider.get("/metrics")
        assert refused.status_code == 403
        assert "BANGBAN_METRICS_TOKEN" in refused.text and "指标只对本机开放" in refused.text
        settings_env(BANGBAN_METRICS_TOKEN="scrape-token-0123456789")
        assert outsider.get("/metrics").status_code == 401
        assert outsider.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        allowed = outsider.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
        assert allowed.status_code == 200 and "bangban_outbox_depth" in allowed.text


def test_requests_are_counted_by_route_template_and_status(local: TestClient) -> None:
    name = "bangban_http_requests_total"
    labels = {"method": "GET", "route": "/notice/{village_code}", "status": "404"}
    before = value(local.get("/metrics").text, name, **labels)
    assert local.get("/notice/500231999999").status_code == 404
    assert local.get("/notice/500231999998").status_code == 404
    after = local.get("/metrics").text
    assert value(after, name, **labels) == before + 2
    assert "500231999999" not in after
    assert local.get("/no/such/page").status_code == 404
    assert value(local.get("/metrics").text, name, method="GET", route="unmatched", status="404") >= 1


def test_each_wechat_callback_is_timed(local: TestClient) -> None:
    before = value(local.get("/metrics").text, "bangban_wechat_callback_seconds_count")
    url, body = WeChat().plain(text_xml("你好"))
    local.post(url, content=body)
    local.get(url)  # the URL check is not a message: not timed
    assert value(local.get("/metrics").text, "bangban_wechat_callback_seconds_count") == before + 1


def test_outbox_depth_its_oldest_age_and_overdue_cases_are_read_at_scrape_time(
        db: Session, local: TestClient, at: MoveTo) -> None:
    at("2026-11-27T09:00")
    tree = create_tree(db)
    sync_catalog(db)
    create_helper(db, tree["guibei"], "王芳")
    matter = db.scalar(select(Matter).where(Matter.code == "linshi-zhengwu"))
    assert matter is not None
    first = submit_as_resident(db, create_resident(db, tree["guibei"], "李秀英"), tree["guibei"], matter)
    submit_as_resident(db, create_resident(db, tree["guibei"], "赵敏"), tree["guibei"], matter)
    for row in db.scalars(select(OutboxMessage)):
        row.created_at = clock.now() - timedelta(hours=2)
    first.acceptance_due_on = clock.today() - timedelta(days=1)
    db.flush()
    scrape = local.get("/metrics").text
    assert value(scrape, "bangban_database_up") == 1
    assert value(scrape, "bangban_outbox_depth", status="pending") == 4  # a receipt and a helper's notice each
    assert value(scrape, "bangban_outbox_depth", status="failed_temporary") == 0
    assert 7200 <= value(scrape, "bangban_outbox_oldest_age_seconds") < 7300
    assert value(scrape, "bangban_overdue_cases", clock="acceptance") == 1
    assert value(scrape, "bangban_overdue_cases", clock="handling") == 0


def test_template_send_failures_are_counted_by_errcode_on_the_workers_metrics(
        db: Session, sandbox_server: SandboxServer, sandbox: SandboxState) -> None:
    settings = get_settings().model_copy(update={"wechat_api_base": sandbox_server.base_url})
    port = free_port()
    server = serve_worker_metrics("127.0.0.1", port, token="")
    try:
        def failures() -> float:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
                return value(answer.read().decode(), "bangban_template_send_failures_total", errcode="40003")

        before = failures()
        sandbox.add_fault(Fault(path="/cgi-bin/message/template/send", errcode=40003, errmsg="invalid openid"))
        with CountingWeChatClient(settings) as client, pytest.raises(WeChatError):
            client.send_template("o_not_a_follower", "tmpl-1", {"thing1": "收到"})
        assert failures() == before + 1
    finally:
        server.shutdown()
        server.server_close()


# -- the container files --------------------------------------------------------------------------------


def bangban_parser() -> argparse.ArgumentParser:
    from app import cli

    parser = argparse.ArgumentParser(prog="bangban")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in cli._registrars():
        register(sub)
    return parser


def bangban_commands(command: str | list[str]) -> list[list[str]]:
    """The ``bangban`` invocations of a command (exec form, or a ``sh -c`` line joined with &&)."""
    words = command if isinstance(command, list) else shlex.split(command)
    if words[:2] == ["sh", "-c"]:
        line = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", words[2])  # the defaults of ${VAR:-default}
        return [shlex.split(part.strip().removeprefix("exec "))[1:] for part in line.split("&&")
                if part.strip().removeprefix("exec ").startswith("bangban ")]
    return [words[1:]] if words[0] == "bangban" else []


def assert_real_command(argv: list[str]) -> argparse.Namespace:
    try:
        return bangban_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"bangban {' '.join(argv)} is not a command bangban knows")


def test_the_image_is_built_in_two_stages_and_runs_slim_as_a_user_with_a_health_check() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()]
    stages = [i for i, line in enumerate(lines) if line.upper().startswith("FROM ")]
    assert len(stages) >= 2, "wheels are built in one stage and installed in a slim one"
    final = lines[stages[-1]:]
    assert final[0].split()[1].endswith("-slim")
    assert any("COPY --from=" in line for line in final)
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    (healthcheck,) = [line for line in final if line.upper().startswith("HEALTHCHECK ")]
    assert "/healthz" in healthcheck
    (cmd,) = [line for line in final if line.upper().startswith("CMD ")]
    invocations = bangban_commands(json.loads(cmd[4:]))
    assert [argv[:2] for argv in invocations] == [["db", "upgrade"], ["serve", "--host"]]
    for argv in invocations:
        assert_real_command(argv)


def test_compose_runs_postgres_the_api_after_its_migrations_and_the_worker() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "api", "worker"} <= set(services)
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    api, worker = services["api"], services["worker"]
    api_commands = bangban_commands(api["command"])
    assert [argv[:2] for argv in api_commands][:2] == [["db", "upgrade"], ["serve", "--host"]]
    (worker_command,) = bangban_commands(worker["command"])
    parsed = assert_real_command(worker_command)
    assert parsed.command == "worker" and parsed.metrics_port is not None
    for argv in api_commands:
        assert_real_command(argv)
    for service in (api, worker):
        assert service["env_file"] in (".env", [".env"])
        assert service["environment"]["BANGBAN_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in service["environment"]["BANGBAN_DATABASE_URL"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"  # the schema is upgraded first
    assert "/healthz" in " ".join(api["healthcheck"]["test"])
    assert "/metrics" in " ".join(worker["healthcheck"]["test"])


def test_the_operations_guide_names_only_commands_that_exist() -> None:
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)\n(.*?)```", guide, flags=re.S)
    commands = [line.strip().removeprefix("$ ") for block in blocks for line in block.splitlines()]
    invocations = [shlex.split(line)[1:] for line in commands if line.startswith("bangban ")]
    assert len(invocations) >= 5
    for argv in invocations:
        assert_real_command(argv)


def test_a_guarded_worker_metrics_port_refuses_a_wrong_token_from_elsewhere() -> None:
    from app.observability.metrics import refusal

    assert refusal("127.0.0.1", None, "") is None and refusal("::1", None, "t") is None
    assert refusal("10.1.2.3", None, "")[0] == 403  # type: ignore[index]
    assert refusal("10.1.2.3", "Bearer nope", "right-token")[0] == 401  # type: ignore[index]
    assert refusal("10.1.2.3", "Bearer right-token", "right-token") is None
    assert refusal("not-an-address", None, "")[0] == 403  # type: ignore[index]


def test_with_several_server_processes_a_scrape_adds_up_all_their_counts(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from app.observability import metrics; "
             "metrics.HTTP_REQUESTS.labels(method='GET', route='/healthz', status='200').inc({n})")
    for n in (2, 3):  # two uvicorn workers
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, cwd=ROOT, check=True, timeout=300)
    scrape = subprocess.run(
        [sys.executable, "-c", "import sys; from app.observability.metrics import exposition; "
                               "sys.stdout.write(exposition(with_database=False).decode())"],
        env=env, cwd=ROOT, check=True, timeout=300, capture_output=True, text=True)
    assert value(scrape.stdout, "bangban_http_requests_total", method="GET", route="/healthz", status="200") == 5


def test_serve_with_several_workers_starts_their_counts_afresh(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from app.observability.metrics import prepare_multiprocess

    (tmp_path / "counter_1234.db").write_bytes(b"old counts")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    prepare_multiprocess()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    prepare_multiprocess()
    fresh = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert fresh.is_dir() and fresh != tmp_path and list(fresh.iterdir()) == []
    fresh.rmdir()


def test_a_failed_statement_does_not_quote_its_parameters(db: Session) -> None:
    """Personal data bound to a statement that fails never reaches its error text (and so no log line)."""
    from sqlalchemy.exc import DBAPIError

    from app.db import get_engine

    with get_engine().connect() as connection, pytest.raises(DBAPIError) as raised:
        connection.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": "李秀英13800138000"})
    assert "no_such_table" in str(raised.value)
    assert "李秀英" not in str(raised.value) and "13800138000" not in str(raised.value)
