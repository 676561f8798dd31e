"""A role assignment in force on a date: one rule (`RoleAssignment.objects.in_force`), the same for a
row already loaded (`in_force_on`), both ends of the term inclusive."""

import datetime as dt

import pytest

from organizations.models import OrgKind, Role, RoleAssignment
from organizations.services import role_assignment_create

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_assignment_is_in_force_from_its_first_to_its_last_day_and_open_ends_never_close():
    branch = OrganizationFactory(parent=OrganizationFactory(kind=OrgKind.COMMITTEE))
    terms = {
        "closed": (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        "no_start": (None, dt.date(2024, 12, 31)),
        "no_end": (dt.date(2024, 1, 1), None),
        "open": (None, None),
    }
    for name, (start, end) in terms.items():
        role_assignment_create(
            actor=None,
            user=UserFactory(username=name),
            role=Role.BRANCH_COMMITTEE,
            organization=branch,
            term_start=start,
            term_end=end,
        )
    expected = {
        dt.date(2023, 12, 31): {"no_start", "open"},
        dt.date(2024, 1, 1): {"closed", "no_start", "no_end", "open"},
        dt.date(2024, 12, 31): {"closed", "no_start", "no_end", "open"},
        dt.date(2025, 1, 1): {"no_end", "open"},
    }
    for on, names in expected.items():
        in_force = RoleAssignment.objects.in_force(on)
        assert {a.user.username for a in in_force} == names, on
        assert {a.user.username for a in RoleAssignment.objects.all() if a.in_force_on(on)} == names
    assert {a.user.username for a in RoleAssignment.objects.begun_by(dt.date(2025, 1, 1))} == set(
        terms
    )
    assert {a.user.username for a in RoleAssignment.objects.begun_by(dt.date(2023, 12, 31))} == {
        "no_start",
        "open",
    }
