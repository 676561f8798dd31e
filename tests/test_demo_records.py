"""The demo's records read like a real university's: every person's roster fields filled and
consistent, so the Party statistics of the demo university pass every consistency check."""

import datetime as dt

import pytest

from organizations.models import Member, MemberStatus, Organization, OrgKind
from orglife.models import DuesAssessment, DuesPayment, Meeting
from oversight.party_statistics.selectors import Statistics, default_cutoff
from partyflow.demo import dues_behind
from partyflow.demo.university import SCHOOL_NAME

from .demo_helpers import SEED_MOMENT, seeded_module  # noqa: F401 (fixture: the demo, seeded once per module)

pytestmark = pytest.mark.django_db


def test_every_demo_person_has_the_roster_fields(seeded_module):  # noqa: F811
    people = list(Member.objects.all())
    assert people
    for m in people:
        assert m.gender and m.ethnicity and m.native_place, m.name
        assert m.birth_date and m.education and m.person_category, m.name
        if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
            assert m.joined_on, m.name
            age_at_joining = (m.joined_on - m.birth_date).days / 365.25
            assert age_at_joining >= 18, m.name
        if m.status == MemberStatus.FULL:
            assert m.party_standing_from and m.party_standing_from > m.joined_on, m.name


def test_the_demo_statistics_have_no_failed_check(seeded_module):  # noqa: F811
    root = Organization.objects.get(name=SCHOOL_NAME, parent__isnull=True)
    stats = Statistics(root, default_cutoff())
    failed = [(c.code, c.text, stats.name_people(c.people)) for c in stats.checks if not c.ok]
    assert len(stats.checks) > 100
    assert failed == []
    # the demo fills 表7, 表11 and 表43: students by level, one expulsion, one member lost abroad
    students = stats.tables["students"]
    assert students.value("total", "total") == students.value("university", "total") > 0
    assert students.value("undergraduate", "total") > 0 < students.value("postgraduate", "total")
    misconduct = stats.tables["exits_by_misconduct"]
    assert misconduct.value("integrity", "expelled") == misconduct.value("total", "total") == 1
    lost = stats.tables["lost_contact"]
    assert lost.value("total", "abroad") == lost.value("total", "total") == 1


def test_every_demo_branch_collects_dues_and_the_guide_names_who_is_behind(seeded_module):  # noqa: F811
    today = SEED_MOMENT.date()
    last_month = dt.date(today.year, today.month - 1, 1)
    paying = Member.objects.filter(status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY))
    branches = Organization.objects.filter(kind=OrgKind.BRANCH)
    assert branches.count() == 8
    for branch in branches:
        people = paying.filter(organization__path__startswith=branch.path)
        assessed = DuesAssessment.objects.filter(member__in=people, year=today.year)
        assert assessed.count() == people.count() > 0, branch.name
        assert DuesPayment.objects.filter(member__in=people).exists(), branch.name
    # Students pay the flat amount, retired members on their pension, staff on their pay.
    categories = dict(
        DuesAssessment.objects.filter(year=today.year).values_list(
            "member__person_category", "category"
        )
    )
    assert categories == {"student": "student", "retired": "retired", "staff": "working"}
    behind = {
        m.name
        for m in paying
        if not DuesPayment.objects.filter(member=m, month=last_month).exists()
        and m.joined_on.replace(day=1) <= last_month
    }
    assert len(behind) == 3
    assert behind == {row["name"] for row in dues_behind(today)}
    guide = seeded_module.split("党费欠缴")[1]
    for row in dues_behind(today):
        assert f"{row['organization']} {row['name']}" in guide


def test_every_demo_meeting_carries_its_minutes(seeded_module):  # noqa: F811
    meetings = list(Meeting.objects.select_related("chair", "recorder"))
    assert len(meetings) >= 5
    for m in meetings:
        assert m.place and m.content and m.starts_at and m.ends_at, m.title
        assert m.chair.name and m.recorder.name and m.chair != m.recorder, m.title
    lesson = next(m for m in meetings if m.kind == "party_lesson")
    assert lesson.lecturer == lesson.chair
    assert "讲授党课" in lesson.content
