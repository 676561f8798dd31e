"""The onboarding workbook brings a university's members already out of contact (失去联系党员):
失去联系日期 / 失去联系情形 on the 党员 sheet write the same `LostContact` record the branch writes,
logged as imported with the row, so 党统 表43 counts them from the first day; bad values are
refused naming row and column and nothing is written; the export carries them back."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from onboarding.sample import small_university
from organizations.models import LostContact, Member, Organization, RecordEvent

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
