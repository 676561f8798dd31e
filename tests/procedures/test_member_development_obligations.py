"""Recurring obligations are computed from the rule set and the phase dates, not stored as tasks."""

import datetime as dt

from engine.rules import get_rule_set
from procedures.member_development.selectors import STEPS, STEPS_TOTAL, expected_obligations

SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def test_step_numbers_come_from_the_bpmn_and_cover_all_25_steps():
    assert STEPS_TOTAL == 25 and sorted(set(STEPS.values())) == list(range(1, 26))
    assert (
        STEPS["submit_application"],
        STEPS["talk_with_applicant"],
        STEPS["supervise_overdue_talk"],
    ) == (1, 2, 2)
    assert (STEPS["admission_vote"], STEPS["conversion_vote"], STEPS["archive_file"]) == (
        15,
        23,
        25,
    )
    assert (
        len(STEPS) == 26
    )  # every user task of the diagram, the supervision of an overdue talk sharing step 2


def test_activist_obligations_are_quarterly_reports_and_half_yearly_inspections_with_the_next_one_to_come():
    rules = get_rule_set("cpc-2014")
    due = expected_obligations({"activist_date": "2026-01-31"}, rules, on=dt.date(2026, 8, 1))
    assert [(o["kind"], o["seq"], o["due_on"].isoformat()) for o in due] == [
        ("thought_report", 1, "2026-04-30"),
        ("inspection", 1, "2026-07-31"),
        ("thought_report", 2, "2026-07-31"),
        ("thought_report", 3, "2026-10-31"),
        ("inspection", 2, "2027-01-31"),
    ]


def test_a_three_year_case_has_twelve_thought_reports_and_six_inspections_and_probation_stops_at_its_end():
    rules = get_rule_set("cpc-2014")
    data = {
        "activist_date": "2023-01-01",
        "designation_date": "2026-01-01",
        "admitted": True,
        "admission_vote_date": "2026-03-01",
        "probation_end": "2027-03-01",
    }
    due = expected_obligations(data, rules, on=dt.date(2030, 1, 1))
    activist = [o for o in due if o["phase"] == "activist"]
    probation = [o for o in due if o["phase"] == "probationary"]
    assert (
        sum(o["kind"] == "thought_report" for o in activist) == 12
        and sum(o["kind"] == "inspection" for o in activist) == 6
    )
    assert [o["due_on"].isoformat() for o in probation] == [
        "2026-06-01",
        "2026-09-01",
        "2026-12-01",
        "2027-03-01",
    ]
