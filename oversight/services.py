"""Writes: opening the committee's designation tasks for the branches identification finds (P4 steps 1-2)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from engine.calendar import today
from engine.errors import Forbidden
from engine.i18n import _
from organizations.models import Organization, Role
from organizations.rules import deployment_rule_set
from organizations.selectors import active_assignments, approving_committee_of
from workflows import audit
from workflows.models import Case, CaseStatus
from workflows.services import case_start

from .compliance import Period, compliance_table
from .selectors import weak_branch_identification

PROCESS = "weak_branch_remediation"


def _may_identify(actor, org: Organization) -> bool:
    """The approving committee over `org` (its officers) or the organization department."""
    if actor is None or actor.is_superuser:
        return True
    for a in active_assignments(actor):
        if a.role == Role.ORG_DEPARTMENT and org.path.startswith(a.organization.path):
            return True
        if (
            a.role == Role.COMMITTEE_OFFICER
            and a.organization.has_approval_authority
            and org.path.startswith(a.organization.path)
        ):
            return True
    return False


def identification_run(*, actor, organization: Organization, on: dt.date | None = None) -> dict:
    """Identify weak branches under `organization` and open one designation task in the approving
    committee's inbox per flagged branch that has no remediation running (the yearly job and the
    committee's on-demand run). Returns the findings and the cases opened. actor None: the yearly job."""

    if not _may_identify(actor, organization):
        raise Forbidden(
            _("只有上级党委或组织部可以开展软弱涣散党支部排查。"), code="identification_not_allowed"
        )
    on = on or today()
    rules = deployment_rule_set()
    findings = weak_branch_identification(organization, rules=rules, on=on)
    running = set(
        Case.objects.filter(
            process_id=PROCESS,
            status=CaseStatus.RUNNING,
            organization_id__in=[f["organization"] for f in findings],
        ).values_list("organization_id", flat=True)
    )
    opened = []
    with transaction.atomic():
        for f in findings:
            if f["organization"] in running:
                continue
            branch = Organization.objects.get(pk=f["organization"])
            if approving_committee_of(branch) is None:
                continue
            case = case_start(
                actor=actor,
                process_id=PROCESS,
                organization=branch,
                subject=branch.name,
                business_key=f"{PROCESS}:{branch.pk}:{on.year}",
            )
            opened.append({"organization": branch.pk, "case": case.pk})
        audit.append(
            action="weak_branch_identification",
            actor=actor,
            organization=organization,
            data={
                "on": on,
                "flagged": [
                    {
                        "organization": f["organization"],
                        "signals": [s["code"] for s in f["signals"]],
                    }
                    for f in findings
                ],
                "opened": opened,
            },
        )
    return {"on": on, "findings": findings, "opened": opened}


def identification_yearly(*, on: dt.date | None = None) -> list[dict]:
    """The yearly identification: every top-level committee's tree (beat, `partyflow identify-weak-branches`)."""
    return [
        identification_run(actor=None, organization=root, on=on)
        for root in Organization.objects.filter(parent__isnull=True)
    ]


REMINDER = "orglife_reminder"


def compliance_reminders_send(*, on: dt.date | None = None) -> list[dict]:
    """Remind each branch secretary, in the inbox, of every obligation still open orglife.reminder_lead
    before its period closes (one reminder per branch, obligation and period: running this twice a
    day opens nothing new). Returns the reminders opened."""

    on = on or today()
    rules = deployment_rule_set()
    horizon = rules.get("orglife.reminder_lead").add_to(on)
    month = Period.containing("month", on)
    sent = set(
        Case.objects.filter(
            process_id=REMINDER, business_key__startswith=f"{REMINDER}:"
        ).values_list("business_key", flat=True)
    )
    opened = []
    for root in Organization.objects.filter(parent__isnull=True):
        for row in compliance_table(root, month, rules=rules, on=on):
            branch = None
            for ob in row["obligations"]:
                open_periods = [
                    p
                    for p in ob["periods"]
                    if p["status"] in ("due", "at_risk")
                    and Period.parse(p["period"]).end <= horizon
                ]
                for p in open_periods:
                    key = f"{REMINDER}:{row['organization']}:{ob['code']}:{p['period']}"
                    if key in sent:
                        continue
                    branch = branch or Organization.objects.get(pk=row["organization"])
                    end = Period.parse(p["period"]).end
                    detail = {
                        k: v
                        for k, v in p.items()
                        if k
                        in (
                            "count",
                            "required",
                            "attendance",
                            "attendance_required",
                            "members",
                            "paid",
                        )
                    }
                    case = case_start(
                        actor=None,
                        process_id=REMINDER,
                        organization=branch,
                        subject=f"{ob['label']} {p['period_display']}",
                        business_key=key,
                        data={
                            "obligation": ob["code"],
                            "label": ob["label"],
                            "period": p["period"],
                            "period_end": end.isoformat(),
                            "detail": detail,
                        },
                    )
                    sent.add(key)
                    opened.append(
                        {
                            "organization": branch.pk,
                            "obligation": ob["code"],
                            "period": p["period"],
                            "case": case.pk,
                        }
                    )
    return opened
