"""A student member's grade on a date, the one place it is worked out (党统 表7 学生党员情况 counts
students by level and by 毕业年级 / 一年级 / 其他年级 on the cut-off date).

The school year begins in the month `statistics.school_year_starts` of the rule set (September):
a student who enrolled in that month of `enrollment_year` is in the first year until the next
school year begins, and in the graduating year in the last of `programme_years` (学制; the rule
set's standard length for the level when the record has none, `statistics.programme_years`)."""

from __future__ import annotations

import datetime as dt

from engine.rules import RuleSet

from .codes import StudentGrade


def programme_length(level: str, programme_years: int | None, rules: RuleSet) -> int | None:
    """The record's 学制, else the standard length of the level (None: a level with none)."""
    if programme_years:
        return programme_years
    return rules.get("statistics.programme_years").get(level)


def student_grade(
    *,
    level: str,
    enrollment_year: int | None,
    programme_years: int | None,
    on: dt.date,
    rules: RuleSet,
) -> str | None:
    """The grade (`StudentGrade`) on `on`; None when the record lacks the 入学年份 or the level
    has no programme length, or `on` is before enrolment. Past the last year (a student who has
    not graduated on time) he is still in the graduating year."""
    length = programme_length(level, programme_years, rules)
    if enrollment_year is None or length is None:
        return None
    starts = rules.get("statistics.school_year_starts")
    year = on.year - enrollment_year + (1 if on.month >= starts else 0)
    if year < 1:
        return None
    if year >= length:
        return StudentGrade.GRADUATING
    return StudentGrade.FIRST if year == 1 else StudentGrade.OTHER
