"""Handling of an unqualified member (DISPOSAL-2024): correction within a deadline from the rule
set, advice to withdraw, or striking off through the general meeting (admission rule) and the
approving committee. Striking off shares the vote check and the leaving with self-lapse (`procedures.common.members`)."""

from __future__ import annotations

from engine.calendar import Duration, date_field, not_in_future, today
from engine.errors import RuleViolation
from engine.i18n import _
from organizations.models import MemberStatus
from procedures.common.members import member_case_subject, member_leaves, strike_off_vote
from procedures.common.start import MEMBER, one_running_per
from workflows.registry import effect, form_check, form_context
from workflows.selectors import case_evidence

PROCESS = "unqualified_member"
one_running_per(PROCESS, MEMBER)
strike_off_vote(PROCESS)


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    member = member_case_subject(
        organization=organization,
        data=data,
        not_branch=(_("不合格党员处置须针对党支部发起。"), "disposal_needs_branch"),
    )
    return {"member": {"id": member.pk, "name": member.name}}


def _correction_deadline(start, months, rules):
    """`disposal.correction_default` from `start` unless months are given, never beyond
    `disposal.correction_max` (DISPOSAL-2024)."""
    latest = rules.get("disposal.correction_max").add_to(start)
    deadline = (
        Duration(months=months).add_to(start)
        if months
        else rules.get("disposal.correction_default").add_to(start)
    )
    if deadline > latest:
        raise RuleViolation(
            _("限期改正最长不超过 %(d)s（DISPOSAL-2024）：最晚 %(latest)s。")
            % {"d": rules.get("disposal.correction_max"), "latest": latest.isoformat()},
            code="correction_period_too_long",
            fields={"correction_months": [_("最晚 %(latest)s") % {"latest": latest.isoformat()}]},
        )
    return deadline


@form_check(PROCESS, "propose_handling")
def check_proposal(*, case, task, data, rules) -> dict:
    """The branch committee's proposal; a correction period is checked now, runs from the filing."""
    if data["measure"] != "correction":
        return {"correction_deadline": None, "correction_months": None, "filed_on": None}
    _correction_deadline(today(), data.get("correction_months"), rules)
    return {
        "correction_deadline": None,
        "correction_months": data.get("correction_months"),
        "filed_on": None,
    }


@form_context(PROCESS, "file_handling")
def filing_context(*, case, task) -> dict:
    """What the approving committee files: the branch committee's proposal with its documents."""
    proposal = [e for e in case_evidence(case) if e["element_id"] == "propose_handling"]
    return {
        "member": case.data.get("member"),
        "measure": case.data.get("measure"),
        "reason": case.data.get("reason"),
        "correction_months": case.data.get("correction_months"),
        "proposal": proposal[-1] if proposal else None,
    }


@form_check(PROCESS, "file_handling")
def check_filing(*, case, task, data, rules) -> dict:
    """DISPOSAL-2024: handling starts with the proposal filed with the approving committee; the
    correction period runs from the filing date."""
    filed = date_field(data.get("filed_on"), field="filed_on")
    not_in_future(filed, field="filed_on")
    extra = {"filed_on": filed.isoformat(), "filing_document_no": data["document_no"]}
    if case.data.get("measure") == "correction":
        deadline = _correction_deadline(filed, case.data.get("correction_months"), rules)
        extra.update(correction_deadline=deadline.isoformat(), correction_started=filed.isoformat())
    return extra


@effect("withdraw_member")
def withdraw_member(*, case, params, actor, now) -> dict:
    """The member withdraws (劝退) from the talk date."""
    return member_leaves(case, MemberStatus.WITHDRAWN, "talk_date", actor=actor)
