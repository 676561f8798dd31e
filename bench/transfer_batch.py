"""A graduation batch at scale (P7, issue 28): 500 graduating members in 50 branches of 10
colleges, their list uploaded by the organization department, previewed and started through the
API (one request each, token authentication, the real URLconf). Prints the time and SQL statements
of each request and the cases started; never asserts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow python -m bench.transfer_batch
    python -m bench.transfer_batch --graduates 1000 --db partyflow_transfer

Like bench.run it never touches the database named in DATABASE_URL: it recreates `--db`
(default `partyflow_transfer`) on the same server, migrates and deploys the BPMN there. Setup
(organizations, members, a dues month each) is bulk-inserted and not measured.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

from .run import prepare_database, print_rows


def setup(graduates: int) -> tuple:
    from django.contrib.auth import get_user_model

    from engine.calendar import today
    from organizations.models import Member, Organization, Role
    from organizations.services import organization_create, role_assignment_create
    from orglife.models import DuesPayment

    root = organization_create(
        actor=None,
        parent=None,
        name="基准大学委员会",
        kind="committee",
        has_approval_authority=True,
    )
    colleges = [
        organization_create(
            actor=None,
            parent=root,
            name=f"第{c}学院党委",
            kind="committee",
            has_approval_authority=True,
        )
        for c in range(10)
    ]
    branches = [
        organization_create(
            actor=None,
            parent=colleges[b % 10],
            name=f"第{b}毕业班党支部",
            kind="branch",
            branch_kind="student",
        )
        for b in range(50)
    ]
    members = Member.objects.bulk_create(
        [
            Member(
                organization=branches[n % 50],
                root_id=branches[n % 50].root_id,
                name=f"毕业生{n}",
                status="full",
                staff_or_student_no=f"G{n:06d}",
            )
            for n in range(graduates)
        ]
    )
    month = today().replace(day=1)
    DuesPayment.objects.bulk_create(
        [DuesPayment(member=m, month=month, amount="10", paid_on=month) for m in members]
    )
    user = get_user_model().objects.create_user("bench_orgdept", password="x")
    role_assignment_create(actor=None, user=user, role=Role.ORG_DEPARTMENT, organization=root)
    return user, members, Organization


def workbook(members) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["学号", "姓名", "去向", "接收党组织"])
    kinds = ["工作单位", "人才服务机构", "居住地", "保留在学校"]
    for n, m in enumerate(members):
        kind = kinds[n % 4]
        ws.append(
            [
                m.staff_or_student_no,
                m.name,
                kind,
                "" if kind == "保留在学校" else f"中共接收单位{n}委员会",
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def timed_upload(client, url: str, content: bytes) -> tuple:
    from django.db import connection, reset_queries

    upload = io.BytesIO(content)
    upload.name = "毕业生.xlsx"
    reset_queries()
    t0 = time.perf_counter()
    r = client.post(url, {"file": upload}, format="multipart")
    elapsed = time.perf_counter() - t0
    if r.status_code >= 300:
        raise SystemExit(f"bench: {url} answered {r.status_code}: {r.content[:300]!r}")
    return elapsed, len(connection.queries), r.json()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.transfer_batch", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_transfer"))
    parser.add_argument("--graduates", type=int, default=500)
    args = parser.parse_args(argv)
    prepare_database(args.db)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from workflows.models import Case, Task
    from workflows.services import process_deploy

    settings.DEBUG = True  # count the SQL statements (connection.queries)
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    process_deploy()
    t0 = time.perf_counter()
    user, members, _org = setup(args.graduates)
    content = workbook(members)
    setup_s = time.perf_counter() - t0
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    preview_s, preview_q, preview = timed_upload(
        client, "/api/transfers/graduation/preview/", content
    )
    start_s, start_q, started = timed_upload(client, "/api/transfers/graduation/", content)
    n = args.graduates
    print(
        f"graduation batch: {n} graduates in 50 branches of 10 colleges (setup {setup_s:.1f} s, "
        f"workbook {len(content) / 1024:.0f} KiB)"
    )
    print_rows(
        ("request", "seconds", "ms per graduate", "SQL statements", "result"),
        [
            (
                "preview",
                f"{preview_s:.2f}",
                f"{preview_s * 1000 / n:.1f}",
                str(preview_q),
                f"{preview['ready']} ready, {preview['refused']} refused",
            ),
            (
                "start all",
                f"{start_s:.2f}",
                f"{start_s * 1000 / n:.1f}",
                str(start_q),
                f"{started['started']} cases, {Task.objects.filter(case__business_key__startswith='graduation:').count()} tasks",
            ),
        ],
    )
    assert Case.objects.filter(business_key=f"graduation:{started['batch']}").count() == n
    return 0


if __name__ == "__main__":
    sys.exit(main())
