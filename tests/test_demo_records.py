"""The demo's records read like a real university's: every person's roster fields filled and
consistent, so the Party statistics of the demo university pass every consistency check."""

import pytest

from organizations.models import Member, MemberStatus, Organization
from oversight.party_statistics.selectors import Statistics, default_cutoff
from partyflow.demo.university import SCHOOL_NAME

from .demo_helpers import seeded  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_every_demo_person_has_the_roster_fields(seeded):  # noqa: F811
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


def test_the_demo_statistics_have_no_failed_check(seeded):  # noqa: F811
    root = Organization.objects.get(name=SCHOOL_NAME, parent__isnull=True)
    stats = Statistics(root, default_cutoff())
    failed = [(c.code, c.text, stats.name_people(c.people)) for c in stats.checks if not c.ok]
    assert len(stats.checks) > 100
    assert failed == []
