"""The compliance table as an Excel workbook (openpyxl)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from engine.calendar import cn_date
from engine.i18n import _
from untrusted.cells import text_cells

from .compliance import STATUS_LABELS

FILLS = {
    "met": "C6EFCE",
    "due": "FFEB9C",
    "at_risk": "F4B183",
    "missed": "FFC7CE",
    "not_applicable": "D9D9D9",
}


def _detail(p: dict) -> str:
    if "attendance" in p:
        return f"{p['count']}/{p['required']}, {p['attendance']}%/{p['attendance_required']}%"
    if "paid" in p:
        return f"{p['paid']}/{p['members']}"
    if "short" in p:  # per member: study hours, or the count of talks
        return "; ".join(
            f"{s['name']} {s.get('hours', s.get('count'))}/{s['required']}" for s in p["short"]
        )
    return f"{p['count']}/{p['required']}"


def compliance_workbook(rows: list[dict], period) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = period.label
    header = [_("党支部"), _("事项"), _("要求"), _("状态"), _("各期情况"), _("佐证记录")]
    ws.append([str(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        for ob in row["obligations"]:
            periods = "; ".join(
                f"{p['period_display']} {STATUS_LABELS[p['status']]} ({_detail(p)})"
                for p in ob["periods"]
            )
            records = "; ".join(
                f"{cn_date(r['held_on'])} {r['title']}".strip()
                for p in ob["periods"]
                for r in p.get("records", [])
            )
            ws.append(
                [
                    row["name"],
                    ob["label"],
                    ob["frequency"],
                    str(STATUS_LABELS[ob["status"]]),
                    periods,
                    records,
                ]
            )
            ws.cell(ws.max_row, 4).fill = PatternFill("solid", fgColor=FILLS[ob["status"]])
    for column, width in zip("ABCDEF", (24, 20, 22, 10, 60, 60)):
        ws.column_dimensions[column].width = width
    text_cells(ws)  # a branch or meeting named "=…" stays text (OWASP CSV injection)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
