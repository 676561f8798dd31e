"""The supplementary holiday file: a year chinesecalendar does not cover is computed from the file
(its holidays and make-up workdays counted), a year it covers is left to the package unless the file
says override, and a year with neither, or a broken file, answers calendar_unavailable."""

import datetime as dt
import json
from pathlib import Path

import chinese_calendar
import pytest

from engine import calendar as cal
from engine.calendar import CalendarUnavailable, add_working_days, is_working_day
from engine.holidays import HolidayFileInvalid, parse_holidays, read_holidays_file

from ..calendar_helpers import EXAMPLE, TEST_2027

D = dt.date


@pytest.fixture
def holidays_file(tmp_path):
    """Write `data` as the holiday file and hand it to the engine; the previous file afterwards."""
    previous = cal._holidays_file

    def use(data) -> Path:
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
