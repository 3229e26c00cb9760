"""Figure 3 of docs/PERFORMANCE.md: the outbox drained by one worker.

100,000 queued template messages, the WeChat sandbox (run alone by uvicorn) answering every call after
50 ms (as if WeChat were slow), one ``bangban worker`` process with the shipped settings unless told
otherwise. Prints the messages sent per second (over the whole run, worker start included, and between
the first and last send WeChat received), the duplicates in the sandbox's call log (the same
client_msg_id sent twice), the busiest second of that log against the rate limit, and the worker's
resident memory over the run. On a machine shared with other work the figures are noisy.

    .venv/bin/python bench/outbox.py [--messages 100000] [--latency-ms 50] [--concurrency N] [--batch N]
                                     [--rate N]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

import httpx

from app.config import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (  # noqa: E402
    VENV_BIN,
    WORK,
    bangban,
    bangban_env,
    banner,
    free_port,
    fresh_database,
    psql,
    running,
)

TEMPLATE_SEND = "/cgi-bin/message/template/send"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used: a figure the machine's other work barely moves."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def fill(url: str, count: int) -> str:
    """Copies of one real pending notification (kind, recipient, payload) under new dedupe keys, written
    with one INSERT … SELECT so that filling takes seconds; returns the kind."""
    kind = psql(url, "select kind from outbox where status = 'pending' and recipient_openid is not null "
                     "order by id limit 1")
    if not kind:
        raise SystemExit("the demo left no pending notification to copy")
    psql(url, "update outbox set status = 'sent' where status <> 'sent'")
    psql(url, f"""
        insert into outbox (kind, dedupe_key, recipient_kind, recipient_id, recipient_openid, entrustment_id,
                            payload, status, attempts, next_attempt_at, created_at)
        select o.kind, 'bench-' || g, o.recipient_kind, o.recipient_id, o.recipient_openid, o.entrustment_id,
               o.payload, 'pending', 0, now(), now()
        from generate_series(1, {count}) g,
             (select * from outbox where kind = '{kind}' and recipient_openid is not null order by id limit 1) o
    """)
    return kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, help="sends in flight (default: the shipped setting)")
    parser.add_argument("--batch", type=int, help="rows claimed at a time (default: the shipped setting)")
    parser.add_argument("--rate", type=float, help="sends a second at most (default: the shipped setting)")
    args = parser.parse_args()
    shipped = Settings.model_fields
    concurrency = args.concurrency or shipped["worker_concurrency"].default
    batch = args.batch or shipped["worker_batch"].default
    rate = args.rate or shipped["worker_rate"].default
    banner(f"outbox: {args.messages} template messages, sandbox latency {args.latency_ms:.0f} ms, one worker "
           f"(concurrency {concurrency}, batch {batch}, rate ceiling {rate:.0f}/s)")
    url = fresh_database("bangban_bench_outbox")
    sandbox_port = free_port()
    env = bangban_env(url, BANGBAN_WECHAT_API_BASE=f"http://127.0.0.1:{sandbox_port}",
                      BANGBAN_WORKER_CONCURRENCY=str(concurrency), BANGBAN_WORKER_BATCH=str(batch),
                      BANGBAN_WORKER_RATE=str(rate), BANGBAN_WORKER_INTERVAL="0.5")
    bangban(["db", "upgrade"], env)
    bangban(["seed", "demo"], env)
    kind = fill(url, args.messages)
    print(f"queued {args.messages} copies of a '{kind}' notification")
    sandbox = [str(VENV_BIN / "uvicorn"), "--factory", "app.sandbox.app:create_sandbox_app", "--host", "127.0.0.1",
               "--port", str(sandbox_port), "--no-access-log"]
    with running(sandbox, port=sandbox_port, env=env, log=WORK / "outbox-sandbox.log") as sandbox_server:
        base = f"http://127.0.0.1:{sandbox_port}"
        httpx.post(f"{base}/_sandbox/faults", json={"path": TEMPLATE_SEND,
                                                    "times": args.messages * 2,
                                                    "delay": args.latency_ms / 1000}).raise_for_status()
        worker = [str(VENV_BIN / "bangban"), "worker"]
        import subprocess

        log = open(WORK / "outbox-worker.log", "wb")  # noqa: SIM115
        started = time.perf_counter()
        proc = subprocess.Popen(worker, env=env, stdout=log, stderr=subprocess.STDOUT)
        memory: list[float] = []
        progress: list[tuple[float, int]] = []  # (worker CPU seconds, messages done), each second
        left = args.messages
        try:
            while left > 0 and proc.poll() is None:
                time.sleep(1.0)
                memory.append(rss_mb(proc.pid))
                left = int(psql(url, "select count(*) from outbox where dedupe_key like 'bench-%' "
                                     "and status not in ('sent', 'delivered', 'failed_permanent')"))
                progress.append((cpu_seconds(proc.pid), args.messages - left))
            elapsed = time.perf_counter() - started
            worker_cpu = cpu_seconds(proc.pid)
            sandbox_cpu = cpu_seconds(sandbox_server.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
        calls = httpx.get(f"{base}/_sandbox/calls", params={"path": TEMPLATE_SEND}, timeout=300).json()
    sends = [(call["at"], str((call.get("body") or {}).get("client_msg_id"))) for call in calls]
    sends = [(at, key) for at, key in sends if key.startswith("bench-")]
    ids = collections.Counter(key for _, key in sends)
    sent = int(psql(url, "select count(*) from outbox where dedupe_key like 'bench-%' and status = 'sent'"))
    failed = int(psql(url, "select count(*) from outbox where dedupe_key like 'bench-%' "
                           "and status = 'failed_permanent'"))
    duplicates = sum(n - 1 for n in ids.values() if n > 1)
    print(f"drained in {elapsed:.1f} s (worker start included): {sent / elapsed:.0f} messages/s   (target >= 500)")
    arrivals = sorted(at for at, _ in sends)
    if len(arrivals) > 1:
        span = arrivals[-1] - arrivals[0]
        print(f"between the first and the last send WeChat received: {len(arrivals) / span:.0f} messages/s")
        print(f"busiest second of WeChat's call log: {busiest_second(arrivals)} sends (rate limit {rate:.0f}/s)")
    print(f"CPU per message sent: worker {1000 * worker_cpu / max(1, sent):.2f} ms, sandbox "
          f"{1000 * sandbox_cpu / max(1, sent):.2f} ms (one core's worth caps the worker at "
          f"{sent / max(worker_cpu, 1e-9):.0f} messages/s)")
    if len(progress) >= 6:
        # From a third of the run on: the worker's start (imports, first sweep) left out.
        (cpu_from, done_from), (cpu_to, done_to) = progress[len(progress) // 3], progress[-2]
        if done_to > done_from:
            per_message = (cpu_to - cpu_from) / (done_to - done_from)
            print(f"worker CPU per message once running: {1000 * per_message:.2f} ms "
                  f"(one core's worth: {1 / max(per_message, 1e-9):.0f} messages/s)")
    print(f"sent {sent}, failed {failed}, sends in the sandbox's call log {len(sends)}, "
          f"duplicates {duplicates}   (target 0)")
    if memory:
        third = max(1, len(memory) // 3)
        print(f"worker memory (RSS, sampled each second): first third max {max(memory[:third]):.0f} MB, "
              f"last third max {max(memory[-third:]):.0f} MB, peak {max(memory):.0f} MB")
    print("figures from a machine shared with other work are noisy; compare runs on a quiet one")


def busiest_second(arrivals: list[float]) -> int:
    """The most sends in any one-second window of the sorted arrival times."""
    busiest, start = 0, 0
    for end, at in enumerate(arrivals):
        while arrivals[start] <= at - 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
