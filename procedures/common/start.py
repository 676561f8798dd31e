"""The start guard every procedure uses: a case is opened for a branch, and a process runs at most
one case at a time per subject — the branch, or the member the case is about.

`one_running_per(PROCESS, BRANCH | MEMBER)` declares the subject at import; `start_guard()` (or
`branch_only()` and `not_running()` around a procedure's own checks) refuses with the procedure's
own codes. A partial unique index on running cases' `Case.subject_key` holds the rule when two
starts race past the check (`case_already_running`, `workflows.services.case_start`).
"""
from __future__ import annotations

from collections.abc import Callable

from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.models import Organization, OrgKind
from workflows import registry
from workflows.models import Case, CaseStatus

Refusal = tuple[str, str]  # (message, code)


def _branch_key(*, organization, subject_member, data) -> str:
    return f"organization:{organization.pk}"


def _member_key(*, organization, subject_member, data) -> str | None:
    member_id = (data.get("member") or {}).get("id") if isinstance(data.get("member"), dict) else None
    member_id = member_id or (subject_member.pk if subject_member is not None else None)
    return f"member:{member_id}" if member_id else None


BRANCH: Callable = _branch_key
MEMBER: Callable = _member_key


def one_running_per(process: str, subject: Callable) -> None:
    """Declare that `process` runs one case at a time per `subject` (BRANCH or MEMBER)."""
    registry.one_running_per(process, subject)


def branch_only(organization: Organization, refusal: Refusal) -> None:
    if organization.kind != OrgKind.BRANCH:
        raise ValidationFailed(refusal[0], code=refusal[1], fields={"organization": [_("须为党支部")]})


def not_running(process: str, refusal: Refusal, *, organization: Organization, subject_member=None,
                data: dict | None = None) -> None:
    key = registry.running_key(process, organization=organization, subject_member=subject_member, data=data or {})
    if key and Case.objects.filter(subject_key=key, status=CaseStatus.RUNNING).exists():
        raise Conflict(refusal[0], code=refusal[1])


def start_guard(process: str, *, organization: Organization, not_branch: Refusal, already_running: Refusal,
                subject_member=None, data: dict | None = None) -> None:
    """Branch only, then one running case per subject."""
    branch_only(organization, not_branch)
    not_running(process, already_running, organization=organization, subject_member=subject_member, data=data)
