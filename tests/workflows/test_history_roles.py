"""History and scope (issue 12): each history event names the role the actor acted in, not every
role they hold; roles in organizations the reader cannot see are never shown; a delegation request
answers the same for an unknown user as for an ineligible one."""

import pytest
import time_machine

from organizations.models import Role
from organizations.services import role_assignment_create
from workflows import audit
from workflows.assignment import user_roles_snapshot

from ..helpers import cst, only_task
from ..procedures.election_helpers import at_vote  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(api, university):
    """committee_a sits on branch A's committee and is also secretary of branch B."""
    u = university
    role_assignment_create(
        actor=None, user=u.users.committee_a, role=Role.BRANCH_SECRETARY, organization=u.branch_b
    )
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        r = api(u.users.sec_a).post(
            "/api/cases/",
            {"process": "branch_election", "organization": u.branch_a.pk},
            format="json",
        )
        assert r.status_code == 201, r.json()
    return r.json()


def test_an_event_names_the_role_acted_in_at_the_cases_organization(api, university, election):
    u = university
    committee = api(u.users.committee_a)
    task = only_task(committee, "submit_request")
    assert committee.post(f"/api/tasks/{task['id']}/claim/").status_code == 200
    for reader in (
        u.users.sec_a,
        u.users.officer,
    ):  # the officer sees branch B too: still only the role acted in
        history = api(reader).get(f"/api/cases/{election['id']}/history/").json()
        claimed = [e for e in history if e["action"] == "task_claimed"][-1]
        assert claimed["actor_roles"] == [
            {
                "role": "branch_committee",
                "role_display": "支部委员",
                "organization": u.branch_a.pk,
                "organization_name": "软件工程教工党支部",
                "on_behalf_of": "",
            }
        ]
        assert claimed["acted_as_display"] == "软件工程教工党支部 支部委员"
        started = history[0]
        assert started["action"] == "case_started"
        assert [(r["role"], r["organization"]) for r in started["actor_roles"]] == [
            ("branch_secretary", u.branch_a.pk)
        ]


def test_a_delegate_is_shown_acting_in_the_holders_role_on_their_behalf(api, university, at_vote):  # noqa: F811
    case, sec = at_vote
    u = university
    committee = api(u.users.committee_a)
    r = sec.post(
        "/api/delegations/",
        {
            "delegate": u.users.committee_a.pk,
            "starts_at": cst(2026, 12, 19, 0).isoformat(),
            "ends_at": cst(2026, 12, 27, 0).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    task = only_task(committee, "record_vote")
    assert committee.post(f"/api/tasks/{task['id']}/claim/").status_code == 200
    claimed = [
        e
        for e in sec.get(f"/api/cases/{case['id']}/history/").json()
        if e["action"] == "task_claimed"
    ][-1]
    assert claimed["actor_name"] == "committee_a"
    assert claimed["actor_roles"] == [
        {
            "role": "branch_secretary",
            "role_display": "支部书记",
            "organization": u.branch_a.pk,
            "organization_name": "软件工程教工党支部",
            "on_behalf_of": "sec_a",
        }
    ]


def test_roles_recorded_in_organizations_the_reader_cannot_see_are_never_shown(
    api, university, election, monkeypatch
):
    """History written before events named the role acted in recorded every role the actor held."""
    u = university
    monkeypatch.setattr(audit, "acting_roles", lambda user, **kw: user_roles_snapshot(user))
    committee = api(u.users.committee_a)
    task = only_task(committee, "submit_request")
    assert committee.post(f"/api/tasks/{task['id']}/claim/").status_code == 200
    monkeypatch.undo()
    stored = [
        e
        for e in api(u.users.officer).get(f"/api/cases/{election['id']}/history/").json()
        if e["action"] == "task_claimed"
    ][-1]
    assert {r["organization"] for r in stored["actor_roles"]} == {
        u.branch_a.pk,
        u.branch_b.pk,
    }  # the officer sees both branches
    for path in (
        f"/api/cases/{election['id']}/history/",
        f"/api/cases/{election['id']}/history/export/",
    ):
        body = api(u.users.sec_a).get(path).json()
        events = body["events"] if isinstance(body, dict) else body
        claimed = [e for e in events if e["action"] == "task_claimed"][-1]
        assert [r["organization"] for r in claimed["actor_roles"]] == [u.branch_a.pk]
        assert "计算机学生第一党支部" not in str(claimed)
    report = api(u.users.sec_a).get(f"/api/cases/{election['id']}/report/").content.decode()
    assert "计算机学生第一党支部" not in report and "支部委员（软件工程教工党支部）" in report


def test_a_delegation_to_an_unknown_user_answers_exactly_like_one_to_an_ineligible_user(
    api, university, election
):
    sec = api(university.users.sec_a)
    body = {"starts_at": cst(2026, 7, 12).isoformat(), "ends_at": cst(2036, 7, 20).isoformat()}
    unknown = sec.post("/api/delegations/", {**body, "delegate": 999_999}, format="json")
    ineligible = sec.post(
        "/api/delegations/", {**body, "delegate": university.users.member_a.pk}, format="json"
    )
    assert unknown.status_code == ineligible.status_code == 400
    assert unknown.json() == ineligible.json() and unknown.json()["code"] == "delegate_not_eligible"
