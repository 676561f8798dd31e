"""党内统计 at scale: a generated university of 30,000 members (aim: all tables with their checks
< 5 s), then the computation over 1,000,000 members in memory (aim for a province: < 2 min), the
database read extrapolated from the measured rate. One run, one table; never asserts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow python -m bench.party_statistics
    python -m bench.party_statistics --members 30000 --province 1000000 --db partyflow_statistics

Like bench.run it never touches the database named in DATABASE_URL: it recreates `--db` on the
same server and migrates it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics as stats_lib
import time

from .run import prepare_database, print_rows


def _timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return stats_lib.median(times), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.party_statistics")
    parser.add_argument(
        "--db", default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_statistics")
    )
    parser.add_argument("--members", type=int, default=30_000)
    parser.add_argument("--province", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    prepare_database(args.db)
    import django

    django.setup()
    from django.core.management import call_command

    from organizations.models import Organization, OrgKind
    from oversight.party_statistics.checks import run_checks
    from oversight.party_statistics.config import statistics_config
    from oversight.party_statistics.export import statistics_workbook
    from oversight.party_statistics.records import load
    from oversight.party_statistics.sample import generate_university
    from oversight.party_statistics.selectors import Statistics, statistics_view
    from oversight.party_statistics.tables import compute

    call_command("migrate", verbosity=0)
    year = dt.date.today().year
    cutoff = dt.date(year, 12, 31)
    root = Organization.objects.create(name="基准大学党委", kind=OrgKind.COMMITTEE)
    root.path, root.root_id = f"/{root.pk}/", root.pk
    root.save(update_fields=["path", "root"])
    t0 = time.perf_counter()
    made = generate_university(root, members=args.members, year=year)
    setup = time.perf_counter() - t0
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE")
    config = statistics_config()
    rows = []
    n = args.members

    t_load, (people, orgs) = _timed(lambda: load(root, config), args.repeat)
    rows.append(("read the records (7 queries)", n, t_load, None))

    def _compute():
        return compute(
            people, orgs, root_id=root.pk, cutoff=cutoff, today=dt.date.today(), config=config
        )

    t_compute, comp = _timed(_compute, args.repeat)
    rows.append(("compute all tables", n, t_compute, None))
    t_checks, checks = _timed(lambda: run_checks(comp), args.repeat)
    rows.append((f"run the {len(checks)} checks", n, t_checks, None))
    t_all, st = _timed(lambda: Statistics(root, cutoff), args.repeat)
    rows.append(("all tables + checks, end to end", n, t_all, 5.0))
    t_view, view = _timed(lambda: statistics_view(st), args.repeat)
    rows.append(("the page's/API's view (names)", n, t_view, None))
    t_xlsx, xlsx = _timed(lambda: statistics_workbook(st), 1)
    rows.append((f"Excel export ({len(xlsx) // 1024} KB)", n, t_xlsx, None))

    # A province: the same computation over `--province` people in memory (the university's rows
    # repeated with new ids), the read extrapolated from the rate measured above.
    big = []
    copies = -(-args.province // max(1, len(people)))
    for k in range(copies):
        for p in people:
            big.append(p._replace(id=p.id + k * 10_000_000))
            if len(big) >= args.province:
                break
    t0 = time.perf_counter()
    comp_big = compute(
        big, orgs, root_id=root.pk, cutoff=cutoff, today=dt.date.today(), config=config
    )
    t_big = time.perf_counter() - t0
    t0 = time.perf_counter()
    run_checks(comp_big)
    t_big_checks = time.perf_counter() - t0
    read_big = t_load / max(1, len(people)) * len(big)
    rows.append(("province: compute all tables", len(big), t_big, None))
    rows.append(("province: run the checks", len(big), t_big_checks, None))
    rows.append(("province: read (extrapolated)", len(big), read_big, None))
    rows.append(("province: total", len(big), t_big + t_big_checks + read_big, 120.0))

    print(
        f"\n党内统计 benchmark: {made['members']} people in {len(made['branches'])} branches, "
        f"{len(made['colleges'])} colleges (generated in {setup:.1f} s); "
        f"checks failed: {sum(not c.ok for c in st.checks)}; median of {args.repeat}\n"
    )
    print_rows(
        ("what", "people", "seconds", "aim", "met"),
        [
            [
                what,
                f"{count:,}",
                f"{secs:.2f}",
                f"< {aim:g} s" if aim else "",
                ("yes" if secs < aim else "NO") if aim else "",
            ]
            for what, count, secs, aim in rows
        ],
    )
    with open("/proc/self/status") as fh:
        peak = next((line.split()[1] for line in fh if line.startswith("VmHWM:")), "0")
    print(f"\npeak resident memory of this process: {int(peak) / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
