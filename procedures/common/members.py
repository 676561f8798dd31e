"""What the per-member procedures share (self-lapse, unqualified members): the member a case is
about, the strike-off vote (general meeting, admission rule) and the member's leaving."""
from __future__ import annotations

from engine.calendar import parse_date, today
from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.models import Member, OrgKind
from workflows.models import Case, CaseStatus

from .votes import admission_rule_tally, voters


def member_case_subject(*, process: str, organization, data, not_branch: tuple, already_open: tuple) -> Member:
    """The member a per-member case is about (`data.member.id`, in the branch), refusing a case not
    opened for a branch (`not_branch`: message, code) or a second running one (`already_open`)."""
    if organization.kind != OrgKind.BRANCH:
        raise ValidationFailed(not_branch[0], code=not_branch[1], fields={"organization": [_("须为党支部")]})
    member_id = (data.get("member") or {}).get("id")
    member = Member.objects.filter(pk=member_id, organization__path__startswith=organization.path).first() if member_id else None
    if member is None:
        raise ValidationFailed(_("请指明本支部的党员。"), code="member_required", fields={"data.member": [_("须为本支部党员")]})
    if Case.objects.filter(process_id=process, data__member__id=member.pk, status=CaseStatus.RUNNING).exists():
        raise Conflict(already_open[0], code=already_open[1])
    return member



def strike_off_vote_context(*, case, task):
    return {**voters(case), "member": case.data.get("member")}


def strike_off_vote_check(*, case, task, data, rules):
    tally = admission_rule_tally(organization=case.organization, data=data, rules=rules,
                                 quorum_rule="disposal.vote_quorum", pass_rule="disposal.vote_pass")
    return {"vote": tally}


def member_leaves(case, status: str, date_field: str) -> dict:
    """The case's member leaves with `status` from the date in `case.data[date_field]` (today if
    absent); the reapplication ban (`disposal.rejoin_ban`) runs from that date."""
    member = Member.objects.select_for_update().get(pk=case.data["member"]["id"])
    member.status = status
    member.left_on = parse_date(case.data.get(date_field) or today())
    member.save(update_fields=["status", "left_on"])
    return {"member": member.pk, "status": member.status, "left_on": member.left_on.isoformat()}
