"""The remittance summary (党费上缴汇总) as an Excel workbook: one row per branch, the dues
due (应收, each month as `DuesAssessment.due_in` gives it) and collected (实收) in each month
(所属月份) and the year, two rows per branch; totals below. Every text
cell goes through `untrusted.cells` (a branch named "=…" is printed, never run)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from engine.i18n import _
from untrusted.cells import text_cells


def remittance_workbook(summary: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = str(summary["year"])
    title = _("%(o)s %(y)s 年党费收缴汇总") % {
        "o": summary["organization"].name,
        "y": summary["year"],
    }
    ws.append([str(title)])
    header = [str(_("党支部")), str(_("所属党组织")), str(_("项目"))]
    header += [m.strftime("%Y-%m") for m in summary["months"]] + [str(_("全年合计"))]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    due, paid = str(_("应收")), str(_("实收"))
    for row in summary["rows"]:
        name, college = row["branch"].name, row["college"]
        ws.append([name, college, due] + [c["due"] for c in row["cells"]] + [row["year_due"]])
        ws.append([name, college, paid] + [c["amount"] for c in row["cells"]] + [row["year_total"]])
    total = str(_("合计"))
    ws.append(
        [total, "", due] + [t["due"] for t in summary["month_totals"]] + [summary["year_due"]]
    )
    ws.append(
        [total, "", paid] + [t["amount"] for t in summary["month_totals"]] + [summary["year_total"]]
    )
    ws.cell(ws.max_row - 1, 1).font = ws.cell(ws.max_row, 1).font = Font(bold=True)
    for row in ws.iter_rows(min_row=3, min_col=4):
        for cell in row:
            cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 24
    text_cells(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
