"""Handling of an unqualified member (DISPOSAL-2024): correction within a deadline from the rule
set, advice to withdraw, or striking off through the general meeting (admission rule) and the
approving committee. Striking off shares the vote check and the leaving with self-lapse (`procedures.common.members`)."""
from __future__ import annotations

from engine.calendar import Duration, today
from engine.errors import RuleViolation
from engine.i18n import _
from organizations.models import MemberStatus
from procedures.common.members import (
    member_case_subject,
    member_leaves,
    strike_off_vote_check,
    strike_off_vote_context,
)
from workflows.registry import effect, form_check, form_context

PROCESS = "unqualified_member"


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None):
    member = member_case_subject(process=PROCESS, organization=organization, data=data,
                                 not_branch=(_("不合格党员处置须针对党支部发起。"), "disposal_needs_branch"),
                                 already_open=(_("该党员已有进行中的不合格党员处置。"), "disposal_already_open"))
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
    return strike_off_vote_context(case=case, task=task)


@form_check(PROCESS, "strike_off_vote")
def check_vote(*, case, task, data, rules):
    return strike_off_vote_check(case=case, task=task, data=data, rules=rules)


@form_check(PROCESS, "approve_strike_off", "follow_up_correction", "record_withdrawal")
def check_plain(*, case, task, data, rules):
    return {}


@effect("withdraw_member")
def withdraw_member(*, case, params, actor, now):
    """The member withdraws (劝退) from the talk date."""
    return member_leaves(case, MemberStatus.WITHDRAWN, "talk_date")
