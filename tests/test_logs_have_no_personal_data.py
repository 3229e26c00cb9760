"""The logs of a whole story carry request ids and nothing personal or secret.

The real ``bangban serve`` and ``bangban worker --once`` run as processes with the logging they have in
production; WeChat is the sandbox. 李秀英 entrusts by chat (a new phone number typed in), helper 王芳 accepts
and completes on her workbench, 李秀英 rates, and the worker sends every template message. Then every line
the processes wrote is read: each is one JSON object, and none holds the access token, the AppSecret, an
OAuth code, an openid, the resident's name, phones or ID number, or anything anyone wrote."""
# ruff: noqa: F811

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AccessToken, Entrustment, EntrustmentStatus, Resident
from app.privacy import id_number_is_valid
from app.sandbox.state import SandboxState
from tests.conftest import TEST_ENV
from tests.factories import create_resident
from tests.live import free_port
from tests.web.support import HELPER, Site, csrf_of, make_world, signed_in
from tests.wechat.chat import Phone
from tests.wechat.sandbox_server import SandboxServer, sandbox, sandbox_server  # noqa: F401
from tests.wechat.support import OPENID

ROOT = Path(__file__).resolve().parent.parent
NAME = "李秀英"
PHONE_ON_FILE = "13800138000"
NEW_PHONE = "13912345678"
STORY = "老伴住院了，家里急需帮助，医药费已经花了两万多"
RESULT = "临时救助 2000 元已批准，打到李秀英的银行卡"
COMMENT = "王芳很耐心，帮了大忙"
PROOF = "垫民救〔2026〕88号"


def an_id_number() -> str:
    body = "50023119500315002"
    return next(body + check for check in "0123456789X" if id_number_is_valid(body + check))


@dataclass
class Server:
    url: str
    env: dict[str, str]
    logs: list[Path]


@pytest.fixture
def server(database_url: str, sandbox_server: SandboxServer, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BANGBAN_WECHAT_API_BASE": sandbox_server.base_url, "BANGBAN_PUBLIC_BASE_URL": url,
           "BANGBAN_WORKER_RATE": "1000"}
    env.pop("BANGBAN_LOG_LEVEL", None)  # the production default, INFO
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + 300  # a bound for a loaded machine, not a timing claim
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bangban serve did not start: {err.read_text()}")
            time.sleep(0.2)
        yield Server(url, env, [out, err])
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_worker(server: Server, tmp_path: Path) -> None:
    """``bangban worker --once``, its output kept with the server's."""
    done = subprocess.run([sys.executable, "-m", "app.cli", "worker", "--once"], cwd=ROOT, env=server.env,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    n = len(server.logs)
    (tmp_path / f"worker-{n}.out").write_bytes(done.stdout)
    (tmp_path / f"worker-{n}.err").write_bytes(done.stderr)
    server.logs += [tmp_path / f"worker-{n}.out", tmp_path / f"worker-{n}.err"]


def helper_acts(helper: httpx.Client, case_id: int, action: str, **fields: str) -> None:
    page = helper.get(f"/h5/helper/cases/{case_id}").text
    response = helper.post(f"/h5/helper/cases/{case_id}/{action}", data={"csrf": csrf_of(page), **fields})
    assert response.status_code == 200, response.text


def the_case(db: Session) -> Entrustment:
    db.expire_all()
    case = db.scalar(select(Entrustment))
    db.commit()  # end the read: on SQLite an open transaction would hold up the server and the worker
    assert case is not None
    return case


@pytest.mark.committed
def test_the_logs_of_a_whole_story_hold_no_personal_data_and_no_secret(
        db: Session, server: Server, sandbox: SandboxState, sandbox_server: SandboxServer,
        tmp_path: Path) -> None:
    world = make_world(db)
    id_number = an_id_number()
    resident = create_resident(db, world.tree["guibei"], NAME, openid=OPENID)
    resident.id_number = id_number
    db.commit()
    site = Site(url=server.url, sandbox_url=sandbox_server.base_url, sandbox=sandbox)

    # 李秀英 entrusts by chat, through the real callback, and gives a new phone number.
    with httpx.Client(base_url=server.url, timeout=30) as wechat:
        phone = Phone(wechat, openid=OPENID)
        phone.says("1")
        assert phone.says("3").startswith("是为自己办")
        assert phone.says("1").startswith("请简单说说您的情况")
        assert phone.says(STORY).startswith("联系电话是 138****8000 吗")
        assert "电话：139****5678" in phone.says(NEW_PHONE)
        assert phone.says("1").startswith("已提交，编号")
    case = the_case(db)
    assert (case.description, case.contact_phone) == (STORY, NEW_PHONE)
    run_worker(server, tmp_path)

    # 王芳 accepts and completes on her workbench; 李秀英 rates on her case page.
    helper = signed_in(site, HELPER)
    helper_acts(helper, case.id, "accept")
    helper_acts(helper, case.id, "complete", result=RESULT, replied_at="", proof_reference=PROOF)
    run_worker(server, tmp_path)
    li = signed_in(site, OPENID)
    page = li.get(f"/h5/cases/{case.id}").text
    rated = li.post(f"/h5/cases/{case.id}/rate", data={"csrf": csrf_of(page), "level": "满意", "comment": COMMENT})
    assert rated.status_code == 200 and "谢谢您的评价" in rated.text
    run_worker(server, tmp_path)
    assert the_case(db).status is EntrustmentStatus.EVALUATED
    recipients = {m.touser for m in sandbox.templates}
    assert {OPENID, HELPER} <= recipients
    assert len(sandbox.templates) >= 5  # receipt, new case, accepted, completed, invitation to rate

    token = db.scalar(select(AccessToken.token))
    stored = db.scalar(select(Resident).where(Resident.openid == OPENID))
    db.commit()
    assert token and stored is not None and stored.id_number == id_number
    secrets = {
        "the access token": token, "the AppSecret": TEST_ENV["BANGBAN_WECHAT_APP_SECRET"],
        "the resident's openid": OPENID, "the resident's name": NAME,
        "the phone on file": PHONE_ON_FILE, "the new phone": NEW_PHONE, "the ID number": id_number,
        "the story": STORY, "the result": RESULT, "the comment": COMMENT, "the proof": PROOF,
        **{f"the openid {openid}": openid for openid in recipients},
    }

    server_lines = read_json_lines(server.logs[1])
    worker_lines = [line for path in server.logs[3::2] for line in read_json_lines(path)]
    everything = "\n".join(path.read_text(encoding="utf-8") for path in server.logs)
    for what, value in secrets.items():
        assert value not in everything, f"{what} is in the logs"
    assert not re.search(r"(?i)\b(access_token|secret|code|openid)=(?!\[redacted\])", everything)

    # What was logged is there: the requests with their ids, the OAuth exchange, every template send.
    requests = [line for line in server_lines if line["logger"] == "bangban.http"]
    routes = {(line["method"], line["route"]) for line in requests}
    assert {("POST", "/wechat/callback"), ("GET", "/h5/auth/callback"), ("POST", "/h5/helper/cases/{case_id}/accept"),
            ("POST", "/h5/helper/cases/{case_id}/complete"), ("POST", "/h5/cases/{case_id}/rate")} <= routes
    assert all(re.fullmatch(r"[0-9a-f]{16}", line["request_id"]) for line in requests)
    assert len({line["request_id"] for line in requests}) == len(requests)
    assert any("/sns/oauth2/access_token?" in line["message"] for line in server_lines)
    sends = [line for line in worker_lines if "/cgi-bin/message/template/send?access_token=[redacted]"
             in line["message"]]
    assert len(sends) == len(sandbox.templates)


def read_json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            line = json.loads(raw)  # every line is one JSON object
            assert {"time", "level", "logger", "message", "request_id"} <= set(line), raw
            lines.append(line)
    return lines
