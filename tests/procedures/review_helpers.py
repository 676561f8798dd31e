"""Driving P3 (annual democratic review) through the API: a branch of 12 members (two leading
cadres, one probationary), the review up to the anonymous measurement, a ballot. Shared by the P3
tests and the printed documents' tests."""

from types import SimpleNamespace

import pytest

from organizations.models import MemberStatus, OrgKind, Role
from organizations.services import role_assignment_create

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..helpers import assert_round_trip, complete, inbox, only_task


@pytest.fixture
def review_branch(university):
    branch = OrganizationFactory(
        name="数学教工党支部", kind=OrgKind.BRANCH, parent=university.college
    )
    members = []
    for i in range(12):
        user = UserFactory(username=f"rv{i}")
        status = MemberStatus.PROBATIONARY if i == 11 else MemberStatus.FULL
        members.append(
            MemberFactory(
                organization=branch,
                name=f"评{i}",
                user=user,
                status=status,
                is_leading_cadre=i in (2, 3),
            )
        )
    role_assignment_create(
        actor=None, user=members[0].user, role=Role.BRANCH_SECRETARY, organization=branch
    )
    role_assignment_create(
        actor=None, user=members[1].user, role=Role.BRANCH_COMMITTEE, organization=branch
    )
    rated = [m for m in members if not m.is_leading_cadre]
    return SimpleNamespace(
        branch=branch, members=members, rated=rated, cadres=members[2:4], u=university
    )


def start_review(api, rb):
    r = api(rb.members[0].user).post(
        "/api/cases/",
        {"process": "democratic_review", "organization": rb.branch.pk, "data": {"year": 2026}},
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()


def drive_to_self_assessment(api, rb) -> dict:
    """The review started, its plan filed and the study held: every member's self-assessment open."""
    sec, committee = api(rb.members[0].user), api(rb.members[1].user)
    case = start_review(api, rb)
    complete(
        committee,
        only_task(committee, "file_plan")["id"],
        {
            "plan": "2026年度民主评议方案",
            "review_date": "2026-12-20",
            "filed_document": "数支〔2026〕5号",
        },
    )
    complete(
        sec,
        only_task(sec, "record_study")["id"],
        {"held_on": "2026-12-05", "summary": "集中学习党章"},
    )
    return case


def drive_to_measurement(api, rb):
    sec = api(rb.members[0].user)
    case = drive_to_self_assessment(api, rb)
    # one self-assessment per member, each in that member's own inbox
    tasks = {}
    for m in rb.members:
        mine = [t for t in inbox(api(m.user)) if t["element_id"] == "self_assessment"]
        assert len(mine) == 1, m.name
        tasks[m.pk] = mine[0]["id"]
    assert len(set(tasks.values())) == len(rb.members)
    # another member cannot complete my self-assessment
    r = api(rb.members[5].user).post(
        f"/api/tasks/{tasks[rb.members[6].pk]}/complete/", {"data": {"text": "代写"}}, format="json"
    )
    assert r.status_code in (403, 404)
    for m in rb.members:
        assert [
            t for t in inbox(sec) if t["element_id"] == "mutual_assessment"
        ] == []  # waits for every member
        complete(api(m.user), tasks[m.pk], {"text": f"{m.name}的自我评价"})
    assert_round_trip(case["id"])
    complete(
        sec,
        only_task(sec, "mutual_assessment")["id"],
        {"held_on": "2026-12-20", "summary": "党员互评"},
    )
    return case


def ballot(rb, grade_of):
    return {"ratings": [{"member": m.pk, "grade": grade_of(m)} for m in rb.rated]}
