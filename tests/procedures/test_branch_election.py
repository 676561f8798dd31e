"""P2 branch election end to end through the API, with the clock moved and a save/restore check at
every step."""

import datetime as dt

import pytest
import time_machine

from organizations.models import Organization, Role, RoleAssignment
from printing.contexts.election_reply import election_reply
from printing.contexts.election_report import election_report
from workflows.models import Case

from ..helpers import assert_round_trip, complete, cst, inbox, only_task, run_timers
from ..web.conftest import login
from .election_helpers import start_election, vote_data

pytestmark = pytest.mark.django_db(transaction=False)


def test_election_from_reminder_to_approved_results(api, university):
    u = university
    sec, committee, officer = api(u.users.sec_a), api(u.users.committee_a), api(u.users.officer)

    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        case = start_election(sec, u.branch_a)
        assert case["status"] == "running" and case["open_tasks"] == []
        assert case["data"]["term_end"] == "2027-01-10"
        # P2 step 0: the reminder waits until 6 months (election.reminder_lead) before the term ends.
        assert [t["due_at"] for t in case["waiting_timers"]] == ["2026-07-10T09:00:00+08:00"]
        assert inbox(sec) == []
    assert_round_trip(case["id"])

    assert "timers fired: 0" in run_timers(cst(2026, 7, 10, 8, 59))
    assert "timers fired: 1" in run_timers(cst(2026, 7, 10, 9, 1))
    assert_round_trip(case["id"])

    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        request = only_task(sec, "submit_request")
        # The request is due election.request_lead (1 month) before the term ends.
        assert (
            request["due_at"] == "2026-12-11T00:00:00+08:00"
            and request["role"] == "branch_committee"
        )
        assert only_task(committee, "submit_request")["id"] == request["id"]
        complete(
            sec,
            request["id"],
            {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"},
        )
        assert_round_trip(case["id"])

        # Step 2: the committee rejects; the request returns to the branch with the reason.
        reply = only_task(officer, "reply_request")
        complete(officer, reply["id"], {"approved": False, "reason": "请补充候选人推荐方式说明"})
        assert_round_trip(case["id"])
        again = only_task(sec, "submit_request")
        detail = sec.get(f"/api/tasks/{again['id']}/").json()
        assert detail["case_data"]["reason"] == "请补充候选人推荐方式说明"
        assert detail["form"]["schema"]["title"] == "换届请示"
        complete(
            sec,
            again["id"],
            {
                "election_date": "2026-12-20",
                "seats": 5,
                "nomination_method": "member_recommendation",
            },
        )
        complete(
            officer,
            only_task(officer, "reply_request")["id"],
            {"approved": True, "document_no": "院党委〔2026〕12号"},
        )
        assert_round_trip(case["id"])

        complete(
            sec,
            only_task(sec, "nominate_candidates")["id"],
            {"candidates": [m.pk for m in u.full_a[:6]], "basis": "支委会根据多数党员意见提出"},
        )
        complete(officer, only_task(officer, "review_candidates")["id"], {"approved": True})
        assert_round_trip(case["id"])

    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        vote = only_task(sec, "record_vote")
        ctx = sec.get(f"/api/tasks/{vote['id']}/").json()["context"]
        # The vote form says who is due and who is not, and why.
        assert len(ctx["eligible"]) == 9
        assert {e["name"] for e in ctx["not_eligible"]} == {"预备乙", "停权丙"}
        assert any("预备党员" in e["reason"] for e in ctx["not_eligible"])
        assert ctx["seats_open"] == 5 and len(ctx["candidates"]) == 6
        present = u.full_a[:8]
        complete(
            sec, vote["id"], vote_data(u, u.full_a[:6], present, [8, 7, 6, 5, 5, 3], u.full_a[:5])
        )
        assert_round_trip(case["id"])

        officers = only_task(sec, "elect_officers")
        complete(
            sec,
            officers["id"],
            {"meeting_date": "2026-12-20", "secretary": u.full_a[0].pk, "deputy": u.full_a[1].pk},
        )
        approval = only_task(officer, "approve_results")
        assert sec.get(f"/api/cases/{case['id']}/").json()["stage"] == "选举结果批复"
        complete(officer, approval["id"], {"approved": True, "document_no": "院党委〔2026〕30号"})

    done = sec.get(f"/api/cases/{case['id']}/").json()
    assert done["status"] == "completed" and done["open_tasks"] == []
    branch = Organization.objects.get(pk=u.branch_a.pk)
    assert (branch.term_start, branch.term_end) == (dt.date(2026, 12, 20), dt.date(2029, 12, 20))
    # New officers hold their roles from the election until the next election's results end them
    # (they serve past 2029-12-20 if that election is late); the old secretary's ended the day
    # before.
    roles = {
        (a.user.username, a.role): (a.term_start, a.term_end)
        for a in RoleAssignment.objects.filter(organization=branch)
    }
    assert roles[("sec_a", Role.BRANCH_SECRETARY)] == (dt.date(2026, 12, 20), None)
    assert roles[("committee_a", Role.BRANCH_DEPUTY_SECRETARY)] == (dt.date(2026, 12, 20), None)
    # Step 8: the next term-expiry reminder is scheduled as a new case waiting on its timer.
    nxt = Case.objects.exclude(pk=case["id"]).get(process_id="branch_election", organization=branch)
    nxt_json = sec.get(f"/api/cases/{nxt.pk}/").json()
    assert nxt_json["status"] == "running"
    assert [t["due_at"] for t in nxt_json["waiting_timers"]] == ["2029-06-20T09:00:00+08:00"]
    # The next election is late: after the term's end the committee still serves, and its
    # secretary still holds the request.
    run_timers(cst(2029, 6, 20, 9, 1))
    with time_machine.travel(cst(2030, 1, 5, 9), tick=False):
        assert [t["element_id"] for t in inbox(sec) if t["case"] == nxt.pk] == ["submit_request"]

    history = sec.get(f"/api/cases/{case['id']}/history/").json()
    actions = [e["action"] for e in history]
    assert actions[0] == "case_started" and "timers_fired" in actions
    assert actions.count("task_completed") == 9
    completed = [e for e in history if e["action"] == "task_completed"]
    assert completed[0]["actor_name"] == "sec_a" and completed[0]["task_name"] == "提交换届请示"
    acted = completed[0]["actor_roles"]
    assert [(r["role"], r["organization"], r["role_display"]) for r in acted] == [
        ("branch_secretary", u.branch_a.pk, "支部书记")
    ]
    assert acted[0]["organization_name"] == u.branch_a.name
    assert completed[1]["data"]["submitted"] == {
        "approved": False,
        "reason": "请补充候选人推荐方式说明",
    }
    assert [e["data"]["operation"] for e in history if e["action"] == "effect_applied"] == [
        "notify_term_expiry",
        "record_election_result",
        "schedule_next_election",
    ]
    # Each reply keeps its own document number: the reply to the request (12号) and the approval of
    # the results (30号) are two documents, in the case's facts, the printed documents and history.
    assert (done["data"].get("reply_document_no"), done["data"].get("results_document_no")) == (
        "院党委〔2026〕12号",
        "院党委〔2026〕30号",
    )
    assert done["data"].get("document_no") is None
    page = login(u.users.sec_a).get(f"/cases/{case['id']}/").content.decode()
    assert "<dt>换届请示批复文号</dt><dd>院党委〔2026〕12号</dd>" in page
    assert "<dt>选举结果批复文号</dt><dd>院党委〔2026〕30号</dd>" in page
    row = Case.objects.get(pk=case["id"])
    assert election_reply(row)["document_no"] == "院党委〔2026〕12号"
    report = election_report(row)
    assert (report["reply_document_no"], report["results_document_no"]) == (
        "院党委〔2026〕12号",
        "院党委〔2026〕30号",
    )
    numbers = {
        e["task_name"]: e["data"]["submitted"].get("document_no")
        for e in completed
        if e["task_name"] in ("批复换届请示", "批复选举结果") and e["data"]["submitted"]["approved"]
    }
    assert numbers == {"批复换届请示": "院党委〔2026〕12号", "批复选举结果": "院党委〔2026〕30号"}
