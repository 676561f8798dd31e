"""P2 step 5: the vote (ELEC-2020 Art. 16-20): quorum, ballots, tally, outcome and the shortfall decision."""

from __future__ import annotations

import datetime as dt

from engine.calendar import date_field, not_in_future, parse_date
from engine.errors import RuleViolation
from engine.i18n import _
from engine.rules import more_than_whole, strictly_more_than
from organizations.models import Member
from procedures.common.votes import EXCLUSION_REASONS, require_quorum, voters, voters_due
from workflows.registry import form_check, form_context

from .definitions import PROCESS, _check_seats, _rules

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
