"""Export in the import's format (the same sheets and headers, `onboarding.columns`) and the shipped
template (党内统计 is `oversight.party_statistics`). Written with openpyxl's write_only mode (streaming)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from engine.calendar import parse_date
from organizations.models import LostContact, Member, MemberStatus, Organization, RoleAssignment
from procedures.member_development.models import StatusChange
from procedures.member_development.services import EXIT_EVENTS
from untrusted.cells import text_cell
from workflows.models import Case, CaseStatus

from .columns import LEDGER, MEMBERS, OFFICERS, ORGANIZATIONS, SHEETS
from .ledger import CASE_DATES, LEDGER_RECORD, ledger_position
from .roster import MEMBER_FIELDS

TEMPLATE_PATH = Path(__file__).parent / "templates" / "partyflow-import-template.xlsx"
DATE_FORMAT = "yyyy-mm-dd"


def _row(ws, values: Iterable, *, bold: bool = False) -> None:
    cells = []
    for v in values:
        cell = text_cell(WriteOnlyCell(ws, value=v))  # "=…" stays text (OWASP CSV injection)
        if isinstance(v, dt.date):
            cell.number_format = DATE_FORMAT
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)


def write_workbook(target, rows: dict[str, Iterable[dict]], *, raw: bool = False) -> None:
    """Write the import workbook: each sheet's headers, then its rows ({field: stored value}; with
    `raw`, cell values as they are). Labels are the Chinese ones the import reads, whatever the
    request's language."""
    wb = Workbook(write_only=True)
    with translation.override("zh-hans"):
        for sheet in SHEETS:
            ws = wb.create_sheet(sheet.title)
            _row(ws, [c.header for c in sheet.columns], bold=True)
            for values in rows.get(sheet.key, ()):
                _row(
                    ws,
                    [
                        values.get(c.field) if raw else c.write(values.get(c.field))
                        for c in sheet.columns
                    ],
                )
    wb.save(target)


def write_template(target=TEMPLATE_PATH) -> Path:
    """The blank workbook offices fill in: every sheet with its headers and one example row."""
    write_workbook(
        target,
        {s.key: [{c.field: c.example for c in s.columns if c.example != ""}] for s in SHEETS},
        raw=True,
    )
    return Path(target)


# --- export of what partyflow holds ----------------------------------------------------------


def _organizations(root: Organization):
    for org in (
        Organization.objects.filter(path__startswith=root.path)
        .select_related("parent")
        .order_by("path")
    ):
        yield {
            "code": org.code or "",
            "name": org.name,
            "kind": org.kind,
            "branch_kind": org.branch_kind,
            "parent_code": (org.parent.code or "") if org.parent_id else "",
            "has_approval_authority": org.has_approval_authority,
            "founded_on": org.founded_on,
            "term_start": org.term_start,
            "term_end": org.term_end,
            "dues_tracked_since": org.dues_tracked_since,
        }


# The member sheet's columns: the 学工号 that matches a row, then the fields the import reads.
MEMBER_EXPORT = ("staff_or_student_no", *MEMBER_FIELDS)


def _members(root: Organization, in_development: set[int]):
    """Full and probationary members, and those who left by 除名 or 开除党籍 (dated and categorized
    by their event); a probationary member whose development case is still running is a ledger row
    instead."""
    qs = (
        Member.objects.filter(
            organization__path__startswith=root.path,
            status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY, *EXIT_EVENTS],
        )
        .select_related("organization")
        .order_by("organization__path", "id")
    )
    lost = {
        member_id: (lost_on, reason)
        for member_id, lost_on, reason in LostContact.objects.filter(
            member__organization__path__startswith=root.path, found_on__isnull=True
        ).values_list("member_id", "lost_on", "reason")
    }
    exits = {
        member_id: (on, why)
        for member_id, on, why in StatusChange.objects.filter(
            member__organization__path__startswith=root.path,
            event__in=list(EXIT_EVENTS.values()),
        )
        .order_by("id")
        .values_list("member_id", "effective_on", "misconduct")
    }
    for m in qs.iterator(chunk_size=2000):
        if m.pk in in_development:
            continue
        row = {f: getattr(m, f) for f in MEMBER_EXPORT}
        row["lost_on"], row["lost_reason"] = lost.get(m.pk, (None, ""))
        if m.status in EXIT_EVENTS:
            on, row["misconduct"] = exits.get(m.pk, (m.left_on, ""))
            row["left_on"] = m.left_on or on
        row.update(
            organization_code=m.organization.code,
            organization_name=m.organization.name,
            staff_or_student_no=m.staff_or_student_no or "",
        )
        yield row


def _officers(root: Organization):
    qs = (
        RoleAssignment.objects.filter(organization__path__startswith=root.path)
        .exclude(post="")
        .select_related("organization", "user__member")
        .order_by("organization__path", "id")
    )
    for a in qs:
        member = getattr(a.user, "member", None)
        if member is None:
            continue
        yield {
            "organization_code": a.organization.code,
            "organization_name": a.organization.name,
            "staff_or_student_no": member.staff_or_student_no,
            "name": member.name,
            "post": a.post,
            "term_start": a.term_start,
            "term_end": a.term_end,
        }


def _ledger(root: Organization):
    cases = (
        Case.objects.filter(
            process_id="member_development",
            status=CaseStatus.RUNNING,
            organization__path__startswith=root.path,
        )
        .select_related("subject_member", "organization")
        .order_by("organization__path", "id")
    )
    people = dict(
        Member.objects.filter(organization__path__startswith=root.path)
        .exclude(staff_or_student_no=None)
        .values_list("pk", "staff_or_student_no")
    )
    for case in cases.iterator(chunk_size=500):
        m, data = case.subject_member, case.data
        row = {
            "staff_or_student_no": m.staff_or_student_no or "",
            "name": m.name,
            "gender": m.gender,
            "ethnicity": m.ethnicity,
            "native_place": m.native_place,
            "id_number": m.id_number,
            "birth_date": m.birth_date,
            "person_category": m.person_category,
            "organization_code": case.organization.code,
            "organization_name": case.organization.name,
            "contacts": [people[i] for i in data.get("contacts") or [] if i in people],
            "introducers": [people[i] for i in data.get("introducers") or [] if i in people],
        }
        for f in CASE_DATES:
            row[f] = parse_date(data[f]) if data.get(f) else None
        for f, v in ((data.get("imported") or {}).get("ledger") or {}).items():
            if f in LEDGER_RECORD:
                row[f] = v if f == "training_hours" else parse_date(v)
        row["stage"] = ledger_position(row)[0]
        yield row


def export_workbook(target, *, root: Organization) -> None:
    """The subtree at `root` in the import's format: importing it back changes nothing."""
    in_development = set(
        Case.objects.filter(
            process_id="member_development",
            status=CaseStatus.RUNNING,
            organization__path__startswith=root.path,
        ).values_list("subject_member_id", flat=True)
    )
    write_workbook(
        target,
        {
            ORGANIZATIONS.key: _organizations(root),
            MEMBERS.key: _members(root, in_development),
            OFFICERS.key: _officers(root),
            LEDGER.key: _ledger(root),
        },
    )
