"""Handling of an unqualified member (DISPOSAL-2024): correction within a deadline from the rule
set, advice to withdraw, or striking off through the general meeting (admission rule) and the
approving committee. Striking off reuses the self-lapse effect and vote check."""
from __future__ import annotations

from engine.calendar import Duration, today
from engine.errors import Conflict, RuleViolation, ValidationFailed
from engine.i18n import _
from organizations.models import Member, MemberStatus, OrgKind

from ..registry import effect, form_check, form_context
from .self_lapse import check_vote as _strike_off_vote_check
from .self_lapse import member_leaves
from .self_lapse import vote_context as _strike_off_vote_context

PROCESS = "unqualified_member"


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules):
    from ..models import Case, CaseStatus

    if organization.kind != OrgKind.BRANCH:
        raise ValidationFailed(_("不合格党员处置须针对党支部发起。"), code="disposal_needs_branch", fields={"organization": [_("须为党支部")]})
    member_id = (data.get("member") or {}).get("id")
    member = Member.objects.filter(pk=member_id, organization__path__startswith=organization.path).first() if member_id else None
    if member is None:
        raise ValidationFailed(_("请指明本支部的党员。"), code="member_required", fields={"data.member": [_("须为本支部党员")]})
    if Case.objects.filter(process_id=PROCESS, data__member__id=member.pk, status=CaseStatus.RUNNING).exists():
        raise Conflict(_("该党员已有进行中的不合格党员处置。"), code="disposal_already_open")
    return {"member": {"id": member.pk, "name": member.name}}


@form_check(PROCESS, "propose_handling")
def check_proposal(*, case, task, data, rules):
    """The correction deadline: `disposal.correction_default` from today unless months are given, never
    beyond `disposal.correction_max` (DISPOSAL-2024)."""
    if data["measure"] != "correction":
        return {"correction_deadline": None}
    start = today()
    latest = rules.get("disposal.correction_max").add_to(start)
    months = data.get("correction_months")
    deadline = Duration(months=months).add_to(start) if months else rules.get("disposal.correction_default").add_to(start)
    if deadline > latest:
        raise RuleViolation(_("限期改正最长不超过 %(d)s（DISPOSAL-2024）：最晚 %(latest)s。") % {"d": rules.get("disposal.correction_max"), "latest": latest.isoformat()},
                            code="correction_period_too_long", fields={"correction_months": [_("最晚 %(latest)s") % {"latest": latest.isoformat()}]})
    return {"correction_deadline": deadline.isoformat(), "correction_started": start.isoformat()}


@form_context(PROCESS, "strike_off_vote")
def vote_context(*, case, task):
    return _strike_off_vote_context(case=case, task=task)


@form_check(PROCESS, "strike_off_vote")
def check_vote(*, case, task, data, rules):
    return _strike_off_vote_check(case=case, task=task, data=data, rules=rules)


@form_check(PROCESS, "approve_strike_off", "follow_up_correction", "record_withdrawal")
def check_plain(*, case, task, data, rules):
    return {}


@effect("withdraw_member")
def withdraw_member(*, case, params, actor, now):
    """The member withdraws (劝退) from the talk date."""
    return member_leaves(case, MemberStatus.WITHDRAWN, "talk_date")
