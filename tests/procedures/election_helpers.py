"""Driving P2 (branch election) through the API: start a case, bring it to the general-meeting vote,
the vote's form data. Shared by the P2 tests and by the tests that need an election case."""

import pytest
import time_machine

from ..helpers import complete, cst, only_task, run_timers


def start_election(client, branch):
    r = client.post(
        "/api/cases/", {"process": "branch_election", "organization": branch.pk}, format="json"
    )
    assert r.status_code == 201, r.json()
    return r.json()


def vote_data(u, candidates, present, votes, elected, **extra):
    return {
        "meeting_date": "2026-12-20",
        "present": [m.pk for m in present],
        "ballots_issued": len(present),
        "ballots_returned": len(present),
        "invalid_ballots": 0,
        "votes": [{"candidate": c.pk, "yes": n} for c, n in zip(candidates, votes)],
        "elected": [m.pk for m in elected],
        **extra,
    }


def vote_and_elect(sec, u, *, secretary=0, deputy=1, meeting_date="2026-12-20"):
    """Record branch A's vote as most tests hold it (six candidates, eight present, votes 8 7 6 5 5
    3, five elected) and elect its officers, `u.full_a[secretary]` and `u.full_a[deputy]`."""
    complete(
        sec,
        only_task(sec, "record_vote")["id"],
        vote_data(
            u,
            u.full_a[:6],
            u.full_a[:8],
            [8, 7, 6, 5, 5, 3],
            u.full_a[:5],
            meeting_date=meeting_date,
        ),
    )
    complete(
        sec,
        only_task(sec, "elect_officers")["id"],
        {
            "meeting_date": meeting_date,
            "secretary": u.full_a[secretary].pk,
            "deputy": u.full_a[deputy].pk,
        },
    )


def drive_to_vote(
    api,
    u,
    *,
    start=None,
    reminder=None,
    prepare=None,
    election_date="2026-12-20",
):
    """Start an election for branch A and bring it to the general-meeting vote with six candidates
    for five seats: started at `start`, its reminder fired at `reminder`, the request, reply,
    nomination and review made at `prepare` (by default 2026-06-01, 07-10 and 07-11, for an
    election on 2026-12-20)."""
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(start or cst(2026, 6, 1, 9), tick=False):
        case = start_election(sec, u.branch_a)
    run_timers(reminder or cst(2026, 7, 10, 10))
    with time_machine.travel(prepare or cst(2026, 7, 11, 9), tick=False):
        complete(
            sec,
            only_task(sec, "submit_request")["id"],
            {"election_date": election_date, "seats": 5, "nomination_method": "committee_proposal"},
        )
        complete(officer, only_task(officer, "reply_request")["id"], {"approved": True})
        complete(
            sec,
            only_task(sec, "nominate_candidates")["id"],
            {"candidates": [m.pk for m in u.full_a[:6]]},
        )
        complete(officer, only_task(officer, "review_candidates")["id"], {"approved": True})
    return case


@pytest.fixture
def at_vote(api, university):
    """Branch A's election at the general-meeting vote (six candidates, five seats), on the meeting day."""
    case = drive_to_vote(api, university)
    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        yield case, api(university.users.sec_a)
