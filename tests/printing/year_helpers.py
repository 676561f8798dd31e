"""The golden year's university as an adopting university brings it in: the installation's root
and its organization department, then one workbook in the onboarding format (`onboarding.columns`,
written by `onboarding.sample.University`) imported through the real import endpoint. What the
workbook has no column for is then recorded through the services as an office would: a member's
rights suspended, the leading cadres, accounts for the members of 软件工程教工党支部 (for its
democratic review)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding.sample import University
from organizations.models import Member, MemberStatus, Organization, Role
from organizations.services import (
    member_update,
    organization_create,
    role_assignment_create,
    user_create,
)

from ..conftest import client_for

ROOT = "示范大学委员会"
COLLEGE, BRANCH_A, OFFICE, MATHS = "10001", "1000101", "1000109", "1000102"
# Branch A's full members in roster order (丁 2, 马 3, 王 4, 白 5, 刘 6, 陈 7 strokes; 甲6..甲8).
NAMES_A = ["王明", "陈静", "丁一", "白雪", "马力", "刘洋", "甲6", "甲7", "甲8"]


def workbook() -> University:
    """计算机学院党委 and three of its branches: 软件工程教工党支部 (term 2024-01-10 – 2027-01-10:
    nine full members, one probationary, 停权丙; 王明 secretary, 陈静 组织委员), 数学教工党支部
    (评0-评11, 评11 probationary; 评0 secretary, 评1 组织委员) and the college office's branch,
    where 李华, the college committee's secretary, is a member."""
    u = University()
    u.org("100", ROOT, "committee", has_approval_authority=True)  # adopted by its name
    u.org(COLLEGE, "计算机学院党委", "committee", "100", has_approval_authority=True)
    u.org(
        BRANCH_A,
        "软件工程教工党支部",
        "branch",
        COLLEGE,
        branch_kind="teaching",
        term_start=dt.date(2024, 1, 10),
        term_end=dt.date(2027, 1, 10),
    )
    u.org(MATHS, "数学教工党支部", "branch", COLLEGE, branch_kind="teaching")
    u.org(OFFICE, "计算机学院机关党支部", "branch", COLLEGE, branch_kind="admin")
    for i, name in enumerate(NAMES_A, 1):
        u.member(f"T{i:03d}", name, BRANCH_A, dt.date(1975 + i, i, 10 + i), dt.date(2000 + i, 7, 1))
    probationary = u.person("T010", "预备乙", BRANCH_A, dt.date(1998, 4, 2))
    probationary.update(
        status="probationary", joined_on=dt.date(2025, 11, 20), person_category="staff"
    )
    u.rows["members"].append(probationary)
    u.member("T011", "停权丙", BRANCH_A, dt.date(1980, 2, 3), dt.date(2005, 7, 1))
    for i in range(12):
        row = u.member(
            f"M{i:03d}", f"评{i}", MATHS, dt.date(1970 + i, 3, 1), dt.date(1995 + i, 7, 1)
        )
        if i == 11:
            row.update(status="probationary", joined_on=dt.date(2025, 10, 1))
            row.pop("party_standing_from")
    u.member("A001", "李华", OFFICE, dt.date(1972, 8, 8), dt.date(1996, 7, 1))
    u.officer(BRANCH_A, "T001", "secretary", term_start=dt.date(2024, 1, 10))
    u.officer(BRANCH_A, "T002", "organization", term_start=dt.date(2024, 1, 10))
    u.officer(MATHS, "M000", "secretary")
    u.officer(MATHS, "M001", "organization")
    u.officer(COLLEGE, "A001", "secretary")
    return u


def import_university(today: dt.date) -> SimpleNamespace:
    """Import the workbook on `today` (call inside a time travel) and return the university as the
    golden year's script reads it (the names of the `university` fixture)."""
    root = organization_create(
        actor=None, parent=None, name=ROOT, kind="committee", has_approval_authority=True
    )
    orgdept = user_create(actor=None, username="orgdept", first_name="郑组")
    role_assignment_create(actor=None, user=orgdept, role=Role.ORG_DEPARTMENT, organization=root)
    auditor = user_create(actor=orgdept, username="auditor", first_name="周审")
    role_assignment_create(actor=orgdept, user=auditor, role=Role.AUDITOR, organization=root)
    buf = io.BytesIO()
    workbook().save(buf, as_typed=False)
    r = client_for(orgdept).post(
        "/api/onboarding/import/",
        {"file": SimpleUploadedFile("计算机学院.xlsx", buf.getvalue())},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    users = get_user_model().objects
    by_no = {m.staff_or_student_no: m for m in Member.objects.all()}
    suspended = member_update(
        actor=orgdept, member=by_no["T011"], rights_suspended=True, suspension_reason="留党察看期间"
    )
    by_no["T011"] = suspended
    # Branch A's year includes its democratic review (P3): every participant (full and
    # probationary members) gets an account for their own self-assessment and ballot; 甲7 and 甲8
    # are leading cadres (in the review, not rated).
    for no in [f"T{i:03d}" for i in range(1, 12)]:
        m = by_no[no]
        if m.user_id is None:
            account = user_create(actor=orgdept, username=f"u{no}", first_name=m.name)
            by_no[no] = member_update(actor=orgdept, member=m, user=account)
    for no in ("T008", "T009"):
        by_no[no] = member_update(actor=orgdept, member=by_no[no], is_leading_cadre=True)
    branch_a = Organization.objects.get(code=BRANCH_A)
    reviewed = list(
        Member.objects.filter(
            organization=branch_a, status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY]
        ).order_by("id")
    )
    u = SimpleNamespace(
        root=root,
        college=Organization.objects.get(code=COLLEGE),
        branch_a=branch_a,
        full_a=[by_no[f"T{i:03d}"] for i in range(1, 10)],
        probationary=by_no["T010"],
        suspended=by_no["T011"],
        users=SimpleNamespace(
            sec_a=users.get(username="T001"),
            committee_a=users.get(username="T002"),
            officer=users.get(username="A001"),
            orgdept=orgdept,
            auditor=auditor,
        ),
        review=SimpleNamespace(
            branch=branch_a,
            members=reviewed,
            rated=[m for m in reviewed if not m.is_leading_cadre],
            cadres=[m for m in reviewed if m.is_leading_cadre],
        ),
    )
    u.review.u = u
    return u
