"""A graduation batch (transfer.md flow A, steps 1-4): the organization department uploads the
graduating members with their destinations (Excel, read through `untrusted.workbook`), previews
what will happen to each, and starts every transfer out in one request, all or none. The batch is
the cases' business key `graduation:<batch>`; its summary counts letters issued, receipts returned,
retentions and overdue steps from the cases themselves.

Columns (first sheet, header row; Chinese or English): 学号 (student_no) or 姓名 (name), 去向
(destination: 工作单位 / 人才服务机构 / 居住地 / 保留在学校, or the codes), 接收党组织
(receiving_organization, the letter's heading; empty when kept at the university)."""

from __future__ import annotations

import csv
import io
import uuid

from django.db.models import Count, Min
from django.utils import timezone

from engine.calendar import parse_date, today
from engine.errors import DomainError, NotFound, ValidationFailed
from engine.i18n import _
from organizations.models import STAFF_NO_RULE, OrgKind
from organizations.rules import deployment_rule_set
from organizations.selectors import members_visible, organizations_manageable
from untrusted.cells import csv_row, text_cells
from untrusted.workbook import open_workbook
from workflows import registry
from workflows.display import SYSTEM_NAME, user_names
from workflows.models import Case, CaseStatus, Task, TaskStatus
from workflows.selectors import cases_visible
from workflows.services import cases_start_many

from .facts import DUES_PREFETCH
from .procedure import DESTINATIONS, OUT, check_out_start

HEADERS = {
    "student_no": ("学号", "学工号", "student_no"),
    "name": ("姓名", "name"),
    "destination": ("去向", "去向类别", "destination"),
    "receiving_organization": ("接收党组织", "接收单位党组织", "receiving_organization"),
}
DESTINATION_WORDS = {
    "工作单位": "employer",
    "工作单位党组织": "employer",
    "人才服务机构": "talent_centre",
    "人才中心": "talent_centre",
    "居住地": "residence",
    "户籍或居住地": "residence",
    "保留在学校": "retained",
    "保留": "retained",
    **{code: code for code in DESTINATIONS},
}
BATCH_PREFIX = "graduation:"
# The sheet's column a refusal points at, by the field the refusal names.
FIELD_COLUMNS = {
    "student_no": "学号",
    "member": "学号",
    "row": "学号",
    "organization": "学号",
    "destination": "去向",
    "receiving_organization": "接收党组织",
}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _rows(file) -> list[dict]:
    """The sheet's rows as dicts (row number, the four columns as text); a missing column is a
    400 naming it."""
    wb = open_workbook(file, name=getattr(file, "name", "") or "")
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_text(v).lower() for v in next(rows, ())]
        cols = {
            key: next((i for i, h in enumerate(header) if h in words), None)
            for key, words in HEADERS.items()
        }
        if cols["destination"] is None or (cols["student_no"] is None and cols["name"] is None):
            raise ValidationFailed(
                _("毕业生名单须有“学号”或“姓名”列和“去向”列。"),
                code="graduates_columns_missing",
                fields={"file": [_("缺少“学号”或“姓名”列，或“去向”列")]},
            )
        out = []
        for n, row in enumerate(rows, start=2):
            if all(v in (None, "") for v in row):
                continue
            out.append(
                {
                    "row": n,
                    **{
                        key: _text(row[i]) if i is not None and i < len(row) else ""
                        for key, i in cols.items()
                    },
                }
            )
        return out
    finally:
        wb.close()


def _preview_rows(actor, rows: list[dict]) -> tuple[list[dict], dict]:
    """Each row as it would start: the member (in the actor's scope), the branch, the destination,
    what happens (a letter, or retention for the committee to approve), or the refusal the start
    would give, with its code. Also {row: (member, branch)} of the rows that may start, as read
    (members with their organization and dues, so that starting reads them no second time)."""
    rules = deployment_rule_set()
    visible = members_visible(actor).select_related("organization").prefetch_related(DUES_PREFETCH)
    numbers = {r["student_no"] for r in rows if r["student_no"]}
    names = {r["name"] for r in rows if r["name"] and not r["student_no"]}
    # 学工号 is unique per university, not per installation (issue 32): an actor who sees two
    # universities may find two people under one number, and then starts neither.
    by_no: dict[str, list] = {}
    for m in visible.filter(staff_or_student_no__in=numbers):
        by_no.setdefault(m.staff_or_student_no, []).append(m)
    by_name: dict[str, list] = {}
    for m in visible.filter(name__in=names):
        by_name.setdefault(m.name, []).append(m)
    manageable = set(organizations_manageable(actor).values_list("pk", flat=True))
    running = set(
        Case.objects.filter(process_id=OUT, status=CaseStatus.RUNNING).values_list(
            "subject_member_id", flat=True
        )
    )
    seen: set[int] = set()
    out, loaded = [], {}
    for r in rows:
        item = {
            "row": r["row"],
            "name": r["name"],
            "student_no": r["student_no"],
            "member": None,
            "branch": None,
            "branch_name": "",
            "destination": DESTINATION_WORDS.get(r["destination"], ""),
            "destination_display": "",
            "receiving_organization": r["receiving_organization"],
            "action": "",
            "ok": False,
            "problem": None,
        }
        item["destination_display"] = str(DESTINATIONS.get(item["destination"], ""))
        found = by_no.get(r["student_no"], []) if r["student_no"] else by_name.get(r["name"], [])
        member = found[0] if len(found) == 1 else None
        try:
            if r["student_no"] and len(found) > 1:
                raise ValidationFailed(
                    _("学号 %(no)s 在您管理的多所高校中各有一人：请按高校分别上传名单。")
                    % {"no": r["student_no"]},
                    code="member_ambiguous",
                    fields={"student_no": [STAFF_NO_RULE]},
                )
            if member is None:
                raise ValidationFailed(
                    _("找不到该党员（或同名者不止一人）：请填写学号。"),
                    code="member_not_found",
                    fields={"student_no": [_("找不到该党员")]},
                )
            item.update(
                member=member.pk,
                name=member.name,
                branch=member.organization_id,
                branch_name=member.organization.name,
            )
            if member.pk in seen:
                raise ValidationFailed(
                    _("名单中重复出现。"), code="duplicate_row", fields={"row": [_("重复")]}
                )
            seen.add(member.pk)
            if member.organization_id not in manageable:
                raise ValidationFailed(
                    _("您不能为该组织发起流程。"),
                    code="organization_not_in_scope",
                    fields={"organization": [_("不在您的管理范围内")]},
                )
            if member.pk in running:
                raise ValidationFailed(
                    _("该党员已有进行中的组织关系转出。"),
                    code="case_already_running",
                    fields={"member": [_("已有进行中的转出")]},
                )
            organization = member.organization
            if organization.kind != OrgKind.BRANCH:
                organization = organization.parent
            data = {
                "member": {"id": member.pk},
                "destination": item["destination"],
                "receiving_organization": r["receiving_organization"],
            }
            checked = check_out_start(
                organization=organization, data=data, rules=rules, subject_member=member
            )
            item.update(
                branch=organization.pk,
                branch_name=organization.name,
                dues_paid_through=checked["dues_paid_through"],
                action=str(
                    _("申请保留组织关系（党委审批）")
                    if item["destination"] == "retained"
                    else _("开具介绍信（党委）")
                ),
                ok=True,
            )
            loaded[r["row"]] = (member, organization)
        except DomainError as exc:
            column = FIELD_COLUMNS.get(next(iter(exc.fields or {}), ""), "")
            if column == "学号" and not r["student_no"]:
                column = "姓名"
            item["problem"] = {"code": exc.code, "message": str(exc.message), "column": column}
        out.append(item)
    return out, loaded


def graduation_preview(*, actor, file) -> dict:
    """What the batch would do, row by row; writes nothing."""
    return _preview(actor, file)[0]


def _preview(actor, file) -> tuple[dict, dict]:
    rows, loaded = _preview_rows(actor, _rows(file))
    preview = {
        "rows": rows,
        "total": len(rows),
        "ready": sum(1 for r in rows if r["ok"]),
        "refused": sum(1 for r in rows if not r["ok"]),
    }
    return preview, loaded


def graduation_start(*, actor, file) -> dict:
    """Start every row's transfer out in one transaction, or none when any row is refused
    (400 `batch_rows_invalid` with the preview in `details.preview`)."""
    preview, loaded = _preview(actor, file)
    if preview["refused"] or not preview["rows"]:
        raise ValidationFailed(
            _("名单有 %(n)s 行不能发起，未发起任何转接。") % {"n": preview["refused"]},
            code="batch_rows_invalid",
            fields={"file": [_("%(n)s 行不能发起，见逐行预览") % {"n": preview["refused"]}]},
            preview=preview,
        )
    batch = f"{today():%Y%m%d}-{uuid.uuid4().hex[:6]}"
    starts = []
    for r in preview["rows"]:
        member, organization = loaded[r["row"]]
        starts.append(
            {
                "organization": organization,
                "subject_member": member,
                "business_key": f"{BATCH_PREFIX}{batch}",
                "data": {
                    "member": {"id": r["member"]},
                    "destination": r["destination"],
                    "receiving_organization": r["receiving_organization"],
                    "batch": batch,
                },
            }
        )
    cases = cases_start_many(actor=actor, process_id=OUT, starts=starts)
    return {"batch": batch, "started": len(cases), "cases": [c.pk for c in cases]}


def graduation_summary(*, actor, batch: str) -> dict:
    """The batch's progress in the actor's scope: letters issued, receipts returned, retained,
    overdue (an open step past its deadline), and each case's line."""
    cases = list(
        cases_visible(actor)
        .filter(business_key=f"{BATCH_PREFIX}{batch}")
        .select_related("subject_member")
        .order_by("organization__path", "id")
    )
    now = timezone.now()
    overdue = set(
        Task.objects.filter(
            case_id__in=[c.pk for c in cases], status=TaskStatus.OPEN, due_at__lt=now
        ).values_list("case_id", flat=True)
    )
    labels = registry.code_labels_for(OUT).get("destination", {})
    rows = [
        {
            "case": c.pk,
            "member": c.subject_member_id,
            "name": c.subject_member.name if c.subject_member else c.subject,
            "branch_name": c.organization.name,
            "destination": c.data.get("destination"),
            "destination_display": str(labels.get(c.data.get("destination"), "")),
            "receiving_organization": c.data.get("receiving_organization", ""),
            "letter_serial": c.data.get("letter_serial", ""),
            "issued_on": c.data.get("issued_on", ""),
            "receipt_received_on": c.data.get("received_on", ""),
            "status": c.status,
            "status_display": c.get_status_display(),
            "stage": str(_(c.stage)) if c.stage else "",
            "overdue": c.pk in overdue,
        }
        for c in cases
    ]
    if not rows:  # none in scope reads like none at all
        raise NotFound(_("批次不存在。"), code="batch_not_found")
    first = min(cases, key=lambda c: c.created_at)
    letter_rows = [r for r in rows if r["destination"] != "retained"]
    return {
        "batch": batch,
        "title": batch_title(
            started_at=first.created_at,
            started_by=user_names([first.started_by_id]).get(first.started_by_id, ""),
        ),
        "total": len(rows),
        "letters_issued": sum(1 for r in letter_rows if r["letter_serial"]),
        "receipts_returned": sum(1 for r in letter_rows if r["receipt_received_on"]),
        "retained": sum(1 for r in rows if r["destination"] == "retained"),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "rows": rows,
    }


CSV_COLUMNS = (
    ("name", "姓名"),
    ("branch_name", "党支部"),
    ("destination_display", "去向"),
    ("receiving_organization", "接收党组织"),
    ("letter_serial", "介绍信编号"),
    ("issued_on", "开具日期"),
    ("receipt_received_on", "回执收到日期"),
    ("stage", "当前环节"),
    ("overdue", "逾期"),
)


def summary_csv(summary: dict) -> str:
    """The batch's lines as CSV (UTF-8 with BOM, so Excel reads the Chinese)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _k, label in CSV_COLUMNS])
    for r in summary["rows"]:
        writer.writerow(  # a name starting "=", "+", "-", "@" is not a formula
            csv_row(
                ["是" if r[k] is True else "" if r[k] is False else r[k] for k, _l in CSV_COLUMNS]
            )
        )
    return "\ufeff" + buf.getvalue()


def batch_title(*, started_at, started_by: str) -> str:
    """What people call a batch (its id stays in the URL): the graduates' year (届, the year of
    the upload: a batch is uploaded as its members graduate), the day it was uploaded and who
    uploaded it — "2026届毕业生转接（2026-06-15 上传，张三）"."""
    day = parse_date(started_at)
    return _("%(year)s届毕业生转接（%(day)s 上传，%(who)s）") % {
        "year": day.year,
        "day": day.isoformat(),
        "who": started_by or SYSTEM_NAME,
    }


def recent_batches(actor) -> list[dict]:
    """The batches in the actor's scope, newest first, with their title and size (one query for
    the batches, one for the names of who uploaded them)."""
    heads = list(
        cases_visible(actor)
        .filter(process_id=OUT, business_key__startswith=BATCH_PREFIX)
        .values("business_key")
        .annotate(total=Count("pk"), started_at=Min("created_at"), started_by=Min("started_by"))
        .order_by("-started_at")
    )
    names = user_names(h["started_by"] for h in heads)
    return [
        {
            "batch": h["business_key"][len(BATCH_PREFIX) :],
            "title": batch_title(
                started_at=h["started_at"], started_by=names.get(h["started_by"], "")
            ),
            "total": h["total"],
        }
        for h in heads
    ]


__all__ = [
    "graduation_preview",
    "graduation_start",
    "graduation_summary",
    "recent_batches",
    "summary_csv",
    "summary_workbook",
    "template_workbook",
]


def template_workbook() -> bytes:
    """The graduates' list an organization department fills in: the header row the upload reads,
    one example row, and a sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "毕业生名单"
    ws.append(["学号", "姓名", "去向", "接收党组织"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["20230001", "张三", "工作单位", "中共某某科技有限公司委员会"])
    for col, width in zip("ABCD", (14, 12, 14, 36), strict=True):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "填写"])
    notes.append(["学号", "党员的学号（同名者须填学号）；填了学号时姓名可不填"])
    notes.append(["姓名", "未填学号时按姓名查找"])
    notes.append(["去向", "工作单位、人才服务机构、居住地或保留在学校"])
    notes.append(["接收党组织", "介绍信抬头（接收的基层党委全称）；保留在学校时不填"])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 60
    text_cells(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_workbook(summary: dict) -> bytes:
    """The batch's lines as an Excel workbook: every cell text (a name starting "=" stays a name,
    `untrusted.cells`), dates as the records have them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "毕业生转接"
    ws.append(["批次", summary["title"]])
    ws.append(
        [
            "人数",
            summary["total"],
            "已开介绍信",
            summary["letters_issued"],
            "已收回执",
            summary["receipts_returned"],
            "保留",
            summary["retained"],
            "逾期",
            summary["overdue"],
        ]
    )
    ws.append([])
    ws.append([label for _k, label in CSV_COLUMNS])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for r in summary["rows"]:
        ws.append(
            [
                "是" if r[k] is True else "" if r[k] is False else (r[k] or "")
                for k, _l in CSV_COLUMNS
            ]
        )
    for col, width in zip("ABCDEFGHI", (12, 24, 14, 32, 14, 12, 14, 18, 6), strict=True):
        ws.column_dimensions[col].width = width
    text_cells(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
