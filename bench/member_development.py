"""P1 member development: completing a task on a case after 3 simulated years of quarterly thought
reports and half-yearly inspections, against the same completion on a fresh case.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow python -m bench.member_development [--cases 40]

(also run as a section of `python -m bench.run`). The measured completion is `cultivation_review`
(P1 step 6) through the API: its gate computes every obligation due so far from the rule set and
reads the submitted records, the work that grows with the age of a case. Recurring obligations
are rows in `development_obligationrecord`, not tasks in the workflow state, so the state does not
grow; the run prints both the timings and the stored state sizes. Never asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time

from dateutil.relativedelta import relativedelta

RATIO_AIM = 1.5


def _drive_to_cultivation_review(world, branch, secretary, members, *, activist_on: dt.date):
    """A case whose person became an activist on `activist_on`, with every report due by today
    submitted (untimed; through the services)."""
    # First-party imports after django.setup(): the bench chooses its database first.
    from engine.calendar import today
    from organizations.models import MemberStatus
    from organizations.services import member_create
    from procedures.member_development.services import obligation_submit
    from workflows.models import Task, TaskStatus
    from workflows.services import case_start, task_complete

    person = member_create(
        actor=None,
        organization=branch,
        name=f"申请人{branch.pk}",
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(2000, 1, 1),
    )
    case = case_start(
        actor=secretary, process_id="member_development", organization=branch, subject_member=person
    )
    applied = activist_on - relativedelta(months=1)

    def do(element_id, actor, data):
        task = Task.objects.get(case=case, element_id=element_id, status=TaskStatus.OPEN)
        task_complete(actor=actor, task=task, data=data)

    do(
        "submit_application",
        secretary,
        {"application_date": applied.isoformat(), "letter_summary": "志愿加入中国共产党"},
    )
    do(
        "talk_with_applicant",
        secretary,
        {"talk_date": applied.isoformat(), "talker": "书记", "summary": "谈话"},
    )
    do(
        "select_activist",
        secretary,
        {"decision_date": activist_on.isoformat(), "recommendation": "member_recommendation"},
    )
    do("file_activist", world.officer, {"filed_date": activist_on.isoformat()})
    do(
        "appoint_contacts",
        secretary,
        {"decision_date": activist_on.isoformat(), "contacts": [members[1].pk]},
    )
    submitted = 0
    for kind, months in (("thought_report", 3), ("inspection", 6)):
        n = 1
        while activist_on + relativedelta(months=months * n) <= today():
            due = activist_on + relativedelta(months=months * n)
            case.refresh_from_db()
            obligation_submit(
                actor=secretary,
                case=case,
                kind=kind,
                seq=n,
                data={"submitted_on": due.isoformat(), "summary": f"{kind} {n}"},
            )
            submitted += 1
            n += 1
    case.refresh_from_db()
    return case, person, submitted


def bench_member_development(world, *, n: int, warmup: int) -> dict:
    # First-party imports after django.setup(): the bench chooses its database first.
    from bench.run import api_client, open_task, post_complete, summarize, timed
    from engine.calendar import today
    from workflows.models import Case

    t = today()
    groups = {"fresh": t - relativedelta(months=2), "three_years": t - relativedelta(years=3)}
    built = {}
    for label, activist_on in groups.items():
        branches = world.add_branches(n + warmup, term_end=t + dt.timedelta(days=730))
        built[label] = [
            (*_drive_to_cultivation_review(world, b, sec, members, activist_on=activist_on), sec)
            for b, sec, members in branches
        ]
    samples = {label: [] for label in groups}
    reads = {label: [] for label in groups}
    gc.collect()
    # Interleaved, fresh then old, so drifting load on the machine falls on both alike.
    for i in range(n + warmup):
        for label in groups:
            case, person, _, sec = built[label][i]
            client = api_client(sec)
            task = open_task(case.pk, "cultivation_review")
            seconds, _ = timed(
                post_complete,
                client,
                task.pk,
                {"review_date": t.isoformat(), "summary": "考察情况良好"},
            )
            read_s, r = timed(client.get, f"/api/members/{person.pk}/development/")
            if r.status_code != 200:
                raise RuntimeError(r.content[:300])
            if i >= warmup:
                samples[label].append(seconds)
                reads[label].append(read_s)
    out = {}
    for label, activist_on in groups.items():
        last = Case.objects.get(pk=built[label][-1][0].pk)
        out[label] = {
            "complete": summarize(samples[label]),
            "read_model": summarize(reads[label]),
            "reports_submitted": built[label][-1][2],
            "state_bytes": len(last.state.encode()),
            "activist_on": activist_on.isoformat(),
        }
    out["ratio_median"] = round(
        out["three_years"]["complete"]["median_ms"] / out["fresh"]["complete"]["median_ms"], 3
    )
    out["ratio_aim"] = RATIO_AIM
    return out


def print_result(r: dict) -> None:
    for label in ("fresh", "three_years"):
        g = r[label]
        print(
            f"member_development {label:12s}: {g['reports_submitted']:3d} reports; POST complete cultivation_review median "
            f"{g['complete']['median_ms']:.1f} ms (p95 {g['complete']['p95_ms']:.1f}, n={g['complete']['n']}); "
            f"GET development median {g['read_model']['median_ms']:.1f} ms; state {g['state_bytes']} bytes"
        )
    print(
        f"member_development: 3-year case / fresh case completion median = {r['ratio_median']}x (aim <= {r['ratio_aim']}x)"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.member_development", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_bench"))
    parser.add_argument(
        "--cases", type=int, default=40, help="measured completions per group (default 40)"
    )
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    # First-party imports after django.setup(): the bench chooses its database first.
    from bench.run import World, prepare_database

    prepare_database(args.db)
    import django

    django.setup()
    from django.core.management import call_command

    from workflows.services import process_deploy

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    process_deploy()
    result = bench_member_development(World(), n=args.cases, warmup=args.warmup)
    print_result(result)
    print(f"total run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
