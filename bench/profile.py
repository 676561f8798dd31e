"""Profile the benchmarked hot paths with pyinstrument (an investigation tool, not a dependency):

    .venv/bin/pip install pyinstrument
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow .venv/bin/python -m bench.profile [--n 100]

Uses (and drops) the same separate bench database as bench.run. Prints one call tree per path:
case_start, timer_fire_one (one case's due timer), POST complete submit_request, POST complete reply_request, GET /api/tasks/ with 10,000
open tasks. `--sql` also prints the time spent in SQL per statement kind (cursor execute wall time).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import re
import time

from . import run as bench


class SqlTimer:
    """execute_wrapper: wall time per statement shape (numbers and strings blanked)."""

    def __init__(self):
        self.by_shape = collections.defaultdict(lambda: [0, 0.0])

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:140]
            entry = self.by_shape[shape]
            entry[0] += 1
            entry[1] += time.perf_counter() - t0

    def report(self, requests: int):
        total = sum(v[1] for v in self.by_shape.values())
        print(
            f"  SQL: {total * 1000 / requests:.2f} ms per request in {sum(v[0] for v in self.by_shape.values()) / requests:.1f} statements"
        )
        for shape, (count, secs) in sorted(self.by_shape.items(), key=lambda kv: -kv[1][1])[:12]:
            print(f"    {secs * 1000 / requests:6.3f} ms  x{count / requests:.1f}  {shape}")
        self.by_shape.clear()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--db", default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_bench"))
    parser.add_argument("--n", type=int, default=100, help="iterations profiled per path")
    parser.add_argument("--sql", action="store_true", help="also break down SQL time per statement")
    parser.add_argument(
        "--interval", type=float, default=0.001, help="pyinstrument sampling interval (s)"
    )
    parser.add_argument(
        "--no-pyinstrument",
        action="store_true",
        help="only time requests and SQL (no profiler overhead)",
    )
    parser.add_argument(
        "--cprofile",
        type=int,
        default=0,
        metavar="N",
        help="also print the top N functions by own time (cProfile), per path",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="wall time of the main functions on each path (wrapped with perf_counter; implies --no-pyinstrument)",
    )
    parser.add_argument(
        "--timer-batch",
        type=int,
        default=0,
        metavar="N",
        help="fire the timers in batches of N cases (timers_fire_batch, as the workers do)",
    )
    parser.add_argument(
        "--gc",
        choices=("default", "freeze", "pause", "both"),
        default="default",
        help="garbage collector during the timed runs: as is; gc.freeze() first (what a worker"
        " does after start-up); or disabled around each iteration; or both",
    )
    parser.add_argument(
        "--only",
        choices=("timers",),
        help="stop after this path (timers: case_start and the timer firing alone)",
    )
    args = parser.parse_args(argv)

    if args.breakdown:
        args.no_pyinstrument = True
    if args.no_pyinstrument:
        Profiler = _Wall
    else:
        try:
            # First-party imports after django.setup(): the bench chooses its database first.
            from pyinstrument import Profiler
        except ImportError:
            bench.fail(
                "pyinstrument is not installed: .venv/bin/pip install pyinstrument (do not add it to pyproject)"
            )

    bench.prepare_database(args.db)
    import django

    django.setup()
    from dateutil.relativedelta import relativedelta
    from django.core.management import call_command
    from django.db import connection

    from engine.calendar import CST, today
    from organizations.models import Organization
    from workflows.services import case_start, process_deploy

    call_command("migrate", verbosity=0)
    process_deploy()
    breakdown = Breakdown() if args.breakdown else None
    term_end = today() + dt.timedelta(days=730)
    fire_at = dt.datetime.combine(
        term_end - relativedelta(months=6) + dt.timedelta(days=1), dt.time(10), tzinfo=CST
    )
    world = bench.World()
    warm = 5
    rows = world.add_branches(args.n + warm, term_end=term_end)
    sql = SqlTimer()

    def profiled(title, fn, items):
        for item in items[:warm]:
            fn(item)
        profiler = Profiler(interval=args.interval)
        if breakdown:
            breakdown.install()
            breakdown.reset()
        cprof = None
        if args.cprofile:
            import cProfile

            cprof = cProfile.Profile()
        gc_time = _GcTime()
        if args.gc in ("freeze", "both"):
            import gc

            gc.collect()
            gc.freeze()
        if args.gc in ("pause", "both"):
            inner = fn

            def fn(item):
                import gc

                gc.disable()
                try:
                    return inner(item)
                finally:
                    gc.enable()

        with connection.execute_wrapper(sql) if args.sql else _null(), gc_time:
            cpu0 = time.process_time()
            profiler.start()
            if cprof:
                cprof.enable()
            for item in items[warm:]:
                fn(item)
            if cprof:
                cprof.disable()
            profiler.stop()
            cpu = time.process_time() - cpu0
        if breakdown:
            breakdown.uninstall()
        n = len(items) - warm
        print(
            f"\n===== {title}: {n} iterations, {profiler.last_session.duration * 1000 / n:.2f} ms each"
            f" (this process's CPU {cpu * 1000 / n:.2f} ms, of which garbage collection"
            f" {gc_time.seconds * 1000 / n:.2f} ms) ====="
        )
        if args.sql:
            sql.report(len(items) - warm)
        if breakdown:
            breakdown.report(len(items) - warm)
        if cprof:
            import io
            import pstats

            buf = io.StringIO()
            pstats.Stats(cprof, stream=buf).sort_stats("tottime").print_stats(args.cprofile)
            print(
                "\n".join(
                    line
                    for line in buf.getvalue().splitlines()
                    if line.strip() and not line.startswith("   Ordered")
                )
            )
        print(profiler.output_text(unicode=True, color=False, show_all=False))

    cases = []

    def start(row):
        branch, secretary, _m = row
        actor = world.User.objects.get(pk=secretary.pk)
        cases.append(
            (
                case_start(
                    actor=actor,
                    process_id=bench.PROCESS,
                    organization=Organization.objects.get(pk=branch.pk),
                ),
                secretary,
            )
        )

    profiled("case_start", start, rows)
    import time_machine

    from workflows.services import timer_fire_one, timers_fire_batch

    with time_machine.travel(fire_at, tick=False):
        if args.timer_batch:
            # What a Celery worker does: batches of cases in one transaction each (the profile is
            # per case: the whole run's time divided by the cases).
            size = args.timer_batch
            batches = [cases[i : i + size] for i in range(warm, len(cases), size)]
            for c in cases[:warm]:
                timer_fire_one(case_id=c[0].pk)
            profiled(
                f"timers_fire_batch ({size} cases a batch; times per batch)",
                lambda b: timers_fire_batch(case_ids=[c.pk for c, _s in b]),
                [[]] * warm + batches,
            )
        else:
            profiled(
                "timer_fire_one (a case's due reminder, fired alone)",
                lambda c: timer_fire_one(case_id=c[0].pk),
                cases,
            )
    if args.only == "timers":
        return

    submit = {
        "election_date": (term_end + dt.timedelta(days=7)).isoformat(),
        "seats": 5,
        "nomination_method": "committee_proposal",
    }
    plan = [(bench.api_client(s), bench.open_task(c.pk, "submit_request").pk) for c, s in cases]
    profiled(
        "POST /api/tasks/{id}/complete/ submit_request",
        lambda p: bench.post_complete(p[0], p[1], submit),
        plan,
    )
    officer = bench.api_client(world.officer)
    plan = [(officer, bench.open_task(c.pk, "reply_request").pk) for c, _ in cases]
    profiled(
        "POST /api/tasks/{id}/complete/ reply_request",
        lambda p: bench.post_complete(p[0], p[1], {"approved": True}),
        plan,
    )

    bench.seed_inbox(world, cases, open_tasks=10_000, noise=10_000)
    profiled(
        "GET /api/tasks/ (10,000 open)",
        lambda _i: officer.get("/api/tasks/"),
        list(range(args.n + warm)),
    )


class Breakdown:
    """Inclusive wall time of selected functions, by wrapping them with perf_counter (nested: a
    function's time includes the wrapped functions it calls)."""

    TARGETS = [
        ("api.authentication", "TokenAuthentication", "authenticate_credentials"),
        ("api.tasks", None, "completed_task_data"),
        ("api.tasks", None, "inbox_rows"),
        ("workflows.assignment", None, "slot_holders"),
        ("workflows.services.state", None, "locked_case"),
        ("workflows.services.state", None, "plan_step"),
        ("workflows.services.state", None, "write_rows"),
        ("workflows.services.timers", None, "timers_fire_batch"),
        ("workflows.services.state", None, "update_cases"),
        ("engine.runtime", "WorkflowRun", "restore"),
        ("organizations.selectors", None, "active_assignments"),
        ("workflows.selectors", None, "task_for_user"),
        ("workflows.selectors", None, "task_inbox"),
        ("workflows.services.cases", None, "case_start"),
        ("workflows.services.tasks", None, "task_complete"),
        ("workflows.services.tasks", None, "validate_submission"),
        ("workflows.services.state", None, "restore"),
        ("workflows.services.state", None, "persist"),
        ("workflows.audit", None, "append"),
        ("workflows.services.state", None, "resolve_lane"),
        ("workflows.services.state", None, "json_safe"),
        ("procedures.branch_election.procedure", None, "check_request"),
        ("procedures.branch_election.procedure", None, "check_approval"),
        ("procedures.branch_election.procedure", None, "check_start"),
        ("engine.runtime", "WorkflowRun", "start"),
        ("engine.runtime", "WorkflowRun", "complete_user_task"),
        ("engine.runtime", "WorkflowRun", "refresh_timers"),
        ("engine.runtime", "WorkflowRun", "ready_user_tasks"),
        ("engine.runtime", "WorkflowRun", "waiting_timers"),
        ("engine.runtime", "WorkflowRun", "dump"),
        ("engine.serialization", None, "workflow_from_dict"),
        ("django.db.backends.base.base", "BaseDatabaseWrapper", "commit"),
        ("rest_framework.pagination", "PageNumberPagination", "paginate_queryset"),
        ("rest_framework.serializers", "ListSerializer", "to_representation"),
        ("rest_framework.serializers", "Serializer", "to_representation"),
        ("rest_framework.response", "Response", "rendered_content"),
    ]

    def __init__(self):
        self.totals = collections.defaultdict(lambda: [0, 0.0])
        self.saved = []

    def reset(self):
        self.totals.clear()

    def _wrap(self, label, fn):
        totals = self.totals

        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                entry = totals[label]
                entry[0] += 1
                entry[1] += time.perf_counter() - t0

        wrapper.__wrapped__ = fn
        return wrapper

    def install(self):
        # First-party imports after django.setup(): the bench chooses its database first.
        import importlib

        # Functions imported by name elsewhere are patched where they are looked up too.
        for modname, clsname, attr in self.TARGETS:
            mod = importlib.import_module(modname)
            owner = getattr(mod, clsname) if clsname else mod
            raw = owner.__dict__[attr] if clsname else getattr(owner, attr)
            label = f"{clsname or modname.rsplit('.', 1)[-1]}.{attr}"
            if isinstance(raw, property):
                new = property(self._wrap(label, raw.fget))
            elif isinstance(raw, classmethod):
                new = classmethod(self._wrap(label, raw.__func__))
            else:
                new = self._wrap(label, raw)
            self.saved.append((owner, attr, raw))
            setattr(owner, attr, new)
            if not clsname:
                import sys

                for other in list(sys.modules.values()):
                    if (
                        other is not mod
                        and getattr(other, "__name__", "").split(".")[0]
                        in ("workflows", "api", "organizations", "engine", "procedures")
                        and other.__dict__.get(attr) is raw
                    ):
                        self.saved.append((other, attr, raw))
                        setattr(other, attr, new)
        from workflows import registry

        orig_check_for = registry.check_for

        def check_for(process_id, element_id):
            fn = orig_check_for(process_id, element_id)
            return fn and self._wrap(f"check[{element_id}]", getattr(fn, "__wrapped__", fn))

        self.saved.append((registry, "check_for", orig_check_for))
        registry.check_for = check_for

    def uninstall(self):
        for owner, attr, raw in reversed(self.saved):
            setattr(owner, attr, raw)
        self.saved.clear()

    def report(self, n: int):
        print(
            "  function wall time per request (inclusive; nested functions are counted in their callers too):"
        )
        for label, (count, secs) in sorted(self.totals.items(), key=lambda kv: -kv[1][1]):
            print(f"    {secs * 1000 / n:7.3f} ms  x{count / n:.1f}  {label}")


class _Wall:
    """Stands in for pyinstrument's Profiler: wall time only."""

    def __init__(self, interval=None):
        self.last_session = None

    def start(self):
        self._t0 = time.perf_counter()

    def stop(self):
        self.last_session = type("Session", (), {"duration": time.perf_counter() - self._t0})()

    def output_text(self, **kwargs):
        return ""


class _GcTime:
    """Time spent in the garbage collector while the block runs (gc.callbacks)."""

    def __init__(self):
        self.seconds = 0.0
        self._t0 = None

    def _callback(self, phase, info):
        if phase == "start":
            self._t0 = time.perf_counter()
        elif self._t0 is not None:
            self.seconds += time.perf_counter() - self._t0

    def __enter__(self):
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc):
        import gc

        gc.callbacks.remove(self._callback)
        return False


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
