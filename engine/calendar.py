"""Dates in China Standard Time, calendar-month arithmetic, and working days (chinesecalendar).

Calendar months are calendar months (31 Jan + 1 month = 28/29 Feb). Working days count Chinese public
holidays and make-up workdays; a date the calendar has no data for raises instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from .errors import DomainError, ValidationFailed
from .i18n import _

CST = ZoneInfo("Asia/Shanghai")
# Local hour at which date-based deadlines and reminders fall due.
WORKDAY_START_HOUR = 9


class CalendarUnavailable(DomainError):
    code = "calendar_unavailable"
    status = 503


@dataclass(frozen=True)
class Duration:
    """A rule-set duration. Months and years are calendar months; working_days count the Chinese calendar."""

    years: int = 0
    months: int = 0
    days: int = 0
    working_days: int = 0

    def __str__(self):
        parts = [
            (self.years, "年"),
            (self.months, "个月"),
            (self.days, "天"),
            (self.working_days, "个工作日"),
        ]
        return "".join(f"{n}{unit}" for n, unit in parts if n) or "0天"

    def add_to(self, day: dt.date, sign: int = 1) -> dt.date:
        day = day + relativedelta(
            years=sign * self.years, months=sign * self.months, days=sign * self.days
        )
        if self.working_days:
            day = add_working_days(day, sign * self.working_days)
        return day

    def last_day_after(self, day) -> dt.date:
        """The last day of a period "within this duration of `day`" (the corresponding day of the
        last month, or its month end: 31 Oct + 1 month → 30 Nov)."""
        return self.add_to(parse_date(day))

    def deadline_after(self, day) -> dt.datetime:
        """When "within this duration of `day`" runs out: 24:00 China Standard Time of the last day
        (Chinese period counting), i.e. 00:00 of the next day. Every deadline computed from the rule
        set goes through here or `end_of_day`; a step dated on the last day is on time."""
        return end_of_day(self.last_day_after(day))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().astimezone(CST).date()


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(CST).date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if "T" in text:
        return dt.datetime.fromisoformat(text).astimezone(CST).date()
    return dt.date.fromisoformat(text)


def date_field(value, *, field: str) -> dt.date:
    """`value` read as a date (`parse_date`), or the refusal every form and service gives for one
    that is not: `invalid_date` naming `field`. A missing value (None) is not a date either."""
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("日期格式应为 YYYY-MM-DD。"),
            code="invalid_date",
            fields={field: [_("日期格式应为 YYYY-MM-DD")]},
        ) from None


def not_in_future(day: dt.date, *, field: str) -> dt.date:
    """`day`, or `date_in_future` naming `field` when it is after today (China Standard Time): the
    one check for a date on which something is recorded as having happened."""
    now = today()
    if day > now:
        raise ValidationFailed(
            _("日期不能晚于今天（%(d)s）。") % {"d": now.isoformat()},
            code="date_in_future",
            fields={field: [_("不能晚于今天")]},
        )
    return day


def morning_of(day) -> dt.datetime:
    """09:00 China Standard Time on `day`, as an aware datetime: when a reminder or a scheduled
    start falls due. Not for deadlines: a deadline day ends at 24:00 (`end_of_day`)."""
    d = parse_date(day)
    return dt.datetime(d.year, d.month, d.day, WORKDAY_START_HOUR, tzinfo=CST)


def end_of_day(day) -> dt.datetime:
    """24:00 China Standard Time of `day` (00:00 of the next day), as an aware datetime: the
    moment a deadline whose last day is `day` has passed."""
    d = parse_date(day) + dt.timedelta(days=1)
    return dt.datetime(d.year, d.month, d.day, tzinfo=CST)


def last_day_before(moment: dt.datetime) -> dt.date:
    """The last day (China Standard Time) of a deadline falling at `moment` (see `end_of_day`)."""
    return (moment - dt.timedelta(microseconds=1)).astimezone(CST).date()


def is_working_day(day: dt.date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarUnavailable(
            _("工作日历没有 %(year)s 年的节假日数据，无法计算工作日；请升级 chinesecalendar。")
            % {"year": day.year},
            fields={"date": day.isoformat()},
        ) from exc


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The date `count` working days after `day` (before it when negative); `day` itself is not counted."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        n += is_working_day(day)
    return n
