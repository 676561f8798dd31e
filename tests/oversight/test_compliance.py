"""P5 compliance: a year of records for three branches (one compliant, one missing two quarterly
general meetings, one at 85% attendance) and the exact table for each; due vs missed; reminders to
the secretary before a period closes; the Excel export; scope."""

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from engine.rules import get_rule_set
from organizations.models import MemberStatus, OrgKind, Role
from organizations.services import role_assignment_create
from orglife.services import dues_record, meeting_record
from oversight.compliance import Period, compliance_table
from oversight.services import compliance_reminders_send
from oversight.tasks import send_compliance_reminders
from workflows.models import Case

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..helpers import cst, inbox, run_timers

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]
QUARTER_DAYS = [
    dt.date(2025, 2, 20),
    dt.date(2025, 5, 20),
    dt.date(2025, 8, 20),
    dt.date(2025, 11, 20),
]


def make_branch(college, name, members=20):
    """6 full and 14 probationary members (no committee needed below 7 full), the first one the secretary."""
    branch = OrganizationFactory(
        name=name,
        kind=OrgKind.BRANCH,
        parent=college,
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2027, 1, 1),
    )
    people = [
        MemberFactory(
            organization=branch,
            name=f"{name[:2]}{i}",
            status=MemberStatus.FULL if i < 6 else MemberStatus.PROBATIONARY,
        )
        for i in range(members)
    ]
    secretary = UserFactory(username=f"sec_{branch.pk}")
    people[0].user = secretary
    people[0].save()
    role_assignment_create(
        actor=None,
        user=secretary,
        role=Role.BRANCH_SECRETARY,
        organization=branch,
        term_start=dt.date(2024, 1, 1),
    )
    return branch, people, secretary


def a_year_of_records(
    branch, people, *, general_meeting_quarters=(0, 1, 2, 3), absent_per_session=0
):
    """2025: themed Party day monthly, general meeting and Party lesson quarterly, one organizational-life
    meeting, one democratic review, two heart-to-heart talks, four 8-hour study sessions, a 24-hour
    course for the secretary, everyone's dues every month. `absent_per_session` members miss each session."""
    # Every member takes part in both talks: they are counted per member.
    ids = [p.pk for p in people]
    turn = [0]

    def session(kind, day, title):
        absent = [ids[(turn[0] + k) % len(ids)] for k in range(absent_per_session)]
        turn[0] += absent_per_session
        return meeting_record(
            actor=None,
            organization=branch,
            kind=kind,
            held_on=day,
            title=title,
            attendees=[i for i in ids if i not in absent],
            absentees=[{"member": i, "reason": "出差"} for i in absent],
        )

    for month in MONTHS:
        session("themed_party_day", month.replace(day=10), f"主题党日{month.month}月")
    for q, day in enumerate(QUARTER_DAYS):
        if q in general_meeting_quarters:
            session("general_meeting", day, f"党员大会Q{q + 1}")
        session("party_lesson", day + dt.timedelta(days=1), f"党课Q{q + 1}")
        meeting_record(
            actor=None,
            organization=branch,
            kind="study_session",
            held_on=day + dt.timedelta(days=2),
            title=f"学习Q{q + 1}",
            hours=8,
            attendees=ids,
        )
    session("organizational_life_meeting", dt.date(2025, 12, 15), "组织生活会")
    session("democratic_review_meeting", dt.date(2025, 12, 16), "民主评议")
    for day in (dt.date(2025, 3, 5), dt.date(2025, 9, 5)):
        meeting_record(
            actor=None,
            organization=branch,
            kind="heart_to_heart_talk",
            held_on=day,
            title="谈心谈话",
            attendees=ids,
        )
    meeting_record(
        actor=None,
        organization=branch,
        kind="study_session",
        held_on=dt.date(2025, 6, 1),
        title="书记培训",
        hours=24,
        attendees=[ids[0]],
    )
    for p in people:
        for month in MONTHS:
            dues_record(
                actor=None, member=p, month=month, amount="10.00", paid_on=month.replace(day=5)
            )


@pytest.fixture
def three_branches(university):
    u = university
    with time_machine.travel(cst(2026, 1, 5, 9), tick=False):
        compliant = make_branch(u.college, "合规党支部")
        missing = make_branch(u.college, "缺会党支部")
        low = make_branch(u.college, "低出勤党支部")
        a_year_of_records(*compliant[:2])
        a_year_of_records(*missing[:2], general_meeting_quarters=(0, 2))
        # 22 sessions of 20 members, 3 absent from each: 374 of 440 = 85%.
        a_year_of_records(*low[:2], absent_per_session=3)
    return compliant, missing, low


def table(client, org, period):
    r = client.get("/api/compliance/", {"organization": org.pk, "period": period})
    assert r.status_code == 200, r.json()
    return {row["name"]: row for row in r.json()}


def statuses(row):
    return {ob["code"]: ob["status"] for ob in row["obligations"]}


ALL_MET = {
    "general_meeting": "met",
    "party_lesson": "met",
    "themed_party_day": "met",
    "organizational_life_meeting": "met",
    "democratic_review": "met",
    "heart_to_heart_talk": "met",
    "sessions": "met",
    "dues": "met",
    "study_hours": "met",
}


def test_a_year_of_records_gives_the_exact_table_for_each_branch(api, university, three_branches):
    officer = api(university.users.officer)
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        rows = table(officer, university.college, "2025")

    compliant, missing, low = rows["合规党支部"], rows["缺会党支部"], rows["低出勤党支部"]
    assert statuses(compliant) == ALL_MET
    assert statuses(missing) == {**ALL_MET, "general_meeting": "missed"}
    assert statuses(low) == {**ALL_MET, "sessions": "missed"}

    general = next(ob for ob in missing["obligations"] if ob["code"] == "general_meeting")
    assert general["frequency"] == "每季度至少1次"
    assert [(p["period"], p["status"], p["count"]) for p in general["periods"]] == [
        ("2025-Q1", "met", 1),
        ("2025-Q2", "missed", 0),
        ("2025-Q3", "met", 1),
        ("2025-Q4", "missed", 0),
    ]
    assert [r["held_on"] for p in general["periods"] for r in p["records"]] == [
        "2025-02-20",
        "2025-08-20",
    ]

    sessions = {
        name: next(ob for ob in rows[name]["obligations"] if ob["code"] == "sessions")["periods"][0]
        for name in rows
        if name in ("合规党支部", "缺会党支部", "低出勤党支部")
    }
    assert (sessions["合规党支部"]["count"], sessions["合规党支部"]["attendance"]) == (22, 100.0)
    assert (sessions["缺会党支部"]["count"], sessions["缺会党支部"]["attendance"]) == (20, 100.0)
    assert (
        sessions["低出勤党支部"]["count"],
        sessions["低出勤党支部"]["present"],
        sessions["低出勤党支部"]["due"],
        sessions["低出勤党支部"]["attendance"],
        sessions["低出勤党支部"]["attendance_required"],
    ) == (22, 374, 440, 85.0, 90.0)

    themed = next(ob for ob in compliant["obligations"] if ob["code"] == "themed_party_day")
    assert [p["period"] for p in themed["periods"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    dues = next(ob for ob in compliant["obligations"] if ob["code"] == "dues")
    assert {(p["paid"], p["members"]) for p in dues["periods"]} == {(20, 20)}
    talks = next(ob for ob in compliant["obligations"] if ob["code"] == "heart_to_heart_talk")
    talked = talks["periods"][0]
    assert (talks["frequency"], talked["met"], talked["members"]) == ("每名党员每年至少2次", 20, 20)


def test_a_quarter_shows_its_months_and_the_year_of_yearly_obligations(
    api, university, three_branches
):
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        row = table(api(university.users.officer), university.college, "2025-Q2")["缺会党支部"]
    assert statuses(row) == {**ALL_MET, "general_meeting": "missed"}
    obs = {ob["code"]: ob for ob in row["obligations"]}
    assert [p["period"] for p in obs["themed_party_day"]["periods"]] == [
        "2025-04",
        "2025-05",
        "2025-06",
    ]
    assert [p["period"] for p in obs["democratic_review"]["periods"]] == ["2025"]


def test_an_open_period_is_due_and_a_closed_one_missed(api, university, three_branches):
    with time_machine.travel(cst(2026, 2, 10, 9), tick=False):
        row = table(api(university.users.officer), university.college, "2026-Q1")["合规党支部"]
    obs = {ob["code"]: ob for ob in row["obligations"]}
    assert obs["general_meeting"]["status"] == "due"
    assert [(p["period"], p["status"]) for p in obs["themed_party_day"]["periods"]] == [
        ("2026-01", "missed"),
        ("2026-02", "due"),
        ("2026-03", "due"),
    ]
    assert obs["themed_party_day"]["status"] == "missed"


def test_secretaries_are_reminded_before_a_period_closes_with_an_obligation_open(
    api, university, three_branches
):
    (branch, people, secretary), _, _ = three_branches
    with time_machine.travel(cst(2026, 3, 20, 9), tick=False):
        # 11 days before March and Q1 close: outside orglife.reminder_lead (7 days), nothing yet.
        assert compliance_reminders_send() == []
    with time_machine.travel(cst(2026, 3, 25, 9), tick=False):
        meeting_record(
            actor=None,
            organization=branch,
            kind="party_lesson",
            held_on=dt.date(2026, 3, 2),
            title="党课",
            attendees=[p.pk for p in people],
        )
        assert send_compliance_reminders.apply().get() > 0
        tasks = [t for t in inbox(api(secretary)) if t["process_id"] == "orglife_reminder"]
        cases = {
            Case.objects.get(pk=t["case"]).data["obligation"]: Case.objects.get(pk=t["case"]).data[
                "period"
            ]
            for t in tasks
        }
        # Q1 and March close within the lead; the lesson was held; January and February are past.
        assert cases == {
            "general_meeting": "2026-Q1",
            "themed_party_day": "2026-03",
            "dues": "2026-03",
        }
        assert {t["due_at"] for t in tasks} == {"2026-04-01T00:00:00+08:00"}
        # Once per branch, obligation and period.
        assert compliance_reminders_send() == []


def test_the_sweep_without_a_broker_sends_the_reminders_at_their_daily_moment(
    api, university, three_branches
):
    """Beat's `compliance-reminders` (00:30 UTC, 08:30 in Beijing) is run by `partyflow run-timers`
    and the demo's loop too, like every job of the beat schedule."""
    (branch, _people, _secretary), _, _ = three_branches
    assert "compliance reminders" not in run_timers(cst(2026, 3, 25, 8, 0))
    assert not Case.objects.filter(process_id="orglife_reminder").exists()
    out = run_timers(cst(2026, 3, 25, 8, 30, 30))
    reminders = Case.objects.filter(process_id="orglife_reminder")
    assert f"compliance reminders opened: {reminders.count()}" in out
    assert {"general_meeting", "dues"} <= {
        c.data["obligation"] for c in reminders.filter(organization=branch)
    }


def test_the_excel_export_has_one_row_per_branch_and_obligation(api, university, three_branches):
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        r = api(university.users.officer).get(
            "/api/compliance/export/", {"organization": university.college.pk, "period": "2025"}
        )
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("党支部", "事项", "要求", "状态")
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    assert by_key[("缺会党支部", "支部党员大会")][3] == "未完成"
    assert "2025年第二季度 未完成 (0/1)" in by_key[("缺会党支部", "支部党员大会")][4]
    assert by_key[("低出勤党支部", "组织生活次数和出勤率")][3] == "未完成"
    assert by_key[("合规党支部", "按月交纳党费")][3] == "已完成"


def test_identification_reads_the_records_of_the_last_year(api, university, three_branches):
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        r = api(university.users.officer).get(
            "/api/branch-identification/", {"organization": university.college.pk}
        )
    found = {row["name"]: {s["code"]: s for s in row["signals"]} for row in r.json()}
    assert "合规党支部" not in found
    life = found["缺会党支部"]["organizational_life_missed"]["evidence"]
    assert life == {
        "year": 2025,
        "obligations": [
            {
                "obligation": "general_meeting",
                "label": "支部党员大会",
                "frequency": "每季度至少1次",
                "missed": ["2025-Q2", "2025-Q4"],
            }
        ],
    }
    assert [
        o["obligation"]
        for o in found["低出勤党支部"]["organizational_life_missed"]["evidence"]["obligations"]
    ] == ["sessions"]
    # Branch A and B of the fixture kept no records at all: no democratic review either.
    assert found["软件工程教工党支部"]["democratic_review_missing"]["evidence"] == {
        "year": 2025,
        "records": [],
    }


def test_compliance_is_scoped_and_the_period_checked(api, university, three_branches):
    (branch, _, secretary), _, _ = three_branches
    r = api(secretary).get(
        "/api/compliance/", {"organization": university.college.pk, "period": "2025"}
    )
    assert r.status_code == 404 and r.json()["code"] == "organization_not_found"
    assert [
        row["name"]
        for row in api(secretary)
        .get("/api/compliance/", {"organization": branch.pk, "period": "2025"})
        .json()
    ] == ["合规党支部"]
    r = api(university.users.officer).get(
        "/api/compliance/", {"organization": university.college.pk, "period": "2025-13"}
    )
    assert (
        r.status_code == 400
        and r.json()["code"] == "invalid_period"
        and "period" in r.json()["fields"]
    )


def test_committee_meetings_need_a_quorum_and_officers_more_study_hours(api, university):
    """Branch A has 9 full members (a committee is required) and 2 committee posts held."""
    u = university
    a = u.full_a
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        # 1 of 2 committee members is not more than half: the January meeting does not count.
        meeting_record(
            actor=None,
            organization=u.branch_a,
            kind="committee_meeting",
            held_on=dt.date(2025, 1, 10),
            title="支委会",
            attendees=[a[0].pk],
            absentees=[{"member": a[1].pk, "reason": "病假"}],
        )
        meeting_record(
            actor=None,
            organization=u.branch_a,
            kind="committee_meeting",
            held_on=dt.date(2025, 2, 10),
            title="支委会",
            attendees=[a[0].pk, a[1].pk],
        )
        meeting_record(
            actor=None,
            organization=u.branch_a,
            kind="study_session",
            held_on=dt.date(2025, 5, 1),
            title="集中学习",
            hours=40,
            attendees=[m.pk for m in [*a, u.probationary, u.suspended]],
        )
        row = table(api(u.users.officer), u.college, "2025-Q1")["软件工程教工党支部"]
    obs = {ob["code"]: ob for ob in row["obligations"]}
    assert [
        (p["period"], p["status"], p["count"]) for p in obs["committee_meeting"]["periods"]
    ] == [("2025-01", "missed", 0), ("2025-02", "met", 1), ("2025-03", "missed", 0)]
    assert "party_group_meeting" not in obs  # the branch has no Party group
    # 40 hours: enough for members (32), not for the secretary and the committee member (56).
    assert [
        (s["name"], s["hours"], s["required"]) for s in obs["study_hours"]["periods"][0]["short"]
    ] == [("甲0", 40.0, 56), ("甲1", 40.0, 56)]
    assert obs["study_hours"]["status"] == "missed"


def test_the_table_costs_the_same_queries_for_one_branch_or_a_college(university, three_branches):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rules, period = get_rule_set("cpc-2014"), Period.parse("2025")
    counts = {}
    for org in (three_branches[0][0], university.college):
        with CaptureQueriesContext(connection) as ctx:
            rows = compliance_table(org, period, rules=rules, on=dt.date(2026, 3, 1))
        counts[len(rows)] = len(ctx.captured_queries)
    assert sorted(counts) == [1, 5] and counts[1] == counts[5]
