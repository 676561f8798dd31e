"""The supplementary holiday calendar: next year's arrangement before chinesecalendar has it.

The State Council publishes each year's holidays and make-up working days (国务院办公厅关于…年部分
节假日安排的通知) in the autumn before; the package chinesecalendar ships them only in a later release.
A deployment copies the notice into a JSON file (`PARTYFLOW_HOLIDAYS_FILE`, format in
docs/holidays-example.json):

    {"years": {"2027": {"source": "国办发明电〔…〕…号",
                        "holidays": {"2027-01-01": "元旦", …},
                        "workdays": {"2027-…": "春节调休", …}}}}

A year of the file is used only when the package has no data for it, unless the year says
`"override": true` (a revised arrangement). The file is read and checked as a whole: a file with any
problem is not used for any year (`HolidayFileInvalid`), nothing is guessed. No Django here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CalendarUnavailable
from .i18n import _

YEAR_KEYS = {"source", "holidays", "workdays", "override"}


class HolidayFileInvalid(CalendarUnavailable):
    """The configured holiday file cannot be read or breaks a rule; `problems` name line and date."""

    def __init__(self, path: str, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(
            _("节假日补充文件 %(path)s 有误，工作日无法计算：%(problems)s")
            % {"path": path, "problems": "；".join(problems[:5])},
            fields={"holidays_file": problems},
        )


@dataclass(frozen=True)
class YearArrangement:
    """One year's arrangement: the days off (with the holiday's name) and the make-up working days."""

    year: int
    holidays: dict[dt.date, str] = field(default_factory=dict)
    workdays: dict[dt.date, str] = field(default_factory=dict)
    override: bool = False
    source: str = ""

    def is_working_day(self, day: dt.date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.holidays)


def _no_duplicate_keys(pairs):
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def _line_of(text: str, needle: str, *within: str) -> int:
    """The line (1-based) of the first `"needle"` in the file's text after the keys `within` (a
    year, then "holidays"), 0 when not found."""
    at = 0
    for key in (*within, needle):
        at = text.find(f'"{key}"', at)
        if at < 0:
            return 0
    return text.count("\n", 0, at) + 1


def parse_holidays(text: str) -> tuple[dict[int, YearArrangement], list[str]]:
    """The years of a holiday file's `text` and the problems found, each naming its line and date.

    Rules: every date is an ISO date inside its year; no date is both a holiday and a workday; a
    make-up workday falls on a Saturday or Sunday (a weekday is a working day anyway); a year lists
    at least one holiday on a weekday (an empty year would silently mean "no holidays")."""
    problems: list[str] = []
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        return {}, [f"第 {exc.lineno} 行：不是有效的 JSON（{exc.msg}）"]
    except ValueError as exc:  # a duplicate key
        key = str(exc).split("'")[1] if "'" in str(exc) else ""
        return {}, [f"第 {_line_of(text, key)} 行：{key} 重复出现"]
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        return {}, ['第 1 行：文件应为 {"years": {"2027": {...}}}']
    years: dict[int, YearArrangement] = {}
    for key, entry in data["years"].items():
        line = _line_of(text, key)
        if not (key.isdigit() and len(key) == 4):
            problems.append(f"第 {line} 行：{key} 不是四位年份")
            continue
        year = int(key)
        if not isinstance(entry, dict):
            problems.append(f"第 {line} 行：{year} 年的内容应为对象")
            continue
        unknown = sorted(set(entry) - YEAR_KEYS)
        if unknown:
            problems.append(f"第 {line} 行：{year} 年有未知的项 {'、'.join(unknown)}")
        days: dict[str, dict[dt.date, str]] = {}
        for kind in ("holidays", "workdays"):
            days[kind] = {}
            value = entry.get(kind, {})
            if not isinstance(value, dict):
                problems.append(f"第 {line} 行：{year} 年的 {kind} 应为 {{日期: 名称}}")
                continue
            for text_date, name in value.items():
                where = f"第 {_line_of(text, text_date, key, kind)} 行：{text_date}"
                try:
                    day = dt.date.fromisoformat(text_date)
                except ValueError:
                    problems.append(f"{where} 不是 YYYY-MM-DD 格式的日期")
                    continue
                if day.year != year:
                    problems.append(f"{where} 不在 {year} 年内")
                    continue
                days[kind][day] = str(name)
        for day in sorted(set(days["holidays"]) & set(days["workdays"])):
            lines = [_line_of(text, day.isoformat(), key, kind) for kind in days]
            problems.append(f"第 {lines[0]}、{lines[1]} 行：{day} 既是假日又是调休工作日")
        for day in sorted(days["workdays"]):
            if day.weekday() < 5:
                problems.append(
                    f"第 {_line_of(text, day.isoformat(), key, 'workdays')} 行：{day} 是"
                    f"星期{'一二三四五'[day.weekday()]}，本来就是工作日，不是调休上班日"
                )
        if not any(d.weekday() < 5 for d in days["holidays"]):
            problems.append(f"第 {line} 行：{year} 年没有列出工作日放假的假日")
        years[year] = YearArrangement(
            year=year,
            holidays=days["holidays"],
            workdays=days["workdays"],
            override=entry.get("override") is True,
            source=str(entry.get("source", "")),
        )
    return years, problems


def read_holidays_file(path: str | Path) -> tuple[dict[int, YearArrangement], list[str]]:
    """`parse_holidays` of the file at `path`; a file that cannot be read is one problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"无法读取（{exc.__class__.__name__}: {exc}）"]
    return parse_holidays(text)


def load_holidays_file(path: str | Path) -> dict[int, YearArrangement]:
    """The file's years, or `HolidayFileInvalid` listing every problem."""
    years, problems = read_holidays_file(path)
    if problems:
        raise HolidayFileInvalid(str(path), problems)
    return years
