"""Reads for onboarding: the cases whose imported history breaks a rule, flagged for the
committee."""

from __future__ import annotations

from workflows.models import CaseStatus
from workflows.selectors import cases_visible


def import_flags_visible(user) -> list[dict]:
    """Running cases in the user's scope imported with rule violations ({code, column, message}),
    oldest first, with the organization's and person's names beside their ids (one query)."""
    qs = (
        cases_visible(user, status=CaseStatus.RUNNING)
        .filter(data__has_key="import_flags")
        .exclude(data__import_flags=[])
        .select_related("subject_member")
        .order_by("id")
    )
    return [
        {
            "case": c.pk,
            "process": c.process_id,
            "organization": c.organization_id,
            "organization_name": c.organization.name,
            "subject_member": c.subject_member_id,
            "subject": c.subject,
            "stage": c.stage,
            "flags": c.data["import_flags"],
            "imported": {
                k: v
                for k, v in (c.data.get("imported") or {}).items()
                if k in ("by", "at", "file", "row")
            },
        }
        for c in qs
    ]
