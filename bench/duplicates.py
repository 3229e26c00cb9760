"""Figure 2 of docs/PERFORMANCE.md: a duplicate storm. WeChat re-posts a message it got no answer to
within 5 s; under load every message may arrive several times at once.

Residents are first led, untimed, through the entrust dialogue to the read-back; then each one's
"1" (confirm and submit) is delivered 4 times at once. Exactly one case per resident must come of it,
every copy must get the same answer, and the storm's throughput is printed.

    .venv/bin/python bench/duplicates.py [--residents 1000] [--copies 4] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (  # noqa: E402
    VENV_BIN,
    WORK,
    WeChatSide,
    bangban,
    bangban_env,
    banner,
    event_xml,
    free_port,
    fresh_database,
    psql,
    running,
    text_xml,
)

BEFORE_CONFIRM = ["1", "3", "1", "老伴走了，一个人生活困难，想申请救助", "李大妈", "13800138000"]


async def _post(client: httpx.AsyncClient, side: WeChatSide, xml: str, openid: str, nonce: str) -> str:
    now = str(int(time.time()))
    target, body = side.post(xml, nonce=nonce, timestamp=now, openid=openid)
    # WeChat delivers again when a delivery fails (three tries in all): so does the storm when a kept-alive
    # connection was closed under it.
    for attempt in range(3):
        try:
            answer = await client.post(target, content=body.encode(), headers={"Content-Type": "text/xml"})
            break
        except httpx.TransportError:
            if attempt == 2:
                raise
    answer.raise_for_status()
    return side.open_reply(answer.text) if answer.text.startswith("<xml>") else answer.text


async def prepare(port: int, residents: int, villages: list[str], connections: int) -> None:
    side = WeChatSide()
    gate = asyncio.Semaphore(connections)

    async def lead(client: httpx.AsyncClient, n: int) -> None:
        openid = f"oStorm{n:020d}"
        async with gate:
            now = int(time.time())
            await _post(client, side, event_xml(openid, "subscribe", f"qrscene_village:{villages[n % len(villages)]}",
                                                now), openid, f"{n}0")
            for step, text in enumerate(BEFORE_CONFIRM, start=1):
                await _post(client, side, text_xml(openid, text, 7_000_000_000 + n * 10 + step, now), openid,
                            f"{n}{step}")

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                 limits=httpx.Limits(max_connections=connections)) as client:
        await asyncio.gather(*(lead(client, n) for n in range(residents)))


Storm = tuple[float, list[float], dict[int, set[str]]]


async def storm(port: int, residents: int, copies: int, connections: int) -> Storm:
    side = WeChatSide()
    gate = asyncio.Semaphore(connections)
    latencies: list[float] = []
    answers: dict[int, set[str]] = collections.defaultdict(set)

    async def deliver(client: httpx.AsyncClient, n: int, copy: int) -> None:
        openid = f"oStorm{n:020d}"
        xml = text_xml(openid, "1", 8_000_000_000 + n, int(time.time()))
        async with gate:
            started = time.perf_counter()
            reply = await _post(client, side, xml, openid, f"9{n}{copy}")
            latencies.append((time.perf_counter() - started) * 1000)
        content = reply.split("<Content><![CDATA[", 1)[-1].split("]]>", 1)[0]
        answers[n].add(content)

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                 limits=httpx.Limits(max_connections=connections)) as client:
        started = time.perf_counter()
        # The copies of one message are scheduled side by side, so they are in flight together.
        await asyncio.gather(*(deliver(client, n, copy) for n in range(residents) for copy in range(copies)))
        elapsed = time.perf_counter() - started
    return elapsed, sorted(latencies), answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    banner(f"duplicate storm: {args.residents} confirmations, each delivered {args.copies} times at once, "
           f"{args.connections} connections, 2 server processes")
    url = fresh_database("bangban_bench_storm")
    env = bangban_env(url)
    bangban(["db", "upgrade"], env)
    bangban(["seed", "demo"], env)
    villages = psql(url, "select code from regions where level = 'village' order by code limit 64").split()
    port = free_port()
    cmd = [str(VENV_BIN / "bangban"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with running(cmd, port=port, env=env, log=WORK / "storm.log"):
        before = int(psql(url, "select count(*) from entrustments"))
        asyncio.run(prepare(port, args.residents, villages, args.connections))
        elapsed, latencies, answers = asyncio.run(storm(port, args.residents, args.copies, args.connections))
    cases = int(psql(url, "select count(*) from entrustments")) - before
    stored = int(psql(url, "select count(*) from wechat_inbound where dedupe_key like 'msg:80%'"))
    differing = sum(1 for contents in answers.values() if len(contents) != 1)
    total = args.residents * args.copies
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"{total / elapsed:8.0f} deliveries/s   p50 {latencies[len(latencies) // 2]:7.1f} ms   p99 {p99:7.1f} ms")
    print(f"cases created: {cases} for {args.residents} residents (exactly one each: "
          f"{'yes' if cases == args.residents else 'NO'})")
    print(f"residents whose copies got different answers: {differing}; inbound records {stored}")


if __name__ == "__main__":
    main()
