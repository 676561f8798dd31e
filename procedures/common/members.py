"""What the per-member procedures share (self-lapse, unqualified members): the member a case is
about, the strike-off vote (general meeting, admission rule) and the member's leaving."""

from __future__ import annotations

from engine.calendar import parse_date, today
from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.models import Member
from organizations.services import member_update
from workflows import registry

from .start import branch_only
from .votes import admission_rule_tally, voters


def member_case_subject(*, organization, data, not_branch: tuple, loaded=None) -> Member:
    """The member a per-member case is about (`data.member.id`, in the branch), refusing a case
    not opened for a branch (`not_branch`: message, code). One running case per member is the
    procedure's `one_running_per(PROCESS, MEMBER)`, held by `workflows.services.case_start`.
    `loaded`: that member already read with his organization (a batch), checked without a query."""
    branch_only(organization, not_branch)
    member_id = (data.get("member") or {}).get("id")
    if loaded is not None and member_id and loaded.pk == member_id:
        member = loaded if loaded.organization.path.startswith(organization.path) else None
    else:
        member = (
            Member.objects.filter(
                pk=member_id, organization__path__startswith=organization.path
            ).first()
            if member_id
            else None
        )
    if member is None:
        raise ValidationFailed(
            _("请指明本支部的党员。"),
            code="member_required",
            fields={"data.member": [_("须为本支部党员")]},
        )
    return member


def strike_off_vote(process: str) -> None:
    """Register the strike-off vote's form context and check (element `strike_off_vote`) for `process`,
    and what its data holds: the voters present and the member voted on are members, the tally's
    `vote.present` a count."""
    registry.form_context(process, "strike_off_vote")(strike_off_vote_context)
    registry.form_check(process, "strike_off_vote")(strike_off_vote_check)
    registry.data_labels(process, members=("present", "member"), counts=("vote.present",))


def strike_off_vote_context(*, case, task) -> dict:
    return {**voters(case), "member": case.data.get("member")}


def strike_off_vote_check(*, case, task, data, rules) -> dict:
    tally = admission_rule_tally(
        organization=case.organization,
        data=data,
        rules=rules,
        quorum_rule="disposal.vote_quorum",
        pass_rule="disposal.vote_pass",
    )
    return {"vote": tally}


def member_leaves(case, status: str, date_field: str, *, actor) -> dict:
    """The case's member leaves with `status` from the date in `case.data[date_field]` (today if
    absent); the reapplication ban (`disposal.rejoin_ban`) runs from that date."""
    member = Member.objects.select_for_update().get(pk=case.data["member"]["id"])
    member = member_update(
        actor=actor,
        member=member,
        status=status,
        left_on=parse_date(case.data.get(date_field) or today()),
    )
    return {"member": member.pk, "status": member.status, "left_on": member.left_on.isoformat()}
