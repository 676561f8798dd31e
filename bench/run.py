"""partyflow benchmarks on PostgreSQL, through the real code paths. Prints a table, never asserts timings.

    make bench                      # DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow
    python -m bench.run --help

The run never touches the database named in DATABASE_URL: it drops and recreates a separate
database (`partyflow_bench` by default) on the same server, migrates it, deploys the BPMN and
measures there. The numbers also go to bench/results/latest.json.

Measured:
  1. case_start: `workflows.services.case_start` for `branch_election`, one new branch per start;
  2. task completion through the API (POST /api/tasks/{id}/complete/ with token authentication,
     Django's handler and the real URLconf): `submit_request` after the reminder timer fired, then
     `reply_request`; plus the SQL queries of one representative completion;
  3. the inbox, GET /api/tasks/ (first page and its total count), for a committee officer with
     10,000 open tasks;
  4. P1 member development (bench/member_development.py): completing `cultivation_review` on a case
     after 3 simulated years of quarterly reports against a fresh case (aim: at most 1.5x);
  and the stored sizes: a case's workflow state at `record_vote`, the version's spec.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import math
import os
import platform
import random
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PROCESS = "branch_election"
COMPLETION_AIM_MS = 15.0
INBOX_AIM_MS = 10.0


def fail(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- database ----------------------------------------------------------------------------------


# What a database the benches made says of itself (`COMMENT ON DATABASE`): only such a database is
# dropped by a bench, so a `--db` naming a database with real data in it is refused, not dropped.
BENCH_MARK = "partyflow bench database: dropped and recreated by every bench run"


def mark_bench_database(cur, name: str) -> None:
    from psycopg2 import sql

    cur.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(name)), [BENCH_MARK])


def drop_refusal(cur, name: str) -> str | None:
    """Why the database `name` must not be dropped by a bench, or None: it does not exist, or a
    bench made it (its comment is BENCH_MARK)."""
    cur.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    )
    row = cur.fetchone()
    if row is None or row[0] == BENCH_MARK:
        return None
    return (
        f"the database {name!r} exists and was not made by a bench (no bench mark in its comment):"
        " a bench drops its database at every run, so it refuses this one. Choose another --db,"
        f" or, if it is an old bench database, drop it once yourself (dropdb {name})."
    )


def prepare_database(bench_db: str, *, template: str | None = None) -> dict:
    """Check DATABASE_URL is PostgreSQL, (re)create the bench database, point Django at it.
    `template`: the new database is a copy of that one (`CREATE DATABASE … TEMPLATE`).

    Must run before django.setup(). Returns the connection settings (without the password)."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        fail(
            "DATABASE_URL is not set. Benchmarks run on PostgreSQL only, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow python -m bench.run\n"
            "(`make bench` sets it for you)."
        )
    cfg = dj_database_url.parse(url)
    engine = cfg.get("ENGINE", "")
    if "postgresql" not in engine:
        fail(
            f"DATABASE_URL points at {engine.rsplit('.', 1)[-1] or 'an unknown database'}, not PostgreSQL. "
            "Benchmark numbers must come from PostgreSQL; SQLite numbers would mislead. "
            "Start PostgreSQL and use DATABASE_URL=postgres://…"
        )
    main_db = cfg.get("NAME")
    if bench_db == main_db:
        fail(
            f"the bench database must not be the main database ({main_db!r}); it is dropped at every run."
        )
    if bench_db in ("postgres", "template0", "template1"):
        fail(f"refusing to use {bench_db!r} as the bench database.")

    import psycopg2
    from psycopg2 import sql

    params = {
        "dbname": "postgres",
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
    }
    try:
        conn = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
    except psycopg2.OperationalError as exc:
        fail(f"cannot connect to PostgreSQL ({cfg.get('HOST')}:{cfg.get('PORT')}): {exc}".strip())
    conn.autocommit = True
    with conn.cursor() as cur:
        refusal = drop_refusal(cur, bench_db)
        if refusal:
            conn.close()
            fail(refusal)
        server_version = conn.server_version
        force = sql.SQL(" WITH (FORCE)") if server_version >= 130000 else sql.SQL("")
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(bench_db)) + force)
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(bench_db))
        if template:
            create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        cur.execute(create)
        mark_bench_database(cur, bench_db)
        cur.execute("SHOW server_version")
        server_version_text = cur.fetchone()[0]
    conn.close()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # required with DEBUG off
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = bench_db
    settings.DEBUG = False  # queries are recorded only where CaptureQueriesContext is used
    return {
        "host": cfg.get("HOST"),
        "port": cfg.get("PORT"),
        "main_database": main_db,
        "bench_database": bench_db,
        "server_version": server_version_text,
    }


# --- statistics --------------------------------------------------------------------------------


def summarize(samples_s: list[float]) -> dict:
    ms = sorted(s * 1000.0 for s in samples_s)
    n = len(ms)
    return {
        "n": n,
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[max(0, math.ceil(0.95 * n) - 1)], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(ms[0], 3),
        "max_ms": round(ms[-1], 3),
    }


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


class CollectorPasses:
    """The garbage collector's passes in this process while it is open (`gc.callbacks`): how many
    were full (generation 2) and the wall time spent in them all. A request during which a full
    collection ran is slower by that collection, whatever the request did."""

    def __init__(self):
        self.full = 0
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self):
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.full += info["generation"] == 2


# --- fixtures (untimed) ------------------------------------------------------------------------


class World:
    """A school committee with its organization department, a college committee with approval
    authority and its officer, and branches below the college (9 full members and a secretary each)."""

    def __init__(self):
        # First-party imports after django.setup(): the bench chooses its database first.
        from django.contrib.auth import get_user_model

        from organizations.models import OrgKind, Role
        from organizations.services import organization_create, role_assignment_create

        User = get_user_model()
        self.User = User
        self.school = organization_create(
            actor=None,
            parent=None,
            name="某大学党委",
            kind=OrgKind.COMMITTEE,
            has_approval_authority=True,
        )
        self.college = organization_create(
            actor=None,
            parent=self.school,
            name="计算机学院党委",
            kind=OrgKind.COMMITTEE,
            has_approval_authority=True,
        )
        self.officer = self._user("officer")
        role_assignment_create(
            actor=None, user=self.officer, role=Role.COMMITTEE_OFFICER, organization=self.college
        )
        self.orgdept = self._user("orgdept")
        role_assignment_create(
            actor=None, user=self.orgdept, role=Role.ORG_DEPARTMENT, organization=self.school
        )
        self.branches = []  # (branch, secretary user, [members])
        self._n = 0

    def _user(self, username):
        user = self.User(username=username)
        user.set_unusable_password()  # token authentication only; no password hashing in the setup
        user.save()
        return user

    def add_branches(self, count: int, *, term_end: dt.date) -> list[tuple]:
        """`count` teaching branches, each with 9 full members and its secretary. The branch goes
        through `organization_create` (its path and checks); its members and the secretary's role
        are bulk-inserted: this is the bench's setup, not what it measures, and one audited service
        call per member (each appending to the hash-chained record log) would make setting up
        2,000 branches take longer than the measurements."""
        # First-party imports after django.setup(): the bench chooses its database first.
        from django.db import transaction

        from organizations.models import Member, MemberStatus, OrgKind, Role, RoleAssignment
        from organizations.services import organization_create

        made = []
        with transaction.atomic():
            for _ in range(count):
                self._n += 1
                i = self._n
                branch = organization_create(
                    actor=None,
                    parent=self.college,
                    name=f"第{i}教工党支部",
                    kind=OrgKind.BRANCH,
                    branch_kind="teaching",
                    term_start=term_end.replace(year=term_end.year - 3),
                    term_end=term_end,
                )
                secretary = self._user(f"sec{i}")
                members = Member.objects.bulk_create(
                    [
                        Member(
                            organization=branch,
                            root_id=branch.root_id,
                            name=f"党员{i}-{k}",
                            status=MemberStatus.FULL,
                            joined_on=dt.date(2010, 7, 1),
                            user=secretary if k == 0 else None,
                        )
                        for k in range(9)
                    ]
                )
                RoleAssignment.objects.create(
                    user=secretary,
                    role=Role.BRANCH_SECRETARY,
                    organization=branch,
                    term_start=branch.term_start,
                )
                made.append((branch, secretary, members))
        self.branches.extend(made)
        return made


def api_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


class WorkerPages:
    """Pages and API answers read in this process as a gunicorn worker serves them: through the
    worker's WSGI application (`partyflow.wsgi`, its middleware loaded once), each request a WSGI
    environ with the user's session cookie or token, its response read and closed, nothing kept.

    Not Django's test client, which the web inbox bench used until 2026-12-07: a new client per user
    loads the whole middleware again at its first request (WhiteNoise's index of the static files
    included), its response holds the client and the request in reference cycles, and each request
    reconnects `close_old_connections` (one more `weakref.finalize` kept for good). A page so read
    left ≈ 5,500 objects that only the garbage collector frees, ≈ 1,400 of them in its oldest
    generation, so a full pass came every ≈ 17 pages: the page's p95. Served as here, a page leaves
    ≈ 110 and keeps none; a gunicorn worker met no full pass in 400 inbox pages (bench/README.md,
    "Tasks at national volume"). The API inbox, read with a new test client per user, counted that
    client's middleware in each timed request: ≈ 26–31 ms a request where one handler took ≈ 10 ms
    (50,000 open tasks, the machine loaded by a bench).

    While open, the bench's database connection is kept across requests as the test client keeps it
    (`close_old_connections` disconnected): a worker's is replaced once older than CONN_MAX_AGE, and
    with it would go the PostgreSQL backend whose CPU the benches read."""

    def __init__(self):
        # Imported here: the bench chooses its database before Django is set up.
        from partyflow.wsgi import application

        self.application = application

    def __enter__(self):
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        return self

    def __exit__(self, *exc):
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections

        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    @staticmethod
    def log_in(user) -> str:
        """A session of `user`, saved as Django's `force_login` saves it; returns its key (the
        cookie's value). Setup, not timed: the client is dropped."""
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    def get(
        self, url: str, *, session: str | None = None, authorization: str | None = None
    ) -> tuple[int, bytes]:
        """GET `url` (path and query) in the session `session` (a page) or with the Authorization
        header `authorization` (the API's `Token …`): the status code and the body."""
        from django.conf import settings

        path, _, query = url.partition("?")
        headers = {}
        if session:
            headers["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={session}"
        if authorization:
            headers["HTTP_AUTHORIZATION"] = authorization
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **headers,
        }
        status = []
        response = self.application(
            environ, lambda line, headers, exc_info=None: status.append(line)
        )
        try:
            body = b"".join(response)
        finally:
            response.close()  # as the server does once it has sent the body (request_finished)
        return int(status[0].split()[0]), body


def open_task(case_id: int, element_id: str):
    # First-party imports after django.setup(): the bench chooses its database first.
    from workflows.models import Task, TaskStatus

    return Task.objects.get(case_id=case_id, element_id=element_id, status=TaskStatus.OPEN)


def post_complete(client, task_id: int, data: dict):
    response = client.post(f"/api/tasks/{task_id}/complete/", {"data": data}, format="json")
    if response.status_code != 200:
        raise RuntimeError(
            f"POST /api/tasks/{task_id}/complete/ answered {response.status_code}: {response.content[:500]!r}"
        )
    return response


# --- measurements ------------------------------------------------------------------------------


def bench_case_start(world: World, *, n: int, warmup: int, term_end: dt.date) -> tuple[dict, list]:
    """case_start on n + warmup new branches (one running election per branch)."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from organizations.models import Organization
    from workflows.services import case_start

    rows = world.add_branches(n + warmup, term_end=term_end)
    samples, cases = [], []
    gc.collect()
    for i, (branch, secretary, _members) in enumerate(rows):
        # Fresh objects, as a request would have (role assignments are cached on the user object).
        actor = world.User.objects.get(pk=secretary.pk)
        org = Organization.objects.get(pk=branch.pk)
        elapsed, case = timed(case_start, actor=actor, process_id=PROCESS, organization=org)
        cases.append((case, secretary))
        if i >= warmup:
            samples.append(elapsed)
    return summarize(samples), cases


def bench_timers(cases, *, fire_at: dt.datetime) -> dict:
    """timers_run() with the clock moved to when the reminders are due, as `partyflow run-timers --now` does."""
    # First-party imports after django.setup(): the bench chooses its database first.
    import time_machine

    from workflows.models import Timer, TimerStatus
    from workflows.services import timers_run

    waiting = Timer.objects.filter(
        case_id__in=[c.pk for c, _ in cases], status=TimerStatus.WAITING
    ).count()
    gc.collect()
    with time_machine.travel(fire_at, tick=False):
        elapsed, result = timed(timers_run)
    return {
        "cases": result["cases"],
        "fired": result["fired"],
        "failed": result["failed"],
        "waiting_before": waiting,
        "fired_as_of": fire_at.isoformat(),
        "total_ms": round(elapsed * 1000, 1),
        "per_case_ms": round(elapsed * 1000 / max(1, result["cases"]), 3),
    }


def bench_completions(
    world: World, cases, *, warmup: int, term_end: dt.date, fire_at: dt.datetime
) -> dict:
    """submit_request by each branch's secretary, then reply_request by the college officer, through the API."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    election_date = (term_end + dt.timedelta(days=7)).isoformat()
    submit_data = {
        "election_date": election_date,
        "seats": 5,
        "nomination_method": "committee_proposal",
    }
    reply_data = {"approved": True, "document_no": "院党委〔2026〕12号"}
    out = {}

    # submit_request: one client per secretary (each branch has its own), built before timing.
    plan = [
        (api_client(secretary), open_task(case.pk, "submit_request").pk)
        for case, secretary in cases
    ]
    out["submit_request"] = _measure_posts(plan, submit_data, warmup=warmup)

    officer = api_client(world.officer)
    plan = [(officer, open_task(case.pk, "reply_request").pk) for case, _ in cases]
    out["reply_request"] = _measure_posts(plan, reply_data, warmup=warmup)

    # Queries of one representative completion of each kind, on a fresh case outside the timed sets.
    import time_machine

    from workflows.services import case_start, timers_run

    for element_id, data in (("submit_request", submit_data), ("reply_request", reply_data)):
        branch, secretary, _members = world.add_branches(1, term_end=term_end)[0]
        case = case_start(actor=secretary, process_id=PROCESS, organization=branch)
        with time_machine.travel(fire_at, tick=False):
            timers_run()
        if element_id == "reply_request":
            post_complete(
                api_client(secretary), open_task(case.pk, "submit_request").pk, submit_data
            )
            client = officer
        else:
            client = api_client(secretary)
        task_id = open_task(case.pk, element_id).pk
        with CaptureQueriesContext(connection) as ctx:
            post_complete(client, task_id, data)
        out[element_id]["queries"] = len(ctx.captured_queries)
        out[element_id]["sql"] = [q["sql"][:300] for q in ctx.captured_queries]
    return out


def _measure_posts(plan, data, *, warmup: int) -> dict:
    samples = []
    gc.collect()
    for i, (client, task_id) in enumerate(plan):
        elapsed, _ = timed(post_complete, client, task_id, data)
        if i >= warmup:
            samples.append(elapsed)
    return summarize(samples)


def _as_dict(value):
    """Stored JSON, whether the column is a JSONField (dict) or JSON text."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _json_bytes(value) -> int:
    """Bytes of the stored JSON: the text itself when stored as text, else json.dumps of the value."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    return len(json.dumps(value).encode("utf-8"))


def bench_state_sizes(world: World, case, secretary, *, term_end: dt.date) -> dict:
    """Drive one case (reply approved: nominate_candidates open) to record_vote; report stored sizes."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from workflows.models import Case, ProcessVersion

    members = next(m for b, s, m in world.branches if s.pk == secretary.pk)
    sec, officer = api_client(secretary), api_client(world.officer)
    sizes = {}
    post_complete(
        sec,
        open_task(case.pk, "nominate_candidates").pk,
        {"candidates": [m.pk for m in members[:6]]},
    )
    post_complete(officer, open_task(case.pk, "review_candidates").pk, {"approved": True})
    open_task(case.pk, "record_vote")  # raises unless the case waits at the vote
    case = Case.objects.get(pk=case.pk)
    version = ProcessVersion.objects.get(pk=case.process_version_id)
    from workflows.services import case_start

    branch, new_secretary, _m = world.add_branches(1, term_end=term_end)[0]
    fresh = case_start(
        actor=new_secretary, process_id=PROCESS, organization=branch
    )  # waits on its reminder
    state = _as_dict(case.state)
    sizes["state_storage"] = (
        type(case.state).__name__ if not isinstance(case.state, dict) else "json"
    )
    sizes["state_at_record_vote_bytes"] = _json_bytes(case.state)
    sizes["state_at_record_vote_tasks"] = len(state.get("tasks", {}))
    sizes["state_contains_spec"] = "spec" in state or "subprocess_specs" in state
    sizes["state_after_start_bytes"] = _json_bytes(Case.objects.get(pk=fresh.pk).state)
    sizes["spec_bytes"] = _json_bytes(version.spec)
    sizes["bpmn_files_bytes"] = _json_bytes(version.files)
    sizes["process_versions"] = ProcessVersion.objects.filter(process_id=PROCESS).count()
    sizes["cases_on_version"] = Case.objects.filter(process_version=version).count()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_column_size(state) FROM workflows_case WHERE id = %s", [case.pk])
        sizes["state_at_record_vote_pg_bytes"] = cur.fetchone()[0]
        cur.execute(
            "SELECT pg_column_size(spec) FROM workflows_processversion WHERE id = %s", [version.pk]
        )
        sizes["spec_pg_bytes"] = cur.fetchone()[0]
    return sizes


def seed_inbox(world: World, cases, *, open_tasks: int, noise: int) -> dict:
    """bulk_create open Task rows in the officer's slot (approving_committee@<college>), spread over
    the real cases and their branches, plus `noise` rows the officer must not see (other slots,
    closed tasks, tasks claimed by someone else). The inbox reads only the task table."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from django.db import connection, transaction
    from django.utils import timezone

    from workflows.assignment import slot
    from workflows.models import Task, TaskStatus

    rng = random.Random(20260601)
    now = timezone.now()
    officer_slot = slot("approving_committee", world.college.pk)
    other = world.branches[1][1]
    rows = []

    def make(case, **kw):
        due = (
            None
            if rng.random() < 0.1
            else now + dt.timedelta(minutes=rng.randint(-60 * 24 * 60, 60 * 24 * 90))
        )
        base = dict(
            case_id=case.pk,
            spiff_task_id=uuid.uuid4(),
            element_id="reply_request",
            name="批复换届请示",
            lane="approving_committee",
            slot=officer_slot,
            assignee_organization_id=world.college.pk,
            process_id=PROCESS,
            case_organization_id=case.organization_id,
            form="branch_election/approval.json",
            stage="换届请示批复",
            status=TaskStatus.OPEN,
            due_at=due,
        )
        base.update(kw)
        return Task(**base)

    for i in range(open_tasks):
        rows.append(make(cases[i % len(cases)][0]))
    for i in range(noise):
        case = cases[i % len(cases)][0]
        kind = i % 4
        if kind == 0:
            rows.append(
                make(
                    case,
                    slot=slot("branch_committee", case.organization_id),
                    lane="branch_committee",
                    element_id="submit_request",
                    name="提交换届请示",
                    assignee_organization_id=case.organization_id,
                )
            )
        elif kind == 1:
            rows.append(make(case, status=TaskStatus.COMPLETED, completed_at=now))
        elif kind == 2:
            rows.append(make(case, status=TaskStatus.CANCELLED, completed_at=now))
        else:
            rows.append(make(case, claimed_by_id=other.pk))
    t0 = time.perf_counter()
    with transaction.atomic():
        Task.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cur:
        # What autovacuum does on a live system: statistics and the visibility map (index-only scans).
        cur.execute("VACUUM ANALYZE workflows_task")
    return {
        "open_in_slot": open_tasks,
        "noise_rows": noise,
        "insert_ms": round((time.perf_counter() - t0) * 1000, 1),
        "task_rows_total": Task.objects.count(),
    }


def bench_inbox(world: World, *, n: int, warmup: int, expect_at_least: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client(world.officer)

    def get():
        response = client.get("/api/tasks/")
        if response.status_code != 200:
            raise RuntimeError(
                f"GET /api/tasks/ answered {response.status_code}: {response.content[:500]!r}"
            )
        return response

    for _ in range(warmup):
        get()
    samples = []
    gc.collect()
    for _ in range(n):
        elapsed, response = timed(get)
        samples.append(elapsed)
    body = response.json()
    if body["count"] < expect_at_least:
        raise RuntimeError(
            f"the inbox counts {body['count']} tasks, expected at least {expect_at_least}"
        )
    with CaptureQueriesContext(connection) as ctx:
        get()
    out = summarize(samples)
    out.update(
        count=body["count"],
        page_rows=len(body["results"]),
        queries=len(ctx.captured_queries),
        sql=[q["sql"][:600] for q in ctx.captured_queries],
    )
    with connection.cursor() as cur:
        # The plan of the page query (the last one of the request), for the report.
        page_sql = next(
            (
                q["sql"]
                for q in reversed(ctx.captured_queries)
                if "LIMIT" in q["sql"] and "workflows_task" in q["sql"]
            ),
            None,
        )
        if page_sql:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + page_sql)
            out["page_plan"] = [r[0] for r in cur.fetchall()]
        count_sql = next(
            (q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()), None
        )
        if count_sql:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + count_sql)
            out["count_plan"] = [r[0] for r in cur.fetchall()]
    return out


def bench_baseline(*, n: int = 300) -> dict:
    """What one query costs on this machine: the round trip floor and an ORM primary-key read."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from django.db import connection, transaction
    from django.db.models import F

    from workflows.models import Case, Task

    pk = Task.objects.order_by("id").values_list("id", flat=True).first()
    case_pk = Case.objects.order_by("id").values_list("id", flat=True).first()
    out = {}

    def run(label, fn):
        for _ in range(20):
            fn()
        samples = []
        for _ in range(n):
            samples.append(timed(fn)[0])
        out[label] = summarize(samples)

    with connection.cursor() as cur:
        run("select_1", lambda: cur.execute("SELECT 1"))

    run("orm_task_get", lambda: Task.objects.get(pk=pk))

    def write():
        with transaction.atomic():
            Case.objects.filter(pk=case_pk).update(lock_version=F("lock_version"))

    run("orm_update_commit", write)
    return out


def check_lock_scope(cases) -> dict:
    """Does the row lock task_complete takes on a case also lock rows other cases need?

    A thread holds the lock exactly as task_complete takes it
    (`workflows.services.state.locked_case`); meanwhile the SKIP LOCKED form of the same lock — what
    the timer workers use — is taken on a *different* case of the same process version. It should
    be granted; a skip means a shared row (the process version, or the organization) was locked
    too."""
    # First-party imports after django.setup(): the bench chooses its database first.
    import threading

    from django.db import connections, transaction

    from workflows.services.state import locked_case

    a, b = cases[0][0].pk, cases[1][0].pk
    held, release = threading.Event(), threading.Event()
    errors = []

    def holder():
        try:
            with transaction.atomic():
                locked_case(a).get()
                held.set()
                release.wait(10)
        except Exception as exc:  # reported, not raised from the thread
            errors.append(repr(exc))
            held.set()
        finally:
            connections.close_all()

    def probe():
        with transaction.atomic():
            return locked_case(b, skip_locked=True).first() is not None

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    try:
        granted = probe()
    finally:
        release.set()
        thread.join()
    control = probe()  # the same lock with nothing held: must be granted
    return {
        "held_case": a,
        "other_case": b,
        "other_case_skipped": not granted,
        "control_not_skipped": control,
        "errors": errors,
    }


# --- report ------------------------------------------------------------------------------------


def aim_text(aim):
    return f"<= {aim:g} ms" if aim is not None else "-"


def met_text(value, aim):
    if aim is None:
        return "-"
    return "yes" if value <= aim else "NO"


def print_rows(header: tuple, lines: list[tuple]) -> None:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: tuple) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        )

    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt(line))


def print_table(rows: list[dict]) -> None:
    header = ("metric", "median ms", "p95 ms", "mean ms", "n", "queries", "aim (median)", "met?")
    print_rows(
        header,
        [
            (
                r["metric"],
                f"{r['median_ms']:.2f}",
                f"{r['p95_ms']:.2f}",
                f"{r['mean_ms']:.2f}",
                str(r["n"]),
                str(r.get("queries", "-")),
                aim_text(r.get("aim_ms")),
                met_text(r["median_ms"], r.get("aim_ms")),
            )
            for r in rows
        ],
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_bench"),
        help="bench database, dropped and recreated at every run (default: partyflow_bench)",
    )
    parser.add_argument(
        "--starts",
        type=int,
        default=200,
        help="measured case starts = measured completions of each kind (default 200)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=10,
        help="untimed iterations before each measurement (default 10)",
    )
    parser.add_argument(
        "--inbox-tasks",
        type=int,
        default=10_000,
        help="open tasks in the officer's inbox (default 10000)",
    )
    parser.add_argument(
        "--inbox-noise",
        type=int,
        default=10_000,
        help="task rows the officer must not see (default 10000)",
    )
    parser.add_argument(
        "--inbox-requests", type=int, default=500, help="measured inbox requests (default 500)"
    )
    parser.add_argument(
        "--md-cases",
        type=int,
        default=40,
        help="member-development completions per group, fresh vs 3 years (default 40)",
    )
    parser.add_argument(
        "--output", default=str(RESULTS_DIR / "latest.json"), help="JSON results file"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    db_info = prepare_database(args.db)

    # First-party imports after django.setup(): the bench chooses its database first.
    import django

    django.setup()
    from django.core.management import call_command

    from engine.calendar import today
    from workflows.services import process_deploy

    def step(message):
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    step(f"database {args.db} recreated on PostgreSQL {db_info['server_version']}; migrating")
    call_command("migrate", verbosity=0)
    deployed = process_deploy()
    step(f"deployed {', '.join(f'{v.process_id}@{v.version}' for v, _ in deployed)}")

    # Terms end in two years, so each new case waits on its reminder (due election.reminder_lead,
    # 6 months, before the term ends), the usual state of a started election. timers_run() then
    # fires the reminders as of the day after they are due. (A term ending within 6 months would
    # make case_start fire the reminder inline, and timers_run would have nothing to do.)
    from dateutil.relativedelta import relativedelta

    from engine.calendar import CST

    term_end = today() + dt.timedelta(days=730)
    fire_at = dt.datetime.combine(
        term_end - relativedelta(months=6) + dt.timedelta(days=1), dt.time(10), tzinfo=CST
    )
    world = World()

    step(f"case_start x {args.starts} (+{args.warmup} warm-up)")
    start_stats, cases = bench_case_start(
        world, n=args.starts, warmup=args.warmup, term_end=term_end
    )
    step(f"timers_run as of {fire_at.isoformat()} (reminders due on every case)")
    timer_stats = bench_timers(cases, fire_at=fire_at)
    if timer_stats["fired"] < len(cases):
        raise RuntimeError(
            f"expected {len(cases)} reminders to fire, timers_run fired {timer_stats['fired']}: {timer_stats}"
        )

    step(
        f"completions through the API: submit_request and reply_request x {args.starts} (+{args.warmup} warm-up) each"
    )
    completion = bench_completions(
        world, cases, warmup=args.warmup, term_end=term_end, fire_at=fire_at
    )

    step("state sizes (one case driven to record_vote)")
    sizes = bench_state_sizes(world, *cases[-1], term_end=term_end)

    step(
        f"seeding {args.inbox_tasks} open tasks in the officer's inbox (+{args.inbox_noise} other rows)"
    )
    seeded = seed_inbox(world, cases, open_tasks=args.inbox_tasks, noise=args.inbox_noise)
    step(f"GET /api/tasks/ x {args.inbox_requests} (+{args.warmup} warm-up)")
    inbox = bench_inbox(
        world, n=args.inbox_requests, warmup=args.warmup, expect_at_least=args.inbox_tasks
    )

    step("baseline: one query on this machine; lock scope check")
    baseline = bench_baseline()
    lock_scope = check_lock_scope(cases[args.warmup :])

    from bench.member_development import bench_member_development
    from bench.member_development import print_result as print_member_development

    step(
        f"member development: cultivation_review after 3 years of reports vs a fresh case, x {args.md_cases} each"
    )
    member_development = bench_member_development(world, n=args.md_cases, warmup=args.warmup)

    rows = [
        {"metric": "case_start (service, branch_election)", **start_stats, "aim_ms": None},
        {
            "metric": "POST complete submit_request (API)",
            **{k: v for k, v in completion["submit_request"].items() if k != "sql"},
            "aim_ms": COMPLETION_AIM_MS,
        },
        {
            "metric": "POST complete reply_request (API)",
            **{k: v for k, v in completion["reply_request"].items() if k != "sql"},
            "aim_ms": COMPLETION_AIM_MS,
        },
        {
            "metric": f"GET /api/tasks/ inbox ({inbox['count']} open)",
            **{k: v for k, v in inbox.items() if k not in ("sql", "page_plan", "count_plan")},
            "aim_ms": INBOX_AIM_MS,
        },
    ]
    rows += [
        {"metric": "baseline: SELECT 1 round trip", **baseline["select_1"], "aim_ms": None},
        {
            "metric": "baseline: ORM Task.objects.get(pk)",
            **baseline["orm_task_get"],
            "aim_ms": None,
        },
        {
            "metric": "baseline: ORM update + COMMIT",
            **baseline["orm_update_commit"],
            "aim_ms": None,
        },
    ]
    print()
    print_table(rows)
    print()
    print(
        f"timers_run: {timer_stats['fired']} reminders fired on {timer_stats['cases']} cases in {timer_stats['total_ms']} ms "
        f"({timer_stats['per_case_ms']} ms per case)"
    )
    print(
        f"inbox: count={inbox['count']}, page rows={inbox['page_rows']}, queries={inbox['queries']}; "
        f"task table {seeded['task_rows_total']} rows"
    )
    print(
        f"stored state at record_vote: {sizes['state_at_record_vote_bytes']} bytes JSON "
        f"({sizes['state_at_record_vote_pg_bytes']} bytes in PostgreSQL, {sizes['state_at_record_vote_tasks']} tasks, "
        f"spec inside: {'yes' if sizes['state_contains_spec'] else 'no'}); after start: {sizes['state_after_start_bytes']} bytes"
    )
    print(
        f"process version spec: {sizes['spec_bytes']} bytes JSON ({sizes['spec_pg_bytes']} bytes in PostgreSQL), stored once: "
        f"{sizes['process_versions']} version row(s) for {sizes['cases_on_version']} cases"
    )
    print(
        f"lock scope: while one case is locked the way task_complete locks it, the timer workers' SKIP LOCKED lock on another case of the same "
        f"version was {'SKIPPED (the lock also covers the shared process version / organization rows)' if lock_scope['other_case_skipped'] else 'granted (locks are per case)'}"
    )
    print_member_development(member_development)
    elapsed = time.perf_counter() - started
    print(f"total run time {elapsed:.1f} s")

    from importlib.metadata import version as pkg_version

    results = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "spiffworkflow": pkg_version("SpiffWorkflow"),
            "postgresql": db_info["server_version"],
            "database": args.db,
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "parameters": {
            "starts": args.starts,
            "warmup": args.warmup,
            "inbox_tasks": args.inbox_tasks,
            "inbox_noise": args.inbox_noise,
            "inbox_requests": args.inbox_requests,
        },
        "metrics": [
            {**r, "met": None if r.get("aim_ms") is None else r["median_ms"] <= r["aim_ms"]}
            for r in rows
        ],
        "timers_run": timer_stats,
        "completion_sql": {k: completion[k]["sql"] for k in ("submit_request", "reply_request")},
        "inbox": {
            "seeded": seeded,
            "sql": inbox["sql"],
            "page_plan": inbox.get("page_plan"),
            "count_plan": inbox.get("count_plan"),
        },
        "sizes": sizes,
        "lock_scope": lock_scope,
        "member_development": member_development,
        "run_seconds": round(elapsed, 1),
    }
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
