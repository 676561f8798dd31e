"""The cost of one timer, measured in ways a loaded machine does not distort:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow .venv/bin/python -m bench.timer_cost --timers 2000

One process fires N due reminders (`make bench-scale`'s cases: branch elections whose reminder fell
due yesterday) through the code path a Celery worker runs: the sweep's query, cut into batches of
PARTYFLOW["TIMER_BATCH"] cases, each batch through the `fire_timers_batch` task body, after the
worker's own start-up hook (`gc.freeze`). It prints, per timer: this process's CPU
(`resource.getrusage`), the PostgreSQL backend's CPU (the server runs on this machine: its
`/proc/<pid>/stat`), the statements sent, the garbage collector's time; with `--profile N` the top N
functions by own time (cProfile). Each timer is checked to have fired once, with one audit event.

Like bench.run it never touches the database named in DATABASE_URL: it recreates `--db`, and
keeps a copy of it as set up (`<db>_template`, before any timer fired) that `--reuse` starts from
instead of setting up the cases again (minutes on a loaded machine; due "yesterday", so the same
day). `--timers` then fires that many of them (to compare two runs' instruction counts under
`valgrind --tool=callgrind`: the difference between two sizes is the cost of the timers alone).
`--no-freeze` leaves the collector as a process without the worker's hook has it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import time
from pathlib import Path

from .run import World, drop_refusal, mark_bench_database, prepare_database
from .scale import start_due_cases

_TICK = os.sysconf("SC_CLK_TCK")
WARM = 20  # cases fired first, not counted


def _copy_database(db: str, copy: str) -> None:
    """Keep `db` as it is now in `copy` (replaced), for `--reuse`. Closes Django's connection: a
    database is copied only while nobody is connected to it."""
    import psycopg2
    from django.db import connection
    from psycopg2 import sql

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    params.pop("database", None)
    connection.close()
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    with conn.cursor() as cur:
        refusal = drop_refusal(cur, copy)
        if refusal:
            conn.close()
            raise SystemExit(refusal)
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(copy)))
        cur.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(db)
            )
        )
        mark_bench_database(cur, copy)
    conn.close()


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu(pid: int) -> float:
    """utime + stime of a PostgreSQL backend on this machine, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


class _GcTime:
    """CPU time the garbage collector spends (gc.callbacks), and its collections per generation."""

    def __init__(self):
        self.seconds, self.collections, self._t0 = 0.0, [0, 0, 0], 0.0

    def __call__(self, phase, info):
        if phase == "start":
            self._t0 = time.process_time()
        else:
            self.seconds += time.process_time() - self._t0
            self.collections[info["generation"]] += 1


class _Sections:
    """Process CPU spent inside coarse parts of the batch (`--sections`): each part's function is
    wrapped where the batch looks it up (a module attribute), and its time counted inclusive of what
    it calls; a wrapper costs ≈ 1 µs a call, so only parts called a few times per case are wrapped."""

    def __init__(self):
        from engine.runtime import WorkflowRun
        from notifications import deliveries
        from procedures.branch_election import effects as election_effects
        from workflows import audit
        from workflows.services import state, timers

        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo = []
        parts = [
            (state, "restore", "workflow restored (JSON parsed, SpiffWorkflow)"),
            (WorkflowRun, "refresh_timers", "timer fired + engine steps (SpiffWorkflow)"),
            (state, "plan_step", "step planned (rows, case fields, dump, JSON)"),
            (WorkflowRun, "dump", "  of which: workflow dumped (SpiffWorkflow)"),
            (WorkflowRun, "ready_user_tasks", "  of which: ready tasks and due dates"),
            (audit, "build", "audit events built (hash)"),
            (state, "write_rows", "task and timer rows written"),
            (timers, "_apply_effects_many", "effects (notifications) + their events"),
            (
                election_effects,  # imports it by name
                "term_expiry_notify_many",
                "  of which: reminder notifications",
            ),
            (state, "update_cases", "cases updated"),
            (deliveries, "deliveries_plan", "deliveries planned (after commit)"),
        ]
        for owner, name, label in parts:
            self._wrap(owner, name, label)

    def _wrap(self, owner, name, label):
        original = owner.__dict__[name]
        fn = original.__func__ if isinstance(original, staticmethod) else original
        spent, calls = self.spent, self.calls
        spent[label], calls[label] = 0.0, 0

        def timed(*args, **kwargs):
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - t0
                calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def restore(self):
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)

    def report(self, total: float, n: int) -> str:
        lines = [f"  per timer, CPU ms ({n} timers; inclusive; the rest is the batch's own work):"]
        for label, seconds in self.spent.items():
            lines.append(f"    {label:50s} {seconds * 1000 / n:6.3f}   ({self.calls[label]} calls)")
        top = sum(v for k, v in self.spent.items() if not k.startswith("  "))
        lines.append(
            f"    {'the rest (queries, bulk inserts, commit, Celery)':50s} "
            f"{(total - top) * 1000 / n:6.3f}"
        )
        return "\n".join(lines)


def _print_parts(cases) -> None:
    """SpiffWorkflow's share of a timer, per case, in this process's CPU (the best of 3 rounds):
    the state's JSON parsed, the workflow restored from it, the due timer fired with the engine
    steps after it, the workflow dumped and its JSON written. In memory: nothing is saved."""
    import json

    from workflows.services import state

    cases = list(cases)
    moment = max(t.due_at for c in cases for t in c.timers.all())

    def best(fn) -> float:
        rounds = []
        for _ in range(3):
            t0 = time.process_time()
            for c in cases:
                fn(c)
            rounds.append((time.process_time() - t0) / len(cases))
        return min(rounds) * 1e6

    runs = {}

    def fired(c):
        runs[c.pk] = run = state.restore(c)
        run.refresh_timers(moment)

    parse = best(lambda c: json.loads(c.state))
    restore = best(state.restore)
    restore_and_fire = best(fired)
    dumps = {c.pk: runs[c.pk].dump() for c in cases}
    dump = best(lambda c: runs[c.pk].dump())
    write = best(lambda c: json.dumps(dumps[c.pk], separators=(",", ":"), ensure_ascii=False))
    print(
        f"SpiffWorkflow's share per case ({len(cases)} cases, CPU µs, best of 3):\n"
        f"  JSON parsed        {parse:7.1f}\n"
        f"  restored (with it) {restore:7.1f}\n"
        f"  fired + steps      {restore_and_fire - restore:7.1f}\n"
        f"  dumped             {dump:7.1f}\n"
        f"  JSON written       {write:7.1f}",
        flush=True,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.timer_cost", description=__doc__)
    parser.add_argument(
        "--db",
        default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_timer_cost"),
        help="bench database, dropped and recreated (default partyflow_timer_cost)",
    )
    parser.add_argument("--timers", type=int, default=2000, help="due reminders fired (2000)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print the top N functions (cProfile)"
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="print a sampled call tree (pyinstrument, if installed: .venv/bin/pip install"
        " pyinstrument; it adds little per call, unlike cProfile)",
    )
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="do not run the worker's start-up hook (gc.freeze) before firing",
    )
    parser.add_argument(
        "--gc-threshold",
        type=int,
        nargs="+",
        metavar="N",
        help="gc.set_threshold(N…) after the start-up hook (an experiment: the default is the hook's)",
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="first print SpiffWorkflow's share per case (restore, firing, dump, JSON) on up to"
        " 300 of the due cases, in memory (nothing is saved), then fire as usual",
    )
    parser.add_argument(
        "--sections",
        action="store_true",
        help="print the worker CPU per timer spent in each coarse part of the batch (restore, firing,"
        " planning, audit, rows, notifications, the cases' update)",
    )
    parser.add_argument(
        "--template",
        help="the copy kept and reused (default <db>_template; runs side by side"
        " each need their own --db)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start from the copy a previous run kept (<db>_template) instead of new cases",
    )
    args = parser.parse_args(argv)

    template = args.template or f"{args.db}_template"
    prepare_database(args.db, template=template if args.reuse else None)
    # First-party imports after django.setup(): the bench chooses its database first.
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from partyflow import celery as worker
    from workflows.models import AuditEvent, Case, Timer, TimerStatus
    from workflows.services import due_case_ids, process_deploy, timer_batches
    from workflows.tasks import fire_timers_batch

    if args.reuse:
        case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        warm, case_ids = case_ids[:WARM], case_ids[WARM : WARM + args.timers]
    else:
        call_command("migrate", verbosity=0)
        process_deploy()
        world = World()
        print(f"starting {args.timers} cases whose reminder is due …", flush=True)
        warm = [c.pk for c, _s in start_due_cases(world, WARM)]
        case_ids = [c.pk for c, _s in start_due_cases(world, args.timers)]
        connection.close()
        _copy_database(args.db, template)
    # A first batch warms the process (the spec cache, the rule set, compiled queries) as a
    # worker's first message does; it is not counted.
    fire_timers_batch(warm)
    connection.close()  # a worker's connection: opened by its first task, after the fork

    if args.parts:
        _print_parts(Case.objects.filter(pk__in=case_ids[:300]).select_related("process_version"))

    if not args.no_freeze:
        worker._freeze_start_up_objects()
    if args.gc_threshold:
        gc.set_threshold(*args.gc_threshold)
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    gc_time = _GcTime()
    gc.callbacks.append(gc_time)
    # CPU time, not wall time: on a shared machine the wall clock counts the waits for a core.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    sampler = None
    if args.sample:
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0005)
    sections = _Sections() if args.sections else None
    with connection.execute_wrapper(count):
        # What the sweep hands to the workers (of this run's cases: --reuse may fire fewer).
        chosen = set(case_ids)
        due = [pk for pk in due_case_ids(limit=100_000) if pk in chosen]
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            backend = cur.fetchone()[0]
        statements[0] = 0
        pg0, cpu0, t0 = _backend_cpu(backend), _process_cpu(), time.perf_counter()
        if profiler:
            profiler.enable()
        if sampler:
            sampler.start()
        fired = failed = 0
        for batch in timer_batches(due):
            f, x = fire_timers_batch(batch)
            fired, failed = fired + f, failed + x
        if profiler:
            profiler.disable()
        if sampler:
            sampler.stop()
        cpu, wall = _process_cpu() - cpu0, time.perf_counter() - t0
        pg = _backend_cpu(backend) - pg0
        if sections:
            sections.restore()
    gc.callbacks.remove(gc_time)

    n = max(fired, 1)
    rows = Timer.objects.filter(case_id__in=case_ids)
    still_waiting = rows.filter(
        status=TimerStatus.WAITING, element_id="term_expiry_reminder"
    ).count()
    events = (
        AuditEvent.objects.filter(case_id__in=case_ids, action="timers_fired")
        .values("case_id")
        .annotate(n=Count("id"))
    )
    not_once = sum(1 for e in events if e["n"] != 1) + (len(case_ids) - len(events))
    load = os.getloadavg()
    print(
        f"\n{fired} timers fired ({failed} failed) in batches of {len(due) and len(timer_batches(due)[0])}"
        f", gc.freeze {'off' if args.no_freeze else 'on'}, thresholds {gc.get_threshold()}; load average {load[0]:.2f} {load[1]:.2f}"
        f" {load[2]:.2f}\n"
        f"  worker CPU      {cpu * 1000 / n:6.3f} ms/timer   (wall {wall * 1000 / n:.3f} ms/timer)\n"
        f"  PostgreSQL CPU  {pg * 1000 / n:6.3f} ms/timer   (its backend, from /proc)\n"
        f"  statements      {statements[0] / n:6.3f} /timer    ({statements[0]} in all)\n"
        f"  garbage coll.   {gc_time.seconds * 1000 / n:6.3f} ms/timer   "
        f"(collections by generation {gc_time.collections})\n"
        f"  fired once with one audit event: "
        f"{'yes' if not not_once and not still_waiting and fired == len(case_ids) else 'NO'}"
        f" ({not_once} cases otherwise, {still_waiting} reminders still waiting)"
    )
    if profiler:
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(args.profile)
        print("\n".join(line for line in buf.getvalue().splitlines()[4:] if line.strip()))
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(args.profile)
        print("\n".join(line for line in buf.getvalue().splitlines()[4:] if line.strip()))
    if sections:
        print(sections.report(cpu, n))
    if sampler:
        print(sampler.output_text(unicode=True, color=False, show_all=False))
    return 0 if fired == len(case_ids) and not not_once else 1


if __name__ == "__main__":
    raise SystemExit(main())
