"""What a transfer reads from the records and writes on its letter: the month a member's dues are
paid through (from `orglife.DuesPayment`), the end of probation, the letter's serial number and its
validity in capital numerals (FORM-2006)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import Prefetch

from engine.calendar import parse_date
from organizations.models import Member, MemberStatus
from orglife.models import DuesPayment


def month_text(month: dt.date | None) -> str:
    """`YYYY-MM` of a month (its first day), '' for none."""
    return month.strftime("%Y-%m") if month else ""


def parse_month(value: str) -> dt.date:
    """The first day of a `YYYY-MM` month; ValueError when it is not one."""
    return dt.datetime.strptime(value, "%Y-%m").date()


def dues_paid_through(member: Member) -> dt.date | None:
    """The last month (its first day) up to which every month since the member's first recorded
    payment is paid (a gap stops the run), or None when nothing is recorded. FORM-2006: the letter
    states 党费已交到 年 月. Reads `member.dues` prefetched when a batch prefetched it
    (`DUES_PREFETCH`), else one query."""
    if "dues" in getattr(member, "_prefetched_objects_cache", {}):
        months = sorted(p.month for p in member.dues.all())
    else:
        months = list(
            DuesPayment.objects.filter(member=member)
            .order_by("month")
            .values_list("month", flat=True)
        )
    if not months:
        return None
    through = months[0]
    for month in months[1:]:
        if month != through + relativedelta(months=1):
            break
        through = month
    return through


# What a batch prefetches so that `dues_paid_through` reads no row per member.
DUES_PREFETCH = Prefetch("dues", queryset=DuesPayment.objects.only("id", "member_id", "month"))


def next_month(month: dt.date) -> dt.date:
    """transfer.md rule 15: the receiving side collects from the month after the month paid through."""
    return month + relativedelta(months=1)


def probation_end(member: Member, rules) -> dt.date | None:
    """The day a probationary member's probation ends (admission + `development.probation` +
    any extension), None for anyone else or without an admission date."""
    if member.status != MemberStatus.PROBATIONARY or member.joined_on is None:
        return None
    return probation_end_from(member.joined_on, member.probation_extension_months or 0, rules)


def probation_end_from(joined_on, extension_months: int, rules) -> dt.date:
    end = rules.get("development.probation").add_to(parse_date(joined_on))
    return end + relativedelta(months=extension_months)


DIGITS = "零壹贰叁肆伍陆柒捌玖"


def capital_number(n: int) -> str:
    """An integer below 10,000 in capital numerals (大写), as a letter's validity is written:
    30 → 叁拾, 90 → 玖拾, 105 → 壹佰零伍, 10 → 壹拾."""
    if not 0 < n < 10000:
        raise ValueError(n)
    units = ["仟", "佰", "拾", ""]
    digits = f"{n:04d}"
    out, zero = [], False
    for d, unit in zip(digits, units):
        if d == "0":
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[int(d)] + unit)
    return "".join(out)


def letter_serial(case_id: int, issued_on: dt.date) -> str:
    """One serial number for the stub, the letter and the receipt: year and the case's number."""
    return f"{issued_on.year}-{case_id:06d}"
