"""A period in words (engine.calendar.period_label, period_code_label): the one wording of every
page, export, document and API `*_display` field; codes are for URLs and data."""

import datetime as dt

import pytest

from engine.calendar import month_label, period_code_label, period_label


@pytest.mark.parametrize(
    ("kind", "index", "words"),
    [
        ("year", 1, "2026年度"),
        ("half", 1, "2026年上半年"),
        ("half", 2, "2026年下半年"),
        ("quarter", 1, "2026年第一季度"),
        ("quarter", 4, "2026年第四季度"),
        ("month", 5, "2026年5月"),
        ("month", 12, "2026年12月"),
    ],
)
def test_a_period_reads_as_people_say_it(kind, index, words):
    assert period_label(kind, 2026, index) == words


def test_a_semester_reads_with_the_calendar_s_name_and_a_month_without_a_leading_zero():
    assert period_label("semester", 2026, name="春季学期") == "2026年春季学期"
    assert month_label(dt.date(2026, 5, 31)) == "2026年5月"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("2026", "2026年度"),
        ("2026-H1", "2026年上半年"),
        ("2026-Q2", "2026年第二季度"),
        ("2026-05", "2026年5月"),
        ("2026-spring", "2026年春季学期"),
        # a round decided before codes were kept holds the semester as text
        ("2026 春季学期", "2026年春季学期"),
        # not a period: as it is
        ("2026-13", "2026-13"),
        ("2026-winter", "2026-winter"),
        ("第三季度", "第三季度"),
    ],
)
def test_a_period_code_as_data_keeps_it_reads_in_words(code, words):
    assert period_code_label(code, semesters={"spring": "春季学期"}) == words
