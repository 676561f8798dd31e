"""A generated university for the statistics' tests and benchmark: colleges, branches and members
with the fields the tables count, written with bulk inserts (test and benchmark data, not records
of people: no record-log events). Deterministic for a seed; every record is consistent, so every
check passes until a test plants a fault."""

from __future__ import annotations

import datetime as dt
import random

from organizations.audit import root_of_path
from organizations.codes import LostContactReason, Misconduct, StudentLevel
from organizations.models import (
    BranchKind,
    LostContact,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
)
from procedures.member_development.models import StatusChange, StatusEvent

EDUCATION = ["11", "14", "20", "20", "20", "30", "40", "60", "70"]
ETHNICITY = ["01"] * 9 + ["03", "08", "11"]
CATEGORY = ["staff", "staff", "student", "student", "student", "retired", "other"]
REASONS = LostContactReason.values
LEVELS = [
    StudentLevel.UNDERGRADUATE,
    StudentLevel.UNDERGRADUATE,
    StudentLevel.POSTGRADUATE,
    StudentLevel.COLLEGE,
]


def _org(parent, name, kind, **kw) -> Organization:
    org = Organization.objects.create(
        parent=parent,
        root_id=root_of_path(parent.path) if parent else None,
        name=name,
        kind=kind,
        **kw,
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.root_id = org.root_id or org.pk  # a root is its own (issue 32: 学工号 unique per root)
    org.save(update_fields=["path", "root"])
    return org


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def generate_university(
    root: Organization, *, members: int, year: int, seed: int = 29, branches_per_college: int = 20
) -> dict:
    """Fill `root`'s subtree with about `members` people (members, candidates and people who left
    during `year`), 200 per branch; returns what was made."""
    rng = random.Random(seed)
    n_branches = max(1, members // 200)
    n_colleges = max(1, n_branches // branches_per_college)
    colleges = [
        _org(
            root,
            f"第{i + 1}学院党委",
            OrgKind.COMMITTEE,
            term_start=dt.date(year - 4, 6, 1),
            term_end=dt.date(year + 1, 6, 1),
            has_approval_authority=True,
        )
        for i in range(n_colleges)
    ]
    branches = []
    for i in range(n_branches):
        start = _day(rng, dt.date(year - 3, 1, 1), dt.date(year, 11, 30))
        branches.append(
            _org(
                colleges[i % n_colleges],
                f"第{i + 1}党支部",
                OrgKind.BRANCH,
                branch_kind=rng.choice([BranchKind.TEACHING, BranchKind.STUDENT]),
                term_start=start,
                term_end=start.replace(year=start.year + 3),
            )
        )
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows, histories, removals, lost = [], [], [], []
    for i in range(members):
        roll = rng.random()
        birth = _day(rng, dt.date(1940, 1, 1), dt.date(year - 18, 12, 31))
        branch = rng.choice(branches)
        m = Member(
            organization=branch,
            root_id=root_of_path(branch.path),
            name=f"成员{i + 1}",
            gender=rng.choice(["1", "2"]),
            ethnicity=rng.choice(ETHNICITY),
            education=rng.choice(EDUCATION),
            person_category=rng.choice(CATEGORY),
            birth_date=birth,
        )
        adult = (
            birth.replace(year=birth.year + 18)
            if birth.month != 2
            else dt.date(birth.year + 18, 3, 1)
        )
        if m.person_category == "student":  # a level, 入学年份 and sometimes its own 学制
            m.student_level = rng.choice(LEVELS)
            m.enrollment_year = year - rng.randint(0, 4)
            m.programme_years = rng.choice([None, None, 2, 5])
        if roll < 0.10:  # in development at the end of the year, with a dated history
            m.status = rng.choice(
                [MemberStatus.APPLICANT, MemberStatus.ACTIVIST, MemberStatus.DEVELOPMENT_OBJECT]
            )
            steps = [MemberStatus.APPLICANT, MemberStatus.ACTIVIST, MemberStatus.DEVELOPMENT_OBJECT]
            on = _day(rng, dt.date(year - 2, 1, 1), dt.date(year, 6, 30))
            hist = []
            for s in steps[: steps.index(m.status) + 1]:
                hist.append((s, on))
                on = on + dt.timedelta(days=rng.randint(30, 200))
            histories.append((m, hist))
        else:
            joined = _day(rng, max(adult, dt.date(1950, 1, 1)), year_end)
            if joined >= dt.date(year - 1, 12, 31):
                m.status = MemberStatus.PROBATIONARY
            else:
                m.status = MemberStatus.FULL
                m.party_standing_from = (
                    joined.replace(year=joined.year + 1)
                    if not (joined.month == 2 and joined.day == 29)
                    else dt.date(joined.year + 1, 3, 1)
                )
                if rng.random() < 0.02:
                    m.probation_extension_months = 6
            m.joined_on = joined
            if rng.random() < 0.08:  # came by transfer, some of them this year
                m.transferred_in_on = _day(rng, max(joined, dt.date(year - 2, 1, 1)), year_end)
                if m.transferred_in_on < joined:
                    m.transferred_in_on = joined
            if roll > 0.97 and m.status == MemberStatus.FULL:  # left during the year
                m.status = rng.choice(
                    [MemberStatus.REMOVED, MemberStatus.WITHDRAWN, MemberStatus.EXPELLED]
                )
                on = _day(rng, max(year_start, m.transferred_in_on or joined), year_end)
                if m.status == MemberStatus.REMOVED:
                    m.left_on = on
                if m.status != MemberStatus.WITHDRAWN:  # the committee's event, with what for
                    removals.append((m, on, rng.choice(Misconduct.values)))
                else:
                    m.left_on = on
            elif m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY) and rng.random() < 0.03:
                since = _day(rng, max(joined, dt.date(year - 12, 1, 1)), year_end)
                found = _day(rng, since, year_end + dt.timedelta(days=200))
                lost.append((m, since, found if rng.random() < 0.3 else None, rng.choice(REASONS)))
        rows.append(m)
    Member.objects.bulk_create(rows, batch_size=5000)
    StatusChange.objects.bulk_create(
        [
            StatusChange(member=m, from_status="", to_status=s, effective_on=on)
            for m, hist in histories
            for s, on in hist
        ],
        batch_size=5000,
    )
    StatusChange.objects.bulk_create(
        [
            StatusChange(
                member=m,
                from_status=MemberStatus.FULL,
                to_status=m.status,
                effective_on=on,
                event=StatusEvent.EXPULSION
                if m.status == MemberStatus.EXPELLED
                else StatusEvent.REMOVAL,
                reason="生成的记录",
                decided_by="生成大学党委",
                document_no="生成〔1〕1号",
                misconduct=why,
            )
            for m, on, why in removals
        ],
        batch_size=5000,
    )
    LostContact.objects.bulk_create(
        [
            LostContact(member=m, lost_on=since, found_on=found, reason=reason)
            for m, since, found, reason in lost
        ],
        batch_size=5000,
    )
    return {"colleges": colleges, "branches": branches, "members": len(rows)}
