"""Figure 4 of docs/PERFORMANCE.md: lists, the dashboard and 附件2 at a million cases.

The demo is seeded (a few real cases in every state, made through the use cases), then each of its
cases is copied with SQL across every village and the last twelve months until the database holds
``--cases`` cases, their events and ratings (encrypted columns are copied as they are, so they still
decrypt). Then, against two server processes: the API case list, the console case list and the
console dashboard, each asked ``--requests`` times, and ``bangban export ledger2`` for every township
with its wall time and peak memory.

    .venv/bin/python bench/scale.py [--cases 1000000] [--requests 100]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import (  # noqa: E402
    ROOT,
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

STAFF_NAME = "基准县管理员"
STAFF_PASSWORD = "Bench-console-2026!"
SHIFTED = "timestamp with time zone"


def columns(url: str, table: str) -> list[tuple[str, str]]:
    rows = psql(url, f"select column_name, data_type from information_schema.columns where table_name = '{table}' "
                     "order by ordinal_position")
    return [tuple(line.split("|", 1)) for line in rows.splitlines()]  # type: ignore[misc]


def fill(url: str, cases: int) -> None:
    """Copies of the seeded cases: case g takes template g mod T, village g mod V (with its helper) and
    moves every time of the template back by (g * 7919 mod 365) days."""
    started = time.perf_counter()
    psql(url, "drop table if exists bench_templates; create table bench_templates as "
              "select row_number() over (order by id) - 1 as k, id from entrustments")
    psql(url, "drop table if exists bench_villages; create table bench_villages as "
              "select row_number() over (order by r.id) - 1 as k, r.id as village_id, "
              "(select min(h.id) from helpers h where h.village_id = r.id) as helper_id "
              "from regions r where r.level = 'village'")
    templates = int(psql(url, "select count(*) from bench_templates"))
    villages = int(psql(url, "select count(*) from bench_villages"))
    base = int(psql(url, "select coalesce(max(id), 0) from entrustments")) + 1000
    shift = "make_interval(days => (g * 7919 % 365)::int)"

    def select_list(table: str, alias: str, overrides: dict[str, str]) -> tuple[str, str]:
        names, values = [], []
        for name, kind in columns(url, table):
            if name == "id" and "id" not in overrides:
                continue
            names.append(name)
            if name in overrides:
                values.append(overrides[name])
            elif kind == SHIFTED:
                values.append(f"{alias}.{name} - {shift}")
            elif kind == "date":
                values.append(f"({alias}.{name} - {shift})::date")
            else:
                values.append(f"{alias}.{name}")
        return ", ".join(names), ", ".join(values)

    names, values = select_list("entrustments", "e", {
        "id": f"{base} + g", "number": "'BENCH-' || g", "village_id": "v.village_id",
        "helper_id": "case when e.helper_id is null then null else v.helper_id end"})
    step = 100_000
    for first in range(1, cases + 1, step):
        last = min(cases, first + step - 1)
        psql(url, f"insert into entrustments ({names}) select {values} from generate_series({first}, {last}) g "
                  f"join bench_templates t on t.k = g % {templates} join entrustments e on e.id = t.id "
                  f"join bench_villages v on v.k = g % {villages}")
    for table in ("entrustment_events", "evaluations"):
        event_names, event_values = select_list(table, "x", {"entrustment_id": f"{base} + g"})
        for first in range(1, cases + 1, step):
            last = min(cases, first + step - 1)
            psql(url, f"insert into {table} ({event_names}) select {event_values} "
                      f"from generate_series({first}, {last}) g join bench_templates t on t.k = g % {templates} "
                      f"join {table} x on x.entrustment_id = t.id")
    psql(url, "select setval(pg_get_serial_sequence('entrustments', 'id'), (select max(id) from entrustments))")
    psql(url, "drop table bench_templates; drop table bench_villages; analyze")
    total = psql(url, "select (select count(*) from entrustments) || ' cases, ' || "
                      "(select count(*) from entrustment_events) || ' events, ' || "
                      "(select count(*) from evaluations) || ' ratings'")
    print(f"filled: {total} in {time.perf_counter() - started:.0f} s")


def timed(client: httpx.Client, paths: list[str], requests: int) -> tuple[float, float]:
    times = []
    for n in range(requests):
        started = time.perf_counter()
        answer = client.get(paths[n % len(paths)])
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{paths[n % len(paths)]} answered {answer.status_code}: {answer.text[:300]}")
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def console_client(port: int) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
    page = client.get("/console/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, "the sign-in page has no form token"
    answer = client.post("/console/login", data={"csrf": token.group(1), "name": STAFF_NAME,
                                                  "password": STAFF_PASSWORD})
    assert answer.status_code in (200, 303), answer.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    args = parser.parse_args()
    banner(f"scale: {args.cases} cases; lists and dashboard p95 over {args.requests} requests; 附件2 for all")
    name = f"bangban_bench_scale_{args.cases}"
    if args.reuse:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        env = bangban_env(url)
    else:
        url = fresh_database(name)
        env = bangban_env(url)
        bangban(["db", "upgrade"], env)
        bangban(["seed", "demo"], env)
        fill(url, args.cases)
        county = psql(url, "select code from regions where level = 'county' limit 1")
        bangban(["staff", "add", "--name", STAFF_NAME, "--area", county, "--role", "county_admin"], env)
        subprocess.run([str(VENV_BIN / "bangban"), "staff", "password", STAFF_NAME], env=env, check=True,
                       input=f"{STAFF_PASSWORD}\n", text=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    port = free_port()
    cmd = [str(VENV_BIN / "bangban"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    villages = psql(url, "select code from regions where level = 'village' order by code limit 20").split()
    with running(cmd, port=port, env=env, log=WORK / "scale.log"):
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                           headers={"Authorization": "Bearer bb_demo_county_admin"})
        api_paths = ["/api/v1/entrustments?limit=50"] + [
            f"/api/v1/entrustments?limit=50&village_code={code}" for code in villages[:5]] + [
            "/api/v1/entrustments?limit=50&status=in_progress"]
        console = console_client(port)
        list_paths = ["/console/cases"] + [f"/console/cases?area={code}" for code in villages[:5]] + [
            "/console/cases?overdue=1"]
        for label, client, paths in (("API case list", api, api_paths), ("console case list", console, list_paths),
                                     ("console dashboard", console, ["/console/"])):
            timed(client, paths, 3)  # warm
            p50, p95 = timed(client, paths, args.requests)
            print(f"{label:20s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (target p95 <= 100 ms)")
    out = WORK / "ledger2-all.xlsx"
    quarter = time.strftime("%Y") + f"Q{(int(time.strftime('%m')) - 1) // 3 + 1}"
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", str(VENV_BIN / "bangban"), "export", "ledger2", "--quarter",
                           quarter, "--out", str(out)], env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    print(f"附件2 {quarter}, all townships: {elapsed:.1f} s (target <= 60 s), peak memory {peak_mb:.0f} MB "
          f"(target <= 300 MB), {out.stat().st_size / 1e6:.1f} MB written; {done.stdout.strip()}")


if __name__ == "__main__":
    main()
