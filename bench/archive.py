"""The archive of closed years at volume: the inbox with the open tasks alone, with the closed
years' history beside them, and after that history is moved; the move's rows/s; an archived case
read back. One run, one table; never asserts.

    python -m bench.archive                        # DATABASE_URL=postgres://…/partyflow
    python -m bench.archive --users 100000 --open-tasks 1000000 --closed-cases 900000
                                                   # 1 M open + 9 M closed tasks, 9 M audit events

Like bench.run it recreates its own database (`partyflow_archive_bench`) on the server of
DATABASE_URL. Setup (not measured): the open tasks of `--users` inbox users (bench.scale's loader),
a real election case started and withdrawn (its page is read before and after the move), and
`--closed-cases` completed cases closed over the last ten years with `--per-case` tasks and as many
audit events each, bulk-loaded with `generate_series` (bench.scale's `bulk_load`: the tables'
secondary indexes built after the load, the per-row reference checks off for it). Measured, with
the load average beside each:
  1. the inbox for random users, API (`GET /api/tasks/`, the real selector and view) and web page
     (`GET /inbox/?tab=queue`, server time): p50/p95 — with the open tasks alone, with the closed
     history loaded, and after the move and `VACUUM ANALYZE` of the live tables (what an operator
     runs after it);
  2. `cases_archive_closed` moving every closed case (`--batch` cases a transaction): wall time,
     the CPU of this process and of its PostgreSQL backend, rows/s;
  3. the withdrawn case's page (`/cases/ID/`) and history (`/api/cases/ID/history/`) read from the
     live tables before the move and from the archive after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time

from .run import RESULTS_DIR, World, api_client, prepare_database, print_rows, summarize, timed
from .scale import (
    _cpu_seconds,
    bench_big_inbox,
    bench_web_inbox,
    bulk_load,
    seed_big_inbox,
    start_due_cases,
)


def load_closed_cases(template_case_id: int, *, cases: int, per_case: int, years: int = 10) -> dict:
    """SQL bulk load of `cases` completed election cases of the scale branches, closed over the last
    `years` years, each with `per_case` completed tasks and one `task_completed` event per task
    (seq 1…per_case). The events' hashes are not a real chain: the bench measures the move, the
    tests (tests/workflows/test_archive.py) show that a moved chain verifies."""
    from django.db import connection

    t0 = time.perf_counter()
    with (
        bulk_load("workflows_case", "workflows_task", "workflows_auditevent"),
        connection.cursor() as cur,
    ):
        cur.execute("SELECT max(id) FROM workflows_case")
        first = cur.fetchone()[0] + 1
        cur.execute(
            """WITH o AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                          FROM organizations_organization WHERE name LIKE '规模支部%%'),
                    n AS (SELECT count(*) AS c FROM o)
               INSERT INTO workflows_case (process_version_id, process_id, rule_set, organization_id,
                   subject, business_key, status, stage, state, serializer_version, data, lock_version,
                   audit_seq, audit_head, cancel_reason, created_at, updated_at, completed_at)
               SELECT c.process_version_id, c.process_id, c.rule_set, o.id, o.id::text, '', 'completed',
                      '', c.state, c.serializer_version, c.data, 0, %s, '', '', at - interval '60 days', at, at
               FROM workflows_case c, n, generate_series(0, %s - 1) g
               JOIN o ON o.k = g %% (SELECT c FROM n)
               CROSS JOIN LATERAL (SELECT now() - interval '400 days'
                                   - (g::float / %s) * %s * interval '365 days' AS at) l
               WHERE c.id = %s""",
            [per_case, cases, cases, years, template_case_id],
        )
        cur.execute(
            """INSERT INTO workflows_task (case_id, spiff_task_id, element_id, name, lane, slot,
                   assignee_organization_id, process_id, case_organization_id, form, stage, documentation,
                   status, due_at, created_at, completed_at)
               SELECT c.id, gen_random_uuid(), 'submit_request', '提交换届请示', 'branch_secretary',
                      'branch_secretary@' || c.organization_id, c.organization_id, c.process_id,
                      c.organization_id, 'branch_election/submit_request.json', '换届请示', '',
                      'completed', c.created_at + j * interval '5 days',
                      c.created_at + j * interval '5 days', c.created_at + j * interval '5 days' + interval '1 day'
               FROM workflows_case c, generate_series(1, %s) j WHERE c.id >= %s""",
            [per_case, first],
        )
        cur.execute(
            """INSERT INTO workflows_auditevent (case_id, organization_id, actor_name, actor_roles,
                   on_behalf_of_name, action, task_id, task_name, data, created_at, seq, prev_hash, hash)
               SELECT t.case_id, t.case_organization_id, 'sec', '[{"role": "branch_secretary"}]', '',
                      'task_completed', t.id, t.name,
                      '{"submitted": {"election_date": "2020-01-06", "seats": 5,
                        "nomination_method": "committee_proposal"}}',
                      t.completed_at, row_number() OVER (PARTITION BY t.case_id ORDER BY t.id), '',
                      md5(t.id::text) || md5(t.case_id::text)
               FROM workflows_task t WHERE t.case_id >= %s""",
            [first],
        )
    with connection.cursor() as cur:
        for table in ("workflows_case", "workflows_task", "workflows_auditevent"):
            cur.execute(f"VACUUM ANALYZE {table}")
    return {"closed_cases": cases, "load_s": round(time.perf_counter() - t0, 1)} | table_sizes()


def table_sizes() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in (
            "workflows_task",
            "workflows_auditevent",
            "workflows_taskarchive",
            "workflows_auditeventarchive",
        ):
            cur.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            rows, size = cur.fetchone()
            out[table] = {"rows": rows, "mb": round(size / 2**20)}
    return out


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def inbox_plan_index() -> str:
    """The index PostgreSQL reads the inbox's page from, for one of the users (EXPLAIN)."""
    # First-party imports after django.setup() (in main): the bench chooses its database first.
    from django.contrib.auth import get_user_model

    from workflows.selectors import task_inbox

    user = get_user_model().objects.filter(username__startswith="scale").first()
    plan = task_inbox(user)[:50].explain()
    return "task_inbox_open" if "task_inbox_open" in plan else plan


def inbox(sample: int, web_sample: int, backend: int) -> dict:
    """bench.scale's inbox samples, the API's with the CPU seconds per request of this process
    (Django, DRF) and of its PostgreSQL backend (what the load average does not stretch), then the
    web page's; with the task rows they were read beside."""
    # First-party imports after django.setup() (in main): the bench chooses its database first.
    from django.db import connection

    from workflows.models import Task

    # Planner statistics for every table first, as autovacuum keeps them in production (this
    # PostgreSQL runs without it). Without them the users and organizations the setup wrote read as
    # never analyzed, and at 10 M task rows the API page joined the organizations by hashing all
    # 20,005 of them twice (9.1 ms of its SQL; 0.35 ms by index once analyzed). Then what the load
    # and its VACUUM dirtied is written, not by a checkpoint during the reads (as bench.scale does
    # before each timer run).
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute("CHECKPOINT")
    cpu0, pg0 = time.process_time(), _cpu_seconds(backend)
    out = bench_big_inbox(sample=sample, warmup=20)
    n = sample + 20
    out |= {
        "cpu_ms_per_request": round((time.process_time() - cpu0) * 1000 / n, 1),
        "pg_cpu_ms_per_request": round((_cpu_seconds(backend) - pg0) * 1000 / n, 2),
        "load": load_average(),
    }
    if web_sample:
        out["web"] = bench_web_inbox(sample=web_sample, warmup=20) | {"load": load_average()}
    return out | {"task_rows": Task.objects.count()}


def inbox_rows(when: str, measured: dict) -> list[tuple[str, str, str]]:
    """The table's rows for one inbox measurement: the API's, then the web page's."""
    rows = [
        (
            f"inbox GET /api/tasks/ {when} ({measured['task_rows']:,} task rows): p50 / p95; "
            "CPU per request",
            f"{measured['median_ms']} / {measured['p95_ms']} ms; "
            f"{measured['cpu_ms_per_request']} ms + PostgreSQL "
            f"{measured['pg_cpu_ms_per_request']} ms",
            measured["load"],
        )
    ]
    if "web" in measured:
        web = measured["web"]
        rows.append(
            (
                f"web inbox GET /inbox/ {when}: p50 / p95; requests with a full garbage "
                "collection: their median",
                f"{web['median_ms']} / {web['p95_ms']} ms; {web['gc']['requests_with_a_full_collection']}"
                f" of {web['n']}: {web['gc']['their_median_ms']} ms",
                web["load"],
            )
        )
    return rows


def read_case(case_id: int, reader, *, n: int) -> dict:
    """The case's page and its API history, `n` times each (after one unmeasured read), with the
    statements of one read and the slowest of them (its milliseconds and its first words)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    page = Client()
    page.force_login(reader)
    api = api_client(reader)
    out = {}
    for name, client, url in (
        ("page", page, f"/cases/{case_id}/"),
        ("history", api, f"/api/cases/{case_id}/history/"),
    ):
        samples = []
        for i in range(n + 1):
            elapsed, response = timed(client.get, url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            if i:
                samples.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        out[name] = summarize(samples) | {
            "bytes": len(response.content),
            "statements": len(captured),
            "slowest_statement": f"{float(slowest['time']) * 1000:.0f} ms {slowest['sql'][:80]}",
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.archive", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", default="partyflow_archive_bench")
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--open-tasks", type=int, default=200_000)
    parser.add_argument("--closed-cases", type=int, default=200_000)
    parser.add_argument("--per-case", type=int, default=10)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--inbox-sample", type=int, default=300)
    parser.add_argument(
        "--web-sample", type=int, default=200, help="web inbox pages read each time; 0: none"
    )
    parser.add_argument(
        "--no-move",
        action="store_true",
        help="stop after reading the inbox beside the closed history (no move, no reads after it)",
    )
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="read without the web worker's start-up freeze (partyflow.startup): as before it",
    )
    parser.add_argument("--output", default=str(RESULTS_DIR / "archive.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def step(message):
        print(
            f"[{time.perf_counter() - started:6.1f}s load {load_average()}] {message}", flush=True
        )

    db_info = prepare_database(args.db)
    # First-party imports after django.setup(): the bench chooses its database first.
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from workflows.models import Case
    from workflows.services import case_cancel, process_deploy
    from workflows.services.archive import cases_archive_closed

    call_command("migrate", verbosity=0)
    process_deploy()
    world = World()
    step("starting three election cases")
    (running, _s), (withdrawn, _w), (template, _t) = start_due_cases(world, 3)
    case_cancel(actor=world.orgdept, case=withdrawn, reason="换届时间调整，撤回重报")
    step(f"loading {args.open_tasks:,} open tasks over {args.users:,} users")
    results = {"database": db_info, "args": vars(args)}
    results["inbox_seed"] = seed_big_inbox(
        world, running.pk, users=args.users, tasks=args.open_tasks
    )
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    if not args.no_freeze:
        # As a gunicorn worker does before its first request: the WSGI application loaded (the
        # pages are read through it, bench.run.WorkerPages), then gunicorn.conf.py's
        # post_worker_init. First-party imports after django.setup(): the bench chooses its
        # database first.
        import partyflow.wsgi  # noqa: F401
        from partyflow.startup import web_worker_started

        web_worker_started()
    step("inbox with the open tasks alone")
    results["inbox_open_only"] = inbox(args.inbox_sample, args.web_sample, backend)
    step(f"loading {args.closed_cases:,} closed cases × {args.per_case} tasks and events")
    results["closed_seed"] = load_closed_cases(
        template.pk, cases=args.closed_cases, per_case=args.per_case
    )
    results["inbox_index"] = inbox_plan_index()
    step("inbox before the move")
    results["inbox_before"] = inbox(args.inbox_sample, args.web_sample, backend)
    results["case_before"] = read_case(withdrawn.pk, world.orgdept, n=20) | {"load": load_average()}
    seed = results["closed_seed"]
    rows_before = (
        "rows before: tasks / events (live)",
        f"{seed['workflows_task']['rows']:,} / {seed['workflows_auditevent']['rows']:,}",
        "",
    )
    if args.no_move:
        print()
        print_rows(
            ("measure", "value", "load average (1, 5, 15 min)"),
            [
                rows_before,
                ("inbox reads its page from", results["inbox_index"], ""),
                *inbox_rows("with the open tasks alone", results["inbox_open_only"]),
                *inbox_rows("beside the closed history", results["inbox_before"]),
            ],
        )
        save(results, args.output)
        return 0

    step("archiving every closed case")
    cpu0, backend0, t0 = time.process_time(), _cpu_seconds(backend), time.perf_counter()
    load_before = load_average()
    run = cases_archive_closed(before=dt.date.today().year + 1, batch=args.batch)
    wall = time.perf_counter() - t0
    rows = sum(run.rows.values())
    results["archive"] = {
        "cases": run.cases,
        "batches": run.batches,
        "rows": run.rows,
        "wall_s": round(wall, 1),
        "rows_per_s": round(rows / wall),
        "cpu_s_process": round(time.process_time() - cpu0, 1),
        "cpu_s_postgres": round(_cpu_seconds(backend) - backend0, 1),
        "load_at_start": load_before,
        "load_at_end": load_average(),
    }
    again = cases_archive_closed(before=dt.date.today().year + 1, batch=args.batch)
    results["archive"]["second_run_cases"] = again.cases
    step("VACUUM ANALYZE of the live tables")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("workflows_task", "workflows_auditevent", "workflows_timer"):
            cur.execute(f"VACUUM ANALYZE {table}")
    results["vacuum_s"] = round(time.perf_counter() - t0, 1)
    results["sizes_after"] = table_sizes()
    step("inbox after the move")
    results["inbox_after"] = inbox(args.inbox_sample, args.web_sample, backend)
    assert Case.objects.get(pk=withdrawn.pk).archived_at is not None
    results["case_after"] = read_case(withdrawn.pk, world.orgdept, n=20) | {"load": load_average()}

    a = results["archive"]
    print()
    print_rows(
        ("measure", "value", "load average (1, 5, 15 min)"),
        [
            rows_before,
            ("inbox reads its page from", results["inbox_index"], ""),
            *[
                row
                for when, key in (
                    ("with the open tasks alone", "inbox_open_only"),
                    ("before the move", "inbox_before"),
                    ("after the move", "inbox_after"),
                )
                for row in inbox_rows(when, results[key])
            ],
            (
                f"archive: {a['cases']:,} cases, {sum(a['rows'].values()):,} rows",
                f"{a['wall_s']} s, {a['rows_per_s']:,} rows/s; CPU {a['cpu_s_process']} s + "
                f"PostgreSQL {a['cpu_s_postgres']} s",
                f"{a['load_at_start']} → {a['load_at_end']}",
            ),
            ("second run moved", f"{a['second_run_cases']} cases", ""),
            *[
                (
                    f"withdrawn case {what} {when}: p50 / p95; statements, the slowest",
                    f"{results[key][what]['median_ms']} / {results[key][what]['p95_ms']} ms; "
                    f"{results[key][what]['statements']}, {results[key][what]['slowest_statement']}",
                    results[key]["load"],
                )
                for what in ("page", "history")
                for when, key in (("live", "case_before"), ("archived", "case_after"))
            ],
            (
                "rows after: tasks / events (live); archived",
                f"{results['sizes_after']['workflows_task']['rows']:,} / "
                f"{results['sizes_after']['workflows_auditevent']['rows']:,}; "
                f"{results['sizes_after']['workflows_taskarchive']['rows']:,} / "
                f"{results['sizes_after']['workflows_auditeventarchive']['rows']:,}",
                "",
            ),
        ],
    )
    save(results, args.output)
    return 0


def save(results: dict, output: str) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with open(output, "w") as f:
        json.dump(results, f, indent=2, default=str)
    print(f"\nnumbers: {output}")


if __name__ == "__main__":
    raise SystemExit(main())
