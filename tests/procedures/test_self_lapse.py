"""Self-lapse (CONST Art. 9): detected from the attendance and dues records by the daily job
(`partyflow run-timers`, Celery beat), at exactly 6 consecutive months and not at 5, for attendance
and for dues separately; one open case per member; good reason closes it; striking off goes through
the general meeting (admission rule) and the approving committee, and bars reapplication for 5 years."""

import datetime as dt

import pytest
import time_machine

from organizations.models import Member, MemberStatus
from organizations.selectors import reapplication_barred_until
from organizations.services import organization_update
from orglife.dues_services import dues_assessments_set, dues_relief_decide, dues_relief_request
from orglife.services import dues_record, meeting_record
from procedures.self_lapse import detect_self_lapse
from workflows.models import Case

from ..factories import MemberFactory
from ..helpers import assert_round_trip, complete, cst, inbox, only_task, run_timers
from .lapse_helpers import MONTHS, pay_dues, start_strike_off


def monthly_meetings(u, absent, months):
    """A themed Party day in each month; `absent` misses every one (with a reason), the rest attend."""
    others = [m for m in u.full_a if m != absent]
    with time_machine.travel(cst(2026, 8, 1, 9), tick=False):
        for month in months:
            meeting_record(
                actor=u.users.sec_a,
                organization=u.branch_a,
                kind="themed_party_day",
                held_on=month.replace(day=10),
                title=f"{month.month}月主题党日",
                attendees=[m.pk for m in others],
                absentees=[{"member": absent.pk, "reason": "未请假"}],
            )


@pytest.fixture(autouse=True)
def branch_a_keeps_dues_here(university):
    """Branch A keeps its dues accounts in partyflow from January 2026 (`dues_tracked_since`)."""
    organization_update(
        actor=None, organization=university.branch_a, dues_tracked_since=dt.date(2026, 1, 1)
    )


def lapse_cases(member):
    return list(Case.objects.filter(process_id="self_lapse", subject_member=member).order_by("id"))


def test_six_months_without_attending_opens_a_case_and_five_do_not(university, api):
    u = university
    target = u.full_a[3]
    pay_dues(u, [*u.full_a, u.probationary, u.suspended], MONTHS)
    monthly_meetings(u, target, MONTHS[1:])  # absent Feb-Jul; January had no meeting
    assert "self-lapse cases opened: 0" in run_timers(
        cst(2026, 7, 20, 9)
    )  # window Jan-Jun: 5 missed months
    assert lapse_cases(target) == []
    assert "self-lapse cases opened: 1" in run_timers(
        cst(2026, 8, 3, 9)
    )  # window Feb-Jul: 6 missed months
    [case] = lapse_cases(target)
    assert case.organization == u.branch_a and case.status == "running"
    sec = api(u.users.sec_a)
    task = only_task(sec, "review_lapse")
    detail = sec.get(f"/api/tasks/{task['id']}/").json()
    assert detail["context"]["member"] == {"id": target.pk, "name": target.name}
    [ground] = detail["context"]["grounds"]
    assert ground["kind"] == "attendance"
    assert ground["months"] == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    assert [r["held_on"] for r in ground["records"]] == [f"2026-{m:02d}-10" for m in range(2, 8)]
    assert {r["absence_reason"] for r in ground["records"]} == {"未请假"}
    assert inbox(api(u.users.officer)) == [] and inbox(api(u.users.sec_b)) == []
    # nobody else was caught: all paid and attended
    assert Case.objects.filter(process_id="self_lapse").count() == 1
    assert_round_trip(case.pk)


def test_six_months_without_dues_opens_a_case_and_five_do_not(university, api):
    u = university
    target = u.full_a[4]
    others = [m for m in [*u.full_a, u.probationary, u.suspended] if m != target]
    pay_dues(u, others, MONTHS)
    pay_dues(u, [target], MONTHS[:1])  # paid January, nothing since
    assert "self-lapse cases opened: 0" in run_timers(cst(2026, 7, 20, 9))
    assert "self-lapse cases opened: 1" in run_timers(cst(2026, 8, 3, 9))
    [case] = lapse_cases(target)
    [ground] = case.data["grounds"]
    assert (
        ground["kind"] == "dues" and ground["months"][0] == "2026-02" and len(ground["months"]) == 6
    )
    assert ground["records"] == [{"last_paid_month": "2026-01"}]
    assert only_task(api(u.users.sec_a), "review_lapse")["case"] == case.pk


def test_the_same_member_never_gets_two_open_cases_and_a_good_reason_closes_it(university, api):
    u = university
    target = u.full_a[4]
    pay_dues(u, [m for m in [*u.full_a, u.probationary, u.suspended] if m != target], MONTHS)
    for day in (3, 4, 5):
        run_timers(cst(2026, 8, day, 9))
    [case] = lapse_cases(target)
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 8, 6, 9), tick=False):
        bad = sec.post(
            f"/api/tasks/{only_task(sec, 'review_lapse')['id']}/complete/",
            {"data": {"decision": "good_reason"}},
            format="json",
        )
        assert bad.status_code == 400 and "reason" in str(bad.json()["fields"])
        complete(
            sec,
            only_task(sec, "review_lapse")["id"],
            {"decision": "good_reason", "reason": "出国访学，党费已委托代缴，补缴凭证见附件"},
        )
    case.refresh_from_db()
    assert case.status == "completed"
    # the same window does not reopen it the next day
    assert "self-lapse cases opened: 0" in run_timers(cst(2026, 8, 7, 9))
    assert len(lapse_cases(target)) == 1


def vote(u, present, yes, no=0):
    return {
        "meeting_date": "2026-08-20",
        "present": [m.pk for m in present],
        "yes": yes,
        "no": no,
        "abstain": 0,
    }


def test_strike_off_vote_without_quorum_is_refused_and_changes_nothing(university, api):
    u = university
    target = u.full_a[4]
    sec = start_strike_off(u, api, target)
    [case] = lapse_cases(target)
    task = only_task(sec, "strike_off_vote")
    context = sec.get(f"/api/tasks/{task['id']}/").json()["context"]
    assert len(context["eligible"]) == 9  # voters due: nine full members with rights
    state_before = Case.objects.get(pk=case.pk).state
    with time_machine.travel(cst(2026, 8, 20, 9), tick=False):
        r = sec.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": vote(u, u.full_a[:4], yes=4)},
            format="json",
        )
    assert (
        r.status_code == 400
        and r.json()["code"] == "vote_quorum_not_met"
        and "present" in r.json()["fields"]
    )
    assert Case.objects.get(pk=case.pk).state == state_before
    assert only_task(sec, "strike_off_vote")["id"] == task["id"]
    # a voter who may not vote (probationary) is named
    r = sec.post(
        f"/api/tasks/{task['id']}/complete/",
        {"data": vote(u, [*u.full_a[:5], u.probationary], yes=5)},
        format="json",
    )
    assert r.json()["code"] == "voter_not_eligible" and "present.5" in r.json()["fields"]


def test_strike_off_fails_when_yes_votes_are_half_of_voters_due(university, api):
    u = university
    target = u.full_a[4]
    sec = start_strike_off(u, api, target)
    with time_machine.travel(cst(2026, 8, 20, 9), tick=False):
        complete(
            sec, only_task(sec, "strike_off_vote")["id"], {**vote(u, u.full_a, yes=4, no=5)}
        )  # 4 is not more than 9/2
    [case] = lapse_cases(target)
    assert case.status == "completed" and case.data["vote"]["passed"] is False
    assert inbox(api(u.users.officer)) == []
    assert Member.objects.get(pk=target.pk).status == MemberStatus.FULL


def test_struck_off_after_the_vote_and_approval_and_barred_for_five_years(university, api):
    u = university
    target = u.full_a[4]
    target.id_number = "110101199001011237"
    target.save()
    sec = start_strike_off(u, api, target)
    officer = api(u.users.officer)
    with time_machine.travel(cst(2026, 8, 20, 9), tick=False):
        complete(
            sec, only_task(sec, "strike_off_vote")["id"], vote(u, u.full_a[:6], yes=5, no=1)
        )  # 6 of 9 present; 5 > 4.5
        [case] = lapse_cases(target)
        assert_round_trip(case.pk)
        assert inbox(sec) == []
        complete(
            officer,
            only_task(officer, "approve_strike_off")["id"],
            {"approved": True, "document_no": "院党委〔2026〕30号"},
        )
    case.refresh_from_db()
    assert case.status == "completed"
    target.refresh_from_db()
    assert target.status == MemberStatus.REMOVED and target.left_on == dt.date(2026, 8, 20)
    with time_machine.travel(cst(2026, 9, 1, 9), tick=False):
        assert reapplication_barred_until(target) == dt.date(2031, 8, 20)
        # a new record of the same person (same ID-card number) is barred too
        assert reapplication_barred_until("110101199001011237") == dt.date(2031, 8, 20)
        assert reapplication_barred_until(u.full_a[5]) is None
    # Applying again under a new record with the same ID-card number: refused, naming the date.
    again = MemberFactory(
        organization=u.branch_a,
        name=target.name,
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(1990, 1, 1),
        id_number="110101199001011237",
    )
    with time_machine.travel(cst(2027, 3, 1, 9), tick=False):
        r = sec.post(
            "/api/cases/",
            {
                "process": "member_development",
                "organization": u.branch_a.pk,
                "subject_member": again.pk,
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        task = only_task(sec, "submit_application", process="member_development")
        r = sec.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": {"application_date": "2027-03-01", "letter_summary": "再次申请"}},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "reapplication_barred"
        assert r.json()["fields"] == {"application_date": ["最早 2031-08-20"]}
    with time_machine.travel(cst(2031, 8, 21, 9), tick=False):
        assert reapplication_barred_until(target) is None
    history = [e["action"] for e in sec.get(f"/api/cases/{case.pk}/history/").json()]
    assert "effect_applied" in history


def test_the_daily_celery_job_runs_the_detection(university, settings):
    assert (
        settings.CELERY_BEAT_SCHEDULE["detect-self-lapse"]["task"]
        == "procedures.self_lapse.detect_self_lapse"
    )
    u = university
    target = u.full_a[4]
    pay_dues(u, [m for m in [*u.full_a, u.probationary, u.suspended] if m != target], MONTHS)
    with time_machine.travel(cst(2026, 8, 3, 9), tick=False):
        assert detect_self_lapse.apply().get()["opened"] == 1
        assert detect_self_lapse.apply().get()["opened"] == 0
    assert [c.subject_member for c in Case.objects.filter(process_id="self_lapse")] == [target]


def test_a_whole_branch_that_stops_paying_is_detected_where_the_branch_keeps_its_dues_here(
    university, api
):
    """Branch B keeps its dues in partyflow from January 2026; everyone paid January, then nobody
    paid. Branch A's dues are not kept here in this test: its members are never caught for dues."""
    u = university
    organization_update(actor=None, organization=u.branch_a, dues_tracked_since=None)
    organization_update(actor=None, organization=u.branch_b, dues_tracked_since=dt.date(2026, 1, 1))
    with time_machine.travel(cst(2026, 2, 1, 9), tick=False):
        for m in u.full_b:
            dues_record(
                actor=u.users.sec_b,
                member=m,
                month=MONTHS[0],
                amount="10",
                paid_on=dt.date(2026, 1, 31),
            )
    assert "self-lapse cases opened: 0" in run_timers(
        cst(2026, 7, 20, 9)
    )  # window Jan-Jun: January was paid
    assert "self-lapse cases opened: 5" in run_timers(
        cst(2026, 8, 3, 9)
    )  # window Feb-Jul: nobody paid
    cases = Case.objects.filter(process_id="self_lapse").order_by("id")
    assert {c.subject_member_id for c in cases} == {m.pk for m in u.full_b}
    assert {c.organization_id for c in cases} == {u.branch_b.pk}
    assert all([g["kind"] for g in c.data["grounds"]] == ["dues"] for c in cases)
    assert len(inbox(api(u.users.sec_b))) == 5 and inbox(api(u.users.sec_a)) == []


def test_dues_are_not_a_ground_before_the_branch_kept_them_here(university, api):
    u = university
    organization_update(
        actor=None, organization=u.branch_b, dues_tracked_since=dt.date(2026, 4, 1)
    )  # inside the window Feb-Jul
    pay_dues(u, [*u.full_a, u.probationary, u.suspended], MONTHS)
    assert "self-lapse cases opened: 0" in run_timers(cst(2026, 8, 3, 9))


def test_a_branch_that_records_its_dues_here_is_judged_on_them_without_an_admin_setting(
    university, api
):
    """Nobody set branch B's dues start: its first dues records (January) set it, so when nobody
    pays after January the members are found. Branch A never recorded dues here: the sweep's line
    and the branch terms the organization department reads name it as not judged on dues."""
    u = university
    organization_update(actor=None, organization=u.branch_a, dues_tracked_since=None)
    assert u.branch_b.dues_tracked_since is None
    with time_machine.travel(cst(2026, 2, 1, 9), tick=False):
        for m in u.full_b:
            r = api(u.users.sec_b).post(
                "/api/dues/",
                {"member": m.pk, "month": "2026-01", "amount": "10", "paid_on": "2026-01-31"},
                format="json",
            )
            assert r.status_code == 201
    line = run_timers(cst(2026, 8, 3, 9))
    assert (
        "self-lapse cases opened: 5; branches not judged on dues (no dues start date): 1 "
        f"({u.branch_a.name})" in line
    )
    assert {c.subject_member_id for c in Case.objects.filter(process_id="self_lapse")} == {
        m.pk for m in u.full_b
    }
    with time_machine.travel(cst(2026, 8, 3, 9), tick=False):
        terms = api(u.users.orgdept).get(f"/api/branch-terms/?organization={u.college.pk}").json()
    assert {t["name"]: (t["dues_tracked_since"], t["dues_judged"]) for t in terms} == {
        u.branch_a.name: (None, False),
        u.branch_b.name: ("2026-01-01", True),
    }


def test_a_year_the_committee_exempted_is_not_counted_as_unpaid_dues(university, api):
    """D11: only owed months count; an approved 免交 (DUES-2008 Art. 7) is not owed."""
    u = university
    target = u.full_a[4]
    others = [m for m in [*u.full_a, u.probationary, u.suspended] if m != target]
    pay_dues(u, others, MONTHS)
    [assessment] = dues_assessments_set(
        actor=u.users.sec_a,
        organization=u.branch_a,
        year=2026,
        rows=[{"member": target.pk, "category": "retired", "base": "3000"}],
    )
    dues_relief_request(
        actor=u.users.sec_a, assessment=assessment, relief="exempt", reason="长期患病"
    )
    dues_relief_decide(actor=u.users.officer, assessment=assessment, approve=True)
    assert "self-lapse cases opened: 0" in run_timers(cst(2026, 8, 3, 9))
    assert lapse_cases(target) == []
