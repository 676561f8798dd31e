"""Onboarding at scale: a generated workbook of 30,000 members, 1,500 organizations and 2,000 ledger
rows imported through the real service (streaming read), timed per sheet, with the process's
resident memory sampled while the rows go by. One run, one table; never asserts.

    make bench-onboarding                   # DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow
    python -m bench.onboarding --help       # --members, --orgs, --ledger, --db, --skip-reimport
    python -m bench.onboarding --parallel 2 # then two other universities import at once
    python -m bench.onboarding --parallel 2 --shared-numbers  # … numbering alike (issue 32)

Like bench.run it never touches the database named in DATABASE_URL: it recreates `--db`
(default `partyflow_onboarding`) on the same server, migrates and deploys the BPMN there.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .run import RESULTS_DIR, prepare_database, print_rows


def rss_mb() -> float:
    """Resident set size of this process now (Linux /proc), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_import(path: Path, *, label: str) -> dict:
    # First-party imports after django.setup(): the bench chooses its database first.
    from engine.errors import ValidationFailed
    from onboarding.services import onboarding_import

    marks, cpu_marks, samples = {}, {}, []
    start, cpu_start = time.perf_counter(), time.process_time()

    def progress(sheet, done, total):
        now = time.perf_counter() - start
        marks.setdefault(sheet, [now, now])[1] = now
        cpu_now = time.process_time() - cpu_start
        cpu_marks.setdefault(sheet, [cpu_now, cpu_now])[1] = cpu_now
        samples.append((sheet, done, total, rss_mb()))
        print(
            f"\r{label}: {sheet} {done}/{total} {rss_mb():.0f} MB",
            end="",
            file=sys.stderr,
            flush=True,
        )

    rss_before = rss_mb()
    cpu, db_cpu = time.process_time(), backend_cpu()
    try:
        report = onboarding_import(
            actor=None, file=str(path), source_name=path.name, operator="bench", progress=progress
        )
    except ValidationFailed as exc:  # a generator bug: show what the import refused
        errors = exc.details["report"]["errors"]
        print(f"\n{label}: refused, {len(errors)} errors; the first:", file=sys.stderr)
        for e in errors[:10]:
            print(
                f"  {e['sheet']}!{e['row']} {e['column']}: {e['message']} [{e['code']}]",
                file=sys.stderr,
            )
        raise SystemExit(1) from None
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    db_after = backend_cpu()
    db_cpu = db_after - db_cpu if db_cpu is not None and db_after is not None else None
    print(file=sys.stderr)
    return {
        "label": label,
        "seconds": total,
        "cpu": cpu,
        "db_cpu": db_cpu,
        "marks": marks,
        "cpu_marks": cpu_marks,
        "samples": samples,
        "rss_before": rss_before,
        "rss_peak": max([s[3] for s in samples] + [rss_mb()]),
        "counts": report.as_dict()["counts"],
        "cases": len([c for c in report.cases if c["action"] == "created"]),
        "errors": len(report.errors),
    }


def backend_cpu() -> float | None:
    """CPU seconds (user + system) of this process's PostgreSQL backend so far, from /proc (the
    server runs on this machine); None when it cannot be read."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def member_memory_curve(samples, members: int) -> list[tuple[str, str]]:
    """RSS while the member sheet goes by, at each quarter of its rows: flat means streaming."""
    rows = [s for s in samples if s[0] == "党员"]
    out = []
    for q in (0.25, 0.5, 0.75, 1.0):
        hit = next((s for s in rows if s[1] >= q * members), None)
        if hit:
            out.append((f"  RSS at {int(q * 100)}% of 党员 rows", f"{hit[3]:.0f} MB"))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.onboarding", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--db", default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_onboarding")
    )
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--orgs", type=int, default=1_500)
    parser.add_argument("--ledger", type=int, default=2_000)
    parser.add_argument(
        "--skip-reimport", action="store_true", help="do not time the second (idempotent) import"
    )
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        metavar="N",
        help="then N other universities' workbooks (own roots) imported at once, one process each",
    )
    parser.add_argument(
        "--shared-numbers",
        action="store_true",
        help="with --parallel: the other universities number branches and people alike (issue 32)",
    )
    args = parser.parse_args(argv)

    prepare_database(args.db)
    import django

    django.setup()
    from django.core.management import call_command

    from engine.calendar import today
    from onboarding.sample import generated_university
    from workflows.services import process_deploy

    call_command("migrate", verbosity=0)
    process_deploy()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "onboarding.xlsx"
    t0 = time.perf_counter()
    rss0 = rss_mb()
    sizes = generated_university(
        path, members=args.members, orgs=args.orgs, ledger=args.ledger, today=today()
    )
    gen = time.perf_counter() - t0
    runs = [run_import(path, label="import")]
    if not args.skip_reimport:
        runs.append(run_import(path, label="re-import"))
    lines = [
        (
            "workbook",
            f"{path.stat().st_size / 1e6:.1f} MB, "
            + ", ".join(f"{v:,} {k}" for k, v in sizes.items()),
        ),
        ("generated in (streaming write)", f"{gen:.1f} s, RSS {rss0:.0f} → {rss_mb():.0f} MB"),
    ]
    for r in runs:
        lines.append(
            (
                f"{r['label']}: total",
                f"{r['seconds']:.1f} s (CPU: this process {r['cpu']:.1f} s, its PostgreSQL "
                + (f"backend {r['db_cpu']:.1f} s), " if r["db_cpu"] is not None else "backend ?), ")
                + f"{r['cases']:,} cases started, {r['errors']} errors",
            )
        )
        prev, prev_cpu = 0.0, 0.0
        for sheet, (_first, last) in r["marks"].items():
            last_cpu = r["cpu_marks"][sheet][1]
            lines.append((f"  {sheet}", f"{last - prev:.1f} s (CPU {last_cpu - prev_cpu:.1f} s)"))
            prev, prev_cpu = last, last_cpu
        lines.append(
            (
                "  branch elections and commit",
                f"{r['seconds'] - prev:.1f} s (CPU {r['cpu'] - prev_cpu:.1f} s)",
            )
        )
        counts = ", ".join(
            f"{c['sheet']} {c['created']}/{c['updated']}/{c['unchanged']}"
            for c in r["counts"].values()
        )
        lines.append(("  created/updated/unchanged", counts))
        lines.append(("  RSS before → peak", f"{r['rss_before']:.0f} → {r['rss_peak']:.0f} MB"))
        lines += member_memory_curve(r["samples"], sizes["members"])
    if args.parallel > 1:
        lines += parallel_imports(args, single=runs[0])
    print_rows(("onboarding", "measured"), lines)
    return 0


def _import_in_child(path: str) -> dict:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        r = run_import(Path(path), label=Path(path).stem)
    except Exception as exc:  # noqa: BLE001 (a lock timeout is a result: print it)
        first = str(exc).splitlines()[0]
        return {
            "pid": pid,
            "seconds": time.perf_counter() - start,
            "cpu": None,
            "db_cpu": None,
            "errors": f"failed ({first})",
        }
    return {k: r[k] for k in ("seconds", "cpu", "db_cpu", "errors")} | {"pid": pid}


class LockWaits:
    """Samples `pg_stat_activity` every `every` seconds from its own connection while the imports
    run: a backend seen waiting on a heavyweight lock (`wait_event_type = 'Lock'`) counts `every`
    seconds of waiting for its pid, and what it waited for (the lock type and relation) is kept.
    Sampling misses waits shorter than `every`; a serialized import waits for minutes."""

    def __init__(self, db: str, every: float = 0.05):
        import threading

        self.db, self.every = db, every
        self.waited: dict[int, float] = {}
        self.on: dict[str, float] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        from django.db import connections

        # Its own connection (a thread's), closed when sampling ends.
        with connections["default"].cursor() as cursor:
            while not self._stop.is_set():
                cursor.execute(
                    "SELECT a.pid, l.locktype, coalesce(l.relation::regclass::text, l.mode)"
                    " FROM pg_stat_activity a LEFT JOIN pg_locks l"
                    " ON l.pid = a.pid AND NOT l.granted"
                    " WHERE a.datname = %s AND a.wait_event_type = 'Lock'",
                    [self.db],
                )
                self.samples += 1
                for pid, locktype, what in cursor.fetchall():
                    self.waited[pid] = self.waited.get(pid, 0.0) + self.every
                    key = f"{locktype} {what}"
                    self.on[key] = self.on.get(key, 0.0) + self.every
                self._stop.wait(self.every)
        connections["default"].close()


def parallel_imports(args, *, single: dict) -> list[tuple[str, str]]:
    """N universities (N roots, N record-log chains) import at once, one process each, against one
    import alone: with one chain for the whole log they would run one after the other (each holds
    the chain's head row from its first write to its commit). Prints each import's wall and CPU
    (its process and its PostgreSQL backend), the total wall, and the time each spent waiting on
    a lock (sampled, `LockWaits`)."""
    import multiprocessing

    from django.db import connections

    from engine.calendar import today
    from onboarding.sample import generated_university

    paths = []
    for k in range(1, args.parallel + 1):
        path = RESULTS_DIR / f"onboarding-university{k}.xlsx"
        generated_university(
            path,
            members=args.members,
            orgs=args.orgs,
            ledger=args.ledger,
            today=today(),
            university=k,
            shared_numbers=args.shared_numbers,
        )
        paths.append(str(path))
    connections.close_all()  # each process opens its own connection
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.parallel) as pool:
        with LockWaits(connections["default"].settings_dict["NAME"]) as waits:
            results = pool.map(_import_in_child, paths)
    wall = time.perf_counter() - start
    lines = [(f"{args.parallel} imports at once (own roots): total wall", f"{wall:.1f} s")]
    for k, r in enumerate(results, start=1):
        cpu = (
            f"CPU {r['cpu']:.1f} s + PostgreSQL {r['db_cpu']:.1f} s"
            if r["cpu"] is not None and r["db_cpu"] is not None
            else "CPU ?"
        )
        lines.append(
            (
                f"  university {k}",
                f"{r['seconds']:.1f} s ({cpu}), waited on locks "
                f"{waits.waited.get(r['pid'], 0.0):.1f} s, {r['errors']} errors",
            )
        )
    alone_cpu = (
        f"CPU {single['cpu']:.1f} s + PostgreSQL {single['db_cpu']:.1f} s"
        if single["db_cpu"] is not None
        else f"CPU {single['cpu']:.1f} s"
    )
    lines += [
        (
            "  against one import alone",
            f"{single['seconds']:.1f} s ({alone_cpu}): ×{wall / single['seconds']:.2f} the time "
            f"for ×{args.parallel} the work "
            f"(one after the other: ≈ {args.parallel * single['seconds']:.1f} s)",
        ),
        (
            "  lock waits (sampled every 50 ms)",
            ", ".join(f"{k} {v:.1f} s" for k, v in sorted(waits.on.items())) or "none seen",
        ),
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
