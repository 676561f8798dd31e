"""党内统计 as Excel, in the tables' layout: one sheet per table (title, organization and cut-off,
the column headers, one line per row), then the checks (each failed one with the people named)
and the settings in force. Every text cell goes through `untrusted.cells.text_cell`, so a name
starting with "=" is printed, never run. Written in Chinese whatever the request's language."""

from __future__ import annotations

import io

from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from untrusted.cells import text_cell

from .selectors import Statistics, statistics_view


def _row(ws, values, *, bold: bool = False) -> None:
    cells = []
    for v in values:
        cell = text_cell(WriteOnlyCell(ws, value=v))
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)


def statistics_workbook(stats: Statistics) -> bytes:
    with translation.override("zh-hans"):
        view = statistics_view(stats)
        wb = Workbook(write_only=True)
        for t in view["tables"]:
            ws = wb.create_sheet(t["title"][:31])
            _row(ws, [t["title"]], bold=True)
            _row(
                ws,
                [f"{view['organization_name']}　截至 {view['cutoff_display']}（{view['year_start_display']} 起）"
                 f"　{t['source']}"],
            )  # fmt: skip
            _row(ws, ["", *[c["label"] for c in t["cols"]]], bold=True)
            for r in t["rows"]:
                _row(ws, [r["label"], *[c["value"] for c in r["cells"]]])
            for note in t["notes"]:
                _row(ws, [note])
        ws = wb.create_sheet("校验")
        _row(ws, ["校验", "结果", "左", "右", "涉及人员", "所在组织", "记录"], bold=True)
        _row(ws, [f"共 {view['checks_total']} 项，未通过 {view['checks_failed']} 项"])
        for c in view["checks"]:
            _row(
                ws, [f"{c['code']} {c['text']}", "未通过", c["left"], c["right"], c["people_count"]]
            )
            for p in c["people"]:  # one line per person: the name a cell of its own
                _row(
                    ws,
                    [
                        "",
                        "",
                        "",
                        "",
                        p["name"],
                        p.get("organization_name", ""),
                        p.get("record", ""),
                    ],
                )
        ws = wb.create_sheet("说明")
        for s in view["settings"]:
            _row(ws, [s["text"]])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
