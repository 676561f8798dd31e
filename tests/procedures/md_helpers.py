"""Driving P1 member development through the API: one call per step, with the clock where it is set."""

import datetime as dt

import time_machine

from organizations.models import MemberStatus

from ..factories import MemberFactory
from ..helpers import assert_round_trip, complete, cst, only_task

APPLIED = "2026-01-05"


def applicant(u, **kw):
    return MemberFactory(
        organization=u.branch_a,
        name="申请人张",
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(2000, 5, 1),
        **kw,
    )


def start_development(client, u, person, status=201):
    r = client.post(
        "/api/cases/",
        {
            "process": "member_development",
            "organization": u.branch_a.pk,
            "subject_member": person.pk,
        },
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


def step(client, element_id, data, status=200, case_id=None):
    """Complete the holder's one open task `element_id`; on a refusal return the error body."""
    task = only_task(client, element_id, process="member_development")
    body = complete(client, task["id"], data, status=status)
    if case_id is not None:
        assert_round_trip(case_id)
    return body


def submit_obligation(client, person, kind, seq, on, status=201):
    r = client.post(
        f"/api/members/{person.pk}/development/obligations/",
        {"kind": kind, "seq": seq, "data": {"submitted_on": on, "summary": f"{kind} {seq}"}},
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


def vote(present, yes, *, meeting, no=0, written=(), **extra):
    return {
        "meeting_date": meeting,
        "present": [m.pk for m in present],
        "yes": yes,
        "no": no,
        "abstain": len(present) - yes - no,
        "written_opinions": [
            {"member": m.pk, "opinion": "yes", "submitted_on": on} for m, on in written
        ],
        **extra,
    }


def at(*args):
    return time_machine.travel(cst(*args), tick=False)


def activist_reports(sec, person, until_seq_thought, until_seq_inspection, on):
    for n in range(1, until_seq_thought + 1):
        submit_obligation(sec, person, "thought_report", n, on)
    for n in range(1, until_seq_inspection + 1):
        submit_obligation(sec, person, "inspection", n, on)


def drive_to_designation(api, u, person, *, year=2026, talk_recorded_late=False):
    """Steps 1-5 from an application on 5 January `year`; an activist from 1 February. With
    `talk_recorded_late` the talk is dated on the last day of its month (5 February) but recorded
    in the system the morning after, when its deadline timer has opened the committee's supervision."""
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with at(year, 1, 5, 10):
        case = start_development(sec, u, person)
        step(
            sec,
            "submit_application",
            {"application_date": f"{year}-01-05", "letter_summary": "志愿加入中国共产党"},
        )
    talk_at, talk_date = (
        ((year, 2, 6, 10), f"{year}-02-05")
        if talk_recorded_late
        else ((year, 1, 20, 10), f"{year}-01-20")
    )
    with at(*talk_at):
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": talk_date, "talker": "甲0", "summary": "谈话了解基本情况"},
        )
    with at(year, 2, 1, 10):
        step(
            sec,
            "select_activist",
            {"decision_date": f"{year}-02-01", "recommendation": "member_recommendation"},
        )
        step(officer, "file_activist", {"filed_date": f"{year}-02-01"})
        step(
            sec,
            "appoint_contacts",
            {"decision_date": f"{year}-02-01", "contacts": [u.full_a[2].pk, u.full_a[3].pk]},
        )
    return case


def drive_to_political_review(api, u, person, **talk):
    """Steps 1-9: designated on 2027-02-01 (an activist for a year, every report in), introducers assigned."""
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_designation(api, u, person, **talk)
    with at(2027, 2, 10, 10):
        activist_reports(sec, person, 4, 2, "2027-02-01")
        step(sec, "cultivation_review", {"review_date": "2027-02-01", "summary": "考察合格"})
        step(
            sec,
            "designate_development_object",
            {
                "designation_date": "2027-02-01",
                "opinions_heard": "党小组、联系人、党员和群众均同意",
            },
        )
        # Under cpc-2014 a filing: it goes on even when the committee notes a refusal.
        step(
            officer,
            "file_development_object",
            {"approved": False, "decision_date": "2027-02-10", "reason": "仅备案"},
        )
        step(
            sec,
            "assign_introducers",
            {"decision_date": "2027-02-10", "introducers": [u.full_a[2].pk, u.full_a[3].pk]},
        )
    return case


def drive_to_admission_vote(api, u, person, **talk):
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_political_review(api, u, person, **talk)
    with at(2027, 2, 10, 10):
        step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-10", "conclusion": "政治审查合格", "passed": True},
        )
    with at(2027, 3, 5, 10):
        step(
            officer,
            "centralized_training",
            {"start_date": "2027-03-01", "end_date": "2027-03-03", "class_hours": 20},
        )
        step(sec, "branch_committee_review", {"approved": True, "decision_date": "2027-03-05"})
    with at(2027, 3, 10, 10):
        step(
            officer,
            "pre_review",
            {
                "prereview_date": "2027-03-10",
                "passed": True,
                "conclusion": "同意",
                "form_no": "志愿书001",
            },
        )
        step(sec, "fill_application_form", {"filled_date": "2027-03-10"})
    return case


def drive_to_probation(api, u, person, **talk):
    """Admitted by the meeting of 2027-03-20, approved, filed, placed and sworn in on 2027-04-01: a
    probationary member with the probation's steps open."""
    sec, officer, orgdept = api(u.users.sec_a), api(u.users.officer), api(u.users.orgdept)
    case = drive_to_admission_vote(api, u, person, **talk)
    with at(2027, 3, 20, 15):
        step(sec, "admission_vote", vote(u.full_a[:6], 6, meeting="2027-03-20", resolution="admit"))
    with at(2027, 4, 1, 10):
        step(
            officer,
            "committee_talk",
            {"talk_date": "2027-04-01", "talker": "组织员", "summary": "谈话合格"},
        )
        step(officer, "approve_admission", {"approved": True, "decision_date": "2027-04-01"})
        step(orgdept, "file_admission", {"filed_date": "2027-04-01"})
        step(sec, "place_in_group", {"party_group": "第一党小组", "placed_on": "2027-04-01"})
        step(sec, "take_oath", {"oath_date": "2027-04-01"})
    return case


def drive_to_conversion_vote(api, u, person, **talk):
    sec = api(u.users.sec_a)
    case = drive_to_probation(api, u, person, **talk)
    with at(2028, 3, 25, 10):
        for n in range(1, 5):
            submit_obligation(sec, person, "thought_report", n, "2028-03-20")
        step(sec, "probation_review", {"review_date": "2028-03-21", "summary": "预备期表现良好"})
        step(
            sec,
            "conversion_application",
            {"application_date": "2028-03-21", "letter_summary": "申请按期转正"},
        )
    return case
