"""Handling of an unqualified member (DISPOSAL-2024): a correction period from the rule set that
expires into a follow-up, advice to withdraw, and the 5-year reapplication ban."""

import datetime as dt

import time_machine

from organizations.models import Member, MemberStatus
from organizations.selectors import reapplication_barred_until
from workflows.models import Case

from ..helpers import assert_round_trip, complete, cst, inbox, only_task, run_timers


def start_disposal(client, u, member):
    r = client.post(
        "/api/cases/",
        {
            "process": "unqualified_member",
            "organization": u.branch_a.pk,
            "subject_member": member.pk,
            "data": {"member": {"id": member.pk}},
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()


def file_with_committee(officer, on):
    """DISPOSAL-2024: the approving committee records the filing of the branch committee's proposal."""
    complete(
        officer,
        only_task(officer, "file_handling")["id"],
        {"filed_on": on, "document_no": "院党委备〔2027〕1号"},
    )


def test_a_correction_period_expires_into_a_follow_up_then_the_member_is_advised_to_withdraw(
    university, api
):
    u = university
    target = u.full_a[6]
    sec, committee = api(u.users.sec_a), api(u.users.committee_a)
    with time_machine.travel(cst(2027, 1, 15, 9), tick=False):
        case = start_disposal(sec, u, target)
        again = sec.post(
            "/api/cases/",
            {
                "process": "unqualified_member",
                "organization": u.branch_a.pk,
                "data": {"member": {"id": target.pk}},
            },
            format="json",
        )
        assert again.status_code == 409 and again.json()["code"] == "case_already_running"
        task = only_task(committee, "propose_handling")
        too_long = committee.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": {"measure": "correction", "correction_months": 13, "reason": "评议为不合格"}},
            format="json",
        )
        assert (
            too_long.status_code == 400 and too_long.json()["code"] == "correction_period_too_long"
        )
        assert "correction_months" in too_long.json()["fields"]
        complete(
            committee, task["id"], {"measure": "correction", "reason": "民主评议为不合格，限期改正"}
        )
        file_with_committee(api(u.users.officer), "2027-01-15")
    detail = sec.get(f"/api/cases/{case['id']}/").json()
    # the default period (disposal.correction_default, 6 months) from the rule set
    assert detail["data"]["correction_deadline"] == "2027-07-15"
    assert [t["due_at"] for t in detail["waiting_timers"]] == ["2027-07-16T00:00:00+08:00"]
    assert inbox(committee) == []
    assert_round_trip(case["id"])
    assert "timers fired: 0" in run_timers(cst(2027, 7, 15, 8, 59))
    assert inbox(committee) == []
    assert "timers fired: 1" in run_timers(cst(2027, 7, 16, 0, 0))
    follow_up = only_task(committee, "follow_up_correction")
    assert follow_up["case"] == case["id"]
    assert_round_trip(case["id"])
    with time_machine.travel(cst(2027, 7, 16, 9), tick=False):
        complete(committee, follow_up["id"], {"corrected": False, "assessment": "仍不参加组织生活"})
        complete(
            committee,
            only_task(committee, "propose_handling")["id"],
            {"measure": "advise_withdraw", "reason": "限期改正期满仍无转变"},
        )
        file_with_committee(api(u.users.officer), "2027-07-16")
    # The withdrawal talk is recorded on the day it was held (a later date would be in the future).
    with time_machine.travel(cst(2027, 7, 20, 15), tick=False):
        complete(
            sec,
            only_task(sec, "record_withdrawal")["id"],
            {"talk_date": "2027-07-20", "accepted": True, "notes": "本人同意退党"},
        )
    assert Case.objects.get(pk=case["id"]).status == "completed"
    target.refresh_from_db()
    assert target.status == MemberStatus.WITHDRAWN and target.left_on == dt.date(2027, 7, 20)
    with time_machine.travel(cst(2027, 8, 1, 9), tick=False):
        assert reapplication_barred_until(target) == dt.date(2032, 7, 20)


def test_a_shorter_correction_period_is_kept_and_a_corrected_member_stays(university, api):
    u = university
    target = u.full_a[7]
    committee = api(u.users.committee_a)
    with time_machine.travel(cst(2027, 1, 15, 9), tick=False):
        case = start_disposal(api(u.users.sec_a), u, target)
        complete(
            committee,
            only_task(committee, "propose_handling")["id"],
            {"measure": "correction", "correction_months": 12, "reason": "限期改正"},
        )
        file_with_committee(api(u.users.officer), "2027-01-15")
    assert Case.objects.get(pk=case["id"]).data["correction_deadline"] == "2028-01-15"
    run_timers(cst(2028, 1, 16, 0, 0))
    with time_machine.travel(cst(2028, 1, 16, 9), tick=False):
        complete(
            committee,
            only_task(committee, "follow_up_correction")["id"],
            {"corrected": True, "assessment": "已改正"},
        )
    assert Case.objects.get(pk=case["id"]).status == "completed"
    assert Member.objects.get(pk=target.pk).status == MemberStatus.FULL


def test_handling_starts_with_the_proposal_filed_with_the_approving_committee(university, api):
    u = university
    target = u.full_a[5]
    sec, committee, officer = api(u.users.sec_a), api(u.users.committee_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 1, 15, 9), tick=False):
        case = start_disposal(sec, u, target)
        complete(
            committee,
            only_task(committee, "propose_handling")["id"],
            {"measure": "correction", "correction_months": 3, "reason": "评议为不合格"},
        )
        # Nothing runs yet: the proposal waits in the approving committee's inbox, with what was proposed.
        detail = sec.get(f"/api/cases/{case['id']}/").json()
        assert detail["waiting_timers"] == [] and detail["data"]["correction_deadline"] is None
        filing = only_task(officer, "file_handling")
        assert filing["role"] == "approving_committee"
        ctx = officer.get(f"/api/tasks/{filing['id']}/").json()["context"]
        assert (ctx["measure"], ctx["reason"], ctx["correction_months"]) == (
            "correction",
            "评议为不合格",
            3,
        )
        assert ctx["member"]["id"] == target.pk and ctx["proposal"]["by"] == "committee_a"
        missing = officer.post(
            f"/api/tasks/{filing['id']}/complete/",
            {"data": {"filed_on": "2027-01-15"}},
            format="json",
        )
        assert missing.status_code == 400 and "document_no" in missing.json()["fields"]
    with time_machine.travel(cst(2027, 1, 20, 9), tick=False):
        complete(
            officer, filing["id"], {"filed_on": "2027-01-20", "document_no": "院党委备〔2027〕2号"}
        )
        detail = sec.get(f"/api/cases/{case['id']}/").json()
        # The correction period runs from the filing: 3 months from 20 January, to 24:00 on 20 April.
        assert detail["data"]["correction_deadline"] == "2027-04-20"
        assert [t["due_at"] for t in detail["waiting_timers"]] == ["2027-04-21T00:00:00+08:00"]
    history = [e["action"] for e in sec.get(f"/api/cases/{case['id']}/history/").json()]
    assert history.count("task_completed") == 2
    assert_round_trip(case["id"])
