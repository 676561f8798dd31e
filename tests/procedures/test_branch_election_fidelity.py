"""P2 rule fidelity (issue 12), through the API: the term-expiry reminder reaches the approving
committee too, dates are sane, fewer seats still make a valid committee, an approval clears an
earlier rejection, a tally cannot carry more marks than seats, a tie is re-voted among the tied."""

import pytest
import time_machine

from workflows.models import Case

from ..helpers import complete, cst, only_task, refused, run_timers
from .election_helpers import at_vote, start_election, vote_data  # noqa: F401 (at_vote: fixture)

pytestmark = pytest.mark.django_db


def notifications(client):
    r = client.get("/api/notifications/")
    assert r.status_code == 200, r.json()
    return r.json()["results"]


def test_term_expiry_reminder_reaches_the_approving_committee_and_the_branch(api, university):
    u = university
    sec, committee, officer = api(u.users.sec_a), api(u.users.committee_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        start_election(sec, u.branch_a)
    run_timers(cst(2026, 7, 10, 9, 1))
    for client in (officer, sec, committee):
        [n] = notifications(client)
        assert n["kind"] == "term_expiry" and n["subject"] == "换届提醒：软件工程教工党支部"
        assert "任期将于 2027年1月10日 届满" in n["message"]
    assert notifications(api(u.users.sec_b)) == []
    [en] = officer.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert en["subject"] == "Term expiry reminder: 软件工程教工党支部"


def test_a_planned_election_date_in_the_past_is_refused(api, university):
    u = university
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(sec, u.branch_a)
        task = only_task(sec, "submit_request")
        for day in ("2026-07-10", "2001-01-01"):
            body = refused(
                sec,
                task["id"],
                {"election_date": day, "seats": 5, "nomination_method": "committee_proposal"},
                case["id"],
                "election_date_in_past",
            )
            assert "election_date" in body["fields"] and "2026-07-11" in body["message"]
        complete(
            sec,
            task["id"],
            {"election_date": "2026-07-11", "seats": 5, "nomination_method": "committee_proposal"},
        )


def test_the_vote_meeting_date_is_not_before_the_approval_nor_after_today(api, university, at_vote):  # noqa: F811
    u = university
    case, sec = at_vote  # the request was approved on 2026-07-11; today is 2026-12-20
    task = only_task(sec, "record_vote")
    data = vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 6, 5, 5, 3], u.full_a[:5])
    for day in ("2001-05-01", "2026-07-10"):
        body = refused(
            sec,
            task["id"],
            {**data, "meeting_date": day},
            case["id"],
            "meeting_before_request_approval",
        )
        assert "meeting_date" in body["fields"] and "2026-07-11" in body["message"]
    body = refused(
        sec, task["id"], {**data, "meeting_date": "2026-12-21"}, case["id"], "date_in_future"
    )
    assert "meeting_date" in body["fields"]
    complete(sec, task["id"], data)
    assert Case.objects.get(pk=case["id"]).data["election_date"] == "2026-12-20"


def test_reducing_seats_rechecks_the_committee_rules(api, university, at_vote):  # noqa: F811
    u = university
    case, sec = at_vote
    # Four of six pass for five seats: too few. Four is an even committee: reducing to it is refused.
    complete(
        sec,
        only_task(sec, "record_vote")["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 6, 5, 3, 2], u.full_a[:4]),
    )
    decide = only_task(sec, "decide_shortfall")
    body = refused(
        sec,
        decide["id"],
        {"decision": "reduce_seats", "agreed": 5},
        case["id"],
        "committee_size_odd",
    )
    assert "decision" in body["fields"]
    complete(sec, decide["id"], {"decision": "supplementary_vote"})
    # The supplementary vote elects nobody more; now only two… no: one more passes → five.
    second = only_task(sec, "record_vote")
    complete(sec, second["id"], vote_data(u, u.full_a[4:6], u.full_a[:8], [2, 1], []))
    decide = only_task(sec, "decide_shortfall")
    refused(
        sec,
        decide["id"],
        {"decision": "reduce_seats", "agreed": 5},
        case["id"],
        "committee_size_odd",
    )


def test_reducing_seats_below_three_is_refused(api, university, at_vote):  # noqa: F811
    u = university
    case, sec = at_vote
    complete(
        sec,
        only_task(sec, "record_vote")["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 4, 3, 2, 1], u.full_a[:2]),
    )
    decide = only_task(sec, "decide_shortfall")
    body = refused(
        sec, decide["id"], {"decision": "reduce_seats", "agreed": 6}, case["id"], "committee_size"
    )
    assert "decision" in body["fields"] and "3" in body["message"]


def test_an_approval_after_a_rejection_clears_the_old_reason(api, university):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(sec, u.branch_a)
        request = {
            "election_date": "2026-12-20",
            "seats": 5,
            "nomination_method": "committee_proposal",
        }
        complete(sec, only_task(sec, "submit_request")["id"], request)
        complete(
            officer,
            only_task(officer, "reply_request")["id"],
            {"approved": False, "reason": "请补充说明"},
        )
        assert sec.get(f"/api/cases/{case['id']}/").json()["data"]["reason"] == "请补充说明"
        complete(sec, only_task(sec, "submit_request")["id"], request)
        complete(
            officer,
            only_task(officer, "reply_request")["id"],
            {"approved": True, "document_no": "院党委〔2026〕12号"},
        )
        data = sec.get(f"/api/cases/{case['id']}/").json()["data"]
        assert data["approved"] is True and not data.get("reason")
        assert data["request_approved_on"] == "2026-07-11"


def test_a_tally_with_more_marks_than_seats_is_refused(api, university, at_vote):  # noqa: F811
    u = university
    case, sec = at_vote
    task = only_task(sec, "record_vote")
    # 8 valid ballots for 5 seats carry at most 40 marks; 48 means ballots naming more than 5 people were counted.
    body = refused(
        sec,
        task["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [8, 8, 8, 8, 8, 8], u.full_a[:5]),
        case["id"],
        "marks_exceed_seats",
    )
    assert "votes" in body["fields"] and "40" in body["message"]
    body = refused(
        sec,
        task["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [9, 7, 6, 5, 5, 3], u.full_a[:5]),
        case["id"],
        "votes_exceed_ballots",
    )
    assert "votes.0.yes" in body["fields"]


def test_a_tie_at_the_last_seat_is_revoted_among_the_tied_only(api, university, at_vote):  # noqa: F811
    u = university
    case, sec = at_vote
    complete(
        sec,
        only_task(sec, "record_vote")["id"],
        vote_data(u, u.full_a[:6], u.full_a[:8], [8, 8, 7, 6, 5, 5], u.full_a[:4]),
    )
    revote = only_task(sec, "record_vote")
    ctx = sec.get(f"/api/tasks/{revote['id']}/").json()["context"]
    assert ctx["seats_open"] == 1 and sorted(c["id"] for c in ctx["candidates"]) == sorted(
        [u.full_a[4].pk, u.full_a[5].pk]
    )
    # A candidate who was not tied cannot be voted on, let alone elected.
    body = refused(
        sec,
        revote["id"],
        vote_data(
            u, [u.full_a[4], u.full_a[5], u.full_a[3]], u.full_a[:8], [3, 1, 5], [u.full_a[3]]
        ),
        case["id"],
        "not_a_candidate",
    )
    assert "votes.2.candidate" in body["fields"]
    complete(
        sec,
        revote["id"],
        vote_data(u, [u.full_a[4], u.full_a[5]], u.full_a[:8], [6, 2], [u.full_a[4]]),
    )
    assert Case.objects.get(pk=case["id"]).data["elected_total"] == [m.pk for m in u.full_a[:5]]
    assert only_task(sec, "elect_officers")
