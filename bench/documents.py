"""Printed documents: how long generating each document takes (in-process, no HTTP), on the demo data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow python -m bench.documents [--n 20]

Generation only reads, so it runs on the database in DATABASE_URL, seeded with the demo university
(`partyflow seed-demo`). Each document is generated once to warm up (template parsing, WeasyPrint's
import and font loading), then `--n` times; prints median and p95 in ms, the SQL statements of one
generation and the file size. Never asserts timings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")
    # Django and first-party imports after django.setup(): the settings module is chosen first.
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orglife.models import Meeting
    from printing.selectors import (
        compliance_report_document,
        document_for_meeting,
        generate_for_case,
    )
    from workflows.models import Case

    from .run import print_rows

    user = get_user_model().objects.filter(is_superuser=True).order_by("id").first()
    development = (
        Case.objects.filter(process_id="member_development").order_by("-audit_seq").first()
    )  # the archived one
    notice = {"stage": "conversion"}
    election = (
        Case.objects.filter(process_id="branch_election", data__has_key="tally")
        .order_by("-audit_seq")
        .first()
    )
    review = Case.objects.filter(process_id="democratic_review").order_by("-audit_seq").first()
    meeting = Meeting.objects.order_by("-id").first()
    if user is None or development is None or election is None:
        raise SystemExit("seed the demo first: partyflow deploy-bpmn && partyflow seed-demo")
    college = election.organization.parent
    jobs = [
        (
            "发展党员全程纪实表, all 25 steps (docx)",
            lambda: generate_for_case(user, development, "member_record"),
        ),
        (
            "公示 (docx)",
            lambda: generate_for_case(
                user, development, "publication_notice", fmt="docx", options=notice
            ),
        ),
        (
            "公示 (pdf)",
            lambda: generate_for_case(
                user, development, "publication_notice", fmt="pdf", options=notice
            ),
        ),
        (
            "换届选举请示 (docx)",
            lambda: generate_for_case(user, election, "election_request"),
        ),
        (
            "选举结果报告 (docx)",
            lambda: generate_for_case(user, election, "election_report"),
        ),
        ("三会一课记录 (docx)", lambda: document_for_meeting(user, meeting.pk)),
        (
            "组织生活落实情况报告, a college, a year (docx)",
            lambda: compliance_report_document(user, college.pk, "2026"),
        ),
        (
            "流程审计报告 (pdf)",
            lambda: generate_for_case(user, election, "audit_report", fmt="pdf"),
        ),
    ]
    if review is not None:
        jobs.insert(
            5,
            (
                "民主评议结果汇总表 (docx)",
                lambda: generate_for_case(user, review, "review_summary"),
            ),
        )
    rows = []
    for label, job in jobs:
        started = time.perf_counter()
        first = job()
        cold = (time.perf_counter() - started) * 1000
        with CaptureQueriesContext(connection) as queries:
            job()
        times = []
        for _ in range(args.n):
            started = time.perf_counter()
            job()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        rows.append(
            (
                label,
                f"{statistics.median(times):.1f}",
                f"{times[max(0, int(len(times) * 0.95) - 1)]:.1f}",
                f"{cold:.0f}",
                str(args.n),
                str(len(queries)),
                f"{len(first.content):,}",
            )
        )
    print_rows(("document", "median ms", "p95 ms", "first ms", "n", "queries", "bytes"), rows)


if __name__ == "__main__":
    main()
