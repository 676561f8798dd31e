"""Writes: opening the committee's designation tasks for the branches identification finds (P4 steps 1-2)."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from engine.calendar import today
from engine.errors import Forbidden
from engine.i18n import _
from engine.rules import get_rule_set
from organizations.models import Organization, Role
from organizations.selectors import active_assignments, approving_committee_of
from workflows.audit import append as audit, json_safe
from workflows.models import Case, CaseStatus

from .selectors import weak_branch_identification

PROCESS = "weak_branch_remediation"


def _may_identify(actor, org: Organization) -> bool:
    """The approving committee over `org` (its officers) or the organization department."""
    if actor is None or actor.is_superuser:
        return True
    for a in active_assignments(actor):
        if a.role == Role.ORG_DEPARTMENT and org.path.startswith(a.organization.path):
            return True
        if a.role == Role.COMMITTEE_OFFICER and a.organization.has_approval_authority and org.path.startswith(a.organization.path):
            return True
    return False


def identification_run(*, actor, organization: Organization, on: dt.date | None = None) -> dict:
    """Identify weak branches under `organization` and open one designation task in the approving
    committee's inbox per flagged branch that has no remediation running (the yearly job and the
    committee's on-demand run). Returns the findings and the cases opened. actor None: the yearly job."""
    from workflows.services import case_start

    if not _may_identify(actor, organization):
        raise Forbidden(_("只有上级党委或组织部可以开展软弱涣散党支部排查。"), code="identification_not_allowed")
    on = on or today()
    rules = get_rule_set(settings.PARTYFLOW["RULE_SET"])
    findings = weak_branch_identification(organization, rules=rules, on=on)
    running = set(Case.objects.filter(process_id=PROCESS, status=CaseStatus.RUNNING,
                                      organization_id__in=[f["organization"] for f in findings]).values_list("organization_id", flat=True))
    opened = []
    with transaction.atomic():
        for f in findings:
            if f["organization"] in running:
                continue
            branch = Organization.objects.get(pk=f["organization"])
            if approving_committee_of(branch) is None:
                continue
            case = case_start(actor=actor, process_id=PROCESS, organization=branch, subject=branch.name,
                              business_key=f"{PROCESS}:{branch.pk}:{on.year}",
                              data={"year": on.year, "identified_on": on.isoformat(), "signals": json_safe(f["signals"])})
            opened.append({"organization": branch.pk, "case": case.pk})
        audit(action="weak_branch_identification", actor=actor, organization=organization,
              data={"on": on, "flagged": [{"organization": f["organization"], "signals": [s["code"] for s in f["signals"]]} for f in findings], "opened": opened})
    return {"on": on, "findings": findings, "opened": opened}


def identification_yearly(*, on: dt.date | None = None) -> list[dict]:
    """The yearly identification: every top-level committee's tree (beat, `partyflow identify-weak-branches`)."""
    return [identification_run(actor=None, organization=root, on=on) for root in Organization.objects.filter(parent__isnull=True)]
