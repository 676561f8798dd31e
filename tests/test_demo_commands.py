"""The operator commands: deploy-bpmn, seed-demo and demo (without serving)."""

import datetime as dt
import logging

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management.base import CommandError
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
from partyflow import sweep
from partyflow.demo import demo_logins
from partyflow.management.commands import demo
from workflows.models import Case, ProcessVersion, Task, TaskStatus, Timer, TimerStatus

from .demo_helpers import SEED_MOMENT, run, seeded  # noqa: F401 (seeded: fixture)

pytestmark = pytest.mark.django_db

# What each demo user finds in their inbox right after seeding. Empty by design: the superuser
# (no lane), the auditor (read-only), the plain member, and the secretaries whose branch waits on
# the college committee or on its reminder. The organization department has the school committee's
# decision of the computer-science college's P6 round.
# secretary_se also has the P1 talk with the demo applicant (due in two days); secretary_se,
# committee_se and member_se their self-assessment of the democratic review; secretary_cs_admin the
# rectification plan of the branch designated weak.
EXPECTED_INBOX = {
    "admin": 0,
    "orgdept": 1,
    "auditor": 0,
    "member_se": 1,
    "officer_cs": 2,
    "officer_marx": 1,
    "secretary_se": 3,
    "committee_se": 2,
    "secretary_cs_stu": 1,
    "secretary_marx_joint": 1,
    "secretary_cs_admin": 1,
    "secretary_cs_grad": 0,
    "secretary_marx_retired": 0,
    "secretary_marx_temp": 0,
    "secretary_marx_teach": 0,
}

# The step each branch's election waits at (None: the term-expiry reminder has not fired yet).
EXPECTED_STEPS = {
    "软件工程系教工党支部": "submit_request",
    "计算机科学专业学生党支部": "record_vote",
    "计算机学院行政教辅党支部": "reply_request",
    "计算机学院研究生第一党支部": "review_candidates",
    "马克思主义学院离退休党支部": "approve_results",
    "马克思主义学院资料室、实验中心、学院办公室联合党支部": "submit_request",
    "马克思主义学院赴新疆支教临时党支部": None,
    "马克思主义基本原理教研室教工党支部": None,
}


def counts() -> dict:
    return {
        m.__name__: m.objects.count()
        for m in (Organization, Member, get_user_model(), RoleAssignment, Case, Task, Timer)
    }


def test_deploy_bpmn_prints_each_process_and_is_idempotent():
    first = run("deploy_bpmn")
    version = ProcessVersion.objects.get(process_id="branch_election", is_current=True).version
    assert "branch_election" in first and version in first and "new" in first
    second = run("deploy_bpmn")
    assert (
        "branch_election" in second
        and version in second
        and "unchanged" in second
        and " new " not in second
    )
    # one version per process (one process per file), none added by the second run
    from django.conf import settings

    assert ProcessVersion.objects.count() == len(
        list(settings.PARTYFLOW["BPMN_DIR"].glob("*.bpmn"))
    )


def test_deploy_bpmn_fails_naming_the_file_and_element(tmp_path, settings):
    bpmn = (settings.PARTYFLOW["BPMN_DIR"] / "branch_election.bpmn").read_text(encoding="utf-8")
    (tmp_path / "branch_election.bpmn").write_text(
        bpmn.replace('name="branch_committee"', 'name="nobody"'), encoding="utf-8"
    )
    with pytest.raises(CommandError) as err:
        run("deploy_bpmn", directory=str(tmp_path))
    assert (
        "branch_election.bpmn" in str(err.value)
        and "submit_request" in str(err.value)
        and "unknown_lane" in str(err.value)
    )
    assert not ProcessVersion.objects.exists()


def test_seed_demo_builds_the_tree_with_every_branch_kind(seeded):
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


def test_seed_demo_brings_elections_to_every_step(seeded):
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


def test_seed_demo_gives_each_user_the_expected_inbox(seeded):
    assert "secretary_se" in seeded and "demo12345" in seeded and "组织部" in seeded
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


def test_seed_demo_twice_changes_nothing(seeded):
    before = counts()
    with time_machine.travel(SEED_MOMENT, tick=False):
        again = run("seed_demo")
    assert "已存在" in again and "secretary_se" in again
    assert counts() == before


def test_demo_without_serving_runs_end_to_end(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    out = run("demo", "--no-serve", "--addrport", "127.0.0.1:8765")
    assert settings.DATA_DIR.is_dir()
    assert "branch_election" in out and "new" in out
    assert "secretary_se" in out and "officer_cs" in out
    assert "curl -s -X POST http://127.0.0.1:8765/api/auth/token/" in out
    assert "http://127.0.0.1:8765/api/docs/" in out
    assert Case.objects.filter(process_id="branch_election").count() == len(EXPECTED_STEPS)


def test_timer_sweep_logs_errors_instead_of_dying(monkeypatch, caplog):
    monkeypatch.setitem(
        sweep.IN_PROCESS,
        "workflows.tasks.sweep_timers",
        lambda: {"fired": 2, "failed": 0, "cases": 2},
    )
    monkeypatch.setattr(
        "notifications.tasks.alerts_raise", lambda: {"due_soon": 1, "overdue": 0, "escalated": 0}
    )
    monkeypatch.setattr(
        "procedures.self_lapse.self_lapse_detect",
        lambda: {"opened": [7], "not_judged": [{"organization": 3, "name": "乙支部"}]},
    )
    # A moment when no daily or yearly job is due: the interval jobs only.
    moment = dt.datetime(2026, 7, 10, 10, tzinfo=dt.UTC)
    with caplog.at_level(logging.INFO, logger="partyflow.demo"):
        with time_machine.travel(moment, tick=False):
            assert demo.sweep_once() == {
                "sweep-due-timers": {"fired": 2, "failed": 0, "cases": 2},
                "raise-task-alerts": {"due_soon": 1, "overdue": 0, "escalated": 0},
                "send-due-deliveries": 0,
                "detect-self-lapse": {
                    "opened": 1,
                    "not_judged": 1,
                    "not_judged_names": "乙支部",
                },
            }

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setitem(sweep.IN_PROCESS, "workflows.tasks.sweep_timers", broken)
    with caplog.at_level(logging.INFO, logger="partyflow.demo"):
        assert demo.sweep_once() is None
    assert (
        "timers fired: 2" in caplog.text
        and "due soon 1" in caplog.text
        and "self-lapse cases opened: 1; branches not judged on dues (no dues start date): 1 "
        "(乙支部)"
        in caplog.text
        and "timer sweep failed" in caplog.text
        and "database went away" in caplog.text
    )


def test_seed_demo_before_deploy_fails_and_writes_nothing():
    with pytest.raises(CommandError, match="deploy-bpmn"):
        run("seed_demo")
    assert not Organization.objects.exists() and not get_user_model().objects.exists()
