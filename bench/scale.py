"""Figure 4 of docs/PERFORMANCE.md: lists, the dashboard and 附件2 at a million cases.

The demo is seeded (a few real cases in every state, made through the use cases), then ``--cases`` cases are
planned in SQL from ``generate_series``: entrusted across the last twelve months, in every village, in a state
that follows their age, each step of their timeline after the one before; each is written from the seeded
case in its state (its encrypted texts, events and rating), so they still decrypt. Then, against two server
processes: the API case list (first pages and pages further on by cursor), the console case list and the
console dashboard (after ``bangban dashboard rollup``, timed: what the worker keeps up to date), each asked
``--requests`` times, and ``bangban export ledger2`` for every township with its wall time and peak memory.

    .venv/bin/python bench/scale.py [--cases 1000000] [--requests 100] [--reuse] [--no-ledger2]

``--reuse`` keeps the database of an earlier run (upgraded to the current schema) instead of filling it again.
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


# Each case's plan, drawn from independent uniform numbers u1..u7 that hash the case's number g, so a fill is the
# same every time: submitted at any instant of the last twelve months; its state follows its age (a case of last
# week may still wait, one of last spring is mostly archived, a few stuck in progress); every later step comes
# after the one before it and before now; channels and ratings in plausible shares.
PLAN = """
create unlogged table bench_plan as
with drawn as materialized (
    select g, {u1} * 365 as age, {u2} as u2, {u3} as u3, {u4} as u4, {u5} as u5, {u6} as u6, {u7} as u7
    from generate_series(1, {cases}) g
), aged as materialized (
    select *, now() - make_interval(secs => age * 86400) as sub,
           case when age >= 60 then case when u2 < .04 then 'declined' when u2 < .07 then 'terminated'
                                         when u2 < .075 then 'in_progress' when u2 < .15 then 'completed'
                                         when u2 < .45 then 'evaluated' else 'archived' end
                when age >= 15 then case when u2 < .04 then 'declined' when u2 < .06 then 'terminated'
                                         when u2 < .08 then 'accepted' when u2 < .20 then 'in_progress'
                                         when u2 < .45 then 'completed' when u2 < .85 then 'evaluated'
                                         else 'archived' end
                else case when u2 < .12 then 'submitted' when u2 < .18 then 'awaiting_supplement'
                          when u2 < .21 then 'declined' when u2 < .22 then 'terminated' when u2 < .35 then 'accepted'
                          when u2 < .60 then 'in_progress' when u2 < .85 then 'completed' else 'evaluated' end
           end as status
    from drawn
), accepted as materialized (
    select *, case when status in ('accepted', 'in_progress', 'completed', 'evaluated', 'archived')
                   then sub + least(make_interval(secs => u3 * 172800), (now() - sub) * .2) end as acc
    from aged
), started as materialized (
    select *, case when status in ('in_progress', 'completed', 'evaluated', 'archived')
                   then acc + least(make_interval(secs => u4 * 86400), (now() - acc) * .1) end as ip
    from accepted
), completed as materialized (
    select *, case when status in ('completed', 'evaluated', 'archived')
                   then ip + least(make_interval(secs => (1 + u4 * 25) * 86400), (now() - ip) * .7) end as comp
    from started
), rated as materialized (
    select *, case when status in ('evaluated', 'archived')
                   then comp + least(make_interval(secs => u5 * 5 * 86400), (now() - comp) * .5) end as ev
    from completed
)
select g, status, sub, acc, ip, comp, ev,
       case when status = 'archived' then ev + least(interval '10 days', (now() - ev) * .5) end as arc,
       case when status = 'awaiting_supplement' then sub + (now() - sub) * u3 * .5 end as sup,
       case when status = 'declined' then sub + least(make_interval(secs => u3 * 172800), (now() - sub) * .5) end
           as dec,
       case when status = 'terminated' then sub + least(make_interval(secs => (3 + u4 * 10) * 86400),
                                                        (now() - sub) * .7) end as ter,
       case when u6 < .6 then 'wechat' when u6 < .8 then 'phone' when u6 < .95 then 'visit' else 'paper' end
           as channel,
       case when u7 < .55 then '非常满意' when u7 < .85 then '满意' when u7 < .95 then '基本满意'
            when u7 < .98 then '不满意' else '非常不满意' end as level,
       (u5 * 1000000)::int as pick
from rated
"""


def uniform(seed: int) -> str:
    """A number in [0, 1) that hashes the case's g with this seed."""
    return f"((hashint8extended(g, {seed}) & 4294967295)::float8 / 4294967296)"


def columns(url: str, table: str) -> list[tuple[str, str]]:
    rows = psql(url, f"select column_name, data_type from information_schema.columns where table_name = '{table}' "
                     "order by ordinal_position")
    return [tuple(line.split("|", 1)) for line in rows.splitlines()]  # type: ignore[misc]


def select_list(url: str, table: str, alias: str, overrides: dict[str, str]) -> tuple[str, str]:
    """The table's columns and what to insert in each: the override, or the template's value moved in time as
    far as the case's entrusting is from the template's (encrypted columns are copied as they are, so they
    still decrypt)."""
    names, values = [], []
    for name, kind in columns(url, table):
        if name == "id" and "id" not in overrides:
            continue
        names.append(name)
        if name in overrides:
            values.append(overrides[name])
        elif kind == SHIFTED:
            values.append(f"{alias}.{name} + (p.sub - t.submitted_at)")
        elif kind == "date":
            values.append(f"{alias}.{name} + ((p.sub)::date - (t.submitted_at)::date)")
        else:
            values.append(f"{alias}.{name}")
    return ", ".join(names), ", ".join(values)


CHINA_DAY = "((({}) at time zone 'Asia/Shanghai')::date)"
# Where each event of the template falls in the case's own timeline: at the step it led to (a step the case's
# plan has not, as when the template was accepted before it was terminated, at its entrusting), a second apart
# in the template's order so the timeline reads as it did.
EVENT_AT = ("coalesce(case x.to_status when 'awaiting_supplement' then p.sup when 'accepted' then p.acc "
            "when 'in_progress' then p.ip when 'completed' then p.comp when 'evaluated' then p.ev "
            "when 'archived' then p.arc when 'declined' then p.dec when 'terminated' then p.ter end, p.sub) "
            "+ make_interval(secs => x.n)")


def fill(url: str, cases: int) -> None:
    """``cases`` cases planned in SQL (``PLAN``), each written from the seeded case in the same state (its
    encrypted texts, events and rating), in village g mod V with its helper, and a matter and time limit the
    demo uses; one INSERT … SELECT per table and slice, then ANALYZE."""
    started = time.perf_counter()
    psql(url, "; ".join(f"drop table if exists bench_{name}"
                        for name in ("plan", "templates", "events", "villages", "matters")))
    psql(url, "set jit = off; " + PLAN.format(cases=cases, **{f"u{n}": uniform(n) for n in range(1, 8)}))
    psql(url, "create index on bench_plan (g)")
    psql(url, "create table bench_templates as select distinct on (status) status, id, submitted_at "
              "from entrustments order by status, id")
    psql(url, "create table bench_events as select x.*, row_number() over (partition by x.entrustment_id "
              "order by x.created_at, x.id) as n from entrustment_events x "
              "join bench_templates t on t.id = x.entrustment_id")
    psql(url, "create table bench_villages as select row_number() over (order by r.id) - 1 as k, "
              "r.id as village_id, (select min(h.id) from helpers h where h.village_id = r.id) as helper_id "
              "from regions r where r.level = 'village'")
    psql(url, "create table bench_matters as select row_number() over (order by matter_id, time_limit_days) - 1 "
              "as k, matter_id, time_limit_days from (select distinct matter_id, time_limit_days from entrustments) m")
    villages = int(psql(url, "select count(*) from bench_villages"))
    matters = int(psql(url, "select count(*) from bench_matters"))
    base = int(psql(url, "select coalesce(max(id), 0) from entrustments")) + 1000
    plan_seconds = time.perf_counter() - started

    names, values = select_list(url, "entrustments", "e", {
        "id": f"{base} + p.g", "number": "'BENCH-' || p.g", "village_id": "v.village_id",
        "helper_id": "case when e.helper_id is null then null else v.helper_id end",
        "matter_id": "m.matter_id", "time_limit_days": "m.time_limit_days", "channel": "p.channel",
        "status": "p.status", "submitted_at": "p.sub", "awaiting_supplement_at": "p.sup", "accepted_at": "p.acc",
        "in_progress_at": "p.ip", "completed_at": "p.comp", "evaluated_at": "p.ev", "archived_at": "p.arc",
        "declined_at": "p.dec", "terminated_at": "p.ter",
        "acceptance_due_on": f"{CHINA_DAY.format('p.sub')} + 3",
        "due_on": f"{CHINA_DAY.format('p.acc')} + m.time_limit_days * 7 / 5",
        "updated_at": "greatest(p.sub, p.sup, p.acc, p.ip, p.comp, p.ev, p.arc, p.dec, p.ter)"})
    event_names, event_values = select_list(url, "entrustment_events", "x", {
        "entrustment_id": f"{base} + p.g", "created_at": EVENT_AT})  # the columns of entrustment_events
    rating_names, rating_values = select_list(url, "evaluations", "x", {
        "entrustment_id": f"{base} + p.g", "level": "p.level", "created_at": "p.ev"})
    statements = (
        f"insert into entrustments ({names}) select {values} from bench_plan p "
        "join bench_templates t on t.status = p.status join entrustments e on e.id = t.id "
        f"join bench_villages v on v.k = p.g % {villages} join bench_matters m on m.k = p.pick % {matters}",
        f"insert into entrustment_events ({event_names}) select {event_values} from bench_plan p "
        "join bench_templates t on t.status = p.status join bench_events x on x.entrustment_id = t.id",
        f"insert into evaluations ({rating_names}) select {rating_values} from bench_plan p "
        "join bench_templates t on t.status = p.status join evaluations x on x.entrustment_id = t.id",
    )
    step = 250_000
    for statement in statements:
        for first in range(1, cases + 1, step):
            psql(url, f"set synchronous_commit = off; {statement} where p.g between {first} and {first + step - 1}")
    psql(url, "select setval(pg_get_serial_sequence('entrustments', 'id'), (select max(id) from entrustments))")
    psql(url, "; ".join(f"drop table bench_{name}" for name in ("plan", "templates", "events", "villages", "matters")))
    psql(url, "vacuum analyze")
    total = psql(url, "select (select count(*) from entrustments) || ' cases, ' || "
                      "(select count(*) from entrustment_events) || ' events, ' || "
                      "(select count(*) from evaluations) || ' ratings'")
    print(f"filled: {total} in {time.perf_counter() - started:.0f} s (plan {plan_seconds:.0f} s)")


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
    parser.add_argument("--no-ledger2", action="store_true", help="measure the lists and the dashboard only")
    args = parser.parse_args()
    banner(f"scale: {args.cases} cases; lists and dashboard p95 over {args.requests} requests; 附件2 for all")
    name = f"bangban_bench_scale_{args.cases}"
    if args.reuse:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        env = bangban_env(url)
        bangban(["db", "upgrade"], env)
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
    # What a deployment's worker does every few minutes, done at once here (app/console/rollup.py): the
    # dashboard then counts live only the last minutes' cases.
    started = time.perf_counter()
    bangban(["dashboard", "rollup"], env, quiet=False)
    print(f"dashboard roll-up (bangban dashboard rollup): {time.perf_counter() - started:.1f} s")
    port = free_port()
    cmd = [str(VENV_BIN / "bangban"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    villages = psql(url, "select code from regions where level = 'village' order by code limit 20").split()
    # A page from the middle of the list, as a reader paging by cursor reaches it (app/entrustments/cursor.py).
    middle = psql(url, "select (extract(epoch from submitted_at) * 1000000)::bigint || '-' || id from entrustments "
                       f"order by submitted_at desc, id desc offset {args.cases // 2} limit 1")
    with running(cmd, port=port, env=env, log=WORK / "scale.log"):
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                           headers={"Authorization": "Bearer bb_demo_county_admin"})
        api_paths = ["/api/v1/entrustments?limit=50"] + [
            f"/api/v1/entrustments?limit=50&village_code={code}" for code in villages[:5]] + [
            f"/api/v1/entrustments?limit=50&status={status}" for status in ("in_progress", "awaiting_supplement")] + [
            f"/api/v1/entrustments?limit=50&after={middle}"]
        console = console_client(port)
        list_paths = ["/console/cases"] + [f"/console/cases?area={code}" for code in villages[:5]] + [
            "/console/cases?overdue=1", "/console/cases?status=open", f"/console/cases?after={middle}"]
        for label, client, paths in (("API case list", api, api_paths), ("console case list", console, list_paths),
                                     ("console dashboard", console, ["/console/"])):
            # Warm: every path once, as a server running for days has long done (the first request of a kind compiles
            # its statements and templates in the process).
            timed(client, paths, 2 * len(paths))
            p50, p95 = timed(client, paths, args.requests)
            print(f"{label:20s} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (target p95 <= 100 ms)")
    if args.no_ledger2:
        return
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
