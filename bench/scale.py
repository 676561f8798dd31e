"""Deadlines at scale: partyflow against the database's own limit. One run, one table; never asserts.

    make bench-scale                      # DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow
    python -m bench.scale --help

Like bench.run it never touches the database named in DATABASE_URL: it recreates `partyflow_scale`
(and `partyflow_pgbench` for pgbench) on the same server. Measured, in this order:
  1. pgbench TPC-B, 4 clients, on the same PostgreSQL: the machine's reference;
  2. timers fired per second by 2 Celery workers (real processes, Redis broker): the sweep task as
     beat sends it, until every due reminder fired; each fired exactly once is checked;
  3. task completions per second through HTTP: gunicorn with 4 worker processes, 4 concurrent
     clients on keep-alive connections, each POSTing /api/tasks/{id}/complete/ with its token;
  4. peak RSS (VmHWM) of the gunicorn workers after that load;
  5. the inbox p95 (GET /api/tasks/, first page and total) with 1,000,000 open tasks over 100,000
     users, for randomly chosen users.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .run import (
    RESULTS_DIR,
    CollectorPasses,
    WorkerPages,
    World,
    prepare_database,
    print_rows,
    summarize,
    timed,
)

AIMS = {
    "http_share_of_pgbench": 0.10,
    "timers_per_s": 1000.0,
    "inbox_p95_ms": 10.0,
    "rss_mb": 150.0,
    "web_inbox_p95_ms": 30.0,
}
VENV_BIN = Path(sys.executable).parent


def _pg_params():
    import dj_database_url

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    return cfg


def _url_for(db: str) -> str:
    cfg = _pg_params()
    auth = cfg.get("USER") or "postgres"
    if cfg.get("PASSWORD"):
        auth += f":{cfg['PASSWORD']}"
    return f"postgres://{auth}@{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}/{db}"


# --- 1. pgbench ------------------------------------------------------------------------------


def bench_pgbench(*, clients: int, seconds: int, scale: int) -> dict:
    if shutil.which("pgbench") is None:
        return {"error": "pgbench not found"}
    cfg = _pg_params()
    conn = [
        "-h",
        str(cfg.get("HOST") or "127.0.0.1"),
        "-p",
        str(cfg.get("PORT") or 5432),
        "-U",
        cfg.get("USER") or "postgres",
    ]
    db = "partyflow_pgbench"
    subprocess.run(["dropdb", *conn, "--if-exists", db], check=True, capture_output=True)
    subprocess.run(["createdb", *conn, db], check=True, capture_output=True)
    subprocess.run(
        ["pgbench", *conn, "-i", "-q", "-s", str(scale), db], check=True, capture_output=True
    )
    out = subprocess.run(
        ["pgbench", *conn, "-c", str(clients), "-j", str(clients), "-T", str(seconds), "-n", db],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    return {
        "tps": round(tps, 1),
        "clients": clients,
        "seconds": seconds,
        "scale": scale,
        "latency_avg_ms": float(latency.group(1)) if latency else None,
    }


# --- fixtures --------------------------------------------------------------------------------


def start_due_cases(world: World, n: int) -> list:
    """n election cases whose reminder fell due yesterday at 09:00 (CST): started the day before,
    so each waits on its timer, which is now due. Returns [(case, secretary)]."""
    # First-party imports after django.setup(): the bench chooses its database first.
    import time_machine
    from dateutil.relativedelta import relativedelta

    from engine.calendar import CST, today
    from workflows.services import case_start

    due_day = today() - dt.timedelta(days=1)
    term_end = due_day + relativedelta(months=6)
    rows = world.add_branches(n, term_end=term_end)
    cases = []
    with time_machine.travel(
        dt.datetime.combine(due_day - dt.timedelta(days=1), dt.time(9), tzinfo=CST), tick=False
    ):
        for branch, secretary, _members in rows:
            cases.append(
                (
                    case_start(actor=secretary, process_id="branch_election", organization=branch),
                    secretary,
                )
            )
    return cases


def completion_plan(cases: list, tokens: dict) -> tuple[list[tuple[str, int]], dict]:
    """For cases whose reminder fired: [(the secretary's token, the open submit_request task)] and
    the request's answer (`tokens`: {user id: token key})."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from workflows.models import Task

    plan = [
        (
            tokens[sec.pk],
            Task.objects.get(case_id=c.pk, element_id="submit_request", status="open").pk,
        )
        for c, sec in cases
    ]
    data = {
        "election_date": (cases[0][0].organization.term_end + dt.timedelta(days=7)).isoformat(),
        "seats": 5,
        "nomination_method": "committee_proposal",
    }
    return plan, data


# --- 2. timers with 2 Celery workers -----------------------------------------------------------


def _worker(name: str, env: dict, log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen(
        [
            str(VENV_BIN / "partyflow"),
            "worker",
            "--concurrency=1",
            "--pool=prefork",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(*procs):
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime + stime of a process (and of its waited-for children with `children`), in seconds;
    0 when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and every live descendant (a Celery worker and its pool)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += _cpu_seconds(p, children=True)
        todo += _children(p)
    return total


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving `db` (other than this process's own), from
    /proc: the server runs on this machine. Sampled by `sample()`; a backend's last reading counts,
    so one that exits between samples loses at most a sample interval of its time."""

    def __init__(self, db: str):
        from django.db import connection

        self.db, self.connection = db, connection
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        for pid in self._pids():
            self.start[pid] = self.last[pid] = _cpu_seconds(pid)

    def _pids(self) -> list[int]:
        with self.connection.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db],
            )
            return [r[0] for r in cur.fetchall()]

    def sample(self) -> None:
        for pid in self._pids():
            cpu = _cpu_seconds(pid)
            if cpu:
                self.last[pid] = cpu

    @property
    def seconds(self) -> float:
        return sum(v - self.start.get(pid, 0.0) for pid, v in self.last.items())


def bench_timers_workers(
    case_ids: list[int], *, broker: str, db: str, workers: int, log_dir: Path
) -> dict:
    # First-party imports after django.setup(): the bench chooses its database first.
    from celery import Celery
    from django.db import connection
    from django.db.models import Count, Max, Min

    from workflows.models import AuditEvent, Timer

    app = Celery(broker=broker)
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": _url_for(db),
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
    }
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # the settings refuse to load without
    procs = [_worker(f"bench{i}", env, log_dir) for i in range(workers)]
    try:
        # Wait until every worker answers a ping, so start-up is not timed.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(app.control.ping(timeout=1.0) or []) < workers:
            pass
        due = Timer.objects.filter(case_id__in=case_ids, status="waiting").count()
        due_cases = (
            Timer.objects.filter(case_id__in=case_ids, status="waiting")
            .values("case_id")
            .distinct()
            .count()
        )
        # The end is seen by counting the audit events the firing writes (one `timers_fired` or
        # `timer_failed` per case) after the last event before the start: a range scan of the
        # primary key every 20 ms. (Asking the ORM whether any of the 2,000 cases still had a
        # waiting timer cost ≈ 11 ms of this process's CPU and as much of PostgreSQL's per look,
        # every 50 ms: up to a tenth of a core taken from the workers being measured.)
        last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # Planner statistics first, as autovacuum keeps them in production (this PostgreSQL runs
        # without it): without them the count below was a sequential scan of every event the setups
        # wrote, 3–7 ms of PostgreSQL's CPU per look by the third run (a third of a core taken from
        # the workers); with them it reads the run's own events by primary key (≤ 1.7 ms at the
        # end). The workers' own queries are planned from the same statistics. Then a checkpoint,
        # as one does before a pgbench run: the pages the setup (or anything else on the server)
        # dirtied are written before the run starts, not during it, so each run starts alike.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("CHECKPOINT")
        ended_sql = (
            f"SELECT count(*) FROM {AuditEvent._meta.db_table} "
            "WHERE id > %s AND action IN ('timers_fired', 'timer_failed')"
        )
        backends = BackendCpu(db)
        workers_cpu0 = sum(_tree_cpu(p.pid) for p in procs)
        t0, sent_at = time.perf_counter(), time.time()
        app.send_task("workflows.tasks.sweep_timers", kwargs={"limit": len(case_ids) + 10})
        looks = 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(ended_sql, [last_event])
                # Other cases' events could count too: the run's own timers decide at the end.
                if cursor.fetchone()[0] >= due_cases and not (
                    Timer.objects.filter(case_id__in=case_ids, status="waiting").exists()
                ):
                    break
                if time.perf_counter() - t0 > 600:
                    raise RuntimeError("timers not fired within 10 minutes: see " + str(log_dir))
                looks += 1
                if looks % 10 == 0:
                    backends.sample()
                time.sleep(0.02)
        elapsed = time.perf_counter() - t0
        backends.sample()
        workers_cpu = sum(_tree_cpu(p.pid) for p in procs) - workers_cpu0
    finally:
        _stop(*procs)
    fired = Timer.objects.filter(case_id__in=case_ids, status="fired").count()
    per_case = (
        AuditEvent.objects.filter(case_id__in=case_ids, action="timers_fired")
        .values("case_id")
        .annotate(n=Count("id"))
    )
    twice = sum(1 for r in per_case if r["n"] != 1)
    # When the batches' firing events were built (each after its batch's cases were stepped, before
    # its rows were written), from the sweep's sending: where the run's time went.
    span = AuditEvent.objects.filter(pk__gt=last_event, action="timers_fired").aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    return {
        "workers": workers,
        "first_event_s": round(span["first"].timestamp() - sent_at, 3) if span["first"] else None,
        "last_event_s": round(span["last"].timestamp() - sent_at, 3) if span["last"] else None,
        "due": due,
        "fired": fired,
        "seconds": round(elapsed, 2),
        "per_s": round(fired / elapsed, 1),
        # CPU per 1,000 timers: the workers' processes and the database backends serving them
        # (what a shared machine's load distorts less than the wall time).
        "workers_cpu_s_per_1000": round(workers_cpu * 1000 / max(fired, 1), 2),
        "postgres_cpu_s_per_1000": round(backends.seconds * 1000 / max(fired, 1), 2),
        "fired_twice_or_more": twice,
        "cases_with_event": len(per_case),
    }


# --- 3/4. completions through gunicorn -------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _vm(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
    return 0


def _post(conn: http.client.HTTPConnection, path: str, token: str, body: dict) -> int:
    payload = json.dumps(body).encode()
    conn.request(
        "POST",
        path,
        body=payload,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    response.read()
    return response.status


def start_gunicorn(*, db: str, workers: int, log_dir: Path) -> tuple[subprocess.Popen, int]:
    """gunicorn with `workers` sync workers on a free port against `db`, once it answers; returns
    (the server process, its port). Stop it with `_stop`."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from partyflow.devservers import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _url_for(db),
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
        "DEBUG": "0",
    }
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # the settings refuse to load without
    env.pop("CELERY_BROKER_URL", None)
    log = open(log_dir / "gunicorn.log", "w")
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "partyflow.wsgi:application",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--worker-class",
            "sync",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180  # a loaded machine starts 4 workers slowly
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return server, port
        except OSError:
            if time.monotonic() > deadline:
                _stop(server)
                raise RuntimeError("gunicorn did not start: see " + str(log_dir / "gunicorn.log"))
            time.sleep(0.2)


def bench_http_completions(
    plan: list[tuple[str, int]], *, db: str, workers: int, clients: int, data: dict, log_dir: Path
) -> dict:
    server, port = start_gunicorn(db=db, workers=workers, log_dir=log_dir)
    try:
        # Warm every worker (imports, URLconf, first queries) with untimed GETs.
        warm_token = plan[0][0]
        for _ in range(workers * 8):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/api/me/", headers={"Authorization": f"Token {warm_token}"})
            c.getresponse().read()
            c.close()
        shares = [plan[i::clients] for i in range(clients)]
        latencies: list[list[float]] = [[] for _ in range(clients)]
        statuses: list[dict] = [{} for _ in range(clients)]
        barrier = threading.Barrier(clients + 1)

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            barrier.wait()
            for token, task_id in shares[i]:
                elapsed, status = timed(
                    _post, conn, f"/api/tasks/{task_id}/complete/", token, {"data": data}
                )
                latencies[i].append(elapsed)
                statuses[i][status] = statuses[i].get(status, 0) + 1
            conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        [t.start() for t in threads]
        barrier.wait()
        t0 = time.perf_counter()
        [t.join() for t in threads]
        elapsed = time.perf_counter() - t0
        pids = _children(server.pid)
        rss = {
            pid: {
                "hwm_mb": round(_vm(pid, "VmHWM") / 1024, 1),
                "rss_mb": round(_vm(pid, "VmRSS") / 1024, 1),
            }
            for pid in pids
        }
    finally:
        _stop(server)
    merged: dict = {}
    for s in statuses:
        for k, v in s.items():
            merged[k] = merged.get(k, 0) + v
    ok = merged.get(200, 0)
    return {
        "workers": workers,
        "clients": clients,
        "requests": len(plan),
        "ok": ok,
        "statuses": {str(k): v for k, v in merged.items()},
        "seconds": round(elapsed, 2),
        "per_s": round(ok / elapsed, 1),
        "latency": summarize([x for l in latencies for x in l]),
        "worker_memory": list(rss.values()),
        "peak_rss_mb": max((r["hwm_mb"] for r in rss.values()), default=None),
    }


# --- 5. inbox with 1M open tasks over 100k users ----------------------------------------------


@contextmanager
def bulk_load(*tables: str):
    """Setup only, never measured: a bulk load into `tables` without their secondary indexes (built
    again after it, in one pass each) and, on a superuser's connection, without the per-row
    constraint triggers (`session_replication_role = replica`). The rows loaded are built from the
    cases, organizations and tasks already there, so the checks skipped could not fail. At 10 M rows
    maintaining 7 indexes and checking 3 references a row made the load the longest step."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SET statement_timeout = 0")
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cur.fetchone()[0]
        cur.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               WHERE i.indrelid::regclass::text = ANY(%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [list(tables)],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
        if superuser:
            cur.execute("SET session_replication_role = replica")
        cur.execute("SET work_mem = '256MB'")  # the loads' window functions sort millions of rows
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if superuser:
                cur.execute("SET session_replication_role = DEFAULT")
            cur.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cur.execute(definition)
            cur.execute("RESET maintenance_work_mem")
            cur.execute("RESET work_mem")


def load_task_rows(
    any_case_id: int, branch_ids_sql: str, *, tasks: int, status: str = "open", years: int = 1
) -> None:
    """SQL bulk load of `tasks` task rows over the branches `branch_ids_sql` selects (a query giving
    `id`): spread evenly over them and, within each branch, half in its committee's slot and half in
    its secretary's. Open rows are due over ±6 months; closed rows (`status` completed) were created
    and completed over the last `years` years, as a deployment's history accumulates."""
    from django.db import connection

    closed = status != "open"
    with connection.cursor() as cur:
        # The bulk load is setup: past the deployment's statement timeout (10 M rows take minutes).
        cur.execute("SET statement_timeout = 0")
        cur.execute(
            f"""WITH o AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM ({branch_ids_sql}) b),
                     n AS (SELECT count(*) AS c FROM o)
                INSERT INTO workflows_task (case_id, spiff_task_id, element_id, name, lane, slot, assignee_organization_id, process_id,
                                            case_organization_id, form, stage, documentation, status, due_at, created_at, completed_at)
                SELECT %s, gen_random_uuid(), 'submit_request', '提交换届请示', lane, lane || '@' || o.id, o.id, 'branch_election',
                       o.id, 'branch_election/submit_request.json', '换届请示', '', %s,
                       now() + (random() * 360 - 180) * interval '1 day', at, CASE WHEN %s THEN at + interval '3 days' END
                FROM n, generate_series(0, %s - 1) g
                JOIN o ON o.k = g %% (SELECT c FROM n)
                CROSS JOIN LATERAL (SELECT CASE WHEN (g / (SELECT c FROM n)) %% 2 = 0 THEN 'branch_committee' ELSE 'branch_secretary' END AS lane,
                                           CASE WHEN %s THEN now() - (g::float / %s) * %s * interval '365 days' ELSE now() END AS at) l""",
            [any_case_id, status, closed, tasks, closed, tasks, years],
        )


def seed_big_inbox(
    world: World,
    any_case_id: int,
    *,
    users: int,
    tasks: int,
    per_branch: int = 5,
    closed_tasks: int = 0,
    years: int = 10,
) -> dict:
    """SQL bulk load: users/per_branch branches, `per_branch` users each (a secretary and committee
    members), `tasks` open tasks spread evenly over the branches and, within each branch, half in its
    committee's slot and half in its secretary's (the secretary sees both), due dates over ±6 months;
    and `closed_tasks` completed ones over the same slots, created over the last `years` years (the
    history a national deployment's task table holds beside the open rows)."""
    from django.db import connection

    branches = users // per_branch
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO organizations_organization (parent_id, name, kind, branch_kind, has_approval_authority, departments, path, created_at)
                       SELECT %s, '规模支部' || g, 'branch', 'teaching', false, 1, '', now() FROM generate_series(1, %s) g""",
            [world.college.pk, branches],
        )
        cur.execute(
            "UPDATE organizations_organization SET path = %s || id || '/' WHERE parent_id = %s AND path = ''",
            [world.college.path, world.college.pk],
        )
        cur.execute(
            """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
                       SELECT '!', false, 'scale' || g, '', '', '', false, true, now() FROM generate_series(1, %s) g""",
            [users],
        )
        cur.execute(
            """WITH u AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM auth_user WHERE username LIKE 'scale%%'),
                            o AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM organizations_organization WHERE name LIKE '规模支部%%')
                       INSERT INTO organizations_roleassignment (user_id, role, organization_id, term_start, term_end, post)
                       SELECT u.id, CASE WHEN (u.rn - 1) %% %s = 0 THEN 'branch_secretary' ELSE 'branch_committee' END, o.id, NULL, NULL, ''
                       FROM u JOIN o ON o.rn = (u.rn - 1) / %s + 1""",
            [per_branch, per_branch],
        )
    scale_branches = "SELECT id FROM organizations_organization WHERE name LIKE '规模支部%%'"
    with bulk_load("workflows_task"):
        load_task_rows(any_case_id, scale_branches, tasks=tasks)
        if closed_tasks:
            load_task_rows(
                any_case_id, scale_branches, tasks=closed_tasks, status="completed", years=years
            )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE workflows_task")
        cur.execute("VACUUM ANALYZE organizations_roleassignment")
        cur.execute("SELECT count(*) FROM workflows_task WHERE status = 'open'")
        open_total = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM workflows_task")
        all_rows = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_relation_size('task_inbox_open'))")
        inbox_index = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('workflows_task'))")
        size = cur.fetchone()[0]
    return {
        "users": users,
        "branches": branches,
        "open_tasks": open_total,
        "task_rows": all_rows,
        "task_table_size": size,
        "inbox_index_size": inbox_index,
        "load_s": round(time.perf_counter() - t0, 1),
    }


def bench_big_inbox(*, sample: int, warmup: int, seed: int = 20261122) -> dict:
    """The API inbox (`GET /api/tasks/`, its first page and total count, server time) for random
    users of the 1M-task load, each with a token made beforehand, served as a gunicorn worker serves
    it (bench.run.WorkerPages)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    rng = random.Random(seed)
    ids = list(User.objects.filter(username__startswith="scale").values_list("id", flat=True))
    chosen = rng.sample(ids, min(sample + warmup, len(ids)))
    users = User.objects.in_bulk(chosen)
    tokens = [Token.objects.get_or_create(user=users[pk])[0].key for pk in chosen]
    samples, counts = [], []
    with WorkerPages() as pages:
        for i, token in enumerate(tokens):
            elapsed, (status, body) = timed(
                pages.get, "/api/tasks/", authorization=f"Token {token}"
            )
            if status != 200:
                raise RuntimeError(f"GET /api/tasks/ answered {status}")
            if i >= warmup:
                samples.append(elapsed)
                counts.append(json.loads(body)["count"])
    out = summarize(samples)
    out.update(
        users_sampled=len(samples), tasks_per_inbox_min=min(counts), tasks_per_inbox_max=max(counts)
    )
    return out


def bench_web_inbox(*, sample: int, warmup: int, seed: int = 20261129) -> dict:
    """The web workplace's inbox page (`GET /inbox/?tab=queue`, server time: session, middleware,
    selectors, template) for random users of the 1M-task load, each logged in beforehand, served as
    a gunicorn worker serves it (bench.run.WorkerPages); with the collector's passes during each."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    rng = random.Random(seed)
    ids = list(user_model.objects.filter(username__startswith="scale").values_list("id", flat=True))
    chosen = rng.sample(ids, min(sample + warmup, len(ids)))
    users = user_model.objects.in_bulk(chosen)
    sessions = [WorkerPages.log_in(users[pk]) for pk in chosen]
    samples, with_full, collector_s = [], [], 0.0
    with WorkerPages() as pages:
        for i, session in enumerate(sessions):
            with CollectorPasses() as gc_passes:
                elapsed, (status, _body) = timed(pages.get, "/inbox/?tab=queue", session=session)
            if status != 200:
                raise RuntimeError(f"GET /inbox/ answered {status}")
            if i >= warmup:
                samples.append(elapsed)
                collector_s += gc_passes.seconds
                if gc_passes.full:
                    with_full.append(elapsed)
    out = summarize(samples)
    out["users_sampled"] = len(samples)
    # The tail: the requests during which the collector made a full pass (bench/README.md).
    out["gc"] = {
        "ms_per_request": round(collector_s * 1000 / len(samples), 2),
        "requests_with_a_full_collection": len(with_full),
        "their_median_ms": round(statistics.median(with_full) * 1000, 1) if with_full else None,
    }
    return out


# --- report ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--db",
        default="partyflow_scale",
        help="bench database, dropped and recreated (default partyflow_scale)",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("PARTYFLOW_BENCH_BROKER", "redis://127.0.0.1:6379/9"),
        help="Celery broker for the timer workers (flushed; default redis://127.0.0.1:6379/9)",
    )
    parser.add_argument(
        "--cases",
        type=int,
        default=2000,
        help="cases with a due reminder; their submit_request tasks are then completed over HTTP",
    )
    parser.add_argument(
        "--timer-runs",
        type=int,
        default=1,
        help="measure the 2-worker sweep this many times, each on as many fresh cases (default 1)",
    )
    parser.add_argument("--pgbench-seconds", type=int, default=30)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument(
        "--closed-tasks",
        type=int,
        default=0,
        help="completed task rows loaded beside the open ones, created over 10 years"
        " (9000000 with the default --tasks: the inbox at 10 M task rows)",
    )
    parser.add_argument("--inbox-sample", type=int, default=500)
    parser.add_argument(
        "--skip", default="", help="comma-separated: pgbench,timers,http,inbox,scaling"
    )
    parser.add_argument("--output", default=str(RESULTS_DIR / "scale.json"))
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    started = time.perf_counter()
    log_dir = RESULTS_DIR / "scale-logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    def step(message):
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    results: dict = {"parameters": vars(args)}
    if "pgbench" not in skip:
        step(f"pgbench TPC-B, 4 clients, {args.pgbench_seconds} s")
        results["pgbench"] = bench_pgbench(clients=4, seconds=args.pgbench_seconds, scale=10)

    db_info = prepare_database(args.db)
    # First-party imports after django.setup(): the bench chooses its database first.
    import django

    django.setup()
    from django.core.management import call_command

    from workflows.services import process_deploy

    call_command("migrate", verbosity=0)
    process_deploy()
    world = World()
    step(f"starting {args.cases} cases whose reminder is due")
    cases = start_due_cases(world, args.cases)
    case_ids = [c.pk for c, _ in cases]

    if "timers" not in skip:
        step("timers: 2 Celery workers, the sweep as beat sends it")
        results["timers"] = bench_timers_workers(
            case_ids, broker=args.broker, db=args.db, workers=2, log_dir=log_dir
        )
        runs = [results["timers"]]
        for i in range(2, args.timer_runs + 1):
            step(f"timers, run {i} of {args.timer_runs}: {args.cases} fresh cases")
            more = [c.pk for c, _ in start_due_cases(world, args.cases)]
            runs.append(
                bench_timers_workers(
                    more, broker=args.broker, db=args.db, workers=2, log_dir=log_dir
                )
            )
        results["timer_runs"] = runs
    else:  # the completions need the requests the reminders open: fire them in this process
        from workflows.services import timers_run

        while timers_run()["cases"]:
            pass

    if "http" not in skip:
        from rest_framework.authtoken.models import Token

        step(f"HTTP: {args.cases} completions, gunicorn 4 workers, 4 clients")
        tokens = {sec.pk: Token.objects.get_or_create(user=sec)[0].key for _c, sec in cases}
        plan, data = completion_plan(cases, tokens)
        results["http"] = bench_http_completions(
            plan, db=args.db, workers=4, clients=4, data=data, log_dir=log_dir
        )

    if "scaling" not in skip:
        # Scaling out on one machine: the same work with 1 process, then 2 (Celery workers for
        # timers, gunicorn workers for completions, 2 clients each), on fresh cases each time.
        from rest_framework.authtoken.models import Token

        results["scaling"] = {"timers": [], "http": []}
        n = max(200, args.cases // 2)
        for procs in (1, 2):
            step(f"scaling: {n} cases, {procs} Celery worker(s), then {procs} gunicorn worker(s)")
            more = start_due_cases(world, n)
            ids = [c.pk for c, _ in more]
            results["scaling"]["timers"].append(
                bench_timers_workers(
                    ids, broker=args.broker, db=args.db, workers=procs, log_dir=log_dir
                )
            )
            tokens = {sec.pk: Token.objects.get_or_create(user=sec)[0].key for _c, sec in more}
            plan, data = completion_plan(more, tokens)
            results["scaling"]["http"].append(
                bench_http_completions(
                    plan, db=args.db, workers=procs, clients=2 * procs, data=data, log_dir=log_dir
                )
            )

    if "inbox" not in skip:
        step(
            f"loading {args.tasks:,} open tasks (and {args.closed_tasks:,} completed ones)"
            f" over {args.users:,} users"
        )
        results["inbox_seed"] = seed_big_inbox(
            world, case_ids[0], users=args.users, tasks=args.tasks, closed_tasks=args.closed_tasks
        )
        step(f"GET /api/tasks/ for {args.inbox_sample} random users")
        results["inbox"] = bench_big_inbox(sample=args.inbox_sample, warmup=20)
        step(f"GET /inbox/ (web page) for {args.inbox_sample} random users")
        results["web_inbox"] = bench_web_inbox(sample=args.inbox_sample, warmup=20)

    rows = []
    pg = results.get("pgbench", {})
    if pg.get("tps"):
        rows.append(("pgbench TPC-B, 4 clients (reference)", f"{pg['tps']:.0f} tps", "-", "-"))
    if "http" in results:
        h = results["http"]
        share = h["per_s"] / pg["tps"] if pg.get("tps") else None
        aim = AIMS["http_share_of_pgbench"]
        rows.append(
            (
                "completions/s over HTTP (gunicorn 4 workers, 4 clients)",
                f"{h['per_s']:.0f}/s"
                + (f" = {share:.0%} of pgbench" if share else "")
                + f", p95 {h['latency']['p95_ms']:.0f} ms",
                f">= {aim:.0%} of pgbench",
                "-" if share is None else ("yes" if share >= aim else "NO"),
            )
        )
        rows.append(
            (
                "peak RSS of an API worker (VmHWM)",
                f"{h['peak_rss_mb']} MB",
                f"<= {AIMS['rss_mb']:.0f} MB",
                "yes" if h["peak_rss_mb"] and h["peak_rss_mb"] <= AIMS["rss_mb"] else "NO",
            )
        )
    for n, t in enumerate(results.get("timer_runs", []), 1):
        rows.append(
            (
                f"timers fired/s, 2 Celery workers ({t['fired']} due)"
                + (f", run {n}" if len(results["timer_runs"]) > 1 else ""),
                f"{t['per_s']:.0f}/s, fired twice: {t['fired_twice_or_more']}; CPU per 1,000:"
                f" workers {t['workers_cpu_s_per_1000']:.2f} s + PostgreSQL"
                f" {t['postgres_cpu_s_per_1000']:.2f} s; batches stepped from"
                f" +{t.get('first_event_s') or 0:.2f} to +{t.get('last_event_s') or 0:.2f} of"
                f" {t['seconds']:.2f} s",
                f">= {AIMS['timers_per_s']:.0f}/s",
                "yes" if t["per_s"] >= AIMS["timers_per_s"] else "NO",
            )
        )
    if "inbox" in results:
        i, s = results["inbox"], results["inbox_seed"]
        rows.append(
            (
                f"inbox p95, {s['open_tasks']:,} open tasks of {s['task_rows']:,} rows"
                f" / {s['users']:,} users",
                f"{i['p95_ms']:.1f} ms (median {i['median_ms']:.1f})",
                f"<= {AIMS['inbox_p95_ms']:.0f} ms",
                "yes" if i["p95_ms"] <= AIMS["inbox_p95_ms"] else "NO",
            )
        )
    if "web_inbox" in results:
        w = results["web_inbox"]
        rows.append(
            (
                "web inbox page GET /inbox/ p95 (server time), same load",
                f"{w['p95_ms']:.1f} ms (median {w['median_ms']:.1f})",
                f"<= {AIMS['web_inbox_p95_ms']:.0f} ms",
                "yes" if w["p95_ms"] <= AIMS["web_inbox_p95_ms"] else "NO",
            )
        )
    for kind, label in (("timers", "timers fired/s"), ("http", "completions/s over HTTP")):
        series = results.get("scaling", {}).get(kind, [])
        if len(series) == 2:
            one, two = series
            rows.append(
                (
                    f"scaling: {label}, 1 → 2 processes",
                    f"{one['per_s']:.0f}/s → {two['per_s']:.0f}/s (×{two['per_s'] / one['per_s']:.2f})",
                    "-",
                    "-",
                )
            )
    print()
    print_rows(("measure", "result", "aim", "met?"), rows)
    results["table"] = rows
    results["environment"] = {"postgresql": db_info["server_version"], "cpus": os.cpu_count()}
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.output)
    out.write_text(
        json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    print(f"\nresults written to {out} (total {results['run_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
