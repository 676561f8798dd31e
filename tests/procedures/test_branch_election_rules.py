"""Each P2 rule refused with its own error naming the field; a refusal leaves the case as it was."""

import pytest
import time_machine

from workflows.models import Case

from ..factories import MemberFactory
from ..helpers import complete, cst, only_task, refused
from .election_helpers import at_vote, start_election, vote_data  # noqa: F401 (at_vote: fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_nomination(api, university):
    """Branch A's election with its request approved: the nomination task open (five seats)."""
    sec, officer = api(university.users.sec_a), api(university.users.officer)
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(sec, university.branch_a)
        complete(
            sec,
            only_task(sec, "submit_request")["id"],
            {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"},
        )
        complete(officer, only_task(officer, "reply_request")["id"], {"approved": True})
        yield case, sec, only_task(sec, "nominate_candidates")


def test_candidates_short_of_the_20_percent_margin_by_one_are_refused(
    api, university, at_nomination
):
    u = university
    case, sec, task = at_nomination
    body = refused(
        sec,
        task["id"],
        {"candidates": [m.pk for m in u.full_a[:5]]},
        case["id"],
        "candidate_margin_short",
    )
    assert "至少 6 人" in body["message"] and "candidates" in body["fields"]
    complete(sec, task["id"], {"candidates": [m.pk for m in u.full_a[:6]]})


def test_a_probationary_member_cannot_stand_as_candidate(api, university, at_nomination):
    u = university
    case, sec, task = at_nomination
    ids = [m.pk for m in u.full_a[:5]] + [u.probationary.pk]
    body = refused(sec, task["id"], {"candidates": ids}, case["id"], "candidate_not_eligible")
    assert body["fields"] == {"candidates.5": ["预备乙 是预备党员，没有选举权和被选举权"]}
    body = refused(
        sec,
        task["id"],
        {"candidates": [m.pk for m in u.full_a[:5]] + [u.suspended.pk]},
        case["id"],
        "candidate_not_eligible",
    )
    assert "留党察看期间" in body["fields"]["candidates.5"][0]


def test_committee_size_must_be_odd_and_within_3_to_7(api, university):
    u = university
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(sec, u.branch_a)
        task = only_task(sec, "submit_request")
        refused(
            sec,
            task["id"],
            {"election_date": "2026-12-20", "seats": 4, "nomination_method": "committee_proposal"},
            case["id"],
            "committee_size_odd",
        )
        refused(
            sec,
            task["id"],
            {"election_date": "2026-12-20", "seats": 1, "nomination_method": "committee_proposal"},
            case["id"],
            "committee_size",
        )


def test_quorum_of_exactly_four_fifths_is_refused(api, university, at_vote):
    u = university
    extra = MemberFactory(
        organization=u.branch_a, name="甲9"
    )  # 10 voters due: 8 present is exactly 4/5
    case, sec = at_vote
    task = only_task(sec, "record_vote")
    present = u.full_a[:8]
    body = refused(
        sec,
        task["id"],
        vote_data(u, u.full_a[:6], present, [8, 7, 6, 5, 5, 3], u.full_a[:5]),
        case["id"],
        "election_quorum_not_met",
    )
    assert "未超过应到会 10 人的 4/5" in body["message"] and "present" in body["fields"]
    complete(
        sec,
        task["id"],
        vote_data(u, u.full_a[:6], present + [extra], [9, 8, 7, 6, 6, 3], u.full_a[:5]),
    )


def test_a_winner_with_exactly_half_of_those_present_is_refused(api, university, at_vote):
    u = university
    case, sec = at_vote
    task = only_task(sec, "record_vote")
    present = u.full_a[:8]
    body = refused(
        sec,
        task["id"],
        vote_data(u, u.full_a[:6], present, [8, 7, 6, 5, 4, 3], u.full_a[:5]),
        case["id"],
        "election_threshold_not_met",
    )
    assert body["fields"] == {"elected.4": ["得票未过半数"]}
    assert "甲4 得赞成票 4 张，未超过实到会有选举权党员 8 人的半数" in body["message"]


def test_a_probationary_member_cannot_vote(api, university, at_vote):
    u = university
    case, sec = at_vote
    task = only_task(sec, "record_vote")
    present = u.full_a[:8] + [u.probationary]
    body = refused(
        sec,
        task["id"],
        vote_data(u, u.full_a[:6], present, [9, 8, 7, 6, 6, 3], u.full_a[:5]),
        case["id"],
        "voter_not_eligible",
    )
    assert body["fields"] == {"present.8": ["预备乙 是预备党员，没有选举权和被选举权"]}


def test_more_ballots_returned_than_issued_voids_the_vote_and_it_is_held_again(
    api, university, at_vote
):
    u = university
    case, sec = at_vote
    task = only_task(sec, "record_vote")
    data = vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 6, 5, 5, 3], [], ballots_returned=9)
    complete(sec, task["id"], data)
    again = only_task(sec, "record_vote")
    assert again["id"] != task["id"]
    assert Case.objects.get(pk=case["id"]).data["tally"]["outcome"] == "void"


def test_a_tie_for_the_last_seat_is_voted_again(api, university, at_vote):
    u = university
    case, sec = at_vote
    task = only_task(sec, "record_vote")
    # Six pass the threshold for five seats and the 5th and 6th are tied.
    complete(
        sec, task["id"], vote_data(u, u.full_a[:6], u.full_a[:8], [8, 8, 7, 6, 5, 5], u.full_a[:4])
    )
    tally = Case.objects.get(pk=case["id"]).data["tally"]
    assert tally["outcome"] == "tie" and sorted(tally["tied"]) == sorted(
        [u.full_a[4].pk, u.full_a[5].pk]
    )
    assert only_task(sec, "record_vote")


def test_too_few_elected_leads_to_a_supplementary_vote_among_the_others(api, university, at_vote):
    u = university
    case, sec = at_vote
    complete(
        sec,
        only_task(sec, "record_vote")["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 6, 4, 3, 2], u.full_a[:3]),
    )
    decide = only_task(sec, "decide_shortfall")
    ctx = sec.get(f"/api/tasks/{decide['id']}/").json()["context"]
    assert [e["name"] for e in ctx["elected"]] == [m.name for m in u.full_a[:3]] and ctx[
        "seats_open"
    ] == 2
    assert [(e["name"], e["yes_votes"]) for e in ctx["not_elected"]] == [
        (m.name, n) for m, n in zip(u.full_a[3:6], [4, 3, 2], strict=True)
    ]
    refused(
        sec,
        decide["id"],
        {"decision": "reduce_seats", "agreed": 4},
        case["id"],
        "seat_reduction_not_agreed",
    )
    # A number of people is a whole number: more than half of 8 present is more than 4, not "8/2".
    r = sec.post(
        f"/api/tasks/{decide['id']}/complete/",
        {"data": {"decision": "reduce_seats", "agreed": 4}},
        format="json",
    )
    assert r.json()["fields"]["agreed"] == ["须超过 4 人"]
    complete(sec, decide["id"], {"decision": "supplementary_vote"})
    second = only_task(sec, "record_vote")
    ctx = sec.get(f"/api/tasks/{second['id']}/").json()["context"]
    assert ctx["seats_open"] == 2 and [c["id"] for c in ctx["candidates"]] == [
        m.pk for m in u.full_a[3:6]
    ]
    complete(sec, second["id"], vote_data(u, u.full_a[3:6], u.full_a[:8], [6, 5, 1], u.full_a[3:5]))
    assert Case.objects.get(pk=case["id"]).data["elected_total"] == [m.pk for m in u.full_a[:5]]
    assert only_task(sec, "elect_officers")


def test_officers_must_come_from_the_new_committee(api, university, at_vote):
    u = university
    case, sec = at_vote
    complete(
        sec,
        only_task(sec, "record_vote")["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 6, 5, 5, 3], u.full_a[:5]),
    )
    task = only_task(sec, "elect_officers")
    refused(
        sec,
        task["id"],
        {"meeting_date": "2026-12-20", "secretary": u.full_a[5].pk},
        case["id"],
        "officer_not_elected",
    )
    refused(
        sec,
        task["id"],
        {"meeting_date": "2026-12-20", "secretary": u.full_a[0].pk, "deputy": u.full_a[0].pk},
        case["id"],
        "officer_duplicate",
    )
