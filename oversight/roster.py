"""A branch's roster (花名册) as its secretary keeps it: each member with their status, standing
(rights, years of Party standing), the month their dues are paid through and, for people in
development, the stage of their development case; a member whose Party membership is suspended
(停止党籍) with its date and document. Read in seven queries whatever the branch's size;
the page and its Excel export read the same rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from engine.calendar import cn_date, month_label, today
from engine.i18n import _
from organizations.models import Member, MemberStatus, Organization
from organizations.selectors import away_labels
from orglife.dues_selectors import dues_paid_through
from orglife.models import DuesPayment
from procedures.member_development.models import StatusChange
from untrusted.cells import text_cells
from workflows.models import Case, CaseStatus

DEVELOPMENT_PROCESS = "member_development"
# Who is on the roster, in the order a roster lists them; members who left are not.
ROSTER_ORDER = [
    MemberStatus.FULL,
    MemberStatus.PROBATIONARY,
    MemberStatus.DEVELOPMENT_OBJECT,
    MemberStatus.ACTIVIST,
    MemberStatus.APPLICANT,
    # 停止党籍: no longer counted, but the branch keeps the person until 恢复党籍 or 除名 (S9)
    MemberStatus.SUSPENDED,
]
# Who pays dues (CONST Art. 8: full and probationary members).
DUES_PAYERS = {MemberStatus.FULL, MemberStatus.PROBATIONARY}


@dataclass(frozen=True)
class RosterRow:
    member: Member
    status: str
    rights: str  # 正常 / 停止党员权利（reason）
    standing_years: int | None  # 党龄, from party_standing_from (or joined_on)
    paid_through: dt.date | None  # the last month of an unbroken run of payments from the start
    dues_note: str  # 欠缴 N 个月 / 未在系统记录 / ""
    months_owed: int
    stage: str  # the development case's current stage, "" when none is running
    group: str  # the Party group within the branch, "" when none
    away: str  # 流动党员（place） / 出国（境）党员（place） while registered, else ""


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from `start` to `end` inclusive."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _years_between(start: dt.date, on: dt.date) -> int:
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def branch_roster(branch: Organization, *, on: dt.date | None = None) -> list[RosterRow]:
    """The roster of `branch` (its Party groups included) on `on` (today). The caller has checked
    that the reader may see the branch.

    Dues: counted from the month the branch keeps its dues in partyflow (`dues_tracked_since`) or
    the member joined, whichever is later: `months_owed` the months before the current one with no
    payment; `paid_through` is 党费交至 as everywhere (`orglife.dues_selectors.dues_paid_through`)."""
    on = on or today()
    members = list(
        Member.objects.filter(organization__path__startswith=branch.path, status__in=ROSTER_ORDER)
        .select_related("organization")
        .order_by("name", "id")
    )
    ids = [m.pk for m in members]
    paid: dict[int, set[dt.date]] = {}
    for member_id, month in DuesPayment.objects.filter(member_id__in=ids).values_list(
        "member_id", "month"
    ):
        paid.setdefault(member_id, set()).add(month)
    through = dues_paid_through(ids)
    away = away_labels(ids, on=on)
    stages = dict(
        Case.objects.filter(
            process_id=DEVELOPMENT_PROCESS, subject_member_id__in=ids, status=CaseStatus.RUNNING
        )
        .order_by("id")
        .values_list("subject_member_id", "stage")
    )
    # the date and document of the status event that gave a member their status (停止党籍)
    events = {
        member_id: (when, doc)
        for member_id, when, doc in StatusChange.objects.filter(
            member_id__in=[m.pk for m in members if m.status == MemberStatus.SUSPENDED]
        )
        .exclude(event="")
        .order_by("member_id", "effective_on", "id")
        .values_list("member_id", "effective_on", "document_no")
    }
    last_complete = (on.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    rows = []
    for m in members:
        paid_through, note, owed = None, "", 0
        if m.status in DUES_PAYERS:
            tracked = branch.dues_tracked_since
            joined = m.joined_on.replace(day=1) if m.joined_on else None
            start = max(d for d in (tracked.replace(day=1), joined) if d) if tracked else None
            if start is None:
                note = str(_("未在系统记录"))
            else:
                months = paid.get(m.pk, set())
                paid_through = through.get(m.pk)
                owed = sum(1 for d in _months(start, last_complete) if d not in months)
                if owed:
                    note = str(_("欠缴 %(n)s 个月") % {"n": owed})
        standing_from = m.party_standing_from or (
            m.joined_on if m.status == MemberStatus.FULL else None
        )
        rows.append(
            RosterRow(
                member=m,
                status=m.get_status_display()
                + (
                    f"（{cn_date(events[m.pk][0])}{' ' + events[m.pk][1] if events[m.pk][1] else ''}）"
                    if m.pk in events
                    else ""
                ),
                rights=(
                    str(_("停止党员权利"))
                    + (f"（{m.suspension_reason}）" if m.suspension_reason else "")
                    if m.rights_suspended
                    else str(_("正常"))
                ),
                standing_years=_years_between(standing_from, on) if standing_from else None,
                paid_through=paid_through,
                dues_note=note,
                months_owed=owed,
                stage=stages.get(m.pk, ""),
                group=m.organization.name if m.organization_id != branch.pk else "",
                away=away.get(m.pk, ""),
            )
        )
    rows.sort(key=lambda r: ROSTER_ORDER.index(r.member.status))
    return rows


ROSTER_COLUMNS = (
    _("姓名"),
    _("党小组"),
    _("状态"),
    _("党员权利"),
    _("党龄（年）"),
    _("党费缴至"),
    _("党费情况"),
    _("发展阶段"),
)


def roster_workbook(branch: Organization, rows: list[RosterRow], *, stage_label=str) -> bytes:
    """The roster as an .xlsx; every text cell stored as text (a name "=…" is never a formula)."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("花名册"))
    ws.append([str(_("%(branch)s 党员花名册") % {"branch": branch.name})])
    ws.append([str(c) for c in ROSTER_COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(
            [
                r.member.name,
                r.group,
                f"{r.status} {r.away}" if r.away else r.status,
                r.rights,
                r.standing_years,
                month_label(r.paid_through) if r.paid_through else "",
                r.dues_note,
                stage_label(r.stage) if r.stage else "",
            ]
        )
    for column, width in zip("ABCDEFGH", (12, 16, 12, 14, 10, 10, 14, 16)):
        ws.column_dimensions[column].width = width
    text_cells(ws)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
