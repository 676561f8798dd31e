"""P1 member development: each time rule refused with its own error, the probation extension paths,
and the cpc-2026 rule set."""

import pytest

from engine.errors import RuleViolation
from organizations.models import Member
from workflows.models import Case, Task
from workflows.services import task_complete

from ..helpers import assert_round_trip, only_task
from .md_helpers import (
    activist_reports,
    applicant,
    at,
    drive_to_admission_vote,
    drive_to_conversion_vote,
    drive_to_designation,
    drive_to_political_review,
    step,
    submit_obligation,
    vote,
)

pytestmark = pytest.mark.django_db(transaction=False)


def test_admission_approval_is_refused_beyond_six_months_even_with_a_reason(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    drive_to_admission_vote(api, u, person)
    with at(2027, 3, 20, 15):
        step(sec, "admission_vote", vote(u.full_a[:6], 6, meeting="2027-03-20", resolution="admit"))
        step(
            officer,
            "committee_talk",
            {"talk_date": "2027-03-20", "talker": "组织员", "summary": "谈话"},
        )
    with at(2027, 9, 21, 10):
        err = step(
            officer,
            "approve_admission",
            {"approved": True, "decision_date": "2027-09-21", "extension_reason": "延期"},
            status=400,
        )
        assert err["code"] == "approval_beyond_max" and "2027-09-20" in err["message"]
        step(
            officer,
            "approve_admission",
            {"approved": True, "decision_date": "2027-09-20", "extension_reason": "延期"},
        )
        assert Member.objects.get(pk=person.pk).status == "probationary"


def test_a_failed_political_review_ends_the_case(api, university):
    u = university
    person = applicant(u)
    case = drive_to_political_review(api, u, person)
    with at(2027, 2, 10, 10):
        step(
            api(u.users.sec_a),
            "political_review",
            {
                "concluded_on": "2027-02-10",
                "conclusion": "政治审查不合格：隐瞒重要经历",
                "passed": False,
            },
        )
    c = Case.objects.get(pk=case["id"])
    assert c.status == "completed" and c.tasks.filter(status="open").count() == 0
    dev = api(u.users.sec_a).get(f"/api/members/{person.pk}/development/").json()
    assert (
        dev["member"]["status"] == "development_object"
        and dev["status_history"][-1]["note"] == "发展终止"
    )


def test_extension_then_conversion(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_conversion_vote(api, u, person)
    with at(2028, 3, 25, 15):
        err = step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-25", decision="extend", extension_months=5),
            status=400,
        )
        assert err["code"] == "extension_length" and "extension_months" in err["fields"]
        err = step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-25", decision="extend", extension_months=13),
            status=400,
        )
        assert err["code"] == "extension_length"
        step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-25", decision="extend", extension_months=6),
            case_id=case["id"],
        )
        step(
            officer,
            "approve_conversion",
            {"approved": True, "decision_date": "2028-03-25"},
            case_id=case["id"],
        )
        assert Member.objects.get(pk=person.pk).status == "probationary"
        assert Case.objects.get(pk=case["id"]).data["probation_end"] == "2028-09-20"
    with at(2028, 9, 21, 10):
        # Reports keep falling due through the extended probation.
        err = step(
            sec,
            "probation_review",
            {"review_date": "2028-09-21", "summary": "延长期表现"},
            status=400,
        )
        assert err["code"] == "obligations_overdue"
        submit_obligation(sec, person, "thought_report", 5, "2028-06-20")
        submit_obligation(sec, person, "thought_report", 6, "2028-09-20")
        step(sec, "probation_review", {"review_date": "2028-09-21", "summary": "延长期表现"})
        step(
            sec,
            "conversion_application",
            {"application_date": "2028-09-21", "letter_summary": "再次申请转正"},
        )
        # A second extension is refused: after an extension only conversion or cancellation.
        err = step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-09-21", decision="extend", extension_months=6),
            status=400,
        )
        assert err["code"] == "extension_only_once" and "decision" in err["fields"]
        step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-09-21", decision="convert"),
            case_id=case["id"],
        )
    with at(2028, 12, 22, 10):
        # Conversion approval within 3 months of the resolution; past it, recorded with its real
        # date and a reason, and marked late (no false backdating needed).
        err = step(
            officer,
            "approve_conversion",
            {"approved": True, "decision_date": "2028-12-22"},
            status=400,
        )
        assert (
            err["code"] == "conversion_approval_overdue"
            and "2028-12-21" in err["message"]
            and "late_reason" in err["fields"]
        )
        step(
            officer,
            "approve_conversion",
            {"approved": True, "decision_date": "2028-12-22", "late_reason": "党委会议顺延"},
            case_id=case["id"],
        )
        detail = sec.get(f"/api/cases/{case['id']}/").json()
        assert (
            detail["data"]["conversion_approval_late"] is True
            and detail["data"]["conversion_decision_date"] == "2028-12-22"
        )
        assert detail["data"]["conversion_approval_late_reason"] == "党委会议顺延"
    person.refresh_from_db()
    assert person.status == "full" and person.party_standing_from.isoformat() == "2028-09-20"
    assert only_task(api(u.users.orgdept), "archive_file")


def test_extension_then_cancellation(api, university):
    u = university
    person = applicant(u)
    sec, officer, orgdept = api(u.users.sec_a), api(u.users.officer), api(u.users.orgdept)
    case = drive_to_conversion_vote(api, u, person)
    with at(2028, 3, 25, 15):
        step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-25", decision="extend", extension_months=12),
        )
        step(officer, "approve_conversion", {"approved": True, "decision_date": "2028-03-25"})
        assert Case.objects.get(pk=case["id"]).data["probation_end"] == "2029-03-20"
    with at(2029, 3, 21, 10):
        for n in range(5, 9):
            submit_obligation(sec, person, "thought_report", n, "2029-03-20")
        step(sec, "probation_review", {"review_date": "2029-03-21", "summary": "仍不合格"})
        step(
            sec,
            "conversion_application",
            {"application_date": "2029-03-21", "letter_summary": "申请"},
        )
        step(sec, "conversion_vote", vote(u.full_a[:6], 6, meeting="2029-03-21", decision="cancel"))
        step(officer, "approve_conversion", {"approved": True, "decision_date": "2029-03-21"})
        assert Member.objects.get(pk=person.pk).status == "cancelled"
        step(
            orgdept,
            "archive_file",
            {"archived_on": "2029-03-21", "file_no": "档2029-1"},
            case_id=case["id"],
        )
    assert Case.objects.get(pk=case["id"]).status == "completed"


# --- cpc-2026 ----------------------------------------------------------------------------------


@pytest.fixture
def rule_set_2026(settings):
    settings.PARTYFLOW = {**settings.PARTYFLOW, "RULE_SET": "cpc-2026"}


def test_cpc_2026_publication_consent_and_meeting_deadline(api, university, rule_set_2026):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    # chinesecalendar has holiday data up to 2026: the designation falls in 2026.
    case = drive_to_designation(api, u, person, year=2025)
    assert Case.objects.get(pk=case["id"]).rule_set == "cpc-2026"
    with at(2026, 2, 26, 10):
        activist_reports(sec, person, 4, 2, "2026-02-01")
        step(sec, "cultivation_review", {"review_date": "2026-02-26", "summary": "考察"})
        err = step(
            sec,
            "designate_development_object",
            {"designation_date": "2026-02-25", "opinions_heard": "同意"},
            status=400,
        )
        assert err["code"] == "publication_required" and "publication_start" in err["fields"]
        # Published from Thu 2026-02-12: working days are 02-13, Sat 02-14 (a make-up workday), then the
        # Spring Festival holiday to 02-23, then 02-24, 02-25, 02-26: the fifth is 2026-02-26.
        err = step(
            sec,
            "designate_development_object",
            {
                "designation_date": "2026-02-25",
                "publication_start": "2026-02-12",
                "opinions_heard": "同意",
            },
            status=400,
        )
        assert (
            err["code"] == "publication_too_short"
            and "2026-02-26" in err["message"]
            and "designation_date" in err["fields"]
        )
        step(
            sec,
            "designate_development_object",
            {
                "designation_date": "2026-02-26",
                "publication_start": "2026-02-12",
                "opinions_heard": "同意",
            },
        )
        # The committee's consent, not a filing: a refusal sends the designation back.
        step(
            officer,
            "file_development_object",
            {"approved": False, "decision_date": "2026-02-26", "reason": "公示材料不全"},
        )
        step(
            sec,
            "designate_development_object",
            {
                "designation_date": "2026-02-26",
                "publication_start": "2026-02-12",
                "opinions_heard": "同意，补充公示材料",
            },
        )
        step(officer, "file_development_object", {"approved": True, "decision_date": "2026-02-26"})
        assert Member.objects.get(pk=person.pk).status == "development_object"
        step(
            sec,
            "assign_introducers",
            {"decision_date": "2026-02-26", "introducers": [u.full_a[2].pk, u.full_a[3].pk]},
        )
        step(
            sec,
            "political_review",
            {"concluded_on": "2026-02-26", "conclusion": "合格", "passed": True},
        )
    with at(2026, 3, 10, 10):
        step(
            officer,
            "centralized_training",
            {"start_date": "2026-03-01", "end_date": "2026-03-03", "class_hours": 20},
        )
        step(sec, "branch_committee_review", {"approved": True, "decision_date": "2026-03-10"})
        step(
            officer,
            "pre_review",
            {"prereview_date": "2026-03-10", "passed": True, "conclusion": "同意"},
        )
        step(sec, "fill_application_form", {"filled_date": "2026-03-10"})
        # The general meeting is due within 1 month of the pre-review.
        assert only_task(sec, "admission_vote")["due_at"] == "2026-04-11T00:00:00+08:00"
    with at(2026, 4, 11, 15):
        err = step(
            sec,
            "admission_vote",
            vote(u.full_a[:6], 6, meeting="2026-04-11", resolution="admit"),
            status=400,
        )
        assert err["code"] == "meeting_too_late" and "2026-04-10" in err["message"]
        step(
            sec,
            "admission_vote",
            vote(u.full_a[:6], 6, meeting="2026-04-10", resolution="admit"),
            case_id=case["id"],
        )
        assert only_task(officer, "committee_talk")


def test_cpc_2014_files_the_development_object_without_consent(api, university):
    u = university
    person = applicant(u)
    # drive_to_political_review has the committee answer approved=false: under cpc-2014 a filing goes on.
    drive_to_political_review(api, u, person)
    assert only_task(api(u.users.sec_a), "political_review")
    assert Member.objects.get(pk=person.pk).status == "development_object"


def test_admission_not_approved_stops_the_case_through_the_services(api, university):
    """The same rules hold when the services are called directly (Celery tasks, commands)."""

    u = university
    person = applicant(u)
    case = drive_to_admission_vote(api, u, person)

    def open_task(element_id):
        return Task.objects.get(case_id=case["id"], element_id=element_id, status="open")

    with at(2027, 3, 20, 15):
        with pytest.raises(RuleViolation) as refused:
            task_complete(
                actor=u.users.sec_a,
                task=open_task("admission_vote"),
                data=vote(u.full_a[:5], 4, no=1, meeting="2027-03-20", resolution="admit"),
            )
        assert refused.value.code == "admission_vote_not_passed"
        task_complete(
            actor=u.users.sec_a,
            task=open_task("admission_vote"),
            data=vote(u.full_a[:5], 5, meeting="2027-03-20", resolution="admit"),
        )
        assert_round_trip(case["id"])
        task_complete(
            actor=u.users.officer,
            task=open_task("committee_talk"),
            data={"talk_date": "2027-03-20", "talker": "组织员", "summary": "谈话"},
        )
        task_complete(
            actor=u.users.officer,
            task=open_task("approve_admission"),
            data={"approved": False, "decision_date": "2027-03-20", "reason": "群众反映问题待核实"},
        )
        assert_round_trip(case["id"])
    c = Case.objects.get(pk=case["id"])
    assert c.status == "completed" and not Task.objects.filter(case=c, status="open").exists()
    person.refresh_from_db()
    assert person.status == "development_object" and person.joined_on is None
