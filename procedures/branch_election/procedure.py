"""P2 branch election (ELEC-2020, BRANCH-2018 Art. 21): the rules BPMN cannot say in a gateway.

Every refusal is a RuleViolation whose code names the rule and whose fields name the input.
All thresholds come from the case's rule set.

The steps: start, request, candidates and officers here (and every step's form context), the vote
in `vote`, the effects in `effects`; importing this module (discovery) registers them all.
"""

from __future__ import annotations

from fractions import Fraction

from engine.calendar import date_field, parse_date, today
from engine.errors import RuleViolation, ValidationFailed
from engine.i18n import _
from engine.rules import at_least_ceil
from organizations.models import Member, Role
from organizations.selectors import branch_members
from procedures.common.start import branch_only
from procedures.common.votes import check_people as _check_people
from procedures.common.votes import ineligibility as _ineligibility
from workflows.registry import form_check, form_context

from . import effects, vote  # noqa: F401 (registers step 5's checks and contexts, step 8's effects)
from .definitions import NOMINATION_METHODS, POSTS, PROCESS, _check_seats, _has_committee, _rules
from .vote import _round_candidates


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


# What the approving committee decides on (it reads the contexts above).
from . import facts  # noqa: E402, F401
