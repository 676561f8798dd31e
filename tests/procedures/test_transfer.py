"""P7 membership transfer (transfer.md): out with a letter and its receipt, retention at the
university, in with a letter, between branches of two colleges; every refusal the rules require,
the timers that put a case before the committee, and each side seeing only its part."""

import datetime as dt

import time_machine

from organizations.models import Member, MemberStatus
from workflows.models import Case

from ..helpers import assert_round_trip, complete, cst, inbox, only_task, refused, run_timers
from .transfer_helpers import (
    LETTER,
    PERSON,
    pay_dues,
    second_college,
    start_in,
    start_internal,
    start_out,
)


def test_a_graduate_moves_out_to_an_employer_with_letter_and_receipt(university, api):
    u = university
    grad = u.full_a[5]
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    pay_dues(u, grad, dt.date(2027, 1, 1), dt.date(2027, 5, 1))
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        # transfer.md rule 15: dues paid through the month of transfer, read from the dues records
        body = start_out(sec, u, grad, status=400)
        assert body["code"] == "dues_not_paid_through" and "data.member" in body["fields"]
        assert "2027-05" in body["message"]
        no_heading = start_out(sec, u, grad, heading="", status=400)
        assert no_heading["code"] == "receiving_organization_required"
    pay_dues(u, grad, dt.date(2027, 6, 1), dt.date(2027, 6, 1))
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        case = start_out(sec, u, grad)
        assert case["data"]["dues_paid_through"] == "2027-06"
        task = only_task(officer, "issue_letter")
        ctx = officer.get(f"/api/tasks/{task['id']}/").json()["context"]
        assert (ctx["validity_days_default"], ctx["validity_days_max"]) == (30, 90)
        body = refused(
            officer,
            task["id"],
            {"issued_on": "2027-06-20", "validity_days": 91},
            case["id"],
            "letter_validity_too_long",
        )
        assert "validity_days" in body["fields"]
        complete(officer, task["id"], {"issued_on": "2027-06-20", "validity_days": 30})
        assert_round_trip(case["id"])
    detail = sec.get(f"/api/cases/{case['id']}/").json()
    assert detail["data"]["letter_serial"] == f"2027-{case['id']:06d}"
    assert detail["data"]["validity_capital"] == "叁拾"
    assert detail["data"]["letter_expires_on"] == "2027-07-20"
    receipt = only_task(officer, "record_receipt")
    # the receipt is due a month after the letter's last day (FORM-2006)
    assert receipt["due_at"] == "2027-08-21T00:00:00+08:00"
    # In transit the sender still manages the member (EDU-2019 Art. 25).
    assert Member.objects.get(pk=grad.pk).status == MemberStatus.FULL
    # Scope: the other branch does not see the case; the college's auditor does.
    assert api(u.users.sec_b).get(f"/api/cases/{case['id']}/").status_code == 404
    assert api(u.users.auditor).get(f"/api/cases/{case['id']}/").status_code == 200
    with time_machine.travel(cst(2027, 7, 10, 9), tick=False):
        complete(
            officer,
            receipt["id"],
            {
                "accepted_on": "2027-07-02",
                "received_on": "2027-07-10",
                "receiver": "某某科技有限公司党委",
            },
        )
    assert Case.objects.get(pk=case["id"]).status == "completed"
    grad.refresh_from_db()
    assert grad.status == MemberStatus.TRANSFERRED_OUT and grad.left_on == dt.date(2027, 7, 2)
    assert "某某科技有限公司党委" in grad.left_reason


def test_an_unreported_letter_and_a_member_out_of_contact_come_before_the_committee(
    university, api
):
    u = university
    grad = u.full_a[6]
    officer = api(u.users.officer)
    pay_dues(u, grad, dt.date(2027, 6, 1), dt.date(2027, 6, 1))
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        case = start_out(
            api(u.users.sec_a), u, grad, destination="talent_centre", heading="某市人才服务中心党委"
        )
        complete(
            officer,
            only_task(officer, "issue_letter")["id"],
            {"issued_on": "2027-06-20", "validity_days": 30},
        )
    assert "timers fired: 0" in run_timers(cst(2027, 7, 20, 23, 59))
    assert "timers fired: 1" in run_timers(cst(2027, 7, 21, 0, 0))
    follow_up = only_task(officer, "follow_up_expired_letter")
    assert_round_trip(case["id"])
    with time_machine.travel(cst(2028, 1, 5, 9), tick=False):
        # GRAD-2015 一: a re-issue only within six months of the transfer out
        body = refused(
            officer,
            follow_up["id"],
            {"action": "reissue", "reissued_on": "2028-01-05", "note": "单位变更"},
            case["id"],
            "reissue_window_over",
        )
        assert "reissued_on" in body["fields"]
        complete(officer, follow_up["id"], {"action": "contacted", "note": "已电话联系本人"})
    # EDU-2019 Art. 24: out of contact six months: proposed to the committee, never automatic
    run_timers(cst(2027, 12, 21, 0, 0))
    decide = only_task(officer, "decide_lost_contact")
    with time_machine.travel(cst(2028, 1, 6, 9), tick=False):
        complete(
            officer, decide["id"], {"decision": "keep_searching", "reason": "继续通过家属联系"}
        )
    assert Member.objects.get(pk=grad.pk).status == MemberStatus.FULL
    assert Case.objects.get(pk=case["id"]).status == "running"  # the receipt is still awaited
    assert only_task(officer, "record_receipt")


def test_a_graduate_without_a_job_keeps_the_relationship_up_to_two_years(university, api):
    u = university
    grad = u.full_a[7]
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        case = start_out(sec, u, grad, destination="retained", heading="")
        complete(
            officer,
            only_task(officer, "approve_retention")["id"],
            {"approved": True, "decided_on": "2027-06-20"},
        )
    contact = only_task(sec, "record_contact")
    assert contact["due_at"] == "2027-12-21T00:00:00+08:00"  # transfer.retention_contact, 6 months
    with time_machine.travel(cst(2027, 12, 15, 9), tick=False):
        complete(
            sec,
            contact["id"],
            {"contact_date": "2027-12-15", "contact_outcome": "continue", "note": "仍在求职"},
        )
    assert_round_trip(case["id"])
    with time_machine.travel(cst(2029, 6, 25, 9), tick=False):
        contact = only_task(sec, "record_contact")
        body = refused(
            sec,
            contact["id"],
            {"contact_date": "2029-06-25", "contact_outcome": "continue", "note": "仍在求职"},
            case["id"],
            "retention_period_over",
        )
        assert "contact_outcome" in body["fields"]
        complete(
            sec,
            contact["id"],
            {"contact_date": "2029-06-25", "contact_outcome": "ended", "note": "保留期满"},
        )
    assert Case.objects.get(pk=case["id"]).status == "completed"


def test_a_member_is_received_with_a_letter_and_the_receipt_goes_back(university, api):
    u = university
    sec, officer = api(u.users.sec_b), api(u.users.officer)
    with time_machine.travel(cst(2027, 9, 10, 9), tick=False):
        case = start_in(sec, u.branch_b)
        task = only_task(officer, "check_letter")
        # EDU-2019 Art. 25: every refusal records its reason
        body = complete(
            officer, task["id"], {"decision": "refuse", "decided_on": "2027-09-10"}, status=400
        )
        assert "reason" in str(body["fields"])
        refused(
            officer,
            task["id"],
            {"decision": "accept", "decided_on": "2027-09-10"},
            case["id"],
            "file_not_checked",
        )
        complete(
            officer,
            task["id"],
            {"decision": "accept", "decided_on": "2027-09-10", "file_checked": True},
        )
    member = Member.objects.get(name="新来戊")
    assert member.organization == u.branch_b and member.transferred_in_on == dt.date(2027, 9, 10)
    detail = sec.get(f"/api/cases/{case['id']}/").json()
    assert detail["data"]["dues_start_month"] == "2027-09"  # the month after 2027-08 (rule 15)
    send = only_task(officer, "send_receipt")
    assert send["due_at"] == "2027-10-11T00:00:00+08:00"
    with time_machine.travel(cst(2027, 9, 12, 9), tick=False):
        complete(officer, send["id"], {"sent_on": "2027-09-12", "handler": "王老师"})
    assert Case.objects.get(pk=case["id"]).status == "completed"
    assert api(u.users.sec_a).get(f"/api/cases/{case['id']}/").status_code == 404


def _check(officer, case):
    return next(
        t for t in inbox(officer) if t["element_id"] == "check_letter" and t["case"] == case["id"]
    )


def test_a_letter_is_refused_when_the_rules_say_so(university, api):
    u = university
    sec, officer = api(u.users.sec_b), api(u.users.officer)
    accept = {"decision": "accept", "decided_on": "2027-09-10", "file_checked": True}
    with time_machine.travel(cst(2027, 9, 10, 9), tick=False):
        # a branch may not issue a letter (transfer.md rule 2)
        case = start_in(
            sec, u.branch_b, letter={**LETTER, "issuer_kind": "branch", "issuer": "某支部"}
        )
        refused(
            officer, _check(officer, case)["id"], accept, case["id"], "letter_issuer_not_authorized"
        )
        case = start_in(sec, u.branch_b, letter={**LETTER, "validity_days": 120})
        refused(
            officer, _check(officer, case)["id"], accept, case["id"], "letter_validity_too_long"
        )
        case = start_in(sec, u.branch_b, letter={**LETTER, "issued_on": "2027-07-01"})
        refused(officer, _check(officer, case)["id"], accept, case["id"], "letter_expired")
        late = {**PERSON, "status": "probationary", "joined_on": "2026-06-01"}
        case = start_in(sec, u.branch_b, person=late)
        task = _check(officer, case)
        refused(officer, task["id"], accept, case["id"], "probation_ended_unconverted")
        # a doubtful file is held and goes to the organization department, which decides
        complete(
            officer,
            task["id"],
            {"decision": "hold", "decided_on": "2027-09-10", "reason": "转正材料不全"},
        )
        org = api(u.users.orgdept)
        complete(
            org,
            only_task(org, "review_held_file")["id"],
            {
                "held_decision": "refuse",
                "decided_on": "2027-09-10",
                "reason": "预备期满未转正，退回原单位",
            },
        )
    assert Case.objects.get(pk=case["id"]).status == "completed"
    assert not Member.objects.filter(name="新来戊").exists()
    bad = start_in(
        sec, u.branch_b, letter={k: v for k, v in LETTER.items() if k != "issued_on"}, status=400
    )
    assert bad["code"] == "transfer_in_incomplete" and "data.letter.issued_on" in bad["fields"]


def test_a_member_moves_between_branches_of_two_colleges_both_committees_acting(university, api):
    u = university
    branch_c, officer_math, sec_math = second_college(u)
    mover = u.full_a[4]
    pay_dues(u, mover, dt.date(2027, 8, 1), dt.date(2027, 9, 1))
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 9, 10, 9), tick=False):
        same = sec.post(
            "/api/cases/",
            {
                "process": "transfer_internal",
                "organization": u.branch_a.pk,
                "data": {"member": {"id": mover.pk}, "to_branch": {"id": u.branch_a.pk}},
            },
            format="json",
        )
        assert same.status_code == 400 and same.json()["code"] == "receiving_branch_invalid"
        sending = start_internal(sec, u, mover, branch_c)
        assert inbox(api(officer_math)) == []  # nothing for the receiver until the sender releases
        complete(
            officer,
            only_task(officer, "approve_release")["id"],
            {"approved": True, "decided_on": "2027-09-10"},
        )
    assert Case.objects.get(pk=sending["id"]).status == "completed"
    check = only_task(api(officer_math), "check_letter")
    receiving = Case.objects.get(pk=check["case"])
    assert receiving.organization == branch_c and receiving.data["from_case"] == sending["id"]
    # each side sees its part; the school's organization department both
    assert api(u.users.auditor).get(f"/api/cases/{receiving.pk}/").status_code == 404
    assert api(sec_math).get(f"/api/cases/{sending['id']}/").status_code == 404
    assert api(sec_math).get(f"/api/cases/{receiving.pk}/").status_code == 200
    assert api(u.users.orgdept).get(f"/api/cases/{receiving.pk}/").status_code == 200
    assert Member.objects.get(pk=mover.pk).organization == u.branch_a  # in transit
    with time_machine.travel(cst(2027, 9, 12, 9), tick=False):
        complete(api(officer_math), check["id"], {"decision": "accept", "decided_on": "2027-09-12"})
    mover.refresh_from_db()
    assert mover.organization == branch_c and mover.transferred_in_on == dt.date(2027, 9, 12)
    assert Case.objects.get(pk=receiving.pk).status == "completed"  # no letter, no receipt
    assert Case.objects.get(pk=receiving.pk).data["dues_start_month"] == "2027-10"
