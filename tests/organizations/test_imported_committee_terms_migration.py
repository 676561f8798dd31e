"""Migration 0007: a branch committee imported before issue 25 with its branch's term end as its
own keeps acting after that day, until the next election; a term someone ended by hand or an
officer who left before the branch's term end keeps that end. Each reopened term is in the
hash-chained record log."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from organizations.audit import verify_records
from organizations.models import RecordEvent, Role, RoleAssignment
from organizations.services import role_assignment_create, role_assignment_update

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "organizations.migrations.0007_imported_committees_serve_until_the_next_election"
)
AFTER_THE_TERM = dt.date(2027, 2, 1)
SOURCE = {"file": "台账.xlsx", "sheet": "组织委员", "row": 3}


def imported(university, username, role, term_end, post=""):
    return role_assignment_create(
        actor=None,
        user=UserFactory(username=username, first_name=username.upper()),
        role=role,
        organization=university.branch_a,
        term_start=dt.date(2024, 1, 10),
        term_end=term_end,
        post=post,
        source=SOURCE,
    )


def test_an_imported_committee_whose_term_was_the_branchs_keeps_acting_until_the_next_election(
    university,
):
    branch_end = university.branch_a.term_end  # 2027-01-10
    secretary = imported(university, "t1001", Role.BRANCH_SECRETARY, branch_end, "secretary")
    deputy = imported(
        university, "t1002", Role.BRANCH_DEPUTY_SECRETARY, dt.date(2027, 2, 1), "deputy_secretary"
    )
    left_early = imported(university, "t1003", Role.BRANCH_COMMITTEE, dt.date(2025, 6, 30))
    ended_by_hand = imported(university, "t1004", Role.BRANCH_COMMITTEE, branch_end)
    role_assignment_update(actor=None, assignment=ended_by_hand, term_end=branch_end)
    in_force = RoleAssignment.objects.in_force(AFTER_THE_TERM)
    assert not in_force.filter(pk=secretary.pk).exists()
    before = RecordEvent.objects.count()

    MIGRATION.reopen_imported_committee_terms(apps, None)
    MIGRATION.reopen_imported_committee_terms(apps, None)  # a second run changes nothing

    ends = dict(
        RoleAssignment.objects.filter(
            pk__in=[secretary.pk, deputy.pk, left_early.pk, ended_by_hand.pk]
        ).values_list("user__username", "term_end")
    )
    assert ends == {
        "t1001": None,
        "t1002": None,
        "t1003": dt.date(2025, 6, 30),
        "t1004": branch_end,
    }
    assert set(
        in_force.filter(user__username__startswith="t100").values_list("user__username", flat=True)
    ) == {"t1001", "t1002"}
    logged = list(RecordEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.entity_id, e.actor_name) for e in logged] == [
        ("role_assignment_updated", secretary.pk, "system"),
        ("role_assignment_updated", deputy.pk, "system"),
    ]
    assert logged[0].data["changes"] == {"term_end": {"before": "2027-01-10", "after": None}}
    assert logged[0].entity_label == "t1001 支部书记 @ 软件工程教工党支部"
    assert verify_records().ok
