"""Working days follow the Chinese calendar (holidays and make-up workdays); months are calendar months."""

import datetime as dt

import pytest
import time_machine

from engine.calendar import (
    CST,
    CalendarUnavailable,
    Duration,
    add_working_days,
    cn_date_text,
    cn_datetime,
    date_field,
    deadline_text,
    not_in_future,
    office_date,
    office_month,
    working_days_between,
)
from engine.errors import ValidationFailed

D = dt.date


def test_spring_festival_2026_is_skipped_and_its_make_up_saturdays_count():
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)  # Saturday make-up workday
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)  # 15-23 February are holidays
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert add_working_days(D(2026, 2, 27), 1) == D(2026, 2, 28)  # the second make-up Saturday
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


def test_national_day_2026_and_its_make_up_saturday():
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(
        2026, 10, 10
    )  # Saturday 10 October is a workday
    assert add_working_days(D(2026, 10, 10), -1) == D(2026, 10, 9)
    assert Duration(working_days=5).add_to(D(2026, 9, 29)) == D(2026, 10, 12)


def test_a_year_without_calendar_data_is_refused_clearly_not_guessed():
    with pytest.raises(CalendarUnavailable) as err:
        add_working_days(D(2035, 12, 30), 1)
    assert err.value.status == 503 and err.value.code == "calendar_unavailable"
    assert "2035" in str(err.value.message) or "2036" in str(err.value.message)


def test_months_are_calendar_months():
    assert Duration(months=1).add_to(D(2026, 1, 31)) == D(2026, 2, 28)
    assert Duration(years=1).add_to(D(2028, 2, 29)) == D(2029, 2, 28)
    assert Duration(months=6).add_to(D(2027, 1, 10), -1) == D(2026, 7, 10)
    assert Duration(years=3).add_to(D(2026, 12, 20)) == D(2029, 12, 20)


@pytest.mark.parametrize("value", ["2025-13-01", "", None, "1 July"])
def test_a_date_field_that_is_not_a_date_is_invalid_date_naming_the_field(value):
    with pytest.raises(ValidationFailed) as err:
        date_field(value, field="data.held_on")
    assert err.value.as_dict() == {
        "code": "invalid_date",
        "message": "日期格式应为 YYYY-MM-DD。",
        "fields": {"data.held_on": ["日期格式应为 YYYY-MM-DD"]},
    }
    assert date_field("2025-07-01", field="data.held_on") == D(2025, 7, 1)


@time_machine.travel(dt.datetime(2025, 7, 1, 23, 30, tzinfo=CST), tick=False)
def test_a_date_after_today_in_china_standard_time_is_date_in_future():
    assert not_in_future(D(2025, 7, 1), field="held_on") == D(2025, 7, 1)
    with pytest.raises(ValidationFailed) as err:
        not_in_future(D(2025, 7, 2), field="held_on")
    assert err.value.as_dict() == {
        "code": "date_in_future",
        "message": "日期不能晚于今天（2025-07-01）。",
        "fields": {"held_on": ["不能晚于今天"]},
    }


@pytest.mark.parametrize(
    "typed",
    [
        "2025.07.01",
        "2025/7/1",
        "2025年7月1日",
        "2025-7-1",
        "2025-07-01",
        " 2025 年 7 月 1 日 ",
        "20250701",
    ],
)
def test_an_import_reads_every_date_form_offices_type(typed):
    assert office_date(typed) == D(2025, 7, 1)


@pytest.mark.parametrize("typed", ["2025-13-01", "2025/2/30", "7/1/2025", "明天", "", None])
def test_an_import_reads_no_date_from_what_is_not_one(typed):
    assert office_date(typed) is None


@pytest.mark.parametrize("typed", ["2025-07", "2025/7", "2025.07", "2025年7月", "2025年7月15日"])
def test_an_import_reads_a_month_in_the_forms_offices_type(typed):
    assert office_month(typed) == D(2025, 7, 1)


def test_moments_and_deadlines_read_as_offices_write_dates():
    """A moment in China Standard Time (01:05 UTC is 09:05 in Beijing), a deadline at 24:00 of its
    last day (00:00 of the next), and a date kept as text in a case's data, all as 2026年7月10日."""
    moment = dt.datetime(2026, 7, 10, 1, 5, 7, tzinfo=dt.UTC)
    assert cn_datetime(moment) == "2026年7月10日 09:05"
    assert cn_datetime(moment, seconds=True) == "2026年7月10日 09:05:07"
    assert cn_datetime(None) == ""
    assert deadline_text(dt.datetime(2026, 12, 11, tzinfo=CST)) == "2026年12月10日 24:00"
    assert deadline_text(dt.datetime(2026, 12, 10, 17, 30, tzinfo=CST)) == "2026年12月10日 17:30"
    assert cn_date_text("2026-12-20") == "2026年12月20日"
    # not a date: a file number, a month code, an impossible day, a number
    assert [cn_date_text(v) for v in ("档2028-017", "2026-07", "2026-13-45", 20261220)] == [
        None
    ] * 4
