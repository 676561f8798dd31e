"""P2's process id (one running per branch), its code tables, data labels and task guides."""

from __future__ import annotations

from engine.errors import RuleViolation
from engine.i18n import _
from engine.rules import get_rule_set, share_text
from organizations.models import Organization, Role
from organizations.selectors import committee_basis
from procedures.common.start import BRANCH, one_running_per
from procedures.common.votes import EXCLUSION_REASONS
from workflows.registry import data_labels, task_guides

PROCESS = "branch_election"
one_running_per(PROCESS, BRANCH)

NOMINATION_METHODS = {
    "committee_proposal": _("支委会根据多数党员意见提出"),
    "member_recommendation": _("党员推荐"),
}
OUTCOMES = {
    "elected": _("全部当选"),
    "too_few": _("当选不足"),
    "tie": _("票数相等，须重新投票"),
    "void": _("选举无效，须重新投票"),
}
SHORTFALL_DECISIONS = {
    "supplementary_vote": _("在未当选的候选人中另行选举"),
    "reduce_seats": _("经多数党员同意减少名额"),
}
POSTS = {
    Role.BRANCH_SECRETARY: _("书记"),
    Role.BRANCH_DEPUTY_SECRETARY: _("副书记"),
    Role.BRANCH_COMMITTEE: _("委员"),
}

data_labels(
    PROCESS,
    members=(
        "candidates",
        "present",
        "elected",
        "elected_total",
        "secretary",
        "deputy",
        "candidate",
        "member",
        "tied",
        "votes",
    ),
    codes={
        "nomination_method": NOMINATION_METHODS,
        "reason": EXCLUSION_REASONS,
        "outcome": OUTCOMES,
        "decision": SHORTFALL_DECISIONS,
        "role": {r.value: r.label for r in Role},
    },
    counts=("tally.present",),
    titles={
        "branch": _("党支部"),
        "branch_name": _("党支部"),
        "term_start": _("本届任期开始日期"),
        "term_end": _("本届任期届满日期"),
        "committee": _("设支部委员会"),
        "round": _("选举轮次"),
        "elected_total": _("已当选"),
        "approving_committee": _("审批党委"),
        "tally": _("计票结果"),
        "request_approved_on": _("换届请示批复日期"),
        "election_date": _("选举日期"),
        "reply_document_no": _("换届请示批复文号"),
        "candidates_document_no": _("候选人预备人选批复文号"),
        "results_document_no": _("选举结果批复文号"),
        "voters_eligible": _("有选举权的党员"),
        "voters_due": _("应到会有选举权党员"),
        "voters_present": _("实到会有选举权党员"),
        "excluded": _("不计入应到会人数的党员"),
        "ballots_issued": _("发出选票"),
        "ballots_returned": _("收回选票"),
        "invalid_ballots": _("无效票"),
        "valid_ballots": _("有效票"),
        "outcome": _("计票结果"),
        "votes": _("各候选人得票"),
        "elected": _("当选"),
        "tied": _("票数相等的候选人"),
        "seats_open": _("待选名额"),
        "seats": _("应选名额"),
        "secretary": _("书记"),
        "deputy": _("副书记"),
        "officers": _("新一届委员及职务"),
        "case": _("下一次换届选举"),
    },
)  # the vote's count of voters present, as tallies before issue 13 stored it


def _rules(case):
    return get_rule_set(case.rule_set)


task_guides(
    PROCESS,
    {
        "submit_request": lambda case: _(
            "支部委员会向上级党委报送换届请示，写明拟选举日期、应选委员名额和候选人推荐方式"
            "（ELEC-2020 第3条、第5条）。"
        ),
        "reply_request": lambda case: _(
            "上级党委对换届请示作出批复；不同意的，写明退回理由（ELEC-2020 第5条）。"
        ),
        "nominate_candidates": lambda case: (
            _(
                "支部委员会根据多数党员的意见提出候选人预备人选：须为本支部有选举权的正式党员，"
                "人数多于应选名额的 %(pct)s%%（ELEC-2020 第12、13条）。"
            )
            % {"pct": int(_rules(case).get("election.candidate_margin") * 100)}
        ),
        "review_candidates": lambda case: _(
            "上级党委审查候选人预备人选的资格和差额；同意后支部方可召开党员大会选举"
            "（ELEC-2020 第13条）。"
        ),
        "record_vote": lambda case: (
            _(
                "召开党员大会选举并登记结果：到会有选举权的党员须超过应到会人数的%(q)s，"
                "候选人得赞成票超过实到会人数的%(t)s方可当选（ELEC-2020 第16—20条）。"
            )
            % {
                "q": share_text(_rules(case).get("election.quorum")),
                "t": share_text(_rules(case).get("election.elected_threshold")),
            }
        ),
        "decide_shortfall": lambda case: (
            _(
                "当选人数少于应选名额：在未当选的候选人中另行选举，"
                "或经超过%(t)s的到会党员同意减少名额（ELEC-2020 第19条）。"
            )
            % {"t": share_text(_rules(case).get("election.elected_threshold"))}
        ),
        "elect_officers": lambda case: _(
            "新一届支部委员会召开第一次会议，从新当选的委员中选举书记、副书记（ELEC-2020 第21条）。"
        ),
        "approve_results": lambda case: _(
            "上级党委审批选举结果：委员报备，书记、副书记报批（ELEC-2020 第22条）。"
        ),
    },
)


def business_key(org: Organization) -> str:
    return f"{PROCESS}:{org.pk}"


def _has_committee(org, rules) -> bool:
    return committee_basis([org], rules)[org.pk].has_committee


def _check_seats(seats: int, committee: bool, rules, field: str = "seats") -> None:
    """BRANCH-2018 Art. 5: a committee has branch.committee_size_min to _max members (an odd
    number when branch.committee_size_odd); without a committee at most
    branch.officers_without_committee_max."""
    if committee:
        lo, hi = rules.get("branch.committee_size_min"), rules.get("branch.committee_size_max")
        if not lo <= seats <= hi:
            raise RuleViolation(
                _("设支委会的支部应选委员 %(lo)s 至 %(hi)s 名（BRANCH-2018 第5条）。")
                % {"lo": lo, "hi": hi},
                code="committee_size",
                fields={field: [_("应为 %(lo)s 至 %(hi)s 名") % {"lo": lo, "hi": hi}]},
            )
        if rules.get("branch.committee_size_odd") and seats % 2 == 0:
            raise RuleViolation(
                _("支委会委员名额应为奇数。"),
                code="committee_size_odd",
                fields={field: [_("应为奇数")]},
            )
    else:
        hi = rules.get("branch.officers_without_committee_max")
        if seats > hi:
            raise RuleViolation(
                _(
                    "正式党员不足 %(n)s 人的支部不设支委会，只选书记（和副书记），名额不超过 %(hi)s。"
                )
                % {"n": rules.get("branch.committee_min_full_members"), "hi": hi},
                code="no_committee_seats",
                fields={field: [_("不超过 %(hi)s 名") % {"hi": hi}]},
            )
