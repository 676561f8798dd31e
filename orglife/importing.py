"""Reading a year's dues and attendance from an Excel workbook (openpyxl).

Two sheets, found by name (Chinese or English), headers in the first row:

  党费 / dues:             党员 | 月份 | 金额 | 缴纳日期
  组织生活 / attendance:   日期 | 类型 | 主题 | 党员 | 出席 | 缺席原因 | 学时 | 佐证资料

  志愿服务 / volunteer_service: 日期 | 党员 | 时长 | 活动 | 佐证资料
  培训 / training:             日期 | 党员 | 类型 | 培训名称 | 学时 | 佐证资料
  结对联系 / pairing:          党员 | 联系对象 | 对象类型 | 开始日期 | 结束日期
  满意度测评 / satisfaction_survey:
                               测评日期 | 名称 | 非常满意 | 满意 | 基本满意 | 不满意 (counts only)

One attendance row per member per meeting; rows with the same date, kind and title form one meeting.
党员 is a member id or a name unique in the branch; 类型 a kind code or its Chinese label; 出席
是/否. Parsing returns rows with their sheet row numbers so every error names the cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation

from engine.calendar import OFFICE_DATE_FORMS, office_date, office_month
from engine.i18n import _
from untrusted.workbook import open_workbook

from .models import MeetingKind, PartnerKind, SatisfactionGrade, TrainingKind

SHEETS = {"dues": ("党费", "dues"), "attendance": ("组织生活", "attendance")}
HEADERS = {
    "member": ("党员", "member"),
    "month": ("月份", "month"),
    "amount": ("金额", "amount"),
    "paid_on": ("缴纳日期", "paid_on"),
    "held_on": ("日期", "date", "held_on"),
    "kind": ("类型", "kind"),
    "title": ("主题", "title"),
    "present": ("出席", "present"),
    "reason": ("缺席原因", "absence_reason", "reason"),
    "hours": ("学时", "hours"),
    "evidence": ("佐证资料", "evidence"),
}
YES, NO = {"是", "出席", "y", "yes", "true", "1", "√"}, {"否", "缺席", "n", "no", "false", "0", "×"}


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": str(self.message),
        }


@dataclass
class Parsed:
    dues: list[dict] = field(default_factory=list)
    attendance: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # The records of the branch standards (P6): {kind: [row dict]}, see RECORD_SHEETS.
    records: dict[str, list[dict]] = field(default_factory=dict)


# Sheets of the P6 records: sheet names, {field: (column names…)}, required fields, date fields,
# choice fields with their TextChoices (code or label accepted).
RECORD_SHEETS = {
    "volunteer_service": (
        ("志愿服务", "volunteer_service"),
        {
            "served_on": ("日期", "date"),
            "member": ("党员", "member"),
            "hours": ("时长", "hours"),
            "activity": ("活动", "activity"),
            "evidence": ("佐证资料", "evidence"),
        },
        ("served_on", "member", "hours", "activity"),
        ("served_on",),
        {},
    ),
    "training": (
        ("培训", "training"),
        {
            "attended_on": ("日期", "date"),
            "member": ("党员", "member"),
            "kind": ("类型", "kind"),
            "title": ("培训名称", "title"),
            "hours": ("学时", "hours"),
            "evidence": ("佐证资料", "evidence"),
        },
        ("attended_on", "member", "kind", "title", "hours"),
        ("attended_on",),
        {"kind": TrainingKind},
    ),
    "pairing": (
        ("结对联系", "pairing"),
        {
            "member": ("党员", "member"),
            "partner_name": ("联系对象", "partner"),
            "partner_kind": ("对象类型", "partner_kind"),
            "started_on": ("开始日期", "started_on"),
            "ended_on": ("结束日期", "ended_on"),
        },
        ("member", "partner_name", "partner_kind", "started_on"),
        ("started_on", "ended_on"),
        {"partner_kind": PartnerKind},
    ),
    # Anonymous tallies only: one row per survey, counts per grade, no respondent.
    "satisfaction_survey": (
        ("满意度测评", "satisfaction_survey"),
        {
            "surveyed_on": ("测评日期", "date", "surveyed_on"),
            "title": ("名称", "title"),
            **{g: (str(label), g) for g, label in SatisfactionGrade.choices},
        },
        ("surveyed_on", *SatisfactionGrade.values),
        ("surveyed_on",),
        {},
    ),
}
TALLY_FIELDS = set(SatisfactionGrade.values)


def record_column(kind: str, field_path: str) -> str:
    """The column header (Chinese) of a service's error field in a record sheet."""
    columns = RECORD_SHEETS[kind][1]
    return columns.get(field_path.split(".")[0], ("党员",))[0]


def _choice(choices, value):
    text = str(value or "").strip()
    names = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            names.update({str(c.label).lower(): c.value for c in choices})
    return text if text in choices.values else names.get(text.lower())


def _count(value) -> int | None:
    """A ballot count from a cell: a whole number ≥ 0 (an empty cell is 0), else None."""
    if value in (None, ""):
        return 0
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number >= 0 and number == int(number) else None


def _header(ws) -> list[str]:
    """A sheet's first row, lower-cased, [] for an empty sheet. Read, not judged by `max_row`: a
    sheet written without its `<dimension>` (openpyxl's write-only mode) has no size until read."""
    first = next(ws.iter_rows(min_row=1, max_row=1), None)
    return [str(c.value or "").strip().lower() for c in first or ()]


def _record_sheet(ws, kind: str, out: Parsed) -> None:
    _names, columns, required, dates, choices = RECORD_SHEETS[kind]
    header = _header(ws)
    cols = {
        key: next((i for i, h in enumerate(header) if h in names), None)
        for key, names in columns.items()
    }
    missing = [columns[k][0] for k in required if cols[k] is None]
    for name in missing:
        out.errors.append(RowError(ws.title, 1, name, _("缺少列“%(c)s”。") % {"c": name}))
    if missing:
        return
    rows = out.records.setdefault(kind, [])
    for n, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if all(v in (None, "") for v in row):
            continue
        rec = {"row": n}
        for key, idx in cols.items():
            value = row[idx] if idx is not None and idx < len(row) else None
            if key in dates:
                value = _date(value) if value not in (None, "") else None
                if value is None and key in required:
                    out.errors.append(RowError(ws.title, n, columns[key][0], _date_rule()))
            elif key in choices:
                value = _choice(choices[key], value)
                if value is None:
                    out.errors.append(
                        RowError(
                            ws.title, n, columns[key][0], _("未知的类型：%(k)s") % {"k": row[idx]}
                        )
                    )
            elif key in TALLY_FIELDS:
                value = _count(value)
                if value is None:
                    message = _("票数须为非负整数。")
                    out.errors.append(RowError(ws.title, n, columns[key][0], message))
            elif key != "member":
                value = "" if value is None else (value if key == "hours" else str(value).strip())
            rec[key] = value
        rows.append(rec)


def _date_rule() -> str:  # noqa: N802 - reads as the message it returns
    return _("日期须为 %(forms)s 之一。") % {"forms": OFFICE_DATE_FORMS}


def _date(value, *, month=False):
    """The one reader of the date forms offices type (`engine.calendar.office_date`)."""
    return office_month(value) if month else office_date(value)


def _kind(value):
    text = str(value or "").strip()
    names = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            names.update({str(c.label).lower(): c.value for c in MeetingKind})
    return text if text in MeetingKind.values else names.get(text.lower())


def _sheet(wb, key):
    for ws in wb.worksheets:
        if ws.title.strip().lower() in SHEETS[key]:
            return ws
    return None


def _columns(ws, wanted, errors):
    header = _header(ws)
    cols = {}
    for key in wanted:
        names = HEADERS[key]
        idx = next((i for i, h in enumerate(header) if h in names), None)
        if idx is None:
            errors.append(RowError(ws.title, 1, names[0], _("缺少列“%(c)s”。") % {"c": names[0]}))
        cols[key] = idx
    return cols


def parse_workbook(file) -> Parsed:
    """Read the workbook (`untrusted.workbook`: a file over its limits, broken or not a workbook
    raises WorkbookRefused, a 400 naming the file)."""
    out = Parsed()
    wb = open_workbook(file, name=getattr(file, "name", "") or "")
    dues_ws, att_ws = _sheet(wb, "dues"), _sheet(wb, "attendance")
    record_ws = {
        kind: next((ws for ws in wb.worksheets if ws.title.strip().lower() in spec[0]), None)
        for kind, spec in RECORD_SHEETS.items()
    }
    if dues_ws is None and att_ws is None and not any(record_ws.values()):
        message = _("工作簿中没有“党费”“组织生活”“志愿服务”“培训”“结对联系”或“满意度测评”工作表。")
        out.errors.append(RowError("", 0, "", message))
        return out
    for kind, ws in record_ws.items():
        if ws is not None:
            _record_sheet(ws, kind, out)
    if dues_ws is not None:
        cols = _columns(dues_ws, ("member", "month", "amount", "paid_on"), out.errors)
        if None not in cols.values():
            for n, row in enumerate(dues_ws.iter_rows(min_row=2, values_only=True), start=2):
                if all(v in (None, "") for v in row):
                    continue
                get = lambda k: row[cols[k]] if cols[k] < len(row) else None  # noqa: E731, B023  (used within the iteration)
                rec = {
                    "row": n,
                    "member": get("member"),
                    "month": _date(get("month"), month=True),
                    "amount": get("amount"),
                    "paid_on": _date(get("paid_on")),
                }
                if rec["month"] is None:
                    out.errors.append(
                        RowError(
                            dues_ws.title,
                            n,
                            "月份",
                            _("月份须为 2025-07、2025/7、2025.07 或 2025年7月。"),
                        )
                    )
                if rec["paid_on"] is None:
                    out.errors.append(RowError(dues_ws.title, n, "缴纳日期", _date_rule()))
                out.dues.append(rec)
    if att_ws is not None:
        cols = _columns(att_ws, ("held_on", "kind", "member", "present"), out.errors)
        for opt in ("title", "reason", "hours", "evidence"):
            idx = _header(att_ws)
            cols[opt] = next((i for i, h in enumerate(idx) if h in HEADERS[opt]), None)
        if None not in (cols["held_on"], cols["kind"], cols["member"], cols["present"]):
            for n, row in enumerate(att_ws.iter_rows(min_row=2, values_only=True), start=2):
                if all(v in (None, "") for v in row):
                    continue
                get = lambda k: row[cols[k]] if cols[k] is not None and cols[k] < len(row) else None  # noqa: E731, B023  (used within the iteration)
                present = str(get("present") or "").strip().lower()
                rec = {
                    "row": n,
                    "held_on": _date(get("held_on")),
                    "kind": _kind(get("kind")),
                    "title": str(get("title") or "").strip(),
                    "member": get("member"),
                    "present": True if present in YES else False if present in NO else None,
                    "reason": str(get("reason") or "").strip(),
                    "hours": get("hours"),
                    "evidence": str(get("evidence") or "").strip(),
                }
                if rec["held_on"] is None:
                    out.errors.append(RowError(att_ws.title, n, "日期", _date_rule()))
                if rec["kind"] is None:
                    out.errors.append(
                        RowError(
                            att_ws.title, n, "类型", _("未知的会议类型：%(k)s") % {"k": get("kind")}
                        )
                    )
                if rec["present"] is None:
                    out.errors.append(RowError(att_ws.title, n, "出席", _("出席须为“是”或“否”。")))
                out.attendance.append(rec)
    return out


TEMPLATE_SHEETS = (
    ("党费", ("党员", "月份", "金额", "缴纳日期")),
    ("组织生活", ("日期", "类型", "主题", "党员", "出席", "缺席原因", "学时", "佐证资料")),
    *(
        (spec[0][0], tuple(names[0] for names in spec[1].values()))
        for spec in RECORD_SHEETS.values()
    ),
)


def template_workbook() -> bytes:
    """The workbook an office fills in: the 填写说明 sheet (the forms each column takes: dates as
    offices type them, kinds by their Chinese names, 是/否), then one sheet per record kind with its
    header row, in the column names `parse_workbook` reads. An empty sheet imports nothing."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    notes = wb.active
    notes.title = "填写说明"
    kinds = "、".join(str(label) for label in MeetingKind.labels)
    lines = [
        "每张工作表第一行是列名，请勿修改；不用的工作表留空即可。任一行有错则全部不导入，并逐行列出错误。",
        f"日期可写作 {OFFICE_DATE_FORMS}；月份可写作 2025-07、2025/7、2025.07 或 2025年7月。",
        "党员：填写本支部党员的姓名（重名时填写系统中的党员编号）。",
        f"组织生活的类型：{kinds}。",
        "出席：是 或 否；缺席须写明缺席原因。同一日期、类型和主题的各行合为一次会议。",
        "培训的类型：" + "、".join(str(label) for label in TrainingKind.labels) + "。",
        "结对联系的对象类型：" + "、".join(str(label) for label in PartnerKind.labels) + "。",
        "满意度测评只填写各等次的票数，不填写测评人。",
    ]
    notes.append(["填写说明"])
    notes["A1"].font = Font(bold=True)
    for line in lines:
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    for title, headers in TEMPLATE_SHEETS:
        ws = wb.create_sheet(title)
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for i in range(len(headers)):
            ws.column_dimensions[chr(ord("A") + i)].width = 14
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
