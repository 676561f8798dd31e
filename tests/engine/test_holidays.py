"""The supplementary holiday file: a year chinesecalendar does not cover is computed from the file
(its holidays and make-up workdays counted), a year it covers is left to the package unless the file
says override, and a year with neither, or a broken file, answers calendar_unavailable."""

import datetime as dt
import json
from pathlib import Path

import chinese_calendar
import pytest

from engine import calendar as cal
from engine.calendar import (
    CalendarUnavailable,
    add_working_days,
    calendar_coverage,
    is_working_day,
)
from engine.holidays import HolidayFileInvalid, parse_holidays, read_holidays_file

from ..calendar_helpers import EXAMPLE, TEST_2027

D = dt.date


@pytest.fixture
def holidays_file(tmp_path):
    """Write `data` as the holiday file and hand it to the engine (None: no file); the previous
    file afterwards."""
    previous = cal._holidays_file

    def use(data) -> Path | None:
        if data is None:  # no file: the package alone
            cal.use_holidays_file(None)
            return None
        path = tmp_path / "holidays.json"
        path.write_text(
            data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        cal.use_holidays_file(path)
        return path

    yield use
    cal.use_holidays_file(previous)


def test_working_days_cross_into_a_year_the_file_supplies_counting_its_holidays(holidays_file):
    holidays_file(TEST_2027)
    # Thursday 31 Dec 2026 (package), then 1-5 Jan 2027 off (file), Wed 6, Thu 7, Fri 8, Sat 9
    assert add_working_days(D(2026, 12, 30), 1) == D(2026, 12, 31)
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 6)
    assert add_working_days(D(2026, 12, 31), 4) == D(2027, 1, 9)  # the make-up Saturday counts
    assert add_working_days(D(2026, 12, 31), 5) == D(2027, 1, 11)  # Sunday 10 is not
    assert add_working_days(D(2027, 1, 6), -1) == D(2026, 12, 31)
    assert cal.calendar_sources()[2027] == "file" and cal.calendar_sources()[2026] == "package"


def test_without_the_file_a_2027_deadline_answers_calendar_unavailable_naming_year_and_setting():
    assert cal._holidays_file is None
    with pytest.raises(CalendarUnavailable) as err:
        add_working_days(D(2026, 12, 31), 1)
    e = err.value
    assert e.status == 503 and e.code == "calendar_unavailable"
    assert "2027 年" in str(e.message) and "PARTYFLOW_HOLIDAYS_FILE" in str(e.message)
    assert e.fields == {"date": ["2027-01-01"]}


def test_a_year_neither_source_covers_still_answers_calendar_unavailable(holidays_file):
    holidays_file(TEST_2027)
    with pytest.raises(CalendarUnavailable) as err:
        is_working_day(D(2028, 3, 1))
    assert "2028 年" in str(err.value.message)


def test_the_file_does_not_override_a_year_the_package_covers_unless_it_says_so(holidays_file):
    # The file claims Monday 2 March 2026 off; the package knows it is a working day.
    year = {"holidays": {"2026-03-02": "测试", "2026-03-03": "测试"}, "workdays": {}}
    holidays_file({"years": {"2026": year}})
    assert is_working_day(D(2026, 3, 2)) is True
    assert cal.calendar_sources()[2026] == "package"
    holidays_file({"years": {"2026": {**year, "override": True}}})
    assert is_working_day(D(2026, 3, 2)) is False and is_working_day(D(2026, 3, 4)) is True
    assert cal.calendar_sources()[2026] == "file"


def test_a_broken_file_is_used_for_nothing_and_says_why(holidays_file):
    path = holidays_file({"years": {"2027": {"holidays": {"2027-02-30": "春节"}}}})
    with pytest.raises(HolidayFileInvalid) as err:
        is_working_day(D(2026, 3, 2))
    e = err.value
    assert isinstance(e, CalendarUnavailable) and e.status == 503
    assert str(path) in str(e.message) and "2027-02-30 不是 YYYY-MM-DD 格式的日期" in str(e.message)


def test_the_example_file_is_valid_and_agrees_with_the_package_day_by_day():
    years, problems = read_holidays_file(EXAMPLE)
    assert problems == [] and list(years) == [2026]
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert years[2026].is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"years": {"2027": {"holidays": {"2026-12-31": "元旦"}}}}', "2026-12-31 不在 2027 年内"),
        ('{\n  "years": {\n    "2027": [\n  }\n}', "第 4 行：不是有效的 JSON"),
        (
            '{"years": {"2027": {"holidays": {"2027-01-01": "元旦"},\n'
            ' "workdays": {"2027-01-01": "调休"}}}}',
            "第 1、2 行：2027-01-01 既是假日又是调休工作日",
        ),
        (
            '{"years": {"2027": {\n"holidays": {"2027-01-01": "元旦"},\n'
            '"workdays": {"2027-01-06": "调休"}}}}',
            "第 3 行：2027-01-06 是星期三，本来就是工作日，不是调休上班日",
        ),
        (
            '{"years": {"2027": {"holidays": {"2027-01-02": "元旦"}}}}',
            "2027 年没有列出工作日放假的假日",
        ),
        (
            '{"years": {"2027": {"holidays": {"2027-01-01": "元旦",\n"2027-01-01": "元旦"}}}}',
            "第 1 行：2027-01-01 重复出现",
        ),
        ('{"years": {"27": {}}}', "27 不是四位年份"),
        ('{"years": {"2027": {"holiday": {}}}}', "2027 年有未知的项 holiday"),
    ],
)
def test_file_problems_name_the_line_and_the_date(text, problem):
    years, problems = parse_holidays(text)
    assert any(problem in p for p in problems), problems


# Up to which day working days can be computed (calendar_coverage): on 7 December 2026 with
# chinesecalendar 1.11.0 (data to 2026) the calendar ends 31 December, 24 days ahead, short of 45;
# the made-up 2027 carries it to 31 December 2027; on 2 January 2027 without a file, not even today.


def test_on_7_december_2026_the_calendar_ends_on_31_december_short_of_45_days(holidays_file):
    holidays_file(None)
    c = calendar_coverage(45, on=D(2026, 12, 7))
    assert c.last_day == D(2026, 12, 31)
    assert c.horizon == D(2027, 1, 21)
    assert c.covers_today and not c.covers_horizon
    assert c.missing_year == 2027


def test_the_horizon_is_reached_up_to_45_days_before_the_last_covered_day(holidays_file):
    holidays_file(None)
    assert calendar_coverage(45, on=D(2026, 11, 16)).covers_horizon  # 16 Nov + 45 = 31 Dec
    assert not calendar_coverage(45, on=D(2026, 11, 17)).covers_horizon  # + 45 = 1 Jan 2027
    assert calendar_coverage(24, on=D(2026, 12, 7)).covers_horizon  # the horizon is a parameter


def test_a_holiday_file_with_2027_carries_the_calendar_to_the_end_of_2027(holidays_file):
    holidays_file(TEST_2027)
    c = calendar_coverage(45, on=D(2026, 12, 7))
    assert c.last_day == D(2027, 12, 31)
    assert c.covers_horizon and c.missing_year == 2028


def test_on_2_january_2027_without_a_file_today_is_not_covered(holidays_file):
    holidays_file(None)
    c = calendar_coverage(45, on=D(2027, 1, 2))
    assert c.last_day == D(2026, 12, 31)
    assert not c.covers_today and not c.covers_horizon
    assert c.missing_year == 2027


def test_a_file_year_after_a_gap_does_not_count_as_covering(holidays_file):
    holidays_file({"years": {"2028": {"holidays": {"2028-01-03": "元旦"}}}})  # Monday
    c = calendar_coverage(45, on=D(2026, 12, 7))
    assert c.last_day == D(2026, 12, 31) and c.missing_year == 2027


def test_a_broken_holiday_file_is_refused_not_read_as_no_gap(holidays_file):
    holidays_file({"years": {"2027": {"workdays": {"2027-01-06": "调休"}}}})
    with pytest.raises(HolidayFileInvalid):
        calendar_coverage(45, on=D(2026, 12, 7))
