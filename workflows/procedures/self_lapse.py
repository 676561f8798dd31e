"""Self-lapse (自行脱党), CONST Art. 9 and XYTC §5-7: detection from the attendance and dues
records, one open case per member, and the strike-off decision (general meeting under the admission
rule, then the approving committee)."""
from __future__ import annotations

from engine.calendar import parse_date, today
from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.models import Member, MemberStatus, OrgKind

from ..registry import data_labels, effect, form_check, form_context
from .branch_election import voters
from .votes import admission_rule_tally

PROCESS = "self_lapse"


data_labels(PROCESS, members=("present", "member"), counts=("vote.present",))


def member_case_subject(*, process: str, organization, data, not_branch: tuple, already_open: tuple) -> Member:
    """The member a per-member case is about (`data.member.id`, in the branch), refusing a case not
    opened for a branch (`not_branch`: message, code) or a second running one (`already_open`)."""
    from ..models import Case, CaseStatus

    if organization.kind != OrgKind.BRANCH:
        raise ValidationFailed(not_branch[0], code=not_branch[1], fields={"organization": [_("须为党支部")]})
    member_id = (data.get("member") or {}).get("id")
    member = Member.objects.filter(pk=member_id, organization__path__startswith=organization.path).first() if member_id else None
    if member is None:
        raise ValidationFailed(_("请指明本支部的党员。"), code="member_required", fields={"data.member": [_("须为本支部党员")]})
    if Case.objects.filter(process_id=process, data__member__id=member.pk, status=CaseStatus.RUNNING).exists():
        raise Conflict(already_open[0], code=already_open[1])
    return member


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None):
    member_case_subject(process=PROCESS, organization=organization, data=data,
                        not_branch=(_("自行脱党处理须针对党支部发起。"), "self_lapse_needs_branch"),
                        already_open=(_("该党员已有进行中的自行脱党处理。"), "self_lapse_already_open"))
    return {}


@form_context(PROCESS, "review_lapse")
def review_context(*, case, task):
    return {"member": case.data.get("member"), "grounds": case.data.get("grounds", [])}


@form_context(PROCESS, "strike_off_vote")
def vote_context(*, case, task):
    return {**voters(case), "member": case.data.get("member")}


@form_check(PROCESS, "strike_off_vote")
def check_vote(*, case, task, data, rules):
    tally = admission_rule_tally(organization=case.organization, data=data, rules=rules,
                                 quorum_rule="disposal.vote_quorum", pass_rule="disposal.vote_pass")
    return {"vote": tally}


@form_check(PROCESS, "approve_strike_off")
def check_approval(*, case, task, data, rules):
    return {}


def member_leaves(case, status: str, date_field: str) -> dict:
    """The case's member leaves with `status` from the date in `case.data[date_field]` (today if
    absent); the reapplication ban (`disposal.rejoin_ban`) runs from that date."""
    member = Member.objects.select_for_update().get(pk=case.data["member"]["id"])
    member.status = status
    member.left_on = parse_date(case.data.get(date_field) or today())
    member.save(update_fields=["status", "left_on"])
    return {"member": member.pk, "status": member.status, "left_on": member.left_on.isoformat()}


@effect("strike_off_member")
def strike_off_member(*, case, params, actor, now):
    """The member is struck off from the general meeting's date."""
    return member_leaves(case, MemberStatus.REMOVED, "meeting_date")
