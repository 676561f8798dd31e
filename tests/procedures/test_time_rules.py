"""Time rules through the API (issue 12): a period "within N months" ends at 24:00 of its last day,
a timer due at exactly the sweep's moment fires, a step recorded in time closes the supervision its
deadline opened (and a finished case is completed), a late step is recorded truthfully."""

import pytest

from workflows.models import Case

from ..helpers import cst, inbox, only_task, run_timers
from .md_helpers import (
    applicant,
    at,
    drive_to_admission_vote,
    drive_to_conversion_vote,
    start_development,
    step,
    vote,
)

pytestmark = pytest.mark.django_db(transaction=False)


def _applied_on_31_october(api, u, person):
    sec = api(u.users.sec_a)
    with at(2026, 10, 31, 10):
        case = start_development(sec, u, person)
        step(
            sec,
            "submit_application",
            {"application_date": "2026-10-31", "letter_summary": "志愿加入中国共产党"},
        )
    return case


def test_talk_within_one_month_of_31_october_is_on_time_all_day_on_30_november(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = _applied_on_31_october(api, u, person)
    with at(2026, 11, 30, 23, 59, 59):
        talk = only_task(sec, "talk_with_applicant")
        assert talk["due_at"] == "2026-12-01T00:00:00+08:00" and talk["overdue"] is False
        assert inbox(sec, overdue="true") == []
        assert sec.get(f"/api/members/{person.pk}/development/").json()["next_due"] == "2026-11-30"
    assert "timers fired: 0" in run_timers(cst(2026, 11, 30, 23, 59, 59))
    assert [t["element_id"] for t in inbox(officer, process="member_development")] == []
    with at(2026, 11, 30, 23, 59, 59):
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": "2026-11-30", "talker": "甲0", "summary": "按期谈话"},
            case_id=case["id"],
        )
    assert Case.objects.get(pk=case["id"]).data["talk_late"] is False


def test_a_timer_due_exactly_at_the_sweeps_moment_fires(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    _applied_on_31_october(api, u, person)
    assert "timers fired: 1" in run_timers(cst(2026, 12, 1, 0, 0, 0))
    with at(2026, 12, 1, 0, 0, 0):
        assert only_task(officer, "supervise_overdue_talk")["role"] == "approving_committee"
        assert [t["element_id"] for t in inbox(sec, overdue="true")] == ["talk_with_applicant"]


def test_talk_recorded_late_but_dated_in_time_closes_its_supervision_and_the_case_completes(
    api, university
):
    u = university
    person = applicant(u)
    sec, officer, orgdept = api(u.users.sec_a), api(u.users.officer), api(u.users.orgdept)
    # The talk is dated 5 February (the last day of its month) but entered on 6 February, after the
    # deadline timer opened the committee's supervision: recording it closes the supervision.
    case = drive_to_conversion_vote(api, u, person, talk_recorded_late=True)
    cid = case["id"]
    assert [t["element_id"] for t in inbox(officer, process="member_development")] == []
    history = sec.get(f"/api/cases/{cid}/history/").json()
    assert "timers_fired" in [e["action"] for e in history]
    c = Case.objects.get(pk=cid)
    assert c.data["talk_late"] is False
    assert c.tasks.get(element_id="supervise_overdue_talk").status == "cancelled"
    with at(2028, 3, 25, 10):
        step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-20", decision="convert"),
            case_id=cid,
        )
        step(
            officer,
            "approve_conversion",
            {"approved": True, "decision_date": "2028-03-25"},
            case_id=cid,
        )
        step(
            orgdept,
            "archive_file",
            {"archived_on": "2028-03-25", "file_no": "档2028-18"},
            case_id=cid,
        )
        assert sec.get(f"/api/cases/{cid}/").json()["status"] == "completed"
        dev = sec.get(f"/api/members/{person.pk}/development/").json()
        assert (
            dev["step"] == 25 and dev["case"]["status"] == "completed" and dev["open_tasks"] == []
        )


def test_a_supervised_talk_recorded_after_the_supervision_also_lets_the_case_finish(
    api, university
):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = _applied_on_31_october(api, u, person)
    run_timers(cst(2026, 12, 1, 0, 0, 1))
    with at(2026, 12, 3, 10):
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": "2026-12-03", "talker": "甲0", "summary": "补谈"},
            case_id=case["id"],
        )
        assert [t["element_id"] for t in inbox(officer, process="member_development")] == []
        c = Case.objects.get(pk=case["id"])
        assert (
            c.data["talk_late"] is True
            and not c.tasks.filter(status="open", element_id="supervise_overdue_talk").exists()
        )
        assert sec.get(f"/api/members/{person.pk}/development/").json()["step"] == 3


def test_late_admission_approval_is_recorded_with_its_real_date_and_a_reason_and_stays_marked_late(
    api, university
):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_admission_vote(api, u, person)
    with at(2027, 3, 20, 15):
        step(sec, "admission_vote", vote(u.full_a[:6], 6, meeting="2027-03-20", resolution="admit"))
        step(
            officer,
            "committee_talk",
            {"talk_date": "2027-03-20", "talker": "组织员", "summary": "谈话"},
        )
    with at(2027, 6, 20, 23):
        # The last day of the 3 months: on time.
        assert only_task(officer, "approve_admission")["overdue"] is False
    with at(2027, 6, 21, 10):
        assert only_task(officer, "approve_admission")["overdue"] is True
        err = step(
            officer,
            "approve_admission",
            {"approved": True, "decision_date": "2027-06-21"},
            status=400,
        )
        assert (
            err["code"] == "approval_extension_reason_required"
            and "extension_reason" in err["fields"]
        )
        step(
            officer,
            "approve_admission",
            {
                "approved": True,
                "decision_date": "2027-06-21",
                "extension_reason": "待党委会集体讨论",
            },
            case_id=case["id"],
        )
    data = sec.get(f"/api/cases/{case['id']}/").json()["data"]
    assert (
        data["admission_approval_late"] is True and data["admission_decision_date"] == "2027-06-21"
    )


def test_written_opinion_of_an_absent_voter_dated_the_meeting_day_counts(api, university):
    u = university
    person = applicant(u)
    sec = api(u.users.sec_a)
    case = drive_to_admission_vote(api, u, person)
    with at(2027, 3, 20, 15):
        # 9 voters due, 5 present: 4 yes + the written yes of an absent voter handed in that morning = 5 > 4.5.
        step(
            sec,
            "admission_vote",
            vote(
                u.full_a[:5],
                4,
                no=1,
                meeting="2027-03-20",
                resolution="admit",
                written=[(u.full_a[8], "2027-03-20")],
            ),
            case_id=case["id"],
        )
    result = sec.get(f"/api/cases/{case['id']}/").json()["data"]["admission_vote"]
    assert result["yes"] == 5 and result["written_counted"] == 1 and result["passed"] is True
