"""P2 branch election (ELEC-2020, BRANCH-2018 Art. 21): the rules BPMN cannot say in a gateway.

Every refusal is a RuleViolation whose code names the rule and whose fields name the input.
All thresholds come from the case's rule set.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from engine.calendar import date_field, not_in_future, parse_date, today
from engine.errors import RuleViolation, ValidationFailed
from engine.i18n import _
from engine.rules import (
    at_least_ceil,
    get_rule_set,
    more_than_whole,
    share_text,
    strictly_more_than,
)
from notifications.services import term_expiry_notify, term_expiry_notify_many
from organizations.models import CommitteePost, Member, Organization, Role
from organizations.rules import branch_term_end
from organizations.selectors import branch_members, committee_basis
from organizations.services import organization_update, role_assignment_create, role_assignments_end
from procedures.common.start import BRANCH, branch_only, one_running_per
from procedures.common.votes import EXCLUSION_REASONS, require_quorum, voters, voters_due
from procedures.common.votes import check_people as _check_people
from procedures.common.votes import ineligibility as _ineligibility
from workflows.registry import (
    data_labels,
    effect,
    effect_many,
    form_check,
    form_context,
    task_guides,
)
from workflows.services import case_start

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


# --- start -----------------------------------------------------------------------------------


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    branch_only(organization, (_("换届选举须针对党支部发起。"), "election_needs_branch"))
    term_end = data.get("term_end") or (
        organization.term_end.isoformat() if organization.term_end else None
    )
    if not term_end:
        raise ValidationFailed(
            _("请提供本届任期届满日期。"),
            code="term_end_required",
            fields={"data.term_end": [_("必填")]},
        )
    date_field(term_end, field="data.term_end")
    # The outgoing term as it stood when the election began: the request prints it after the
    # election has replaced the branch's term.
    term_start = organization.term_start.isoformat() if organization.term_start else None
    return {"term_start": term_start, "term_end": term_end, "branch_name": organization.name}


# --- step 1: request -------------------------------------------------------------------------


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


@form_check(PROCESS, "submit_request")
def check_request(*, case, task, data, rules) -> dict:
    org, seats = case.organization, data["seats"]
    committee = _has_committee(org, rules)
    _check_seats(seats, committee, rules)
    election_date = date_field(data.get("election_date"), field="election_date")
    if election_date < today():
        raise RuleViolation(
            _("计划选举日期不能早于今天（%(d)s）。") % {"d": today().isoformat()},
            code="election_date_in_past",
            fields={"election_date": [_("不能早于 %(d)s") % {"d": today().isoformat()}]},
        )
    latest = rules.get("election.max_postponement").add_to(parse_date(case.data["term_end"]))
    if election_date > latest:
        raise RuleViolation(
            _("延期换届最长不超过 %(d)s（ELEC-2020 第3条）：最晚 %(latest)s。")
            % {"d": rules.get("election.max_postponement"), "latest": latest.isoformat()},
            code="postponement_too_long",
            fields={"election_date": [_("最晚 %(latest)s") % {"latest": latest.isoformat()}]},
        )
    return {"committee": committee}


# --- steps 3-4: candidates -------------------------------------------------------------------


def _check_candidates(case, candidates, rules):
    seats = case.data["seats"]
    _check_people(
        case.organization, candidates, "candidates", "candidate_not_eligible", _("候选人")
    )
    needed = at_least_ceil(Fraction(seats) * (1 + rules.get("election.candidate_margin")))
    if len(candidates) < needed:
        raise RuleViolation(
            _(
                "应选 %(seats)s 人，候选人应多于应选人数的 %(pct)s%%，至少 %(needed)s 人，现为 %(n)s 人（ELEC-2020 第13条）。"
            )
            % {
                "seats": seats,
                "pct": int(rules.get("election.candidate_margin") * 100),
                "needed": needed,
                "n": len(candidates),
            },
            code="candidate_margin_short",
            fields={"candidates": [_("至少 %(needed)s 人") % {"needed": needed}]},
        )


@form_check(PROCESS, "nominate_candidates")
def check_nomination(*, case, task, data, rules) -> dict:
    _check_candidates(case, data["candidates"], rules)
    return {"approved": None, "elected_total": [], "round": 0}


# Each reply of the approving committee is its own document: its number is kept in the case under
# the step's own name, so that the approval of the results never replaces the reply to the request.
# The form's shared `document_no` is not kept in the case (each step's event keeps what was
# submitted; older cases keep the last number under `document_no`).
DOCUMENT_NO_KEYS = {
    "review_candidates": "candidates_document_no",
    "reply_request": "reply_document_no",
    "approve_results": "results_document_no",
}


@form_check(PROCESS, "review_candidates", "reply_request", "approve_results")
def check_approval(*, case, task, data, rules) -> dict:
    """The reply's document number under the step's own name; an approval clears the reason of an
    earlier rejection (the case shows the current reply)."""
    numbers = {
        "document_no": None,
        DOCUMENT_NO_KEYS[task.element_id]: data.get("document_no") or None,
    }
    if not data["approved"]:
        return numbers
    if task.element_id == "review_candidates":
        _check_candidates(case, case.data.get("candidates", []), rules)
    extra = {**numbers, "reason": data.get("reason") or None}
    if task.element_id == "reply_request":
        extra["request_approved_on"] = today().isoformat()
    return extra


def _member_row(m: Member) -> dict:
    reason = _ineligibility(m)
    return {
        "id": m.pk,
        "name": m.name,
        "status": m.status,
        "status_display": str(m.get_status_display()),
        "eligible": not reason,
        "reason": reason,
    }


def _request_summary(case) -> dict:
    method = case.data.get("nomination_method") or ""
    return {
        "election_date": case.data.get("election_date"),
        "seats": case.data.get("seats"),
        "nomination_method": method,
        "nomination_method_display": str(NOMINATION_METHODS.get(method, method)),
        "term_end": case.data.get("term_end"),
    }


def _candidates_needed(case) -> int:
    return at_least_ceil(
        Fraction(case.data["seats"]) * (1 + _rules(case).get("election.candidate_margin"))
    )


@form_context(PROCESS, "reply_request")
def request_context(*, case, task) -> dict:
    """What the committee replies to: the request as the branch sent it."""
    return {
        "request": _request_summary(case),
        "organization": {"id": case.organization_id, "name": case.organization.name},
    }


@form_context(PROCESS, "nominate_candidates")
def nomination_context(*, case, task) -> dict:
    """Who may be nominated: every member of the branch with their status, eligibility and why not;
    how many candidates are needed for the seats. One query."""
    members = [_member_row(m) for m in branch_members(case.organization)]
    return {
        "request": _request_summary(case),
        "candidates_needed": _candidates_needed(case),
        "eligible": [m for m in members if m["eligible"]],
        "not_eligible": [m for m in members if not m["eligible"]],
    }


@form_context(PROCESS, "review_candidates")
def review_context(*, case, task) -> dict:
    """The candidates proposed, with names, status and eligibility; seats and the margin needed."""
    ids = case.data.get("candidates") or []
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    return {
        "request": _request_summary(case),
        "candidates_needed": _candidates_needed(case),
        "candidates": [
            _member_row(found[i]) if i in found else {"id": i, "name": "", "eligible": False}
            for i in ids
        ],
        "basis": case.data.get("basis", ""),
    }


def _elected_rows(case) -> list[dict]:
    ids = case.data.get("elected_total") or []
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "name"))
    votes = (case.data.get("tally") or {}).get("votes") or {}
    rows = []
    for i in ids:
        post = (
            Role.BRANCH_SECRETARY
            if i == case.data.get("secretary")
            else Role.BRANCH_DEPUTY_SECRETARY
            if i == case.data.get("deputy")
            else Role.BRANCH_COMMITTEE
        )
        rows.append(
            {
                "id": i,
                "name": names.get(i, ""),
                "post": post.value,
                "post_display": str(POSTS[post]),
                "yes_votes": votes.get(str(i), votes.get(i)),
            }
        )
    return rows


@form_context(PROCESS, "decide_shortfall")
def shortfall_context(*, case, task) -> dict:
    """Fewer elected than seats: who was elected, who was not (with their votes), the seats open."""
    tally = case.data.get("tally") or {}
    votes = tally.get("votes") or {}
    elected = case.data.get("elected_total") or []
    others = _round_candidates(case)
    names = dict(Member.objects.filter(pk__in=elected + others).values_list("pk", "name"))
    return {
        "seats": case.data.get("seats"),
        "seats_open": case.data["seats"] - len(elected),
        "voters_present": tally.get("voters_present", tally.get("present")),
        "elected": [{"id": i, "name": names.get(i, "")} for i in elected],
        "not_elected": [
            {"id": i, "name": names.get(i, ""), "yes_votes": votes.get(str(i))} for i in others
        ],
    }


@form_context(PROCESS, "elect_officers")
def officers_context(*, case, task) -> dict:
    """The newly elected committee members, from whom the secretary and deputy are elected."""
    return {
        "elected": [
            {k: v for k, v in r.items() if k not in ("post", "post_display")}
            for r in _elected_rows(case)
        ]
    }


@form_context(PROCESS, "approve_results")
def approval_context(*, case, task) -> dict:
    """The result to approve: each elected member with their post and votes, the vote's figures."""
    tally = case.data.get("tally") or {}
    return {
        "election_date": case.data.get("election_date"),
        "elected": _elected_rows(case),
        "vote": {
            "voters_due": tally.get("voters_due"),
            "voters_present": tally.get("voters_present", tally.get("present")),
            **{
                k: tally.get(k)
                for k in ("ballots_issued", "ballots_returned", "invalid_ballots", "valid_ballots")
            },
        },
    }


# --- step 5: the vote ------------------------------------------------------------------------


def _round_candidates(case) -> list[int]:
    """Who stands in this round: after a tie at the last seat only the tied candidates (ELEC-2020:
    ties are re-voted; a voided re-vote keeps them), otherwise every candidate not yet elected."""
    last = case.data.get("tally") or {}
    if last.get("outcome") in ("tie", "void") and last.get("tied"):
        return list(last["tied"])
    elected = set(case.data.get("elected_total") or [])
    return [c for c in case.data.get("candidates", []) if c not in elected]


@form_context(PROCESS, "record_vote")
def vote_context(*, case, task) -> dict:
    seats_open = case.data["seats"] - len(case.data.get("elected_total") or [])
    names = {m.pk: m.name for m in Member.objects.filter(pk__in=case.data.get("candidates", []))}
    people = voters(case)
    due = len(people["eligible"])
    quorum = _rules(case).get("election.quorum")
    return {
        **people,
        "voters_due": due,
        "present_needed": more_than_whole(quorum, due) + 1,
        "seats_open": seats_open,
        "candidates": [{"id": c, "name": names.get(c, "")} for c in _round_candidates(case)],
        "elected_so_far": case.data.get("elected_total") or [],
        "exclusion_reasons": {k: str(v) for k, v in EXCLUSION_REASONS.items()},
    }


@form_check(PROCESS, "record_vote")
def check_vote(*, case, task, data, rules) -> dict:
    """Tally one round (P2 step 5, ELEC-2020 Art. 16-20). Refuses a record that breaks a rule, in
    the order of the steps below: the meeting, the ballots, the tally, the outcome, the winners
    announced; returns the tally the gateway routes on."""
    org = case.organization
    meeting = date_field(data.get("meeting_date"), field="meeting_date")
    not_in_future(meeting, field="meeting_date")
    eligible, due = _vote_meeting(case, org, data, meeting, rules)
    present = data["present"]
    base = {
        "voters_eligible": eligible,
        "voters_due": due,
        "voters_present": len(present),
        "excluded": data.get("excluded") or [],
        "ballots_issued": data["ballots_issued"],
        "ballots_returned": data["ballots_returned"],
        "invalid_ballots": data["invalid_ballots"],
    }
    round_no = (case.data.get("round") or 0) + 1
    if _vote_ballots(data):
        return {
            "tally": {
                **base,
                "outcome": "void",
                "reason": str(_("收回选票多于发出选票，选举无效，应重新投票。")),
                "elected": [],
                "tied": (case.data.get("tally") or {}).get("tied") or [],
            },
            "round": round_no,
        }
    candidates = _round_candidates(case)
    valid = data["ballots_returned"] - data["invalid_ballots"]
    seats_open = case.data["seats"] - len(case.data.get("elected_total") or [])
    counts = _vote_tally(data, candidates, valid, seats_open)
    threshold = rules.get("election.elected_threshold")
    outcome, winners, tied = _vote_outcome(counts, candidates, len(present), seats_open, threshold)
    _vote_announced(data["elected"], counts, candidates, len(present), threshold, outcome, winners)
    elected_total = (case.data.get("elected_total") or []) + winners
    return {
        "tally": {
            **base,
            "outcome": outcome,
            "valid_ballots": valid,
            "votes": counts,
            "elected": winners,
            "tied": tied,
            "seats_open": seats_open,
        },
        "elected_total": elected_total,
        "round": round_no,
        "election_date": meeting.isoformat(),
    }


def _vote_meeting(case, org, data, meeting: dt.date, rules) -> tuple[int, int]:
    """The meeting (P2 step 5): held no earlier than the higher committee's reply approving the
    request (ELEC-2020 Art. 5), and quorate: the voters present more than `election.quorum` (4/5)
    of the voters due (ELEC-2020), those excluded with higher approval not due. Returns (voters
    eligible, voters due)."""
    approved_on = case.data.get("request_approved_on")
    if approved_on and meeting < parse_date(approved_on):
        raise RuleViolation(
            _("选举大会日期不能早于换届请示批复日期 %(d)s。") % {"d": approved_on},
            code="meeting_before_request_approval",
            fields={"meeting_date": [_("最早 %(d)s") % {"d": approved_on}]},
        )
    eligible, due = voters_due(org, data)
    require_quorum(
        len(data["present"]),
        due,
        rules.get("election.quorum"),
        code="election_quorum_not_met",
        source="ELEC-2020",
    )
    return eligible, due


def _vote_ballots(data) -> bool:
    """The ballots (P2 step 5, ELEC-2020): no more issued than voters present; whether the round is
    void (more returned than issued: it is voted again); otherwise no more invalid than returned."""
    issued, returned, invalid = (
        data["ballots_issued"],
        data["ballots_returned"],
        data["invalid_ballots"],
    )
    present = data["present"]
    if issued > len(present):
        raise RuleViolation(
            _("发出选票 %(i)s 张，多于到会有选举权党员 %(p)s 人。")
            % {"i": issued, "p": len(present)},
            code="ballots_exceed_present",
            fields={"ballots_issued": [_("不能多于到会人数")]},
        )
    if returned > issued:
        return True
    if invalid > returned:
        raise RuleViolation(
            _("无效票不能多于收回的选票。"),
            code="invalid_ballots_exceed_returned",
            fields={"invalid_ballots": [_("不能多于收回票数")]},
        )
    return False


def _vote_tally(data, candidates: list[int], valid: int, seats_open: int) -> dict[int, int]:
    """The tally (P2 step 5, ELEC-2020): {candidate: yes votes}, one count for each candidate of
    the round and none for anybody else, no count above the valid ballots; a ballot naming more
    people than seats is invalid, so the counts together are at most valid ballots × open seats."""
    counts = {}
    for i, v in enumerate(data["votes"]):
        if v["candidate"] not in candidates:
            raise RuleViolation(
                _("编号 %(id)s 不是本轮候选人。") % {"id": v["candidate"]},
                code="not_a_candidate",
                fields={f"votes.{i}.candidate": [_("不是本轮候选人")]},
            )
        if v["yes"] > valid:
            raise RuleViolation(
                _("得票数不能多于有效票数 %(v)s。") % {"v": valid},
                code="votes_exceed_ballots",
                fields={f"votes.{i}.yes": [_("不能多于 %(v)s") % {"v": valid}]},
            )
        counts[v["candidate"]] = v["yes"]
    missing = [c for c in candidates if c not in counts]
    if missing:
        raise RuleViolation(
            _("缺少候选人的得票数：%(ids)s") % {"ids": missing},
            code="votes_missing",
            fields={"votes": [_("每位候选人都须登记得票")]},
        )
    # A ballot naming more people than seats is invalid and counts for nobody: each valid ballot
    # carries at most `seats_open` marks.
    if sum(counts.values()) > valid * seats_open:
        raise RuleViolation(
            _(
                "各候选人赞成票合计 %(t)s 张，多于有效票 %(v)s 张 × 应选 %(s)s 名 = %(m)s：所选人数多于应选人数的选票为无效票。"
            )
            % {"t": sum(counts.values()), "v": valid, "s": seats_open, "m": valid * seats_open},
            code="marks_exceed_seats",
            fields={"votes": [_("合计不能多于 %(m)s") % {"m": valid * seats_open}]},
        )
    return counts


def _vote_outcome(
    counts: dict[int, int], candidates: list[int], present: int, seats_open: int, threshold
) -> tuple[str, list[int], list[int]]:
    """The outcome (P2 step 5, ELEC-2020 Art. 19): (outcome, winners, tied). Elected are those with
    yes votes more than `election.elected_threshold` (½) of the voters present; when more pass than
    seats are open the highest win, and a tie at the last seat is voted again (the tied return,
    those above it win); when fewer pass, the outcome is too few (supplementary vote or fewer
    seats)."""
    passing = sorted(
        (c for c in candidates if strictly_more_than(counts[c], threshold, present)),
        key=lambda c: -counts[c],
    )
    outcome, winners, tied = "elected", passing, []
    if len(passing) > seats_open:
        cutoff = counts[passing[seats_open - 1]]
        if counts[passing[seats_open]] == cutoff:
            outcome, winners = "tie", [c for c in passing if counts[c] > cutoff]
            tied = [c for c in passing if counts[c] == cutoff]
        else:
            winners = passing[:seats_open]
    elif len(passing) < seats_open:
        outcome = "too_few"
    return outcome, winners, tied


def _vote_announced(
    announced: list[int],
    counts: dict[int, int],
    candidates: list[int],
    present: int,
    threshold,
    outcome: str,
    winners: list[int],
) -> None:
    """The winners announced (P2 step 5, ELEC-2020): nobody whose yes votes are not more than the
    threshold of the voters present, and exactly the winners of the tally; after a tie at the last
    seat, none of the tied (they are voted again)."""
    names = {m.pk: m.name for m in Member.objects.filter(pk__in=candidates)}
    for i, c in enumerate(announced):
        if c in counts and not strictly_more_than(counts[c], threshold, present):
            raise RuleViolation(
                _(
                    "%(name)s 得赞成票 %(yes)s 张，未超过实到会有选举权党员 %(p)s 人的半数，不能当选（ELEC-2020）。"
                )
                % {"name": names.get(c, c), "yes": counts[c], "p": present},
                code="election_threshold_not_met",
                fields={f"elected.{i}": [_("得票未过半数")]},
            )
    if outcome != "tie" and sorted(announced) != sorted(winners):
        raise RuleViolation(
            _("宣布当选的人与计票结果不符：按得票应为 %(w)s。")
            % {"w": "、".join(names.get(c, str(c)) for c in winners) or _("无人")},
            code="elected_mismatch",
            fields={"elected": [_("与计票结果不符")]},
        )
    if outcome == "tie" and sorted(announced) != sorted(winners):
        raise RuleViolation(
            _("票数相等的候选人不能宣布当选，应就票数相等的候选人重新投票。"),
            code="elected_mismatch",
            fields={"elected": [_("票数相等者须重新投票")]},
        )


@form_check(PROCESS, "decide_shortfall")
def check_shortfall(*, case, task, data, rules) -> dict:
    """Fewer seats needs more than half of those present, and the smaller committee must still meet
    the committee rules (BRANCH-2018 Art. 5), else a supplementary vote."""
    if data["decision"] == "reduce_seats":
        _check_seats(
            len(case.data.get("elected_total") or []),
            bool(case.data.get("committee")),
            rules,
            field="decision",
        )
        tally = case.data["tally"]
        present = tally.get(
            "voters_present", tally.get("present")
        )  # "present": tallies recorded before the rename
        agreed = data.get("agreed") or 0
        if not strictly_more_than(agreed, rules.get("election.elected_threshold"), present):
            raise RuleViolation(
                _("减少名额须经到会党员半数以上同意：到会 %(p)s 人，同意 %(a)s 人。")
                % {"p": present, "a": agreed},
                code="seat_reduction_not_agreed",
                fields={
                    "agreed": [
                        _("须超过 %(n)s 人")
                        % {"n": more_than_whole(rules.get("election.elected_threshold"), present)}
                    ]
                },
            )
        return {"seats": len(case.data.get("elected_total") or [])}
    return {}


# --- step 6: officers ------------------------------------------------------------------------


@form_check(PROCESS, "elect_officers")
def check_officers(*, case, task, data, rules) -> dict:
    elected = case.data.get("elected_total") or []
    for field in ("secretary", "deputy"):
        if data.get(field) is not None and data[field] not in elected:
            raise RuleViolation(
                _("书记、副书记须从新当选的委员中选举。"),
                code="officer_not_elected",
                fields={field: [_("须为新当选委员")]},
            )
    if data.get("deputy") is not None and data["deputy"] == data["secretary"]:
        raise RuleViolation(
            _("书记和副书记不能是同一人。"),
            code="officer_duplicate",
            fields={"deputy": [_("不能与书记相同")]},
        )
    return {"approved": None}


# --- step 8: effects -------------------------------------------------------------------------

# The post each elected officer holds until the committee divides the other posts (分工).
ELECTED_POSTS = {
    Role.BRANCH_SECRETARY: CommitteePost.SECRETARY,
    Role.BRANCH_DEPUTY_SECRETARY: CommitteePost.DEPUTY_SECRETARY,
    Role.BRANCH_COMMITTEE: CommitteePost.MEMBER,
}


@effect("record_election_result")
def record_election_result(*, case, params, actor, now) -> dict:
    """Record the new term on the branch and give the new officers their roles for the term; the
    outgoing committee's roles end the day before the election."""
    data, rules = case.data, _rules_of(case)
    org = Organization.objects.select_for_update().get(pk=case.organization_id)
    election_date = parse_date(data.get("election_date") or today())
    org = organization_update(
        actor=actor,
        organization=org,
        term_start=election_date,
        term_end=branch_term_end(election_date, rules),
    )
    role_assignments_end(
        actor=actor,
        organization=org,
        roles=[Role.BRANCH_SECRETARY, Role.BRANCH_DEPUTY_SECRETARY, Role.BRANCH_COMMITTEE],
        last_day=election_date - dt.timedelta(days=1),
    )
    members = {
        m.pk: m
        for m in Member.objects.filter(pk__in=data.get("elected_total") or []).select_related(
            "user"
        )
    }
    created = []
    for mid, member in members.items():
        role = (
            Role.BRANCH_SECRETARY
            if mid == data.get("secretary")
            else Role.BRANCH_DEPUTY_SECRETARY
            if mid == data.get("deputy")
            else Role.BRANCH_COMMITTEE
        )
        if member.user_id:
            role_assignment_create(
                actor=actor,
                user=member.user,
                role=role,
                organization=org,
                term_start=election_date,
                # No end: the committee serves past its term's end until the next election's
                # results end it (`role_assignments_end` above, BRANCH-2018 Art. 21).
                term_end=None,
                post=ELECTED_POSTS[role],
            )
        created.append({"member": mid, "name": member.name, "role": role})
    return {
        "term_start": org.term_start.isoformat(),
        "term_end": org.term_end.isoformat(),
        "officers": created,
    }


@effect("notify_term_expiry")
def notify_term_expiry(*, case, params, actor, now) -> dict:
    """P2 step 0: the reminder goes to the branch and to its approving committee's officers."""
    return term_expiry_notify(
        case=case, branch=case.organization, term_end=case.data["term_end"], now=now
    )


@effect_many("notify_term_expiry")
def notify_term_expiry_many(*, items, actor, now) -> list[dict]:
    """The reminders of a batch of elections whose timers fired together."""
    return term_expiry_notify_many(
        items=[(i["case"], i["case"].organization, i["case"].data["term_end"]) for i in items],
        now=now,
    )


@effect("schedule_next_election")
def schedule_next_election(*, case, params, actor, now) -> dict:
    """Start the next election case for the branch: it waits on its own term-expiry reminder."""
    org = Organization.objects.get(pk=case.organization_id)
    nxt = case_start(
        actor=None,
        process_id=PROCESS,
        organization=org,
        subject=case.subject,
        data={"term_end": org.term_end.isoformat()},
        business_key=business_key(org),
        rule_set=case.rule_set,
    )
    return {"case": nxt.pk, "term_end": org.term_end.isoformat()}


def _rules_of(case):
    return _rules(case)
