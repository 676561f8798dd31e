"""`seed_demo`: the demo university it builds (its tree, each election's step, each user's inbox), and
a second run changing nothing. The demo is seeded once for the module (demo_helpers.seeded_module)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from rest_framework.test import APIClient

from organizations.models import (
    BranchKind,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    Role,
    RoleAssignment,
)
from organizations.selectors import full_members_with_rights
from partyflow.demo import demo_logins
from workflows.models import Case, Task, TaskStatus, Timer, TimerStatus

from .demo_helpers import (  # noqa: F401 (seeded_module: fixture)
    EXPECTED_INBOX,
    EXPECTED_STEPS,
    SEED_MOMENT,
    run,
    seeded_module,
)

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (Organization, Member, get_user_model(), RoleAssignment, Case, Task, Timer)
    }


def test_seed_demo_builds_the_tree_with_every_branch_kind(seeded_module):
    assert Organization.objects.get(name="示范大学党委", parent=None).has_approval_authority
    assert (
        Organization.objects.filter(kind=OrgKind.COMMITTEE, has_approval_authority=True).count()
        == 3
    )
    general = Organization.objects.get(kind=OrgKind.GENERAL_BRANCH)
    assert (
        not general.has_approval_authority and general.children.filter(kind=OrgKind.BRANCH).exists()
    )
    assert Organization.objects.filter(
        kind=OrgKind.PARTY_GROUP, parent__kind=OrgKind.BRANCH
    ).exists()

    branches = list(Organization.objects.filter(kind=OrgKind.BRANCH))
    assert len(branches) >= 6
    assert {b.branch_kind for b in branches} == set(BranchKind.values)
    assert all(b.term_start and b.term_end and b.term_end > b.term_start for b in branches)
    assert all(b.departments <= 3 for b in branches if b.branch_kind == BranchKind.JOINT)
    assert all(full_members_with_rights(b).count() >= 3 for b in branches)
    assert any(full_members_with_rights(b).count() >= 7 for b in branches)

    assert set(Member.objects.values_list("status", flat=True)) >= {
        MemberStatus.APPLICANT,
        MemberStatus.ACTIVIST,
        MemberStatus.DEVELOPMENT_OBJECT,
        MemberStatus.PROBATIONARY,
        MemberStatus.FULL,
    }
    assert Member.objects.filter(rights_suspended=True).exists()
    assert Member.objects.filter(is_leading_cadre=True).count() >= 2
    assert RoleAssignment.objects.get(role=Role.ORG_DEPARTMENT).organization.name == "示范大学党委"


def test_seed_demo_brings_elections_to_every_step(seeded_module):
    for name, step in EXPECTED_STEPS.items():
        case = Case.objects.get(
            organization__name=name, process_id="branch_election", status="running"
        )
        open_steps = list(
            case.tasks.filter(status=TaskStatus.OPEN).values_list("element_id", flat=True)
        )
        waiting = case.timers.filter(status=TimerStatus.WAITING).count()
        assert (open_steps, waiting) == (([step], 0) if step else ([], 1)), name
    returned = Case.objects.get(organization__name__endswith="联合党支部")
    assert returned.data["approved"] is False and returned.data["reason"]


def test_seed_demo_gives_each_user_the_expected_inbox(seeded_module):
    assert (
        "secretary_se" in seeded_module
        and "demo12345" in seeded_module
        and "组织部" in seeded_module
    )
    with time_machine.travel(SEED_MOMENT, tick=False):
        rows = {r["username"]: r for r in demo_logins()}
        assert {u: r["open_tasks"] for u, r in rows.items()} == EXPECTED_INBOX
        assert all(r["note"] for r in rows.values())
        assert get_user_model().objects.get(username="admin").is_superuser
        assert authenticate(username="secretary_se", password="demo12345") is not None

        # Secretaries and committee members are members of the branch where they hold the role.
        for a in RoleAssignment.objects.filter(
            role__in=[Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE, Role.MEMBER]
        ).select_related("user__member__organization"):
            assert a.organization.pk in a.user.member.organization.ancestors_and_self_ids(), (
                a.user.username
            )

        client = APIClient()
        token = client.post(
            "/api/auth/token/", {"username": "secretary_se", "password": "demo12345"}, format="json"
        ).json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        # Due first: the overdue election request, then the P1 talk (due in two days), then the self-assessment.
        inbox = client.get("/api/tasks/").json()["results"]
        assert [t["element_id"] for t in inbox] == [
            "submit_request",
            "talk_with_applicant",
            "self_assessment",
        ]
        assert [t["overdue"] for t in inbox[:2]] == [True, False]
        # A step without a sentence of its own cites the articles of its BPMN documentation, in words.
        talk = client.get(f"/api/tasks/{inbox[1]['id']}/").json()
        # The deadline ends at 24:00 of its last day (integration's time rule): the sentence names that day.
        last_day = (
            dt.datetime.fromisoformat(inbox[1]["due_at"]) - dt.timedelta(microseconds=1)
        ).date()
        assert (
            talk["documentation"]
            == f"请办理“派人谈话”（DEV-2014 第7条）。请于 {last_day.isoformat()} 前办理。"
        )
        # Something in every role's view right away: a due-soon reminder and an overdue alert ...
        kinds = {n["kind"] for n in client.get("/api/notifications/").json()["results"]}
        assert {"due_soon", "overdue"} <= kinds
        officer = APIClient()
        officer.credentials(
            HTTP_AUTHORIZATION="Token "
            + officer.post(
                "/api/auth/token/",
                {"username": "officer_cs", "password": "demo12345"},
                format="json",
            ).json()["token"]
        )
        # ... the overdue request escalated to the college committee, a branch under remediation ...
        assert [
            t["element_id"]
            for t in officer.get("/api/tasks/", {"escalated": "true"}).json()["results"]
        ] == ["submit_request"]
        assert [w["name"] for w in officer.get("/api/weak-branches/").json()] == [
            "计算机学院行政教辅党支部"
        ]
        # ... and compliance with met and missed obligations last quarter.
        se = Organization.objects.get(name="软件工程系教工党支部")
        q = (SEED_MOMENT.month - 1) // 3
        period = f"{SEED_MOMENT.year - 1}-Q4" if q == 0 else f"{SEED_MOMENT.year}-Q{q}"
        rows = officer.get("/api/compliance/", {"organization": se.pk, "period": period}).json()
        statuses = {o["status"] for r in rows for o in (r.get("obligations") or [r])}
        assert {"met", "missed"} <= statuses, rows


def test_seed_demo_twice_changes_nothing(seeded_module):
    before = counts()
    with time_machine.travel(SEED_MOMENT, tick=False):
        again = run("seed_demo")
    assert "已存在" in again and "secretary_se" in again
    assert counts() == before
