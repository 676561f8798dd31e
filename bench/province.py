"""A province's busiest hour on this machine: `make bench-province`. One run, one table; never asserts.

    make bench-province                                  # 50,000 members: a few minutes
    make bench-province BENCH_ARGS="--members 1000000"   # the capacity model's province (1 M / 50 k)
    python -m bench.province --help

Like bench.scale it never touches the database named in DATABASE_URL: it recreates
`partyflow_province` on the same server (with `--no-replica`) or on the primary it starts (see
below). Then:
  1. generates a province (setup, not measured): a provincial committee, universities of 10,000
     members, 20 colleges each, branches of 20 members (`--members` 1,000,000 gives the model's
     50,000 branches), a secretary and a committee member with a login per branch, an officer per
     college; the task table holds a year's history (`--closed-per-member` completed rows a member)
     and the open tasks of every branch; and the cases whose requests are completed in the mix and
     whose reminders fall due during it;
  2. runs the capacity model's busiest hour for `--seconds` (default 60) at the model's rates for a
     province (`--rate` scales them): completions (POST /api/tasks/{id}/complete/), inbox reads
     (GET /api/tasks/ by random branch officers) and college dashboards (GET /api/compliance/ of
     the officer's college) through gunicorn with 4 workers, while 2 Celery workers fire the due
     reminders the sweep hands them. Each request is sent at its scheduled time (open loop: a late
     server makes the requests queue, as people's clicks would), its latency measured from then;
  3. prints, per operation, the model's rate, what was served per second and the p95, and the CPU
     seconds the API processes, the workers and PostgreSQL spent, beside the model's prediction.

The dashboards are read from a streaming replica, as in the model's deployment: by default (when
Debian's PostgreSQL 15 server programs are here) the bench starts its own primary, with the
DATABASE_URL server's memory and durability settings, and a hot standby streaming from it
(`partyflow.devservers.streaming_pair`: pg_basebackup -R, free ports, directories under /tmp,
removed at the end), creates the bench database on that primary and gives gunicorn the standby as
PARTYFLOW_REPLICA_URL. `--no-replica` runs everything on the DATABASE_URL server, every read on the
primary. With PARTYFLOW_REPLICA_URL already set (a streaming replica of the DATABASE_URL server; its
database name is replaced by the bench's) that replica is used instead. The table says, per
operation, which server its reads went to (the router's log lines, PARTYFLOW_REPLICA_LOG_LEVEL=DEBUG
in gunicorn), the transactions each server ran in the bench database, and the replica's lag
sampled during the mix.
"""

# Django and first-party imports sit inside the functions: they must follow django.setup(), which
# main() calls after the bench has chosen its database (as in bench/onboarding.py and bench/scale.py).
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from partyflow.devservers import StreamingReplica

from .run import RESULTS_DIR, World, fail, prepare_database, print_rows, summarize
from .scale import (
    BackendCpu,
    _stop,
    _tree_cpu,
    _url_for,
    _worker,
    completion_plan,
    load_task_rows,
    start_due_cases,
    start_gunicorn,
)

# The capacity model's province (bench/README.md): 1 M members, 50 k branches; in the busiest hour
# ≈ 70 k completions (≈ 20/s) and ≈ 400 k inbox reads (≈ 110/s); the college and university
# officers (≈ 2,100) open their compliance table about 5 times each (≈ 3/s); ≈ 100 k reminders
# fall due a day, fired by 2 workers. The costs the model predicts them from, per operation, in
# CPU milliseconds on this machine (API process and PostgreSQL together).
MODEL = {
    "completion": {"per_s": 20.0, "cpu_ms": 16.0},
    "inbox": {"per_s": 110.0, "cpu_ms": 4.3},
    "dashboard": {"per_s": 3.0, "cpu_ms": None},
    "timer": {"per_day": 100_000, "cpu_ms": 1.6},
}
MEMBERS_PER_BRANCH = 20
BRANCHES_PER_COLLEGE = 25
COLLEGES_PER_UNIVERSITY = 20


def generate_province(world: World, *, members: int, closed_per_member: float) -> dict:
    """The province's tree, people and task history, bulk-inserted (setup, not measured)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from organizations.audit import root_of_path
    from organizations.models import Member, MemberStatus, Organization, OrgKind, Role
    from organizations.models import RoleAssignment as RA

    t0 = time.perf_counter()
    branches = max(1, members // MEMBERS_PER_BRANCH)
    colleges = max(1, -(-branches // BRANCHES_PER_COLLEGE))
    universities = max(1, -(-colleges // COLLEGES_PER_UNIVERSITY))
    user_model = get_user_model()
    with transaction.atomic():
        root = world.school  # the provincial committee stands above the bench's own university
        university_root = root_of_path(root.path)  # 学工号 and codes are unique per root
        unis = Organization.objects.bulk_create(
            Organization(
                parent=root,
                root_id=university_root,
                name=f"省属第{u + 1}高校党委",
                kind=OrgKind.COMMITTEE,
                has_approval_authority=True,
            )
            for u in range(universities)
        )
        for u in unis:
            u.path = f"{root.path}{u.pk}/"
        Organization.objects.bulk_update(unis, ["path"])
        cols = Organization.objects.bulk_create(
            Organization(
                parent=unis[c // COLLEGES_PER_UNIVERSITY],
                root_id=university_root,
                name=f"第{c + 1}学院党委",
                kind=OrgKind.COMMITTEE,
                has_approval_authority=True,
            )
            for c in range(colleges)
        )
        for c in cols:
            c.path = f"{c.parent.path}{c.pk}/"
        Organization.objects.bulk_update(cols, ["path"])
        term_end = dt.date.today() + dt.timedelta(days=400)
        brs = Organization.objects.bulk_create(
            (
                Organization(
                    parent=cols[b // BRANCHES_PER_COLLEGE],
                    root_id=university_root,
                    name=f"省内第{b + 1}党支部",
                    kind=OrgKind.BRANCH,
                    branch_kind="teaching",
                    term_start=term_end.replace(year=term_end.year - 3),
                    term_end=term_end,
                )
                for b in range(branches)
            ),
            batch_size=5000,
        )
        for b in brs:
            b.path = f"{b.parent.path}{b.pk}/"
        Organization.objects.bulk_update(brs, ["path"], batch_size=5000)
        users = user_model.objects.bulk_create(
            (
                user_model(username=f"prov-{kind}{i}", password="!")
                for i in range(branches)
                for kind in ("sec", "com")
            ),
            batch_size=5000,
        )
        officers = user_model.objects.bulk_create(
            (user_model(username=f"prov-off{c}", password="!") for c in range(colleges)),
            batch_size=5000,
        )
        RA.objects.bulk_create(
            (
                RA(
                    user=users[2 * i + k],
                    role=(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)[k],
                    organization=b,
                    term_start=b.term_start,
                )
                for i, b in enumerate(brs)
                for k in (0, 1)
            ),
            batch_size=5000,
        )
        RA.objects.bulk_create(
            RA(user=o, role=Role.COMMITTEE_OFFICER, organization=c)
            for o, c in zip(officers, cols, strict=True)
        )
        Member.objects.bulk_create(
            (
                Member(
                    organization=brs[m // MEMBERS_PER_BRANCH],
                    root_id=university_root,
                    name=f"省内党员{m + 1}",
                    status=MemberStatus.FULL,
                    joined_on=dt.date(2000 + m % 25, 7, 1),
                )
                for m in range(branches * MEMBERS_PER_BRANCH)
            ),
            batch_size=10000,
        )
    from workflows.services import case_start

    # The synthetic task rows need a case to belong to: one of its own, waiting on a reminder two
    # years away, so that neither the mix's completions nor the sweep touch it.
    ((branch, secretary, _m),) = world.add_branches(
        1, term_end=dt.date.today() + dt.timedelta(days=730)
    )
    any_case = case_start(actor=secretary, process_id="branch_election", organization=branch).pk
    province_branches = "SELECT id FROM organizations_organization WHERE name LIKE '省内第%%'"
    # Open tasks: one for every other member (a branch's requests, reviews and records waiting);
    # the history: a year's completions, ≈ `closed_per_member` task rows a member.
    load_task_rows(any_case, province_branches, tasks=max(1, members // 2))
    closed = int(members * closed_per_member)
    if closed:
        load_task_rows(any_case, province_branches, tasks=closed, status="completed", years=1)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE workflows_task")
        cur.execute("VACUUM ANALYZE organizations_roleassignment")
        cur.execute("ANALYZE organizations_organization")
        cur.execute("SELECT count(*), count(*) FILTER (WHERE status = 'open') FROM workflows_task")
        task_rows, open_rows = cur.fetchone()
    return {
        "members": branches * MEMBERS_PER_BRANCH,
        "branches": branches,
        "colleges": colleges,
        "universities": universities,
        "task_rows": task_rows,
        "open_tasks": open_rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "branch_users": [u.pk for u in users],
        "officers": [(o.pk, c.pk) for o, c in zip(officers, cols, strict=True)],
    }


def _tokens(user_ids: list[int]) -> dict[int, str]:
    from rest_framework.authtoken.models import Token

    have = dict(Token.objects.filter(user_id__in=user_ids).values_list("user_id", "key"))
    made = Token.objects.bulk_create(
        Token(user_id=pk, key=Token.generate_key()) for pk in user_ids if pk not in have
    )
    have.update({t.user_id: t.key for t in made})
    return have


class Stream:
    """One operation's open-loop stream: `per_s` requests a second over `seconds`, spread over
    `threads` connections; each request is timed from its scheduled moment."""

    def __init__(self, name, per_s, seconds, threads, make_request):
        self.name, self.per_s, self.seconds = name, per_s, seconds
        self.threads, self.make_request = threads, make_request
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.sent = 0

    def run(self, port: int, start: float, stop_at: float) -> list[threading.Thread]:
        n = int(self.per_s * self.seconds)
        schedule = [start + i / self.per_s for i in range(n)] if self.per_s else []

        def worker(k):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for i in range(k, len(schedule), self.threads):
                at = schedule[i]
                delay = at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                if time.perf_counter() > stop_at:
                    break  # the hour is over: what is still queued is not served
                method, path, headers, body = self.make_request(i)
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except OSError:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    status = 0
                done = time.perf_counter()
                with self.lock:
                    self.sent += 1
                    self.latencies.append(done - at)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
            conn.close()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(self.threads)]
        for t in threads:
            t.start()
        return threads

    def result(self, elapsed: float) -> dict:
        ok = self.statuses.get(200, 0)
        out = {
            "offered_per_s": self.per_s,
            "scheduled": int(self.per_s * self.seconds),
            "sent": self.sent,
            "ok": ok,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "per_s": round(ok / elapsed, 1),
        }
        if self.latencies:
            out["latency"] = summarize(self.latencies)
        return out


# The settings the bench's own primary takes from the DATABASE_URL server, so that a run with the
# replica and one without it differ by the replica, not by the server's memory or durability.
SERVER_SETTINGS = (
    "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size", "max_connections",
    "fsync", "synchronous_commit", "full_page_writes", "autovacuum", "max_wal_size", "min_wal_size",
    "checkpoint_timeout", "random_page_cost", "jit",
)  # fmt: skip
STREAMING_CONF = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
"""
# Reports are long queries: the standby tells the primary what it reads, so replay never cancels them
# (docs/scaling.md, "The standby").
STANDBY_CONF = "hot_standby_feedback = on\n"


def server_conf(url: str) -> str:
    """postgresql.conf lines for the bench's primary: the DATABASE_URL server's SERVER_SETTINGS
    and what streaming needs."""
    import dj_database_url
    import psycopg2

    cfg = dj_database_url.parse(url)
    try:
        conn = psycopg2.connect(
            dbname="postgres",
            user=cfg.get("USER") or "postgres",
            host=cfg.get("HOST") or "127.0.0.1",
            port=cfg.get("PORT") or 5432,
            **({"password": cfg["PASSWORD"]} if cfg.get("PASSWORD") else {}),
        )
    except psycopg2.OperationalError as exc:
        fail(f"cannot read the DATABASE_URL server's settings: {str(exc).strip()}")
    try:
        with conn.cursor() as cur:
            lines = []
            for name in SERVER_SETTINGS:
                cur.execute("SELECT current_setting(%s)", [name])
                lines.append(f"{name} = '{cur.fetchone()[0]}'")
    finally:
        conn.close()
    return STREAMING_CONF + "\n".join(lines) + "\n"


def _server_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


class ReplicaWatch:
    """The servers during the mix: the transactions each ran in the bench database
    (pg_stat_database, read after the API has stopped, so the backends have reported), the
    replica's lag sampled as the router measures it (workflows.replica.standby_lag) and in WAL bytes
    not yet replayed, and the CPU of the standby's processes (replay, WAL receiver, backends)."""

    XACTS = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s"

    def __init__(self, db: str, pair: StreamingReplica | None):
        from django.db import connection

        self.db, self.pair, self.connection = db, pair, connection
        self.lag_s: list[float] = []
        self.behind_bytes: list[int] = []
        self.unknown = 0
        self.series: list[tuple] = []  # (seconds since the watch began, lag s, WAL bytes behind)
        self.t0 = time.perf_counter()
        self.xacts0 = self._xacts()
        if pair is not None:
            # Outside the bench database, so that their queries are not counted as its transactions.
            self.primary = pair.primary.connect("postgres")
            self.standby = pair.standby.connect("postgres")
            self.standby_pid = _server_pid(pair.standby.data)
            self.cpu0 = _tree_cpu(self.standby_pid)

    def _xacts(self) -> dict:
        with self.connection.cursor() as cur:
            cur.execute(self.XACTS, [self.db])
            out = {"primary": cur.fetchone()[0]}
        if self.pair is not None:
            conn = self.pair.standby.connect("postgres")
            try:
                with conn.cursor() as cur:
                    cur.execute(self.XACTS, [self.db])
                    out["replica"] = cur.fetchone()[0]
            finally:
                conn.close()
        return out

    def sample(self) -> None:
        if self.pair is None:
            return
        from workflows.replica import standby_lag

        with self.primary.cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            (written,) = cur.fetchone()
        with self.standby.cursor() as cur:
            lag = standby_lag(cur)
            cur.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())", [written])
            (behind,) = cur.fetchone()
        if lag is None:
            self.unknown += 1
        else:
            self.lag_s.append(float(lag))
        self.behind_bytes.append(max(0, int(behind)))
        self.series.append((round(time.perf_counter() - self.t0, 2), lag, int(behind)))

    def stop_cpu(self) -> float:
        return _tree_cpu(self.standby_pid) - self.cpu0 if self.pair is not None else 0.0

    def result(self) -> dict:
        now = self._xacts()
        out = {"transactions": {k: now[k] - self.xacts0[k] for k in now}}
        if self.pair is not None:
            self.primary.close()
            self.standby.close()
            lag = summarize(self.lag_s) if self.lag_s else None
            out["lag"] = {
                "samples": len(self.lag_s) + self.unknown,
                "unknown": self.unknown,
                "max_s": round(lag["max_ms"] / 1000, 2) if lag else None,
                "p95_s": round(lag["p95_ms"] / 1000, 2) if lag else None,
                "max_behind_kb": round(max(self.behind_bytes, default=0) / 1024, 1),
                "series": self.series,
            }
        return out


def routed_reads(gunicorn_log: Path) -> dict:
    """{operation: {"replica" | "primary (why)": blocks}} from the router's log lines."""
    operations = {"/api/compliance/": "dashboard", "/api/tasks/": "inbox"}
    out: dict[str, dict[str, int]] = {}
    for line in gunicorn_log.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"partyflow.replica"' not in line:
            continue
        try:
            message = json.loads(line)["message"]
        except (ValueError, KeyError):
            continue
        where, _, request = message.removeprefix("reads from ").partition(": ")
        where = where.replace("default", "primary", 1)  # Django's alias for the primary
        path = request.split(" ", 1)[-1]
        op = "completion" if path.endswith("/complete/") else operations.get(path, path)
        out.setdefault(op, {})
        out[op][where] = out[op].get(where, 0) + 1
    return out


def run_mix(
    *,
    db: str,
    broker: str,
    seconds: int,
    rate: float,
    completions: list[tuple[str, int]],
    completion_data: dict,
    inbox_tokens: list[str],
    dashboards: list[tuple[str, int]],
    timer_case_ids: list[int],
    log_dir: Path,
    replica_url: str | None,
    pair: StreamingReplica | None,
) -> dict:
    from celery import Celery

    from workflows.models import Timer

    rng = random.Random(20261207)
    period = f"{dt.date.today().year}-Q{(dt.date.today().month - 1) // 3 + 1}"

    def completion(i):
        token, task_id = completions[i % len(completions)]
        body = json.dumps({"data": completion_data}).encode()
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return "POST", f"/api/tasks/{task_id}/complete/", headers, body

    def inbox(_i):
        return "GET", "/api/tasks/", {"Authorization": f"Token {rng.choice(inbox_tokens)}"}, None

    def dashboard(_i):
        token, college = rng.choice(dashboards)
        path = f"/api/compliance/?organization={college}&period={period}"
        return "GET", path, {"Authorization": f"Token {token}"}, None

    completion_rate = min(MODEL["completion"]["per_s"] * rate, len(completions) / seconds)
    streams = [
        Stream("completion", completion_rate, seconds, 4, completion),
        Stream("inbox", MODEL["inbox"]["per_s"] * rate, seconds, 8, inbox),
        Stream("dashboard", MODEL["dashboard"]["per_s"] * rate, seconds, 2, dashboard),
    ]
    app = Celery(broker=broker)
    if broker.startswith("redis"):
        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
    else:  # RabbitMQ (a vhost of the bench's own): what an earlier run left queued is dropped
        app.control.purge()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": _url_for(db),
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
    }
    if replica_url:  # gunicorn takes os.environ: the workers read no report
        os.environ["PARTYFLOW_REPLICA_URL"] = replica_url.rsplit("/", 1)[0] + "/" + db
    os.environ["PARTYFLOW_REPLICA_LOG_LEVEL"] = "DEBUG"  # the router logs where each report read
    env.setdefault("SECRET_KEY", "bench-province-" + "x" * 40)
    workers = [_worker(f"province{i}", env, log_dir) for i in range(2)]
    server = None
    try:
        server, port = start_gunicorn(db=db, workers=4, log_dir=log_dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(app.control.ping(timeout=1.0) or []) < 2:
            pass
        for _ in range(32):  # warm every gunicorn worker (imports, URLconf, first queries)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/api/me/", headers={"Authorization": f"Token {inbox_tokens[0]}"})
            c.getresponse().read()
            c.close()
        if pair is not None:
            pair.caught_up(seconds=600)  # the province's bulk load replayed before the hour starts
        backends = BackendCpu(db)
        watch = ReplicaWatch(db, pair)
        api_cpu0 = _tree_cpu(server.pid)
        workers_cpu0 = sum(_tree_cpu(p.pid) for p in workers)
        start = time.perf_counter() + 0.5
        stop_at = start + seconds
        threads = [t for s in streams for t in s.run(port, start, stop_at)]
        while time.perf_counter() < start:
            time.sleep(0.01)
        app.send_task("workflows.tasks.sweep_timers", kwargs={"limit": len(timer_case_ids) + 10})
        timers_done_at = None
        while time.perf_counter() < stop_at:
            backends.sample()
            watch.sample()
            if timers_done_at is None and not (
                Timer.objects.filter(case_id__in=timer_case_ids, status="waiting").exists()
            ):
                timers_done_at = time.perf_counter()
            time.sleep(0.25)
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        backends.sample()
        api_cpu = _tree_cpu(server.pid) - api_cpu0
        workers_cpu = sum(_tree_cpu(p.pid) for p in workers) - workers_cpu0
        replica_cpu = watch.stop_cpu()
    finally:
        _stop(*workers, *([server] if server else []))
    servers = watch.result()
    fired = Timer.objects.filter(case_id__in=timer_case_ids, status="fired").count()
    timer_seconds = (timers_done_at - start) if timers_done_at else elapsed
    out = {s.name: s.result(elapsed) for s in streams}
    out["timer"] = {
        "due": len(timer_case_ids),
        "fired": fired,
        "seconds": round(timer_seconds, 1),
        "per_s": round(fired / timer_seconds, 1),
    }
    out["cpu_s"] = {
        "api": round(api_cpu, 1),
        "workers": round(workers_cpu, 1),
        "postgres": round(backends.seconds, 1),
        "replica": round(replica_cpu, 1),
    }
    out["seconds"] = round(elapsed, 1)
    out["replica"] = bool(replica_url)
    out["reads"] = routed_reads(log_dir / "gunicorn.log")
    out.update(servers)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.province", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", default="partyflow_province", help="bench database (recreated)")
    parser.add_argument(
        "--broker",
        default=os.environ.get("PARTYFLOW_BENCH_BROKER", "redis://127.0.0.1:6379/9"),
        help="Celery broker for the 2 timer workers (a Redis database is flushed, a RabbitMQ"
        " vhost's queues purged; default redis://127.0.0.1:6379/9)",
    )
    parser.add_argument(
        "--members", type=int, default=50_000, help="the province's size (1000000: the model's)"
    )
    parser.add_argument(
        "--closed-per-member",
        type=float,
        default=10.0,
        help="completed task rows a member in the history (default 10: a year's)",
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of the busiest-hour mix")
    parser.add_argument(
        "--rate", type=float, default=1.0, help="the model's province rates times this"
    )
    parser.add_argument(
        "--timers", type=int, default=1000, help="reminders due when the mix starts (default 1000)"
    )
    parser.add_argument(
        "--replica",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read the dashboards from a streaming replica the bench starts (its own primary and"
        " hot standby, partyflow.devservers); default: on when Debian's PostgreSQL 15 server"
        " programs are here, unless PARTYFLOW_REPLICA_URL names a replica already",
    )
    parser.add_argument("--output", default=str(RESULTS_DIR / "province.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    log_dir = RESULTS_DIR / "province-logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    def step(message):
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    from partyflow.devservers import servers_available, streaming_pair

    replica_url = os.environ.pop("PARTYFLOW_REPLICA_URL", "") or None
    missing = servers_available()
    if args.replica is None:
        args.replica = not replica_url and not missing
    if args.replica and missing:
        fail(f"--replica: {missing}; run with --no-replica or PARTYFLOW_REPLICA_URL")
    if args.replica and replica_url:
        fail("--replica starts its own replica: unset PARTYFLOW_REPLICA_URL, or use --no-replica")
    if not os.environ.get("DATABASE_URL"):
        prepare_database(args.db)  # fails with the explanation
    with contextlib.ExitStack() as stack:
        pair = None
        if args.replica:
            conf = server_conf(os.environ["DATABASE_URL"])
            step("starting a primary with the DATABASE_URL server's settings and its standby")
            pair = stack.enter_context(
                streaming_pair("pf-province-", dbname=args.db, conf=conf, standby_conf=STANDBY_CONF)
            )
            os.environ["DATABASE_URL"] = pair.primary.url("postgres")
            replica_url = pair.standby.url(args.db)
            step(
                f"primary on port {pair.primary.port}, hot standby on {pair.standby.port}"
                " (streaming, in recovery)"
            )
        run_province(
            args, step=step, started=started, log_dir=log_dir, pair=pair, replica_url=replica_url
        )
    return 0


def _reads_from(routed: dict | None) -> str:
    """Where an operation's marked reads went, from the router's log lines."""
    if not routed:
        return "primary (no marked read)"
    return ", ".join(f"{where} {n}" for where, n in sorted(routed.items()))


def run_province(args, *, step, started, log_dir, pair, replica_url) -> None:
    """Setup, the mix, the table (main() has chosen the servers)."""
    db_info = prepare_database(args.db)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from workflows.services import process_deploy, timers_run

    call_command("migrate", verbosity=0)
    process_deploy()
    world = World()
    n_completions = int(MODEL["completion"]["per_s"] * args.rate * args.seconds)
    step(f"{n_completions} cases to complete and {args.timers} reminders due (real cases)")
    to_complete = start_due_cases(world, n_completions)
    while timers_run()["cases"]:
        pass
    due = [c.pk for c, _ in start_due_cases(world, args.timers)]
    step(f"generating the province: {args.members:,} members")
    province = generate_province(
        world, members=args.members, closed_per_member=args.closed_per_member
    )
    step(
        f"province: {province['universities']} universities, {province['colleges']} colleges,"
        f" {province['branches']:,} branches, {province['task_rows']:,} task rows"
        f" ({province['open_tasks']:,} open), in {province['seconds']} s"
    )
    tokens = _tokens(
        [sec.pk for _c, sec in to_complete]
        + province["branch_users"]
        + [o for o, _c in province["officers"]]
    )
    completions, data = completion_plan(to_complete, tokens)
    step(f"the busiest hour's mix for {args.seconds} s (rates x{args.rate})")
    mix = run_mix(
        db=args.db,
        broker=args.broker,
        seconds=args.seconds,
        rate=args.rate,
        completions=completions,
        completion_data=data,
        inbox_tokens=[tokens[pk] for pk in province["branch_users"]],
        dashboards=[(tokens[o], c) for o, c in province["officers"]],
        timer_case_ids=due,
        log_dir=log_dir,
        replica_url=replica_url,
        pair=pair,
    )
    results = {
        "parameters": vars(args),
        "province": {k: v for k, v in province.items() if k not in ("branch_users", "officers")},
        "mix": mix,
        "environment": {"postgresql": db_info["server_version"], "cpus": os.cpu_count()},
    }
    rows = []
    for name, label in (
        ("completion", "completions (POST /api/tasks/{id}/complete/)"),
        ("inbox", "inbox reads (GET /api/tasks/)"),
        ("dashboard", "college dashboards (GET /api/compliance/)"),
    ):
        m = mix[name]
        lat = m.get("latency")
        rows.append(
            (
                label,
                f"{MODEL[name]['per_s'] * args.rate:.0f}/s",
                f"{m['per_s']:.1f}/s ({m['ok']} of {m['scheduled']})",
                f"{lat['p95_ms']:.0f} ms (median {lat['median_ms']:.0f})" if lat else "-",
                _reads_from(mix["reads"].get(name)),
            )
        )
    t = mix["timer"]
    rows.append(
        (
            "reminders fired by 2 Celery workers",
            f"{MODEL['timer']['per_day'] / 86400:.1f}/s a day's average",
            f"{t['per_s']:.0f}/s ({t['fired']} of {t['due']} in {t['seconds']} s)",
            "-",
            "primary",
        )
    )
    predicted = (
        (
            MODEL["completion"]["per_s"] * MODEL["completion"]["cpu_ms"]
            + MODEL["inbox"]["per_s"] * MODEL["inbox"]["cpu_ms"]
        )
        * args.rate
        / 1000
    )
    cpu, secs = mix["cpu_s"], mix["seconds"]
    rows.append(
        (
            "cores used (CPU-seconds a second)",
            f"API ≈ {predicted:.2f} (completions and inbox)",
            f"API {cpu['api'] / secs:.2f}, workers {cpu['workers'] / secs:.2f},"
            f" PostgreSQL {cpu['postgres'] / secs:.2f}"
            + (f", replica {cpu['replica'] / secs:.2f}" if pair is not None else ""),
            "-",
            "-",
        )
    )
    xacts = mix["transactions"]
    rows.append(
        (
            "transactions in the bench database",
            "-",
            ", ".join(f"{where} {n:,}" for where, n in xacts.items()),
            "-",
            "-",
        )
    )
    if "lag" in mix:
        lag = mix["lag"]
        rows.append(
            (
                "replica lag, sampled every 0.25 s",
                f"≤ {settings.PARTYFLOW['REPLICA']['MAX_LAG_SECONDS']:g} s (PARTYFLOW_REPLICA_MAX_LAG)",
                f"max {lag['max_s']} s, p95 {lag['p95_s']} s;"
                f" ≤ {lag['max_behind_kb']:,} kB of WAL behind",
                "-",
                "-",
            )
        )
    print()
    print_rows(("operation", "the model's province", "served here", "p95", "reads from"), rows)
    where = "the primary (no replica)"
    if pair is not None:
        where = f"a streaming replica the bench started (port {pair.standby.port})"
    elif mix["replica"]:
        where = "the replica of PARTYFLOW_REPLICA_URL"
    print(
        f"\n{province['members']:,} members, {province['branches']:,} branches,"
        f" {province['task_rows']:,} task rows; marked reports may read {where}"
    )
    results["table"] = rows
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.output)
    out.write_text(
        json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    print(f"results written to {out} (total {results['run_seconds']} s)")


if __name__ == "__main__":
    sys.exit(main())
