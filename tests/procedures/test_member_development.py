"""P1 member development end to end through the API: application to archive with the clock moved
across two years, a save/restore check at every step, the status on the member's record."""

import pytest

from organizations.models import Member
from procedures.member_development.selectors import member_development
from workflows.models import Case

from ..helpers import cst, inbox, only_task, run_timers
from .md_helpers import (
    APPLIED,
    applicant,
    at,
    drive_to_designation,
    start_development,
    step,
    submit_obligation,
    vote,
)

pytestmark = pytest.mark.django_db(transaction=False)


def development(client, person):
    r = client.get(f"/api/members/{person.pk}/development/")
    assert r.status_code == 200, r.json()
    return r.json()


def test_member_development_from_application_to_archive(api, university):
    u = university
    person = applicant(u)
    sec, committee, officer, orgdept = (
        api(u.users.sec_a),
        api(u.users.committee_a),
        api(u.users.officer),
        api(u.users.orgdept),
    )

    with at(2026, 1, 5, 10):
        case = start_development(sec, u, person)
        cid = case["id"]
        step(
            sec,
            "submit_application",
            {"application_date": APPLIED, "letter_summary": "志愿加入中国共产党"},
            case_id=cid,
        )
        assert Member.objects.get(pk=person.pk).status == "applicant"
        talk = only_task(sec, "talk_with_applicant")
        # Step 2: due 1 month (development.talk_within) after the application: 24:00 of 5 February.
        assert talk["due_at"] == "2026-02-06T00:00:00+08:00" and talk["role"] == "branch_secretary"
        dev = development(sec, person)
        assert (
            dev["step"] == 2
            and dev["steps_total"] == 25
            and dev["stage"] == "申请入党"
            and dev["next_due"] == "2026-02-05"
        )

    with at(2026, 1, 20, 10):
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": "2026-01-20", "talker": "甲0", "summary": "了解入党动机"},
            case_id=cid,
        )
    with at(2026, 2, 1, 10):
        step(
            committee,
            "select_activist",
            {
                "decision_date": "2026-02-01",
                "recommendation": "mass_organization",
                "minutes": "支委会同意",
            },
            case_id=cid,
        )
        assert Member.objects.get(pk=person.pk).status == "activist"
        step(
            officer,
            "file_activist",
            {"filed_date": "2026-02-01", "document_no": "备〔2026〕1号"},
            case_id=cid,
        )
        step(
            committee,
            "appoint_contacts",
            {"decision_date": "2026-02-01", "contacts": [u.full_a[2].pk]},
            case_id=cid,
        )

    # Quarterly thought reports and half-yearly inspections fall due from the activist date.
    with at(2026, 8, 10, 10):
        dev = development(sec, person)
        assert [(o["kind"], o["seq"], o["due_on"], o["status"]) for o in dev["obligations"]] == [
            ("thought_report", 1, "2026-05-01", "overdue"),
            ("inspection", 1, "2026-08-01", "overdue"),
            ("thought_report", 2, "2026-08-01", "overdue"),
            ("thought_report", 3, "2026-11-01", "pending"),
            ("inspection", 2, "2027-02-01", "pending"),
        ]
        assert len(dev["overdue"]) == 3 and dev["next_due"] == "2026-05-01"
        submit_obligation(sec, person, "thought_report", 1, "2026-04-28")
        submit_obligation(sec, person, "thought_report", 2, "2026-07-30")
        submit_obligation(sec, person, "inspection", 1, "2026-08-01")
        assert development(sec, person)["overdue"] == []

    with at(2027, 1, 31, 10):
        submit_obligation(sec, person, "thought_report", 3, "2026-10-30")
        # Step 6 gate: nothing may be overdue (the 4th thought report was due 2027-02-01, not yet).
        step(
            sec,
            "cultivation_review",
            {"review_date": "2027-01-31", "summary": "表现良好"},
            case_id=cid,
        )
        # Step 7: not before 1 year as an activist: a day early is refused with the earliest date.
        err = step(
            sec,
            "designate_development_object",
            {"designation_date": "2027-01-31", "opinions_heard": "均同意"},
            status=400,
        )
        assert (
            err["code"] == "designation_too_early"
            and "2027-02-01" in err["message"]
            and "designation_date" in err["fields"]
        )
        assert_unchanged = Case.objects.get(pk=cid)
        assert only_task(sec, "designate_development_object")
    with at(2027, 2, 3, 10):
        err = step(
            sec,
            "designate_development_object",
            {"designation_date": "2027-02-02", "opinions_heard": "均同意"},
            status=400,
        )
        assert err["code"] == "obligations_overdue" and "2027-02-01" in err["message"]
        assert Case.objects.get(pk=cid).lock_version == assert_unchanged.lock_version
        activist_reports_late = [
            submit_obligation(sec, person, k, n, "2027-02-02")
            for k, n in (("thought_report", 4), ("inspection", 2))
        ]
        assert len(activist_reports_late) == 2
        step(
            sec,
            "designate_development_object",
            {"designation_date": "2027-02-02", "opinions_heard": "均同意", "minutes": "支委会记录"},
            case_id=cid,
        )
        step(
            officer,
            "file_development_object",
            {"approved": True, "decision_date": "2027-02-03"},
            case_id=cid,
        )
        assert Member.objects.get(pk=person.pk).status == "development_object"
        # Step 9: a probationary member cannot introduce: the error names the person.
        err = step(
            sec,
            "assign_introducers",
            {"decision_date": "2027-02-03", "introducers": [u.full_a[2].pk, u.probationary.pk]},
            status=400,
        )
        assert (
            err["code"] == "introducer_not_eligible"
            and "预备乙" in err["message"]
            and "introducers.1" in err["fields"]
        )
        step(
            sec,
            "assign_introducers",
            {"decision_date": "2027-02-03", "introducers": [u.full_a[2].pk, u.full_a[3].pk]},
            case_id=cid,
        )
        err = step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-03", "conclusion": "  ", "passed": True},
            status=400,
        )
        assert (
            err["code"] == "political_review_conclusion_required" and "conclusion" in err["fields"]
        )
        step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-03", "conclusion": "政治审查合格", "passed": True},
            case_id=cid,
        )
    with at(2027, 3, 5, 10):
        # Step 11: 23 class hours over 2 days is neither 3 days nor 24 hours.
        err = step(
            officer,
            "centralized_training",
            {"start_date": "2027-03-01", "end_date": "2027-03-02", "class_hours": 23},
            status=400,
        )
        assert err["code"] == "training_insufficient" and set(err["fields"]) == {
            "class_hours",
            "end_date",
        }
        step(
            officer,
            "centralized_training",
            {
                "start_date": "2027-03-01",
                "end_date": "2027-03-02",
                "class_hours": 24,
                "certificate_no": "结业2027-01",
            },
            case_id=cid,
        )
        step(
            sec,
            "branch_committee_review",
            {"approved": True, "decision_date": "2027-03-05"},
            case_id=cid,
        )
    with at(2027, 3, 10, 10):
        err = step(
            officer,
            "pre_review",
            {
                "prereview_date": "2027-03-10",
                "passed": True,
                "conclusion": "同意",
                "leaving_unit_on": "2027-06-09",
            },
            status=400,
        )
        assert err["code"] == "leaving_within_period" and "leaving_unit_on" in err["fields"]
        step(
            officer,
            "pre_review",
            {
                "prereview_date": "2027-03-10",
                "passed": True,
                "conclusion": "同意",
                "form_no": "志愿书001",
            },
            case_id=cid,
        )
        step(
            sec,
            "fill_application_form",
            {"filled_date": "2027-03-10", "introducer_opinions": "同意介绍"},
            case_id=cid,
        )
    with at(2027, 3, 20, 15):
        # Step 15: 9 voters due; 4 yes of 5 present is not more than half of voters due.
        present = u.full_a[:5]
        err = step(
            sec,
            "admission_vote",
            vote(present, 4, no=1, meeting="2027-03-20", resolution="admit"),
            status=400,
        )
        assert err["code"] == "admission_vote_not_passed" and "yes" in err["fields"]
        # A written opinion dated after the meeting does not count (one of the meeting day does:
        # test_written_opinion_of_an_absent_voter_dated_the_meeting_day_counts).
        err = step(
            sec,
            "admission_vote",
            vote(
                present,
                4,
                no=1,
                meeting="2027-03-20",
                resolution="admit",
                written=[(u.full_a[8], "2027-03-21")],
            ),
            status=400,
        )
        assert err["code"] == "admission_vote_not_passed"
        err = step(
            sec,
            "admission_vote",
            vote(u.full_a[:4], 4, meeting="2027-03-20", resolution="admit"),
            status=400,
        )
        assert err["code"] == "vote_quorum_not_met"
        step(
            sec,
            "admission_vote",
            vote(
                present,
                4,
                no=1,
                meeting="2027-03-20",
                resolution="admit",
                written=[(u.full_a[8], "2027-03-19")],
                excluded=[],
                minutes="支部大会记录",
            ),
            case_id=cid,
        )
    with at(2027, 4, 1, 10):
        step(
            officer,
            "committee_talk",
            {"talk_date": "2027-04-01", "talker": "组织员", "summary": "谈话合格"},
            case_id=cid,
        )
        approval = only_task(officer, "approve_admission")
        assert approval["due_at"] == "2027-06-21T00:00:00+08:00"
    with at(2027, 7, 1, 10):
        # Step 17: past 3 months only with a reason for the extension, never past 6 months.
        err = step(
            officer,
            "approve_admission",
            {"approved": True, "decision_date": "2027-07-01"},
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
                "decision_date": "2027-07-01",
                "extension_reason": "集体讨论延期",
                "document_no": "批〔2027〕3号",
            },
            case_id=cid,
        )
        person.refresh_from_db()
        assert person.status == "probationary" and person.joined_on.isoformat() == "2027-03-20"
        step(orgdept, "file_admission", {"filed_date": "2027-07-01"}, case_id=cid)
        step(
            sec,
            "place_in_group",
            {"party_group": "第一党小组", "placed_on": "2027-07-01"},
            case_id=cid,
        )
        step(sec, "take_oath", {"oath_date": "2027-07-01", "record": "七一集体宣誓"}, case_id=cid)
    with at(2028, 3, 19, 10):
        for n, on in enumerate(["2027-06-20", "2027-09-20", "2027-12-20"], start=1):
            submit_obligation(sec, person, "thought_report", n, on)
        step(
            sec,
            "probation_review",
            {"review_date": "2028-03-19", "summary": "预备期表现良好"},
            case_id=cid,
        )
        step(
            sec,
            "conversion_application",
            {"application_date": "2028-03-19", "letter_summary": "申请按期转正"},
            case_id=cid,
        )
        # Step 23: probation runs 1 year from the admission vote (2027-03-20): a day early is refused.
        err = step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-19", decision="convert"),
            status=400,
        )
        assert err["code"] == "conversion_meeting_too_early" and "2028-03-20" in err["message"]
    with at(2028, 3, 20, 15):
        step(
            sec,
            "conversion_vote",
            vote(u.full_a[:6], 6, meeting="2028-03-20", decision="convert"),
            case_id=cid,
        )
    with at(2028, 3, 26, 10):
        step(
            officer,
            "approve_conversion",
            {"approved": True, "decision_date": "2028-03-25"},
            case_id=cid,
        )
        person.refresh_from_db()
        assert person.status == "full" and person.party_standing_from.isoformat() == "2028-03-20"
        step(
            orgdept,
            "archive_file",
            {"archived_on": "2028-03-26", "file_no": "档2028-17"},
            case_id=cid,
        )
        detail = sec.get(f"/api/cases/{cid}/").json()
        assert detail["status"] == "completed"
        dev = development(sec, person)
        assert dev["step"] == 25 and dev["member"]["status"] == "full"
        assert [h["to"] for h in dev["status_history"]] == [
            "applicant",
            "activist",
            "development_object",
            "probationary",
            "full",
        ]
        evidence = {e["name"] for e in dev["evidence"]}
        assert {
            "派人谈话",
            "政治审查",
            "集中培训",
            "支部大会讨论接收预备党员",
            "材料归档",
        } <= evidence
        assert any(e["record"].get("summary") == "thought_report 1" for e in dev["evidence"])
        listed = sec.get(f"/api/cases/{cid}/evidence/").json()
        review = next(e for e in listed if e["element_id"] == "political_review")
        assert review["record"]["conclusion"] == "政治审查合格" and review["by"] == "sec_a"
        assert any(
            e["name"] == "思想汇报（第1次）" and e["record"]["submitted_on"] == "2026-04-28"
            for e in listed
        )
        assert api(u.users.sec_b).get(f"/api/cases/{cid}/evidence/").status_code == 404
        history = [e["action"] for e in sec.get(f"/api/cases/{cid}/history/").json()]
        assert history.count("effect_applied") == 5 and "obligation_submitted" in history


def test_missed_talk_shows_overdue_and_the_committee_is_asked_to_supervise(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with at(2026, 1, 5, 10):
        case = start_development(sec, u, person)
        step(sec, "submit_application", {"application_date": APPLIED, "letter_summary": "申请"})
        assert [t["element_id"] for t in inbox(officer, process="member_development")] == []
    assert "timers fired: 1" in run_timers(cst(2026, 2, 6, 0, 1))
    with at(2026, 2, 6, 10):
        talk = only_task(sec, "talk_with_applicant")
        assert talk["overdue"] is True
        supervise = only_task(officer, "supervise_overdue_talk")
        assert supervise["role"] == "approving_committee"
        dev = development(sec, person)
        assert dev["overdue"][0]["kind"] == "task" and dev["overdue"][0]["name"] == "派人谈话"
        report = officer.get(
            "/api/reports/development-pipeline/", {"organization": u.college.pk}
        ).json()
        assert report["overdue_tasks"] == 1 and report["cases_by_stage"] == {"申请入党": 1}
        assert (
            report["members_by_status"]["applicant"] == 1
            and report["this_year"]["applications"] == 1
        )
        step(
            officer,
            "supervise_overdue_talk",
            {"supervised_on": "2026-02-06", "note": "请尽快谈话"},
            case_id=case["id"],
        )
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": "2026-02-06", "talker": "甲0", "summary": "补谈"},
            case_id=case["id"],
        )
        assert only_task(sec, "select_activist")


def test_applicant_under_18_on_the_day_of_application_is_refused(api, university):
    u = university
    import datetime as dt

    person = applicant(u)
    person.birth_date = dt.date(2008, 1, 6)
    person.save()
    sec = api(u.users.sec_a)
    with at(2026, 1, 5, 10):
        case = start_development(sec, u, person)
        err = step(
            sec,
            "submit_application",
            {"application_date": "2026-01-05", "letter_summary": "申请"},
            status=400,
        )
        assert (
            err["code"] == "applicant_under_age"
            and "2026-01-06" in err["message"]
            and "application_date" in err["fields"]
        )
        assert Case.objects.get(pk=case["id"]).lock_version == 1
    with at(2026, 1, 6, 10):
        step(
            sec,
            "submit_application",
            {"application_date": "2026-01-06", "letter_summary": "申请"},
            case_id=case["id"],
        )


def test_contacts_must_be_full_members_with_rights_and_the_error_names_them(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with at(2026, 1, 5, 10):
        start_development(sec, u, person)
        step(sec, "submit_application", {"application_date": APPLIED, "letter_summary": "申请"})
        step(sec, "talk_with_applicant", {"talk_date": APPLIED, "talker": "甲0", "summary": "谈话"})
        step(
            sec,
            "select_activist",
            {"decision_date": APPLIED, "recommendation": "member_recommendation"},
        )
        step(officer, "file_activist", {"filed_date": APPLIED})
        err = step(
            sec,
            "appoint_contacts",
            {"decision_date": APPLIED, "contacts": [u.suspended.pk]},
            status=400,
        )
        assert (
            err["code"] == "contact_not_eligible"
            and "停权丙" in err["message"]
            and "contacts.0" in err["fields"]
        )


def count_queries(fn, *args):
    """(result, number of SQL statements) — counted by an execute wrapper, not the capped query log."""
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = fn(*args)
    return result, count[0]


def test_the_development_read_model_costs_the_same_queries_after_years_of_reports(api, university):
    u = university
    person = applicant(u)
    sec = api(u.users.sec_a)
    drive_to_designation(api, u, person, year=2025)
    with at(2027, 2, 2, 10):
        member_development(
            u.users.sec_a, person.pk
        )  # the user's role assignments are cached on the user after this
        _, fresh = count_queries(member_development, u.users.sec_a, person.pk)
        for n in range(1, 9):
            submit_obligation(sec, person, "thought_report", n, "2027-01-31")
        for n in range(1, 5):
            submit_obligation(sec, person, "inspection", n, "2027-01-31")
        dev, after = count_queries(member_development, u.users.sec_a, person.pk)
        assert (
            sum(o["status"] == "submitted" for o in dev["obligations"]) == 12
            and dev["overdue"] == []
        )
        assert after == fresh <= 10


def test_development_read_models_are_scoped(api, university):
    u = university
    person = applicant(u)
    other_branch = api(u.users.sec_b)
    with at(2026, 1, 5, 10):
        start_development(api(u.users.sec_a), u, person)
        assert other_branch.get(f"/api/members/{person.pk}/development/").status_code == 404
        assert other_branch.get("/api/members/999999/development/").status_code == 404
        assert (
            submit_obligation(other_branch, person, "thought_report", 1, "2026-01-05", status=404)[
                "code"
            ]
            == "member_not_found"
        )
        r = api(u.users.officer).get(
            "/api/reports/development-pipeline/", {"organization": u.college.pk}
        )
        assert r.status_code == 200
        assert r.json()["members_by_status"]["applicant"] == 1 and r.json()["cases_running"] == 1
        assert (
            other_branch.get(
                "/api/reports/development-pipeline/", {"organization": u.branch_a.pk}
            ).status_code
            == 404
        )
