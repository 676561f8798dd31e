"""Reads over organizational-life records, scoped like everything else: higher levels read their
subtree; the branch secretary, deputy and committee of a branch also write its records."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from organizations.models import Organization, Role
from organizations.selectors import active_assignments, scope_q, subtrees_q

from .models import Attendance, DuesPayment, Meeting

# Roles that keep a branch's records (the branch committee's work, BRANCH-2018 Art. 12).
RECORD_ROLES = {Role.BRANCH_SECRETARY, Role.BRANCH_DEPUTY_SECRETARY, Role.BRANCH_COMMITTEE}


def organizations_recordable(user) -> QuerySet[Organization]:
    """Branches and Party groups whose records the user keeps."""
    qs = Organization.objects.filter(kind__in=["branch", "party_group"])
    if user is not None and user.is_superuser:
        return qs
    paths = {a.organization.path for a in active_assignments(user) if a.role in RECORD_ROLES}
    return qs.filter(subtrees_q(paths, "path"))


def meetings_visible(user, *, organization=None, kind=None, year=None) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(scope_q(user)).select_related("organization").prefetch_related(
        Prefetch("attendance", queryset=Attendance.objects.select_related("member").order_by("member_id")))
    if organization:
        qs = qs.filter(organization__path__startswith=Organization.objects.filter(pk=organization).values_list("path", flat=True).first() or "-")
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(held_on__year=year)
    return qs.order_by("-held_on", "-id")


def dues_visible(user, *, organization=None, member=None, year=None) -> QuerySet[DuesPayment]:
    qs = DuesPayment.objects.filter(scope_q(user, "member__organization__path")).select_related("member")
    if organization:
        qs = qs.filter(member__organization__path__startswith=Organization.objects.filter(pk=organization).values_list("path", flat=True).first() or "-")
    if member:
        qs = qs.filter(member_id=member)
    if year:
        qs = qs.filter(month__year=year)
    return qs.order_by("member_id", "month")
