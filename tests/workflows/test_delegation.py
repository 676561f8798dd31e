"""Delegation: a task holder hands their tasks to an eligible colleague for a period; the delegate
sees them in their inbox, acts in their own name on behalf of the holder, and the history shows both."""

import pytest

from workflows.audit import verify_case

from ..helpers import complete, cst, inbox, only_task
from ..procedures.election_helpers import at_vote, vote_data  # noqa: F401  (at_vote: fixture)

pytestmark = pytest.mark.django_db


def delegate(client, to, start=cst(2026, 12, 19, 0), end=cst(2026, 12, 27, 0), **extra):
    return client.post(
        "/api/delegations/",
        {"delegate": to.pk, "starts_at": start.isoformat(), "ends_at": end.isoformat(), **extra},
        format="json",
    )


def test_a_delegate_completes_the_holders_task_and_history_shows_on_behalf_of(
    api, university, at_vote
):  # noqa: F811
    case, sec = at_vote
    u = university
    committee = api(u.users.committee_a)
    task = only_task(sec, "record_vote")
    assert task["id"] not in [t["id"] for t in inbox(committee)]  # the vote is the secretary's lane
    r = delegate(sec, u.users.committee_a, reason="出差")
    assert r.status_code == 201, r.json()
    assert (
        r.json()["slots"]
        == [f"branch_committee@{u.branch_a.pk}", f"branch_secretary@{u.branch_a.pk}"]
        and r.json()["active"]
    )
    assert only_task(committee, "record_vote")["id"] == task["id"]
    assert committee.get(f"/api/tasks/{task['id']}/").status_code == 200
    assert committee.post(f"/api/tasks/{task['id']}/claim/").status_code == 200
    complete(
        committee,
        task["id"],
        vote_data(u, u.full_a[:6], u.full_a[:9], [9, 8, 7, 6, 6, 3], u.full_a[:5]),
    )
    history = sec.get(f"/api/cases/{case['id']}/history/").json()
    claimed, completed = [e for e in history if e["task"] == task["id"]][-2:]
    for e in (claimed, completed):
        assert (e["actor_name"], e["on_behalf_of"], e["actor_display"]) == (
            "committee_a",
            "sec_a",
            "甲1（代 甲0）",  # the people behind the accounts, by name
        )
    assert completed["action"] == "task_completed"
    en = (
        api(u.users.auditor)
        .get(f"/api/cases/{case['id']}/history/", HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert en[-1]["actor_display"] == "甲1 (on behalf of 甲0)"
    assert verify_case(case["id"]).ok


def test_outside_the_period_or_after_revocation_the_delegate_sees_nothing(api, university, at_vote):  # noqa: F811
    case, sec = at_vote
    u = university
    committee = api(u.users.committee_a)
    later = delegate(
        sec, u.users.committee_a, start=cst(2026, 12, 21, 0), end=cst(2026, 12, 22, 0)
    ).json()
    assert "record_vote" not in [t["element_id"] for t in inbox(committee)]
    task = only_task(sec, "record_vote")
    r = committee.post(f"/api/tasks/{task['id']}/complete/", {"data": {}}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_task_holder"
    now = delegate(sec, u.users.committee_a).json()
    assert "record_vote" in [t["element_id"] for t in inbox(committee)]
    assert (
        committee.post(f"/api/delegations/{now['id']}/revoke/").status_code == 403
    )  # only the delegator revokes
    r = sec.post(f"/api/delegations/{now['id']}/revoke/")
    assert r.status_code == 200 and r.json()["active"] is False
    assert "record_vote" not in [t["element_id"] for t in inbox(committee)]
    assert [d["id"] for d in committee.get("/api/delegations/").json()["results"]] == [
        now["id"],
        later["id"],
    ]
    assert api(u.users.sec_b).get(f"/api/delegations/{now['id']}/").status_code == 404


def test_a_delegation_of_one_task_covers_only_that_task(api, university, at_vote):  # noqa: F811
    case, sec = at_vote
    u = university
    task = only_task(sec, "record_vote")
    r = delegate(sec, u.users.committee_a, task=task["id"])
    assert r.status_code == 201 and r.json()["slots"] == [f"branch_secretary@{u.branch_a.pk}"]
    assert [
        t["id"] for t in inbox(api(u.users.committee_a)) if t["role"] == "branch_secretary"
    ] == [task["id"]]


@pytest.mark.parametrize(
    "who, code",
    [
        ("member_a", "delegate_not_eligible"),  # an ordinary member
        ("auditor", "delegate_not_eligible"),  # auditors never act
        ("sec_b", "delegate_not_eligible"),  # another branch
        ("sec_a", "delegate_invalid"),  # oneself
    ],
)
def test_only_an_eligible_colleague_can_be_a_delegate(api, university, at_vote, who, code):  # noqa: F811
    case, sec = at_vote
    r = delegate(sec, getattr(university.users, who))
    assert r.status_code == 400 and r.json()["code"] == code and "delegate" in r.json()["fields"]


def test_a_period_must_end_after_it_starts_and_after_now(api, university, at_vote):  # noqa: F811
    _, sec = at_vote
    r = delegate(
        sec, university.users.committee_a, start=cst(2026, 12, 22, 0), end=cst(2026, 12, 21, 0)
    )
    assert (
        r.status_code == 400
        and r.json()["code"] == "invalid_period"
        and "ends_at" in r.json()["fields"]
    )
    r = delegate(
        sec, university.users.committee_a, start=cst(2026, 12, 1, 0), end=cst(2026, 12, 2, 0)
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_period"


def test_someone_with_no_tasks_to_hand_over_cannot_delegate(api, university, at_vote):  # noqa: F811
    r = delegate(api(university.users.member_a), university.users.sec_a)
    assert r.status_code == 400 and r.json()["code"] == "nothing_to_delegate"
