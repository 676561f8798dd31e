"""Writes for 党内统计: filing (freezing) a year's tables."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from engine.errors import Conflict, Forbidden
from engine.i18n import _
from organizations.audit import record_append
from organizations.models import Organization, Role
from organizations.selectors import active_assignments

from ..models import StatisticsFiling
from .selectors import Statistics

FILING_ROLES = (Role.ORG_DEPARTMENT, Role.COMMITTEE_OFFICER)


def may_file(actor, organization: Organization) -> bool:
    """The organization department, or a committee officer of the organization itself, files its
    tables (an auditor reads them)."""
    if actor.is_superuser:
        return True
    return any(
        a.role in FILING_ROLES and organization.path.startswith(a.organization.path)
        for a in active_assignments(actor)
    )


def statistics_file(
    *, actor, organization: Organization, cutoff, note: str = ""
) -> StatisticsFiling:
    """Freeze the tables of `organization` as of `cutoff` as filed: every cell's number and people.
    A cut-off is filed once (409 `statistics_already_filed`); written with its record-log event."""
    if not may_file(actor, organization):
        raise Forbidden(_("只有组织部或党委可以报送党内统计。"), code="statistics_file_forbidden")
    stats = Statistics(organization, cutoff)
    people, values = {}, {}
    for t in stats.tables.values():
        people[t.key] = {f"{r}|{c}": t.cell_people(r, c) for r, _l in t.rows for c, _m in t.cols}
        values[t.key] = {f"{r}|{c}": t.value(r, c) for r, _l in t.rows for c, _m in t.cols}
    try:
        with transaction.atomic():
            filing = StatisticsFiling.objects.create(
                organization=organization,
                cutoff=cutoff,
                people=people,
                values=values,
                filed_by=actor,
                filed_at=timezone.now(),
                note=note[:200],
            )
            record_append(
                action="statistics_filed",
                actor=actor,
                actor_roles=[
                    {"role": a.role, "organization": a.organization_id}
                    for a in active_assignments(actor)
                ],
                entity="statisticsfiling",
                entity_id=filing.pk,
                label=f"{organization.name} {cutoff.isoformat()}",
                organization_id=organization.pk,
                data={
                    "cutoff": cutoff.isoformat(),
                    "members": values["membership_change"]["16|count"],
                    "checks_failed": sum(not c.ok for c in stats.checks),
                },
            )
    except IntegrityError:
        raise Conflict(
            _("该截止日期的党内统计已经报送。"), code="statistics_already_filed"
        ) from None
    return filing
