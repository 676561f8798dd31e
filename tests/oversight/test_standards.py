"""Indicators of the standard sets computed from records: every registered indicator is computed
for both shipped sets, and the XYTC study-hours and dues items read the attendance and dues rows."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine.standards import INDICATORS, load_all
from organizations.rules import deployment_rule_set
from organizations.services import organization_update
from orglife.services import dues_record, meeting_record, training_record
from oversight.indicators import COMPUTE
from oversight.standards import branch_indicators, semesters, span_label, standards_matrix
from workflows.models import Case, CaseStatus

from ..helpers import complete, cst, only_task
from ..procedures.election_helpers import drive_to_vote, vote_and_elect

pytestmark = pytest.mark.django_db


def test_every_registered_indicator_is_computed_for_both_sets(university):
    u = university
    for s in load_all().values():
        got = branch_indicators(
            [u.branch_a], s, year=2025, rules=deployment_rule_set(), on=dt.date(2026, 3, 1)
        )[u.branch_a.pk]
        assert set(got) == {i.code for i in s.items if i.indicator}
        assert all(r["status"] in ("met", "not_met", "no_evidence", "due") for r in got.values())


def test_every_known_indicator_has_one_registered_function_and_no_other_is_registered():
    assert sorted(COMPUTE) == sorted(INDICATORS)


def test_semesters_come_from_the_academic_calendar_setting(settings):
    settings.PARTYFLOW = {
        **settings.PARTYFLOW,
        "SEMESTERS": [
            {"code": "autumn", "label": "第一学期", "start": "09-01", "end": "01-31"},
            {"code": "spring", "label": "第二学期", "start": "03-01", "end": "07-10"},
        ],
    }
    assert [(s.code, s.label, s.start, s.end) for s in semesters(2025)] == [
        ("2025-spring", "2025年第二学期", dt.date(2025, 3, 1), dt.date(2025, 7, 10)),
        ("2025-autumn", "2025年第一学期", dt.date(2025, 9, 1), dt.date(2026, 1, 31)),
    ]
    # a round's data keeps the code; it reads as the calendar names the semester
    assert span_label("2025-autumn") == "2025年第一学期"


def test_study_hours_and_dues_items_of_the_xytc_checklist_read_attendance_training_and_dues(
    university,
):
    u = university
    xytc = load_all()["xytc-2020"]
    members = [*u.full_a, u.probationary, u.suspended]
    with time_machine.travel(cst(2026, 2, 1, 9), tick=False):
        meeting_record(
            actor=u.users.sec_a,
            organization=u.branch_a,
            kind="study_session",
            held_on=dt.date(2025, 6, 1),
            hours=30,
            attendees=[m.pk for m in members],
        )
        training_record(
            actor=u.users.sec_a,
            organization=u.branch_a,
            member=u.full_a[3].pk,
            attended_on=dt.date(2025, 7, 1),
            kind="member_training",
            title="党员集中培训",
            hours=4,
        )
        for m in members:
            for month in range(1, 13):
                if (m.pk, month) != (u.full_a[4].pk, 6):
                    dues_record(
                        actor=u.users.sec_a,
                        member=m,
                        month=dt.date(2025, month, 1),
                        amount="10",
                        paid_on=dt.date(2025, month, 5),
                    )
    got = branch_indicators(
        [u.branch_a], xytc, year=2025, rules=deployment_rule_set(), on=dt.date(2026, 2, 1)
    )[u.branch_a.pk]
    study = got["xytc.education.4"]
    short = {s["name"]: (s["hours"], s["required"]) for s in study["periods"][0]["short"]}
    # 30 hours for everyone; 甲3 has 4 more from training (34 ≥ 32); secretary and committee: 56.
    assert "甲3" not in short and short["甲0"] == (30.0, 56) and short["甲5"] == (30.0, 32)
    assert study["status"] == "not_met"
    dues = got["xytc.education.6"]
    assert dues["status"] == "not_met"
    assert dues["periods"][0]["unpaid"] == [
        {
            "member": u.full_a[4].pk,
            "name": "甲4",
            "months": ["2025-06"],
            "months_display": ["2025年6月"],
        }
    ]


def test_the_matrix_costs_the_same_queries_for_one_branch_and_for_a_college(university):
    u, jsnu = university, load_all()["jsnu-2020"]
    counts = []
    for root in (u.branch_a, u.college):
        with CaptureQueriesContext(connection) as ctx:
            matrix = standards_matrix(
                root, jsnu, year=2025, rules=deployment_rule_set(), on=dt.date(2026, 3, 1)
            )
        counts.append(len(ctx))
    assert [
        len(standards_matrix(r, jsnu, year=2025, rules=deployment_rule_set()).get("branches"))
        for r in (u.branch_a, u.college)
    ] == [1, 2]
    assert counts[0] == counts[1] and len(matrix["standards"]) == 19


def test_a_standard_reads_partly_met_only_when_one_of_its_items_is_met(university, api):
    """A cell with one item not met and the others without evidence is not met, not partly met;
    over the whole matrix, every partly met cell has a met item."""
    u = university
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        # The secretary trained in one semester of two (not met); no Party lesson (no evidence).
        training_record(
            actor=u.users.sec_a,
            organization=u.branch_a,
            member=u.full_a[0].pk,
            attended_on=dt.date(2025, 4, 1),
            kind="secretary_training",
            title="支部书记培训",
            hours=8,
        )
        got = api(u.users.orgdept).get(
            f"/api/standards/matrix/?organization={u.branch_a.pk}&period=2025"
        )
    assert got.status_code == 200
    cells = got.json()["branches"][0]["cells"]
    statuses = {c["standard"]: c["status"] for c in cells}
    for c in cells:
        items = [i["status"] for i in c["items"]] + [i["status"] for i in c["judgement_only"]]
        if c["status"] == "partly":
            assert "met" in items, (c["standard"], items)
        if items and "met" not in items and "not_met" in items:
            assert c["status"] == "not_met" and c["label"] == "未达标", (c["standard"], items)
    assert statuses["jsnu.team.secretary"] == "not_met"


def test_the_term_item_lists_the_elections_held_by_the_period_end_not_the_next_one(api, university):
    """按期换届 of branch A (term 2024-01-10 – 2027-01-10, imported): while its election runs, the
    evidence is the term alone; once the election of 2026-12-20 is approved, 2026's evidence is the
    new term and that election (elected 2026-12-20, term to 2029-12-20: three years), but not the
    next election's case, which has elected no one; 2025's evidence, read afterwards, is the term
    in force in 2025 (the one that election renewed) and no election (the one held is of 2026)."""
    u, jsnu = university, load_all()["jsnu-2020"]
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_vote(api, u)

    def evidence(year, on):
        got = branch_indicators([u.branch_a], jsnu, year=year, rules=deployment_rule_set(), on=on)
        return [r["label"] for r in got[u.branch_a.pk]["jsnu.leadership.team.1"]["records"]]

    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        assert evidence(2026, dt.date(2026, 12, 20)) == ["任期 2024年1月10日至2027年1月10日"]
        vote_and_elect(sec, u)
    with time_machine.travel(cst(2026, 12, 22, 9), tick=False):
        complete(officer, only_task(officer, "approve_results")["id"], {"approved": True})
    u.branch_a.refresh_from_db()
    # the next election's case is open, waiting on its reminder: not evidence
    assert Case.objects.filter(
        process_id="branch_election", organization=u.branch_a, status=CaseStatus.RUNNING
    ).exclude(pk=case["id"])
    assert evidence(2026, dt.date(2027, 1, 5)) == [
        "任期 2026年12月20日至2029年12月20日",
        "换届选举（2026年12月20日，任期至2029年12月20日）",
    ]
    # 2025 read after the election: the term then in force, the one the election renewed
    assert evidence(2025, dt.date(2027, 1, 5)) == ["任期 2024年1月10日至2027年1月10日"]


def test_a_late_election_leaves_the_year_it_was_late_in_unmet(api, university):
    """Branch A's term ran 2023-06-30 – 2026-06-30; the election, postponed (ELEC-2020 Art. 3
    allows a year), was held on 2027-03-01. Read on 2027-04-01: in 2026 the term in force had ended
    on 06-30 and no election was held, so 按期换届 of 2026 is not met, its evidence the term that
    ended; 2027 has the new term (2027-03-01 – 2030-03-01) and that election, met. (The branch's
    record now holds the new term only: read from it, 2026 would have passed.)"""
    u, jsnu = university, load_all()["jsnu-2020"]
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    organization_update(
        actor=u.users.orgdept,
        organization=u.branch_a,
        term_start=dt.date(2023, 6, 30),
        term_end=dt.date(2026, 6, 30),
    )
    drive_to_vote(
        api,
        u,
        start=cst(2026, 1, 5, 9),
        reminder=cst(2026, 1, 5, 10),
        prepare=cst(2026, 1, 6, 9),
        election_date="2027-03-01",
    )
    with time_machine.travel(cst(2027, 3, 1, 15), tick=False):
        vote_and_elect(sec, u, meeting_date="2027-03-01")
    with time_machine.travel(cst(2027, 3, 3, 9), tick=False):
        complete(officer, only_task(officer, "approve_results")["id"], {"approved": True})
    u.branch_a.refresh_from_db()
    assert u.branch_a.term_end == dt.date(2030, 3, 1)

    def term_item(year):
        got = branch_indicators(
            [u.branch_a], jsnu, year=year, rules=deployment_rule_set(), on=dt.date(2027, 4, 1)
        )[u.branch_a.pk]["jsnu.leadership.team.1"]
        return got["status"], [r["label"] for r in got["records"]]

    assert term_item(2026) == ("not_met", ["任期 2023年6月30日至2026年6月30日"])
    assert term_item(2027) == (
        "met",
        ["任期 2027年3月1日至2030年3月1日", "换届选举（2027年3月1日，任期至2030年3月1日）"],
    )
