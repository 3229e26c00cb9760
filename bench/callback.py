"""Figure 1 of docs/PERFORMANCE.md: the callback under a burst of residents asking "进度".

AES safe-mode text messages from 500 different senders, each with its own MsgId, replayed by wrk at
64 connections for 10 s on loopback against two server processes, on PostgreSQL; in the same run the
two baselines served the same way: WeRoBot's echo robot with its default SQLite session (gunicorn, 2
workers) and bare FastAPI + wechatpy (decrypt, parse, encrypted echo: the protocol floor). Then the
dialogue mix: residents driving the entrust dialogue from a village poster to a submitted case.

A closed loop of 64 connections measures how much the server carries, not how fast it answers: each connection
sends its next message as soon as the last is answered, so the messages wait in the server's queue and every
latency is at least 64 / throughput. So Bangban is also offered the same messages at fixed rates (``--paced``,
each of 16 connections pausing a random, exponentially distributed time before each message, so they arrive as
independent residents' messages reach WeChat), where its latency is what a resident waits.

    .venv/bin/python bench/callback.py [--seconds 10] [--connections 64] [--only bangban,werobot,floor,dialogue]
                                       [--paced 50,200]

``--profile N`` instead drives the application in this process, one message after another, under cProfile
(threads hopped to run inline, so the whole request is in one profile) and prints where the time goes and
the SQL statements each message sends.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (  # noqa: E402
    AES_KEY,
    APP_ID,
    BENCH,
    ROOT,
    TOKEN,
    VENV_BIN,
    WORK,
    CpuMeter,
    Load,
    WeChatSide,
    bangban,
    bangban_env,
    banner,
    event_xml,
    fmt,
    free_port,
    fresh_database,
    psql,
    running,
    text_xml,
    warm_up,
    write_requests,
    wrk,
)

PEERS = ROOT / "var" / "bench-peers"
SENDERS = 500
PROCESSES = 2
PACED_CONNECTIONS = 16
# 500 senders at thousands of messages a second each send far more than a resident may in a minute
# (BANGBAN_LIMIT_CHAT_MESSAGES_PER_MINUTE, 30 by default): lifted, so the load measures answering, not refusing.
CHAT_LIMIT = 1_000_000


def progress_requests(count: int, *, first_msg_id: int, senders: int = SENDERS) -> Iterator[tuple[str, str]]:
    side = WeChatSide()
    now = int(time.time())
    for n in range(count):
        openid = f"oBench{n % senders:022d}"
        xml = text_xml(openid, "进度", first_msg_id + n, now)
        yield side.post(xml, nonce=str(100000 + n), timestamp=str(now), openid=openid)


def prepare_file(name: str, count: int, first_msg_id: int) -> Path:
    path = WORK / f"{name}.txt"
    write_requests(path, progress_requests(count, first_msg_id=first_msg_id))
    return path


def peers_venv() -> Path:
    """WeRoBot and gunicorn live in their own virtualenv: they are only a yardstick."""
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "werobot==1.13.1", "gunicorn==23.0.0",
                        "cryptography==46.0.3"], check=True)
    return PEERS / "bin"


def baseline_env() -> dict[str, str]:
    return {**os.environ, "BENCH_TOKEN": TOKEN, "BENCH_AES_KEY": AES_KEY, "BENCH_APP_ID": APP_ID}


def measure(name: str, cmd: list[str], env: dict[str, str], port: int, args: argparse.Namespace,
            msg_base: int, cwd: Path = ROOT, paced: Sequence[float] = ()) -> tuple[Load, list[Load]]:
    """The load as fast as the server answers (and where the machine's CPU went meanwhile); then, on the same
    server, each of the ``paced`` rates."""
    warm = prepare_file(f"{name}-warm", 4000, msg_base)
    load_file = prepare_file(name, args.messages, msg_base + 10_000_000)
    with running(cmd, port=port, env=env, cwd=cwd, log=WORK / f"{name}.log") as server:
        warm_up(port, warm)
        wrk(port, warm, connections=args.connections, seconds=5, timeout=30)
        with CpuMeter(server.pid).measuring() as meter:
            flat_out = wrk(port, load_file, connections=args.connections, seconds=args.seconds)
        spent = meter.spent()
        print(f"  {name}: CPU a message " + ", ".join(
            f"{who} {spent.get(who, 0.0) / max(flat_out.requests, 1) * 1000:.2f} ms"
            for who in ("server", "PostgreSQL", "wrk")))
        at_rates = []
        for n, rate in enumerate(paced):
            first = msg_base + 20_000_000 + n * 1_000_000
            more = prepare_file(f"{name}-paced-{n}", int(rate * args.seconds * 2), first)
            # Sixteen senders' connections: at a rate they stay idle for seconds at times, and more of them would
            # outlast the server's keep-alive (5 s) and count its closing them as errors.
            at_rates.append(wrk(port, more, connections=PACED_CONNECTIONS, seconds=args.seconds, rate=rate))
        return flat_out, at_rates


def bench_bangban(args: argparse.Namespace) -> tuple[Load, int]:
    url = fresh_database("bangban_bench")
    env = bangban_env(url, BANGBAN_LIMIT_CHAT_MESSAGES_PER_MINUTE=str(CHAT_LIMIT))
    bangban(["db", "upgrade"], env)
    bangban(["seed", "demo"], env)
    port = free_port()
    load, paced = measure("bangban", [str(VENV_BIN / "bangban"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                      "--workers", str(PROCESSES)], env, port, args, 1_000_000, paced=args.paced)
    handled = int(psql(url, "select count(*) from wechat_inbound"))
    return load, paced, handled


def bench_werobot(args: argparse.Namespace) -> Load:
    peers = peers_venv()
    cwd = WORK / "werobot"
    cwd.mkdir(parents=True, exist_ok=True)
    (cwd / "werobot_session.sqlite3").unlink(missing_ok=True)
    port = free_port()
    cmd = [str(peers / "gunicorn"), "-w", str(PROCESSES), "-b", f"127.0.0.1:{port}", "--chdir", str(cwd),
           "--pythonpath", str(BENCH / "baselines"), "werobot_echo:application"]
    return measure("werobot", cmd, baseline_env(), port, args, 2_000_000, cwd=cwd)[0]


def bench_floor(args: argparse.Namespace) -> Load:
    port = free_port()
    cmd = [str(VENV_BIN / "uvicorn"), "floor:app", "--app-dir", str(BENCH / "baselines"), "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(PROCESSES)]
    return measure("floor", cmd, baseline_env(), port, args, 3_000_000)[0]


# -- the dialogue mix -----------------------------------------------------------------------------------

DIALOGUE = [("event", "subscribe", "qrscene_village:{village}"), ("text", "1"), ("text", "3"), ("text", "1"),
            ("text", "老伴走了，一个人生活困难，想申请救助"), ("text", "李大妈"), ("text", "13800138000"),
            ("text", "1")]


async def _resident(client: httpx.AsyncClient, side: WeChatSide, n: int, village: str, stop: float,
                    latencies: list[float], failures: list[str]) -> int:
    done = 0
    round_ = 0
    while time.monotonic() < stop:
        openid = f"oDialogue{n:05d}r{round_:05d}"
        round_ += 1
        for step, (kind, value, *rest) in enumerate(DIALOGUE):
            now = int(time.time())
            if kind == "event":
                xml = event_xml(openid, value, rest[0].format(village=village), now)
            else:
                xml = text_xml(openid, value, 5_000_000_000 + n * 100_000 + round_ * 10 + step, now)
            target, body = side.post(xml, nonce=str(n * 1000 + step), timestamp=str(now), openid=openid)
            started = time.perf_counter()
            try:
                answer = await client.post(target, content=body.encode(), headers={"Content-Type": "text/xml"})
            except httpx.TransportError as exc:  # a kept-alive connection the server closed as it was reused
                failures.append(type(exc).__name__)
                break
            latencies.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                failures.append(f"{answer.status_code}")
                break
        else:
            done += 1
    return done


def bench_dialogue(args: argparse.Namespace) -> None:
    url = fresh_database("bangban_bench_dialogue")
    env = bangban_env(url, BANGBAN_LIMIT_CHAT_MESSAGES_PER_MINUTE=str(CHAT_LIMIT))
    bangban(["db", "upgrade"], env)
    bangban(["seed", "demo"], env)
    villages = psql(url, "select code from regions where level = 'village' order by code limit 64").split()
    port = free_port()
    cmd = [str(VENV_BIN / "bangban"), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(PROCESSES)]
    latencies: list[float] = []
    failures: list[str] = []

    async def drive() -> int:
        side = WeChatSide()
        limits = httpx.Limits(max_connections=args.connections)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
            stop = time.monotonic() + args.seconds
            done = await asyncio.gather(*(
                _resident(client, side, n, villages[n % len(villages)], stop, latencies, failures)
                for n in range(args.connections)))
            return sum(done)

    by_chat = "select count(*) from entrustments where channel = 'wechat'"
    seeded = int(psql(url, by_chat))  # the demo's own cases entrusted by chat
    with running(cmd, port=port, env=env, log=WORK / "dialogue.log"):
        warm_up(port, prepare_file("dialogue-warm", 200, 4_000_000))
        started = time.perf_counter()
        completed = asyncio.run(drive())
        elapsed = time.perf_counter() - started
    submitted = int(psql(url, by_chat)) - seeded
    latencies.sort()
    p = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]) if latencies else (lambda q: 0.0)
    print(f"dialogue mix ({len(DIALOGUE)} messages per case, {args.connections} residents at once, "
          f"Python client):")
    print(f"  {len(latencies) / elapsed:8.0f} msg/s   p50 {p(0.5):7.1f} ms   p99 {p(0.99):7.1f} ms   "
          f"failures {len(failures)}")
    print(f"  {completed / elapsed:8.1f} cases submitted/s   ({completed} dialogues finished, "
          f"{submitted} cases in the database)")


# -- in-process profile ---------------------------------------------------------------------------------

def profile(count: int) -> None:
    """``count`` "进度" messages through the real ASGI application (middleware, routing, the callback,
    PostgreSQL), sequentially, under cProfile."""
    import anyio.to_thread
    from sqlalchemy import event

    url = fresh_database("bangban_bench_profile")
    env = bangban_env(url, BANGBAN_LIMIT_CHAT_MESSAGES_PER_MINUTE=str(CHAT_LIMIT))
    bangban(["db", "upgrade"], env)
    bangban(["seed", "demo"], env)
    os.environ.update({k: v for k, v in env.items() if k.startswith("BANGBAN_")})

    async def inline(func, *args, **_kwargs):  # type: ignore[no-untyped-def]
        return func(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    from app.db import get_engine
    from app.main import create_app

    app = create_app()
    statements = 0

    def on_statement(*_args: object) -> None:
        nonlocal statements
        statements += 1

    event.listen(get_engine(), "before_cursor_execute", on_statement)
    posts = list(progress_requests(count + SENDERS, first_msg_id=9_000_000))

    async def drive(batch: list[tuple[str, str]]) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for target, body in batch:
                answer = await client.post(target, content=body.encode(), headers={"Content-Type": "text/xml"})
                assert answer.status_code == 200, answer.text

    asyncio.run(drive(posts[:SENDERS]))  # every sender known, as in the load's steady state
    half = count // 2
    statements = 0
    cpu = time.process_time()
    asyncio.run(drive(posts[SENDERS:SENDERS + half]))
    cpu = time.process_time() - cpu
    print(f"without the profiler: {cpu / half * 1000:.2f} ms of this process's CPU per message (the server's "
          f"share, PostgreSQL's not included); {statements / half:.1f} SQL statements per message")
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(drive(posts[SENDERS + half:]))
    profiler.disable()
    profiler.dump_stats(WORK / "callback.prof")
    print(f"profile of {count - half} more messages in {WORK / 'callback.prof'}:")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(r"app/", 40)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--messages", type=int, default=100_000, help="distinct messages prepared per server")
    parser.add_argument("--only", default="bangban,werobot,floor,dialogue")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N messages in process instead")
    parser.add_argument("--paced", type=lambda text: [float(r) for r in text.split(",") if r], default=[50.0, 200.0],
                        help="after the flat-out load, Bangban at these rates (messages a second, comma-separated)")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
        return
    wanted = set(args.only.split(","))
    banner(f"callback: 进度 from {SENDERS} senders, safe mode, wrk -c{args.connections} -d{args.seconds}s, "
           f"{PROCESSES} server processes each")
    results: dict[str, Load] = {}
    if "bangban" in wanted:
        results["bangban"], paced, handled = bench_bangban(args)
        print(f"Bangban /wechat/callback   {fmt(results['bangban'])}")
        for rate, load in zip(args.paced, paced, strict=True):
            print(f"  offered {rate:5.0f} msg/s      {fmt(load)}")
        print(f"  inbound messages recorded: {handled}")
    if "werobot" in wanted:
        results["werobot"] = bench_werobot(args)
        print(f"WeRoBot echo + session     {fmt(results['werobot'])}")
    if "floor" in wanted:
        results["floor"] = bench_floor(args)
        print(f"FastAPI + wechatpy floor   {fmt(results['floor'])}")
    if "bangban" in results:
        ours = results["bangban"]
        if "werobot" in results:
            print(f"Bangban / WeRoBot: {ours.rate / results['werobot'].rate:.2f}x   (target >= 3x)")
        if "floor" in results:
            print(f"Bangban / floor:   {ours.rate / results['floor'].rate:.0%}   (target >= 30 %)")
        print(f"Bangban p99: {ours.p99_ms:.1f} ms   (target <= 30 ms)")
    if "dialogue" in wanted:
        bench_dialogue(args)


if __name__ == "__main__":
    main()
