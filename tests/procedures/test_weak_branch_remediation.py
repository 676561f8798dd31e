"""P4 remediation of a weak branch end to end through the API: identification opens the committee's
designation task, the plan, the supporter, monthly reports (one overdue), an acceptance that fails
once and then passes, removal from the list and the re-check timer; save/restore at each step."""

import pytest
import time_machine

from procedures.weak_branch_remediation.models import WeakBranchListing
from workflows.models import Case

from ..helpers import assert_round_trip, complete, cst, inbox, only_task, run_timers
from .remediation_helpers import identify

pytestmark = pytest.mark.django_db(transaction=False)
SIGNALS = ["committee_incomplete", "organizational_life_missed", "democratic_review_missing"]


def listing(client, branch):
    rows = [r for r in client.get("/api/weak-branches/").json() if r["organization"] == branch.pk]
    assert len(rows) == 1
    return rows[0]


def designated_with_plan(api, u):
    """Identify on 2026-12-01, designate branch A, file its plan (deadline 2027-03-31), assign the officer."""
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        result = identify(officer, u.college)
        case_id = next(o["case"] for o in result["opened"] if o["organization"] == u.branch_a.pk)
        task = only_task(officer, "designate", organization=u.branch_a.pk)
        detail = officer.get(f"/api/tasks/{task['id']}/").json()
        # 9 full members, 2 in committee posts; no P5 records kept in 2025.
        assert [s["code"] for s in detail["context"]["signals"]] == SIGNALS
        complete(
            officer,
            task["id"],
            {
                "designated": True,
                "problems_found": "班子不健全",
                "document_no": "院党委〔2026〕30号",
            },
        )
        complete(
            sec,
            only_task(sec, "file_plan")["id"],
            {
                "problems": ["支委会只有2人"],
                "measures": ["补选委员"],
                "responsible": [u.full_a[0].pk],
                "deadline": "2027-03-31",
            },
        )
        complete(
            officer, only_task(officer, "assign_supporter")["id"], {"supporter": u.users.officer.pk}
        )
    return case_id


def test_remediation_fails_acceptance_once_then_passes_and_is_rechecked(api, university):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case_id = designated_with_plan(api, u)
    assert_round_trip(case_id)
    with time_machine.travel(cst(2026, 12, 1, 10), tick=False):
        row = listing(officer, u.branch_a)
        assert (row["status"], row["plan_deadline"], row["plans"]) == ("listed", "2027-03-31", 1)
        assert [s["code"] for s in row["signals"]] == SIGNALS
        # The first monthly report is due remediation.report_interval after the plan was filed.
        task = only_task(sec, "report_progress")
        assert task["due_at"] == "2027-01-02T00:00:00+08:00"

    with time_machine.travel(cst(2026, 12, 20, 9), tick=False):
        complete(
            sec,
            only_task(sec, "report_progress")["id"],
            {"progress": "已召开支委会研究补选", "request_acceptance": False},
        )
    with time_machine.travel(cst(2027, 2, 10, 9), tick=False):
        task = only_task(sec, "report_progress")
        assert task["due_at"] == "2027-01-21T00:00:00+08:00"
        complete(sec, task["id"], {"progress": "补选方案已报批", "request_acceptance": False})
    with time_machine.travel(cst(2027, 4, 5, 9), tick=False):
        # After the plan deadline the branch must apply for acceptance; the refusal changes nothing.
        task = only_task(sec, "report_progress")
        before = Case.objects.get(pk=case_id)
        r = sec.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": {"progress": "继续整改", "request_acceptance": False}},
            format="json",
        )
        assert (
            r.status_code == 400
            and r.json()["code"] == "remediation_deadline_passed"
            and "request_acceptance" in r.json()["fields"]
        )
        after = Case.objects.get(pk=case_id)
        assert (after.state, after.lock_version) == (before.state, before.lock_version)
        complete(sec, task["id"], {"progress": "已补选委员2名", "request_acceptance": True})
        assert inbox(sec) == []
        accept = only_task(officer, "accept")
        assert officer.get(f"/api/tasks/{accept['id']}/").json()["context"]["overdue_reports"] == 2
        # Satisfaction below remediation.satisfaction_min (90%) cannot pass.
        r = officer.post(
            f"/api/tasks/{accept['id']}/complete/",
            {
                "data": {
                    "site_check": "查看会议记录",
                    "survey_satisfaction": 85,
                    "documents": ["支委会记录"],
                    "passed": True,
                }
            },
            format="json",
        )
        assert (
            r.status_code == 400
            and r.json()["code"] == "acceptance_satisfaction_low"
            and "survey_satisfaction" in r.json()["fields"]
        )
        complete(
            officer,
            accept["id"],
            {
                "site_check": "查看会议记录",
                "survey_satisfaction": 85,
                "documents": ["支委会记录"],
                "passed": False,
                "opinion": "书记作用发挥不够，需调整",
            },
        )
    assert_round_trip(case_id)

    with time_machine.travel(cst(2027, 4, 6, 9), tick=False):
        # Not passed: still listed; the renewed plan needs a later deadline and the adjustment recorded.
        assert listing(officer, u.branch_a)["status"] == "listed"
        plan = only_task(sec, "file_plan")
        assert sec.get(f"/api/tasks/{plan['id']}/").json()["context"]["renewal"] is True
        base = {
            "problems": ["书记作用发挥不够"],
            "measures": ["调整书记"],
            "responsible": [u.full_a[1].pk],
        }
        r = sec.post(
            f"/api/tasks/{plan['id']}/complete/",
            {"data": {**base, "deadline": "2027-06-30"}},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "adjustment_required"
        r = sec.post(
            f"/api/tasks/{plan['id']}/complete/",
            {"data": {**base, "deadline": "2027-03-31", "secretary_adjustment": "甲1任书记"}},
            format="json",
        )
        assert (
            r.status_code == 400
            and r.json()["code"] == "renewed_deadline_not_later"
            and "deadline" in r.json()["fields"]
        )
        complete(
            sec, plan["id"], {**base, "deadline": "2027-06-30", "secretary_adjustment": "甲1任书记"}
        )
        # The supporter stays assigned: the branch goes straight back to reporting.
        assert [t["element_id"] for t in inbox(officer, organization=u.branch_a.pk)] == []
        assert only_task(sec, "report_progress")["due_at"] == "2027-05-07T00:00:00+08:00"
    with time_machine.travel(cst(2027, 5, 1, 9), tick=False):
        complete(
            sec,
            only_task(sec, "report_progress")["id"],
            {"progress": "整改完成", "request_acceptance": True},
        )
        complete(
            officer,
            only_task(officer, "accept")["id"],
            {
                "site_check": "实地查看",
                "survey_satisfaction": 92.5,
                "documents": ["会议记录", "测评表"],
                "passed": True,
            },
        )
        row = listing(officer, u.branch_a)
        assert (row["status"], row["removed_on"], row["recheck_due"]) == (
            "removed",
            "2027-05-01",
            "2027-11-01",
        )
        assert row["adjustments"] == [
            {"date": "2027-04-06", "secretary_adjustment": "甲1任书记", "committee_adjustment": ""}
        ]
        assert [(r["number"], r["overdue"]) for r in row["reports"]] == [
            (1, False),
            (2, True),
            (3, True),
            (4, False),
        ]
        case = officer.get(f"/api/cases/{case_id}/").json()
        assert [t["due_at"] for t in case["waiting_timers"]] == ["2027-11-01T09:00:00+08:00"]
    assert_round_trip(case_id)

    # The re-check falls due remediation.recheck_after (6 months) after removal.
    assert "timers fired: 0" in run_timers(cst(2027, 11, 1, 8, 59))
    assert "timers fired: 1" in run_timers(cst(2027, 11, 1, 9, 1))
    with time_machine.travel(cst(2027, 11, 2, 9), tick=False):
        complete(
            officer,
            only_task(officer, "recheck")["id"],
            {"recheck_passed": True, "findings": "班子健全，组织生活正常"},
        )
        assert officer.get(f"/api/cases/{case_id}/").json()["status"] == "completed"
        assert listing(officer, u.branch_a)["status"] == "closed"


def test_failed_recheck_puts_the_branch_back_on_the_list_with_a_renewed_plan(api, university):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case_id = designated_with_plan(api, u)
    with time_machine.travel(cst(2026, 12, 20, 9), tick=False):
        complete(
            sec,
            only_task(sec, "report_progress")["id"],
            {"progress": "整改完成", "request_acceptance": True},
        )
        complete(
            officer,
            only_task(officer, "accept")["id"],
            {
                "site_check": "实地查看",
                "survey_satisfaction": 90,
                "documents": ["会议记录"],
                "passed": True,
            },
        )
    run_timers(cst(2027, 6, 20, 9, 1))
    with time_machine.travel(cst(2027, 6, 21, 9), tick=False):
        complete(
            officer,
            only_task(officer, "recheck")["id"],
            {"recheck_passed": False, "findings": "组织生活又不正常"},
        )
        assert listing(officer, u.branch_a)["status"] == "listed"
        plan = only_task(sec, "file_plan")
        assert (
            sec.get(f"/api/tasks/{plan['id']}/").json()["context"]["recheck_findings"]
            == "组织生活又不正常"
        )
    assert_round_trip(case_id)


def test_designation_declined_closes_the_case_without_listing(api, university):
    u = university
    officer = api(u.users.officer)
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        identify(officer, u.college)
        task = only_task(officer, "designate", organization=u.branch_a.pk)
        r = officer.post(
            f"/api/tasks/{task['id']}/complete/", {"data": {"designated": False}}, format="json"
        )
        assert r.status_code == 400 and "reason" in r.json()["fields"]
        complete(officer, task["id"], {"designated": False, "reason": "委员补选已在进行"})
    assert not WeakBranchListing.objects.filter(organization=u.branch_a).exists()
