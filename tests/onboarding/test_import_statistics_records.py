"""What the new statistics tables count, brought in by the onboarding workbook's 党员 sheet:
members already out of contact (失去联系日期 / 失去联系情形: the same `LostContact` record the branch
writes, logged as imported with the row, so 党统 表43 counts them from the first day), and members who
left by 除名 / 开除党籍 with what for (出党日期, 违纪行为: 表11 counts them by category and C2 no
longer names them). Bad values are refused naming row and column and nothing is written; the export
carries an open lost contact back."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from onboarding.sample import small_university
from organizations.models import LostContact, Member, Organization, RecordEvent
from procedures.member_development.models import StatusChange

from .test_import import NOW, TODAY, orgdept, post, workbook  # noqa: F401  (orgdept: a fixture)

pytestmark = pytest.mark.django_db


def retired_rows(u):
    """The retired branch's members (rows 20-23): no officer or ledger row refers to them."""
    return u.rows["members"][18:22]


def with_cell(file, sheet_title, row, header, value) -> SimpleUploadedFile:
    """The workbook with one cell typed over (a value the sample's writer would not write)."""
    wb = load_workbook(io.BytesIO(file.read()))
    ws = wb[sheet_title]
    col = [c.value for c in ws[1]].index(header) + 1
    ws.cell(row=row, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(file.name, buf.getvalue())


def table(client, key, cutoff=TODAY):
    root = Organization.objects.get(code="100")
    r = client.get("/api/statistics/", {"organization": root.pk, "cutoff": cutoff.isoformat()})
    assert r.status_code == 200, r.json()
    return r.json(), {t["key"]: t for t in r.json()["tables"]}[key]


def cell(t, row, col):
    r = next(r for r in t["rows"] if r["key"] == row)
    return next(c for c in r["cells"] if c["col"] == col)["value"]


@time_machine.travel(NOW, tick=False)
def test_members_out_of_contact_are_imported_and_counted_in_table_43(orgdept):
    u = small_university(TODAY)
    long_lost, lately_lost = retired_rows(u)[:2]
    long_lost.update(lost_on="2025/3/1", lost_reason="migrant_work")  # written as 外出务工经商
    lately_lost.update(lost_on="2026年6月1日", lost_reason="moved")
    r = post(orgdept, workbook(u))
    assert r.status_code == 201, r.json()

    records = {
        (c.member.staff_or_student_no, c.lost_on, c.reason, c.found_on)
        for c in LostContact.objects.select_related("member")
    }
    assert records == {
        (long_lost["staff_or_student_no"], dt.date(2025, 3, 1), "migrant_work", None),
        (lately_lost["staff_or_student_no"], dt.date(2026, 6, 1), "moved", None),
    }
    logged = RecordEvent.objects.filter(action="member_contact_lost_imported")
    assert sorted(
        (e.entity_label, e.data["source"]["sheet"], e.data["source"]["row"]) for e in logged
    ) == [
        (long_lost["name"], "党员", 20),
        (lately_lost["name"], "党员", 21),
    ]

    # 表43 on 2026-11-20: lost since 2025-03-01 is over 6 months (counted: 1 year 8 months, band
    # 1–5 years, 外出务工经商); lost since 2026-06-01 is under 6 months (not yet counted).
    _body, lost = table(orgdept, "lost_contact")
    assert cell(lost, "total", "total") == 1
    assert cell(lost, "total", "migrant_work") == 1
    assert cell(lost, "total", "moved") == 0

    # The same file again: nothing new, no second record.
    again = post(orgdept, workbook(u))
    assert again.status_code == 201, again.json()
    assert LostContact.objects.count() == 2 and logged.count() == 2


@time_machine.travel(NOW, tick=False)
def test_bad_lost_contact_cells_are_refused_naming_row_and_column(orgdept):
    u = small_university(TODAY)
    rows = retired_rows(u)
    rows[0].update(lost_on="2025-03-01")  # no 情形
    rows[1].update(lost_on="2025-03-01", lost_reason="other")  # 出差 below: not a 表43 reason
    rows[2].update(lost_on=rows[2]["joined_on"] - dt.timedelta(days=1), lost_reason="other")
    rows[3].update(lost_on="2027-01-01", lost_reason="other")  # in the future
    r = post(orgdept, with_cell(workbook(u), "党员", 21, "失去联系情形", "出差"))
    assert r.status_code == 400, r.json()
    errors = {
        (e["sheet"], e["row"], e["column"], e["code"])
        for e in r.json()["details"]["report"]["errors"]
    }
    assert errors == {
        ("党员", 20, "失去联系情形", "required"),
        ("党员", 21, "失去联系情形", "invalid_choice"),
        ("党员", 22, "失去联系日期", "date_out_of_order"),
        ("党员", 23, "失去联系日期", "date_in_future"),
    }
    assert Member.objects.count() == 0 and LostContact.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_member_already_lost_since_another_day_is_refused(orgdept):
    u = small_university(TODAY)
    row = retired_rows(u)[0]
    row.update(lost_on=dt.date(2025, 3, 1), lost_reason="other")
    assert post(orgdept, workbook(u)).status_code == 201
    row["lost_on"] = dt.date(2025, 4, 1)
    r = post(orgdept, workbook(u))
    assert r.status_code == 400, r.json()
    [error] = r.json()["details"]["report"]["errors"]
    assert (error["row"], error["column"], error["code"]) == (
        20,
        "失去联系日期",
        "member_already_lost",
    )
    assert "2025-03-01" in error["message"]
    assert list(LostContact.objects.values_list("lost_on", flat=True)) == [dt.date(2025, 3, 1)]


@time_machine.travel(NOW, tick=False)
def test_the_export_carries_an_open_lost_contact_and_imports_back_unchanged(orgdept):
    u = small_university(TODAY)
    row = retired_rows(u)[0]
    row.update(lost_on=dt.date(2025, 3, 1), lost_reason="abroad")
    assert post(orgdept, workbook(u)).status_code == 201
    root = Organization.objects.get(code="100")
    r = orgdept.get(f"/api/onboarding/export/?organization={root.pk}")
    sheet = load_workbook(io.BytesIO(r.content))["党员"]
    headers = [c.value for c in sheet[1]]
    got = next(
        dict(zip(headers, [c.value for c in x], strict=False))
        for x in sheet.iter_rows(min_row=2)
        if x[0].value == row["staff_or_student_no"]
    )
    assert (got["失去联系日期"].date(), got["失去联系情形"]) == (dt.date(2025, 3, 1), "出国（境）")
    body = post(orgdept, SimpleUploadedFile("export.xlsx", r.content)).json()
    assert body["counts"]["members"]["errors"] == 0 and LostContact.objects.count() == 1


def c2_people(body, table_key) -> set[str]:
    """The names the failed C2 checks of a table name."""
    return {
        name
        for c in body["checks"]
        if c["code"] == "C2" and not c["ok"] and any(x["table"] == table_key for x in c["cells"])
        for name in (p["name"] for p in c["people"])
    }


@time_machine.travel(NOW, tick=False)
def test_removals_are_imported_with_what_they_were_for_and_counted_in_table_11(orgdept):
    u = small_university(TODAY)
    removed, expelled, unknown = retired_rows(u)[:3]
    removed.update(status="removed", left_on="2026/5/10", misconduct="ideals")
    expelled.update(status="expelled", left_on="2026年3月1日", misconduct="cadre_selection")
    unknown.update(status="removed", left_on=dt.date(2026, 4, 1))  # the file does not say why
    r = post(orgdept, workbook(u))
    assert r.status_code == 201, r.json()
    status = dict(Member.objects.values_list("staff_or_student_no", "status"))
    assert [status[x["staff_or_student_no"]] for x in (removed, expelled, unknown)] == [
        "removed",
        "expelled",
        "removed",
    ]

    # 表11 of 2026: 3 exits, 1 开除党籍 and 2 除名; by what for: 理想信念缺失 1, 违反组织纪律 1 of
    # which 违反干部选拔任用规定 1; the third has no category: in 总计, in no row.
    body, t11 = table(orgdept, "exits_by_misconduct")
    assert (cell(t11, "total", "total"), cell(t11, "total", "expelled")) == (3, 1)
    assert cell(t11, "total", "removed") == 2
    assert cell(t11, "ideals", "removed") == 1
    assert cell(t11, "organizational", "expelled") == 1
    assert cell(t11, "cadre_selection", "expelled") == 1
    rows = [r["key"] for r in t11["rows"] if r["key"] not in ("total", "cadre_selection")]
    assert sum(cell(t11, k, "total") for k in rows) == 2
    # C2 names the one the file did not categorize, not the two it did.
    assert c2_people(body, "exits_by_misconduct") == {unknown["name"]}

    # The corrected file says what it was for: imported again, C2 names no one, and the 除名 is
    # one event in the status history, not two.
    unknown["misconduct"] = "other"
    assert post(orgdept, workbook(u)).status_code == 201
    body, t11 = table(orgdept, "exits_by_misconduct")
    assert c2_people(body, "exits_by_misconduct") == set()
    assert cell(t11, "other", "removed") == 1 and cell(t11, "total", "total") == 3
    events = StatusChange.objects.filter(member__staff_or_student_no=unknown["staff_or_student_no"])
    assert [(e.event, e.effective_on, e.misconduct) for e in events] == [
        ("removal", dt.date(2026, 4, 1), "other")
    ]

    # The export writes them back as the office typed them, and imports back unchanged.
    root = Organization.objects.get(code="100")
    r = orgdept.get(f"/api/onboarding/export/?organization={root.pk}")
    sheet = load_workbook(io.BytesIO(r.content))["党员"]
    headers = [c.value for c in sheet[1]]
    got = {
        x[0].value: dict(zip(headers, [c.value for c in x], strict=False))
        for x in sheet.iter_rows(min_row=2)
    }
    assert [
        (
            got[x["staff_or_student_no"]]["党籍状态"],
            got[x["staff_or_student_no"]]["出党日期"].date(),
            got[x["staff_or_student_no"]]["违纪行为"],
        )
        for x in (removed, expelled, unknown)
    ] == [
        ("除名/自行脱党", dt.date(2026, 5, 10), "理想信念缺失"),
        ("开除党籍", dt.date(2026, 3, 1), "违反组织纪律：违反干部选拔任用规定"),
        ("除名/自行脱党", dt.date(2026, 4, 1), "其他"),
    ]
    back = post(orgdept, SimpleUploadedFile("export.xlsx", r.content)).json()
    assert back["counts"]["members"]["errors"] == back["counts"]["members"]["updated"] == 0, back
    assert StatusChange.objects.filter(event__in=["removal", "expulsion"]).count() == 3


@time_machine.travel(NOW, tick=False)
def test_bad_removal_cells_are_refused_naming_row_and_column(orgdept):
    u = small_university(TODAY)
    rows = retired_rows(u)
    rows[0].update(misconduct="ideals")  # a 正式党员: no 违纪行为
    rows[1].update(status="removed")  # no 出党日期
    rows[2].update(status="expelled", left_on=dt.date(2026, 3, 1))  # 违纪行为 "迟到" below
    rows[3].update(left_on=dt.date(2026, 3, 1))  # a 正式党员: no 出党日期
    r = post(orgdept, with_cell(workbook(u), "党员", 22, "违纪行为", "迟到"))
    assert r.status_code == 400, r.json()
    errors = {
        (e["sheet"], e["row"], e["column"], e["code"])
        for e in r.json()["details"]["report"]["errors"]
    }
    assert errors == {
        ("党员", 20, "违纪行为", "misconduct_not_applicable"),
        ("党员", 21, "出党日期", "required"),
        ("党员", 22, "违纪行为", "invalid_choice"),
        ("党员", 23, "出党日期", "left_on_needs_left_status"),
    }
    assert Member.objects.count() == 0 and StatusChange.objects.count() == 0
