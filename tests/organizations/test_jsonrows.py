"""The token lookup carries the user's roles and delegations as JSON (organizations.jsonrows): what
a request reads from them must be exactly what the ORM reads, on PostgreSQL and on SQLite."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.authentication import TokenAuthentication
from engine.calendar import today
from organizations.models import Role, RoleAssignment
from organizations.selectors import active_assignments, assignments_json
from organizations.services import organization_update, role_assignment_create
from workflows.assignment import active_delegations, delegations_json
from workflows.models import Delegation
from workflows.services import delegation_create

from ..helpers import cst

pytestmark = pytest.mark.django_db

TOKEN_USER = '"authtoken_token"."user_id"'


def fields(obj) -> list:
    return [(f.attname, getattr(obj, f.attname)) for f in obj._meta.concrete_fields]


def key_of(user) -> str:
    connection.features.supports_json_field  # noqa: B018  (SQLite asks once per connection)
    return Token.objects.get_or_create(user=user)[0].key


def authenticated(key):
    return TokenAuthentication().authenticate_credentials(key)[0]


def test_roles_from_the_token_query_equal_the_orms_field_for_field(
    university, django_assert_num_queries
):
    u = university
    organization_update(
        actor=None,
        organization=u.branch_a,
        founded_on=dt.date(1999, 7, 1),
        dues_tracked_since=dt.date(2024, 1, 1),
    )
    # A second role, ended terms left out, a committee post kept.
    role_assignment_create(
        actor=None,
        user=u.users.sec_a,
        role=Role.BRANCH_COMMITTEE,
        organization=u.branch_b,
        term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2099, 12, 31),
    )
    role_assignment_create(
        actor=None,
        user=u.users.sec_a,
        role=Role.COMMITTEE_OFFICER,
        organization=u.college,
        term_start=dt.date(2020, 1, 1),
        term_end=dt.date(2021, 1, 1),
    )
    key = key_of(u.users.sec_a)
    with django_assert_num_queries(1):
        user = authenticated(key)
        primed = active_assignments(user)
    on = today()
    expected = [
        a
        for a in RoleAssignment.objects.filter(user=u.users.sec_a).select_related("organization")
        if (a.term_start is None or a.term_start <= on) and (a.term_end is None or a.term_end >= on)
    ]
    assert [a.role for a in primed] == [Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE]
    assert [fields(a) for a in primed] == [fields(a) for a in expected]
    assert [fields(a.organization) for a in primed] == [fields(a.organization) for a in expected]
    assert primed[0].organization.founded_on == dt.date(1999, 7, 1)
    assert isinstance(primed[0].organization.has_approval_authority, bool)


def test_a_user_with_no_role_and_no_delegation_reads_empty_lists_without_a_query(
    university, django_assert_num_queries
):
    nobody = get_user_model().objects.create_user(username="nobody", password="pw-123456")
    key = key_of(nobody)
    with django_assert_num_queries(1):
        user = authenticated(key)
        assert active_assignments(user) == [] and active_delegations(user) == []


def test_delegations_from_the_token_query_equal_the_orms(university, django_assert_num_queries):
    u = university
    with time_machine.travel(cst(2026, 12, 20, 9), tick=False):
        delegation_create(
            actor=u.users.sec_a,
            delegate=u.users.committee_a,
            starts_at=cst(2026, 12, 19, 0),
            ends_at=cst(2026, 12, 27, 0),
            reason="出差",
        )
        key = key_of(u.users.committee_a)
        with django_assert_num_queries(1):
            user = authenticated(key)
            [primed] = active_delegations(user)
        expected = Delegation.objects.select_related("delegator").get(delegate=u.users.committee_a)
        assert fields(primed) == fields(expected)
        assert primed.slots == [
            f"branch_committee@{u.branch_a.pk}",
            f"branch_secretary@{u.branch_a.pk}",
        ]
        assert primed.delegator.get_username() == "sec_a"
        assert primed.starts_at == cst(2026, 12, 19, 0) and primed.starts_at.tzinfo is not None
    with time_machine.travel(cst(2026, 12, 28, 9), tick=False):
        assert active_delegations(authenticated(key)) == []


def test_the_json_columns_are_plain_subqueries_on_the_user(university):
    """What the annotation gives for a user: a list of objects; no rows: NULL on PostgreSQL, an
    empty array on SQLite."""
    u = university
    for user in (u.users.sec_a, u.users.officer):
        Token.objects.get_or_create(user=user)
    rows = {
        username: (roles, delegations)
        for username, roles, delegations in Token.objects.filter(
            user__in=[u.users.sec_a, u.users.officer]
        )
        .annotate(
            roles=assignments_json(TOKEN_USER, today()),
            delegations=delegations_json(TOKEN_USER, timezone.now()),
        )
        .values_list("user__username", "roles", "delegations")
    }
    assert [r["role"] for r in rows["sec_a"][0]] == [Role.BRANCH_SECRETARY]
    assert rows["officer"][0][0]["organization.name"] == "计算机学院党委"
    assert rows["sec_a"][1] in (None, [])


def test_the_token_brings_the_user_and_member_as_the_orm_reads_them(
    university, django_assert_num_queries
):
    u = university
    key = key_of(u.users.sec_a)
    with django_assert_num_queries(1):
        user = authenticated(key)
        member = user.member
    expected = get_user_model().objects.select_related("member").get(pk=u.users.sec_a.pk)
    assert fields(user) == fields(expected)
    assert fields(member) == fields(expected.member) and member.user is user
    key = key_of(u.users.officer)  # no member record: known without a query
    with django_assert_num_queries(1):
        officer = authenticated(key)
        assert getattr(officer, "member", None) is None
