"""Reads the P7 start forms need: the branches a member may move to within the university, the
branches where the user may register an incoming member."""

from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import Member, Organization, OrgKind
from organizations.selectors import organizations_manageable


def may_start_transfer(user, member: Member) -> bool:
    """Whether the user manages the member's branch (a secretary, a committee above it)."""
    return organizations_manageable(user).filter(pk=member.organization_id).exists()


def internal_targets(member: Member) -> QuerySet[Organization]:
    """The other branches of the member's university, by their place in the tree."""
    root = member.organization.path.strip("/").split("/")[0]
    return (
        Organization.objects.filter(
            kind=OrgKind.BRANCH, path__startswith=f"/{root}/", dissolved_on__isnull=True
        )
        .exclude(pk=member.organization_id)
        .order_by("path")
    )


def branches_receiving(user) -> QuerySet[Organization]:
    """The branches where the user may register a member transferred in."""
    return (
        organizations_manageable(user)
        .filter(kind=OrgKind.BRANCH, dissolved_on__isnull=True)
        .order_by("path")
    )
