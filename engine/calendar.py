"""Dates in China Standard Time, calendar-month arithmetic, and working days (chinesecalendar).

Calendar months are calendar months (31 Jan + 1 month = 28/29 Feb). Working days count Chinese public
holidays and make-up workdays: from the package chinesecalendar, and for a year it does not cover yet
from the deployment's supplementary file (`use_holidays_file`, see engine.holidays); a date neither
has data for raises instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar.constants import holidays as _package_holidays
from dateutil.relativedelta import relativedelta

from .errors import CalendarUnavailable, ValidationFailed
from .holidays import YearArrangement, load_holidays_file
from .i18n import _

CST = ZoneInfo("Asia/Shanghai")
# Local hour at which date-based deadlines and reminders fall due.
WORKDAY_START_HOUR = 9
# The years a record of the Party may carry: from its founding (1921); the upper bound keeps a year
# to four digits (year 0 or a five-digit year has no calendar date).
RECORD_YEARS = range(1921, 10000)


__all__ = ["CalendarUnavailable"]  # raised here; defined with the other domain errors

# The years chinesecalendar has data for (its own check: first to last year of its holidays).
PACKAGE_YEARS = range(min(_package_holidays).year, max(_package_holidays).year + 1)
HOLIDAYS_SETTING = "PARTYFLOW_HOLIDAYS_FILE"

# The supplementary file (set at startup by the Django app, `use_holidays_file`) and its years,
# read on first use.
_holidays_file: str | None = None
_file_years: dict[int, YearArrangement] | None = None


def use_holidays_file(path: str | None) -> None:
    """Consult the holiday file at `path` (None: none) for years the package does not cover, and
    for a year that says `"override": true`. Read and checked on first use; a broken file answers
    `HolidayFileInvalid` (503) for every working-day question rather than half an arrangement."""
    global _holidays_file, _file_years
    _holidays_file, _file_years = (str(path) if path else None), None


def file_years() -> dict[int, YearArrangement]:
    """The years of the configured holiday file ({} without one); raises `HolidayFileInvalid`."""
    global _file_years
    if _holidays_file is None:
        return {}
    if _file_years is None:
        _file_years = load_holidays_file(_holidays_file)
    return _file_years


def calendar_sources() -> dict[int, str]:
    """Each year working days can be computed for, and where its arrangement comes from:
    "package" (chinesecalendar) or "file" (the supplementary file: a year the package lacks, or one
    the file overrides)."""
    sources = {year: "package" for year in PACKAGE_YEARS}
    for year, arrangement in file_years().items():
        if arrangement.override or year not in PACKAGE_YEARS:
            sources[year] = "file"
    return dict(sorted(sources.items()))


@dataclass(frozen=True)
class CalendarCoverage:
    """Up to which day working days can be computed, seen from `today`.

    `last_day`: 31 December of the last year of the unbroken run of covered years that reaches
    today's year (None when today's year itself has no data); `horizon`: the day that must still
    be covered (today + the horizon's days); `missing_year`: the first year after `last_day`
    (today's year when that is not covered), the year whose holidays to install."""

    today: dt.date
    last_day: dt.date | None
    horizon: dt.date

    @property
    def covers_today(self) -> bool:
        return self.last_day is not None and self.today <= self.last_day

    @property
    def covers_horizon(self) -> bool:
        return self.last_day is not None and self.horizon <= self.last_day

    @property
    def missing_year(self) -> int:
        return self.last_day.year + 1 if self.covers_today else self.today.year


def calendar_coverage(horizon_days: int, *, on: dt.date | None = None) -> CalendarCoverage:
    """How far working days can be computed from `on` (default today, CST), and whether that
    reaches `horizon_days` ahead (the deployment's horizon, settings PARTYFLOW["CALENDAR_HORIZON_DAYS"]).
    Raises `HolidayFileInvalid` when the configured holiday file is broken (then no day is covered)."""
    day = on or today()
    years = calendar_sources()
    last_year = None
    year = day.year
    while year in years:
        last_year, year = year, year + 1
    if last_year is None:  # today's year is not covered: the last covered day lies before it
        earlier = [y for y in years if y < day.year]
        last_year = max(earlier) if earlier else None
    return CalendarCoverage(
        today=day,
        last_day=dt.date(last_year, 12, 31) if last_year is not None else None,
        horizon=day + dt.timedelta(days=horizon_days),
    )


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


def cn_date(value) -> str:
    """A date as a person reads it: 2026-01-05 → 2026年1月5日 ('' for none)."""
    if not value:
        return ""
    d = parse_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def cn_date_text(value) -> str | None:
    """`cn_date` of a value stored as an ISO date (2026-07-10), else None: how the history and
    documents print a date kept in a case's data without a form to say it is one."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return cn_date(value)
        except ValueError:
            return None
    return None


def cn_datetime(value, *, seconds: bool = False) -> str:
    """A moment as a person reads it, in China Standard Time: 2026年1月2日 09:00 (with `seconds`,
    09:00:05; '' for none)."""
    if not value:
        return ""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return f"{cn_date(moment)} {moment.astimezone(CST):{'%H:%M:%S' if seconds else '%H:%M'}}"


# How a person reads a period (the codes 2026, 2026-H1, 2026-Q2, 2026-05 are for URLs and data).
QUARTER_LABELS = (
    _("%(year)s年第一季度"),
    _("%(year)s年第二季度"),
    _("%(year)s年第三季度"),
    _("%(year)s年第四季度"),
)
HALF_LABELS = (_("%(year)s年上半年"), _("%(year)s年下半年"))


def period_label(kind: str, year: int, index: int = 1, *, name: str = "") -> str:
    """A period in words, the one wording every page, export, document and API `*_display` field
    uses: year 2026年度, half (index 1-2) 2026年上半年, quarter (1-4) 2026年第一季度, month (1-12)
    2026年5月, semester 2026年春季学期 (`name`: the academic calendar's label of the semester)."""
    if kind == "year":
        return str(_("%(year)s年度") % {"year": year})
    if kind == "half":
        return str(HALF_LABELS[index - 1] % {"year": year})
    if kind == "quarter":
        return str(QUARTER_LABELS[index - 1] % {"year": year})
    if kind == "month":
        return month_label(dt.date(year, index, 1))
    if kind == "semester":
        return str(_("%(year)s年%(semester)s") % {"year": year, "semester": name})
    raise ValueError(f"unknown period kind {kind!r}")


PERIOD_CODE = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|H([12])|(\d{2})|([a-z_]+)))?$")


def period_code_label(code, *, semesters: dict[str, str] | None = None) -> str:
    """The words for a period's code as data keeps it: 2026 → 2026年度, 2026-H1 → 2026年上半年,
    2026-Q1 → 2026年第一季度, 2026-05 → 2026年5月, 2026-spring → 2026年春季学期 (`semesters`:
    the academic calendar's {code: label}). Data written before codes were kept holds a semester
    as "2026 春季学期": read the same way. Anything else is returned as it is."""
    text = str(code)
    m = PERIOD_CODE.match(text)
    if m is None:
        year, _sep, name = text.partition(" ")
        if len(year) == 4 and year.isdigit() and name and " " not in name:
            return period_label("semester", int(year), name=name)
        return text
    year, quarter, half, month, semester = m.groups()
    if quarter or half:
        return period_label("quarter" if quarter else "half", int(year), int(quarter or half))
    if month:
        return period_label("month", int(year), int(month)) if 1 <= int(month) <= 12 else text
    if semester:
        name = (semesters or {}).get(semester)
        return period_label("semester", int(year), name=name) if name else text
    return period_label("year", int(year))


def month_label(day: dt.date) -> str:
    """The month of `day` in words: 2026年5月 (a dues month, a report's month)."""
    return str(_("%(year)s年%(month)s月") % {"year": day.year, "month": day.month})


# The date forms offices type in a workbook or a form: 2025-07-01, 2025-7-1, 2025/7/1, 2025.07.01,
# 2025年7月1日 (and 20250701). One reader for every import (`office_date`, `office_month`).
OFFICE_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
OFFICE_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
OFFICE_DATE_FORMS = "2025-07-01、2025/7/1、2025.07.01、2025年7月1日"


def office_date(value) -> dt.date | None:
    """A date as an office types it (see OFFICE_DATE_FORMS; also 20250701 and a spreadsheet's own
    date cell or Excel serial day number), or None when `value` is not one of these."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231:
            value = str(int(value))
        elif 20000 <= value <= 80000 and value == int(value):
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = str(value if value is not None else "").strip()
    m = OFFICE_DATE_RE.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def office_month(value) -> dt.date | None:
    """A month as an office types it (2025-07, 2025/7, 2025.07, 2025年7月, or any full date of the
    month in the forms `office_date` reads) as its first day, or None."""
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.replace(day=1)
    text = str(value if value is not None else "").strip()
    m = OFFICE_MONTH_RE.match(text)
    if m is not None:
        month = int(m.group(2))
        return dt.date(int(m.group(1)), month, 1) if 1 <= month <= 12 else None
    day = office_date(value)
    return day.replace(day=1) if day else None


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


def not_before(
    day: dt.date, earliest: dt.date, *, field: str, message, values: dict | None = None
) -> dt.date:
    """`day`, or `date_out_of_order` naming `field` when it is before `earliest`: the one check
    that a recorded date keeps its order (a return after the leaving, a receipt after the letter).
    `message` says what `earliest` is, with `%(d)s` for it (and any other `values`)."""
    if day < earliest:
        d = earliest.isoformat()
        raise ValidationFailed(
            message % {"d": d, **(values or {})},
            code="date_out_of_order",
            fields={field: [_("不能早于 %(d)s") % {"d": d}]},
        )
    return day


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


def deadline_text(moment: dt.datetime) -> str:
    """A deadline as a person reads it: "2026年12月9日 24:00" for one at the end of that day (see
    `end_of_day`), else its China Standard Time minute (`cn_datetime`)."""
    local = moment.astimezone(CST)
    if local.hour == 0 and local.minute == 0:
        return f"{cn_date(last_day_before(moment))} 24:00"
    return cn_datetime(moment)


def is_working_day(day: dt.date) -> bool:
    arrangement = file_years().get(day.year)
    if arrangement is not None and (arrangement.override or day.year not in PACKAGE_YEARS):
        return arrangement.is_working_day(day)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise CalendarUnavailable(
            _(
                "工作日历没有 %(year)s 年的节假日数据，无法计算工作日。请按国务院办公厅公布的 "
                "%(year)s 年部分节假日安排，在设置 %(setting)s 指定的节假日文件中补充该年"
                "（格式见 docs/holidays-example.json），或升级 chinesecalendar。"
            )
            % {"year": day.year, "setting": HOLIDAYS_SETTING},
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
