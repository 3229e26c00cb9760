"""Figure 3 of docs/PERFORMANCE.md: the outbox drained by one worker.

100,000 queued template messages, the WeChat sandbox answering every call after 50 ms (as if WeChat
were slow), one ``bangban worker`` process. Prints the messages sent per second, the duplicates the
sandbox received (the same client_msg_id twice), and the worker's resident memory over the run.

    .venv/bin/python bench/outbox.py [--messages 100000] [--latency-ms 50] [--concurrency 40]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

import httpx

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
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1000.0, help="the worker's sends per second ceiling")
    args = parser.parse_args()
    banner(f"outbox: {args.messages} template messages, sandbox latency {args.latency_ms:.0f} ms, one worker "
           f"(concurrency {args.concurrency}, batch {args.batch}, rate ceiling {args.rate:.0f}/s)")
    url = fresh_database("bangban_bench_outbox")
    sandbox_port = free_port()
    env = bangban_env(url, BANGBAN_WECHAT_API_BASE=f"http://127.0.0.1:{sandbox_port}",
                      BANGBAN_WORKER_CONCURRENCY=str(args.concurrency), BANGBAN_WORKER_BATCH=str(args.batch),
                      BANGBAN_WORKER_RATE=str(args.rate), BANGBAN_WORKER_INTERVAL="0.5")
    bangban(["db", "upgrade"], env)
    bangban(["seed", "demo"], env)
    kind = fill(url, args.messages)
    print(f"queued {args.messages} copies of a '{kind}' notification")
    sandbox = [str(VENV_BIN / "uvicorn"), "--factory", "app.sandbox.app:create_sandbox_app", "--host", "127.0.0.1",
               "--port", str(sandbox_port), "--no-access-log"]
    with running(sandbox, port=sandbox_port, env=env, log=WORK / "outbox-sandbox.log"):
        base = f"http://127.0.0.1:{sandbox_port}"
        httpx.post(f"{base}/_sandbox/faults", json={"path": "/cgi-bin/message/template/send",
                                                    "times": args.messages * 2,
                                                    "delay": args.latency_ms / 1000}).raise_for_status()
        worker = [str(VENV_BIN / "bangban"), "worker"]
        import subprocess

        log = open(WORK / "outbox-worker.log", "wb")  # noqa: SIM115
        started = time.perf_counter()
        proc = subprocess.Popen(worker, env=env, stdout=log, stderr=subprocess.STDOUT)
        memory: list[float] = []
        left = args.messages
        try:
            while left > 0 and proc.poll() is None:
                time.sleep(1.0)
                memory.append(rss_mb(proc.pid))
                left = int(psql(url, "select count(*) from outbox where dedupe_key like 'bench-%' "
                                     "and status not in ('sent', 'delivered', 'failed_permanent')"))
            elapsed = time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
        received = httpx.get(f"{base}/_sandbox/templates", timeout=120).json()
    ids = collections.Counter(m["client_msg_id"] for m in received if str(m["client_msg_id"]).startswith("bench-"))
    sent = int(psql(url, "select count(*) from outbox where dedupe_key like 'bench-%' and status = 'sent'"))
    failed = int(psql(url, "select count(*) from outbox where dedupe_key like 'bench-%' "
                           "and status = 'failed_permanent'"))
    duplicates = sum(n - 1 for n in ids.values() if n > 1)
    print(f"drained in {elapsed:.1f} s (worker start included): {sent / elapsed:.0f} messages/s   (target >= 500)")
    print(f"sent {sent}, failed {failed}, received by the sandbox {sum(ids.values())}, duplicates {duplicates}")
    if memory:
        third = max(1, len(memory) // 3)
        print(f"worker memory: first third max {max(memory[:third]):.0f} MB, last third max "
              f"{max(memory[-third:]):.0f} MB, peak {max(memory):.0f} MB")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
