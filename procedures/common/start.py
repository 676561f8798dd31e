"""The start guard every procedure uses: a case is opened for a branch, and a process runs at most
one case at a time per subject — the branch, or the member the case is about (or any key a
procedure computes, e.g. a branch and a year).

`one_running_per(PROCESS, BRANCH | MEMBER | fn)` declares the subject at import; `branch_only()`
refuses a case not opened for a branch with the procedure's own code. `workflows.services.case_start`
refuses a second running case for the same subject with 409 `case_already_running`, and a partial
unique index on running cases' `Case.subject_key` holds the rule when two starts race.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.models import Organization, OrgKind
from workflows import registry

Refusal = tuple[str, str]  # (message, code)


def _branch_key(*, organization, subject_member, data) -> str:
    return f"organization:{organization.pk}"


def _member_key(*, organization, subject_member, data) -> str | None:
    member_id = (
        (data.get("member") or {}).get("id") if isinstance(data.get("member"), dict) else None
    )
    member_id = member_id or (subject_member.pk if subject_member is not None else None)
    return f"member:{member_id}" if member_id else None


BRANCH: Callable = _branch_key
MEMBER: Callable = _member_key


def one_running_per(process: str, subject: Callable) -> None:
    """Declare that `process` runs one case at a time per `subject` (BRANCH or MEMBER)."""
    registry.one_running_per(process, subject)


def branch_only(organization: Organization, refusal: Refusal) -> None:
    if organization.kind != OrgKind.BRANCH:
        raise ValidationFailed(
            refusal[0], code=refusal[1], fields={"organization": [_("须为党支部")]}
        )
