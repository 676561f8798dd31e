"""Migration 0015 fills the `root` column of organizations and members from the materialized
paths (issue 32: 党组织编码 and 学工号 unique per root), and a second run changes nothing; the
constraints of 0016 then hold per university, not across the installation."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from organizations.models import Member, Organization, OrgKind

from ..factories import MemberFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("organizations.migrations.0015_member_and_organization_root")


def test_the_migration_fills_each_organizations_and_members_root_from_its_path(university):
    other = OrganizationFactory(name="另一大学党委", kind=OrgKind.COMMITTEE)
    branch = OrganizationFactory(name="另一大学某支部", parent=other)
    stranger = MemberFactory(organization=branch, staff_or_student_no="2021001")
    expected_orgs = dict(Organization.objects.values_list("pk", "root"))
    expected_members = dict(Member.objects.values_list("pk", "root"))
    assert set(expected_orgs.values()) == {university.school.pk, other.pk}
    assert expected_members[stranger.pk] == other.pk
    Organization.objects.update(root=None)
    Member.objects.update(root=None)

    MIGRATION.fill_roots(apps, None)
    MIGRATION.fill_roots(apps, None)  # a second run changes nothing

    assert dict(Organization.objects.values_list("pk", "root")) == expected_orgs
    assert dict(Member.objects.values_list("pk", "root")) == expected_members


def test_the_database_holds_the_numbers_unique_per_university(university):
    other = OrganizationFactory(name="另一大学党委", kind=OrgKind.COMMITTEE, code="U2")
    branch = OrganizationFactory(name="另一大学某支部", parent=other, code="B1")
    mine = OrganizationFactory(name="本校某支部", parent=university.college, code="B1")
    MemberFactory(organization=branch, staff_or_student_no="2021001")
    MemberFactory(organization=mine, staff_or_student_no="2021001")
    # Past the services' checks, the constraints themselves refuse a clash inside one university.
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            organization=mine, root_id=mine.root_id, name="同号", staff_or_student_no="2021001"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(
            parent=university.college, root_id=mine.root_id, name="同码", kind="branch", code="B1"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="同码大学", kind="committee", code="U2")
