"""What every benchmark needs: a scratch PostgreSQL database, servers started and stopped, WeChat's
side of the callback (signed and encrypted in safe mode, as the account is configured in production),
and ``wrk`` to drive the load. Benchmarks print figures; nothing here asserts a timing."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from wechatpy.crypto import WeChatCrypto  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = ROOT / "var" / "bench"
VENV_BIN = Path(sys.executable).parent

# The account's callback settings, shared by Bangban and both baselines.
TOKEN = "BenchToken2026"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
APP_ID = "wx5823bf96d3bd56c7"
ACCOUNT = "gh_7f083739789a"
CALLBACK = "/wechat/callback"

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}, "
            f"{pg or 'psql not found'}")


def banner(title: str) -> None:
    print(f"== {title} ==")
    print(f"machine: {machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")


# -- PostgreSQL ---------------------------------------------------------------------------------------

def fresh_database(name: str) -> str:
    """An empty database ``name`` on the local server (dropped first); its SQLAlchemy URL."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True, capture_output=True)
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def psql(url: str, sql: str) -> str:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    done = subprocess.run(["psql", plain, "-At", "-c", sql], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def bangban_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANGBAN_")}
    env.update({
        "BANGBAN_ENV": "demo",
        "BANGBAN_DATABASE_URL": database_url,
        "BANGBAN_WECHAT_TOKEN": TOKEN,
        "BANGBAN_WECHAT_AES_KEY": AES_KEY,
        "BANGBAN_WECHAT_APP_ID": APP_ID,
        "BANGBAN_WECHAT_ENCRYPT_MODE": "safe",
        "BANGBAN_MEDIA_DIR": str(WORK / "media"),
    })
    env.update(extra)
    return env


def bangban(args: Sequence[str], env: dict[str, str], *, quiet: bool = True) -> None:
    subprocess.run([str(VENV_BIN / "bangban"), *args], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL if quiet else None)


# -- servers ------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


@contextlib.contextmanager
def running(cmd: Sequence[str], *, port: int, env: dict[str, str] | None = None,
            cwd: Path = ROOT, log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server and wait until it listens; stop it (and its workers) afterwards."""
    WORK.mkdir(parents=True, exist_ok=True)
    out = open(log or WORK / "server.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        wait_for_port(port)
        time.sleep(1.0)  # let every worker process finish importing
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()


class CpuMeter:
    """CPU seconds spent meanwhile by the server (its process group), PostgreSQL's processes and wrk, read from
    ``/proc`` twice a second so that a process ending meanwhile keeps what it spent."""

    _TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server_group: int) -> None:
        self.group = server_group
        self.start: dict[int, tuple[str, float]] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = False

    def _read(self) -> dict[int, tuple[str, float]]:
        seen: dict[int, tuple[str, float]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            if int(fields[2]) == self.group:
                name = "server"
            elif "postgres" in command:
                name = "PostgreSQL"
            elif os.path.basename(command) == "wrk":
                name = "wrk"
            else:
                continue
            seen[int(entry)] = (name, (int(fields[11]) + int(fields[12])) / self._TICK)
        return seen

    def _watch(self) -> None:
        while not self._stop:
            self.last.update(self._read())
            time.sleep(0.5)

    @contextlib.contextmanager
    def measuring(self) -> Iterator[CpuMeter]:
        import threading

        self.start = self._read()
        watcher = threading.Thread(target=self._watch, daemon=True)
        watcher.start()
        try:
            yield self
        finally:
            self._stop = True
            watcher.join()
            self.last.update(self._read())

    def spent(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for pid, (name, cpu) in self.last.items():
            totals[name] = totals.get(name, 0.0) + cpu - self.start.get(pid, (name, 0.0))[1]
        return totals


# -- WeChat's side ------------------------------------------------------------------------------------

def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class WeChatSide:
    """Builds what WeChat posts in safe mode: ``<Encrypt>`` only, ``msg_signature`` over it."""

    def __init__(self) -> None:
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)

    def post(self, xml: str, *, nonce: str, timestamp: str, openid: str) -> tuple[str, str]:
        sealed = str(self.crypto.encrypt_message(xml, nonce, timestamp))
        start = sealed.index("<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
        encrypt = sealed[start:sealed.index("]]></Encrypt>")]
        query = {"signature": _sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                 "openid": openid, "encrypt_type": "aes", "msg_signature": _sign(TOKEN, timestamp, nonce, encrypt)}
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return f"{CALLBACK}?{urlencode(query)}", body

    def open_reply(self, reply: str) -> str:
        fields = dict(re.findall(r"<(\w+)><!\[CDATA\[(.*?)\]\]></\1>", reply))
        fields.update(re.findall(r"<(TimeStamp)>(\d+)</TimeStamp>", reply))
        return str(self.crypto.decrypt_message(reply, fields["MsgSignature"], fields["TimeStamp"],
                                               fields["Nonce"]))


def text_xml(openid: str, content: str, msg_id: int, create_time: int) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(openid: str, event: str, key: str, create_time: int) -> str:
    return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>")


def write_requests(path: Path, posts: Iterator[tuple[str, str]]) -> int:
    """One request per line, ``path<TAB>body``, as ``bench/replay.lua`` reads them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w") as out:
        for target, body in posts:
            out.write(f"{target}\t{body}\n")
            n += 1
    return n


# -- wrk ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int  # connect/read/write/timeout errors and non-2xx answers


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(port: int, requests_file: Path, *, connections: int = 64, seconds: int = 10, threads: int = 2,
        timeout: int = 10, rate: float | None = None) -> Load:
    """As fast as the server answers, or, with ``rate``, about that many requests a second (``paced.lua``)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    script, extra = BENCH / "replay.lua", []
    if rate is not None:
        script, extra = BENCH / "paced.lua", [str(max(1, round(connections * 1000 / rate)))]
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s", "--latency",
           "-s", str(script), f"http://127.0.0.1:{port}", "--", str(requests_file), str(threads), *extra]
    env = {**os.environ, "BENCH_REPLAY_LUA": str(BENCH / "replay.lua")}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / f"wrk-{requests_file.stem}.txt").write_text(out)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    assert total is not None, out
    seconds_taken = _ms(total.group(2) + total.group(3)) / 1000
    # wrk pads a value in seconds with a space ("2.14s ").
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    requests = int(total.group(1))
    # wrk prints no percentiles when no request finished within the run (a server still starting).
    p50, p99 = (_ms(latency[q]) if q in latency else math.nan for q in ("50", "99"))
    return Load(requests, seconds_taken, requests / seconds_taken, p50, p99, errors)


def warm_up(port: int, requests_file: Path, *, quick_ms: float = 250.0, in_a_row: int = 20,
            timeout: float = 180.0) -> None:
    """Post prepared requests one at a time until ``in_a_row`` in a row answer within ``quick_ms``: every
    worker process has imported, connected and cached what its first requests pay for."""
    lines = requests_file.read_text().splitlines()
    deadline = time.monotonic() + timeout
    quick = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        for n in itertools.count():
            if quick >= in_a_row or time.monotonic() > deadline:
                return
            target, body = lines[n % len(lines)].split("\t", 1)
            started = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                client.post(target, content=body.encode(), headers={"Content-Type": "text/xml"})
            quick = quick + 1 if (time.perf_counter() - started) * 1000 < quick_ms else 0


def fmt(load: Load) -> str:
    return (f"{load.rate:8.0f} msg/s   p50 {load.p50_ms:7.1f} ms   p99 {load.p99_ms:7.1f} ms   "
            f"errors {load.errors}   ({load.requests} in {load.seconds:.1f} s)")
