"""Onboarding at scale: a generated workbook of 30,000 members, 1,500 organizations and 2,000 ledger
rows imported through the real service (streaming read), timed per sheet, with the process's
resident memory sampled while the rows go by. One run, one table; never asserts.

    make bench-onboarding                   # DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow
    python -m bench.onboarding --help       # --members, --orgs, --ledger, --db, --skip-reimport
    python -m bench.onboarding --parallel 2 # then two other universities import at once

Like bench.run it never touches the database named in DATABASE_URL: it recreates `--db`
(default `partyflow_onboarding`) on the same server, migrates and deploys the BPMN there.
"""

from __future__ import annotations

import argparse
import datetime as dt
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


def generate(
    path: Path, *, members: int, orgs: int, ledger: int, today: dt.date, university: int = 0
) -> dict:
    """Write the workbook streaming (rows are generated, never held): a root, colleges of ~30
    branches each, members spread evenly, three officers per branch, ledger rows at every stage.
    `university` k > 0: another university (its own root, codes, 学工号 and ID numbers), for
    imports side by side."""
    from onboarding.export import write_workbook
    from onboarding.sample import id_number

    colleges = max(1, (orgs - 1) // 30)
    branches = orgs - 1 - colleges
    p = f"U{university}-" if university else ""  # codes and 学工号 of this university
    region = f"{11 + university}0105"  # ID numbers of this university (province 11, 12, …)
    branch_codes = [f"{p}B{i:05d}" for i in range(branches)]

    def organizations():
        yield {
            "code": f"{p}U",
            "name": f"基准大学{university or ''}委员会",
            "kind": "committee",
            "has_approval_authority": True,
        }
        for c in range(colleges):
            yield {
                "code": f"{p}C{c:03d}",
                "name": f"第{c}学院党委",
                "kind": "committee",
                "parent_code": f"{p}U",
                "has_approval_authority": True,
            }
        for i, code in enumerate(branch_codes):
            end = today + dt.timedelta(days=30 + (i * 7) % 1000)
            yield {
                "code": code,
                "name": f"第{i}党支部",
                "kind": "branch",
                "branch_kind": "teaching" if i % 2 else "student",
                "parent_code": f"{p}C{i % colleges:03d}",
                "term_start": end - dt.timedelta(days=3 * 365),
                "term_end": end,
            }

    def roster():
        for n in range(members):
            born = dt.date(1950, 1, 1) + dt.timedelta(
                days=n % 14600
            )  # (born, n // 14600): unique IDs
            yield {
                "staff_or_student_no": f"{p}M{n:06d}",
                "name": f"党员{n}",
                "gender": "1" if n % 2 else "2",
                "ethnicity": "01",
                "id_number": id_number(born, n // 14600, region=region),
                "birth_date": born,
                "education": "20",
                "person_category": "staff",
                "organization_code": branch_codes[n % branches],
                "status": "full",
                "joined_on": born + dt.timedelta(days=25 * 366),
                "party_standing_from": born + dt.timedelta(days=26 * 366),
                "phone": f"139{n:08d}",
            }

    def officers():
        for i, code in enumerate(branch_codes):
            for k, post in enumerate(("secretary", "organization", "propaganda")):
                n = i + k * branches
                if n < members:
                    yield {
                        "organization_code": code,
                        "staff_or_student_no": f"{p}M{n:06d}",
                        "post": post,
                    }

    stages = [
        {"application_date": 20},
        {"application_date": 80, "talk_date": 60},
        {"application_date": 420, "talk_date": 400, "activist_date": 200},
        {"application_date": 800, "talk_date": 790, "activist_date": 620, "designation_date": 255},
        {
            "application_date": 900,
            "talk_date": 880,
            "activist_date": 700,
            "designation_date": 300,
            "admission_vote_date": 40,
        },
        {
            "application_date": 1000,
            "talk_date": 990,
            "activist_date": 800,
            "designation_date": 420,
            "admission_vote_date": 264,
            "admission_decision_date": 224,
        },
    ]
    status = [
        "applicant",
        "applicant",
        "activist",
        "development_object",
        "development_object",
        "probationary",
    ]

    def ledger_rows():
        for n in range(ledger):
            k = n % len(stages)
            born = dt.date(2002, 1 + n % 12, 1 + n % 28)
            yield {
                "staff_or_student_no": f"{p}L{n:06d}",
                "name": f"发展{n}",
                "id_number": id_number(born, n, region=f"{11 + university}0106"),
                "birth_date": born,
                "organization_code": branch_codes[n % branches],
                "stage": status[k],
                **{f: today - dt.timedelta(days=d) for f, d in stages[k].items()},
            }

    write_workbook(
        path,
        {
            "organizations": organizations(),
            "members": roster(),
            "officers": officers(),
            "ledger": ledger_rows(),
        },
    )
    return {
        "organizations": orgs,
        "members": members,
        "officers": min(3 * branches, members),
        "ledger": ledger,
    }


def run_import(path: Path, *, label: str) -> dict:
    # First-party imports after django.setup(): the bench chooses its database first.
    from engine.errors import ValidationFailed
    from onboarding.services import onboarding_import

    marks, samples = {}, []
    start = time.perf_counter()

    def progress(sheet, done, total):
        now = time.perf_counter() - start
        marks.setdefault(sheet, [now, now])[1] = now
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
    args = parser.parse_args(argv)

    prepare_database(args.db)
    import django

    django.setup()
    from django.core.management import call_command

    from engine.calendar import today
    from workflows.services import process_deploy

    call_command("migrate", verbosity=0)
    process_deploy()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "onboarding.xlsx"
    t0 = time.perf_counter()
    rss0 = rss_mb()
    sizes = generate(path, members=args.members, orgs=args.orgs, ledger=args.ledger, today=today())
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
        prev = 0.0
        for sheet, (_first, last) in r["marks"].items():
            lines.append((f"  {sheet}", f"{last - prev:.1f} s"))
            prev = last
        lines.append(("  branch elections and commit", f"{r['seconds'] - prev:.1f} s"))
        counts = ", ".join(
            f"{c['sheet']} {c['created']}/{c['updated']}/{c['unchanged']}"
            for c in r["counts"].values()
        )
        lines.append(("  created/updated/unchanged", counts))
        lines.append(("  RSS before → peak", f"{r['rss_before']:.0f} → {r['rss_peak']:.0f} MB"))
        lines += member_memory_curve(r["samples"], sizes["members"])
    if args.parallel > 1:
        lines += parallel_imports(args, single=runs[0]["seconds"])
    print_rows(("onboarding", "measured"), lines)
    return 0


def _import_in_child(path: str) -> dict:
    start = time.perf_counter()
    try:
        r = run_import(Path(path), label=Path(path).stem)
    except Exception as exc:  # noqa: BLE001 (a lock timeout is a result: print it)
        first = str(exc).splitlines()[0]
        return {"seconds": time.perf_counter() - start, "errors": f"failed ({first})"}
    return {"seconds": r["seconds"], "errors": r["errors"]}


def parallel_imports(args, *, single: float) -> list[tuple[str, str]]:
    """N universities (N roots, N record-log chains) import at once, one process each, against one
    import alone: with one chain for the whole log they would run one after the other (each holds
    the chain's head row from its first write to its commit)."""
    import multiprocessing

    from django.db import connections

    from engine.calendar import today

    paths = []
    for k in range(1, args.parallel + 1):
        path = RESULTS_DIR / f"onboarding-university{k}.xlsx"
        generate(
            path,
            members=args.members,
            orgs=args.orgs,
            ledger=args.ledger,
            today=today(),
            university=k,
        )
        paths.append(str(path))
    connections.close_all()  # each process opens its own connection
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.parallel) as pool:
        results = pool.map(_import_in_child, paths)
    wall = time.perf_counter() - start
    each = ", ".join(f"{r['seconds']:.1f} s" for r in results)
    return [
        (f"{args.parallel} imports at once (own roots): wall", f"{wall:.1f} s (each {each})"),
        (
            "  against one import alone",
            f"{single:.1f} s: ×{wall / single:.2f} the time for ×{args.parallel} the work "
            f"(one after the other: ≈ {args.parallel * single:.1f} s)",
        ),
        ("  errors", ", ".join(str(r["errors"]) for r in results)),
    ]


if __name__ == "__main__":
    sys.exit(main())
