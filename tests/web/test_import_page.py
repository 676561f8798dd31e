"""The records import page as an office uses it: the template to fill in, the date forms offices
type, and a long workbook's progress shown while it is imported (streamed in the one request)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from orglife.importing import parse_workbook
from orglife.models import DuesPayment

from .helpers import text

pytestmark = pytest.mark.django_db


def dues_workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "党费"
    ws.append(["党员", "月份", "金额", "缴纳日期"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def year_of_dues(u, paid_on="2026年1月5日"):
    """250 rows: 9 members × 24 months (2024-01 … 2025-12) + 34 of 2026, dates as typed."""
    rows = [
        [m.name, f"{y}.{mo:02d}", 10, paid_on]
        for m in u.full_a
        for y in (2024, 2025)
        for mo in range(1, 13)
    ]
    rows += [[m.name, f"2026/{mo}", 10, "2026/7/1"] for m in u.full_a for mo in range(1, 5)][:34]
    return rows


def test_the_template_reads_back_as_an_empty_import_with_every_sheet(university, web):
    r = web(university.users.sec_a).get("/records/import/template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:3] == ["填写说明", "党费", "组织生活"]
    assert [c.value for c in wb["党费"][1]] == ["党员", "月份", "金额", "缴纳日期"]
    notes = " ".join(str(row[0]) for row in wb["填写说明"].iter_rows(values_only=True))
    assert "2025年7月1日" in notes and "主题党日" in notes
    parsed = parse_workbook(SimpleUploadedFile("模板.xlsx", r.content))
    assert parsed.errors == [] and parsed.dues == [] and parsed.attendance == []
    assert web(university.users.member_a).get("/records/import/template.xlsx").status_code == 404


def test_the_page_offers_the_template_and_names_the_date_forms(university, web):
    page = web(university.users.sec_a).get("/records/import/")
    assert 'href="/records/import/template.xlsx"' in page.content.decode()
    assert "2025年7月1日" in text(page) and "下载导入模板" in text(page)


def test_a_long_workbook_shows_its_progress_then_the_result(university, web, monkeypatch):
    u = university
    monkeypatch.setattr("web.views_reports.IMPORT_STREAM_BYTES", 0)
    content = dues_workbook(year_of_dues(u))
    r = web(u.users.sec_a).post(
        "/records/import/",
        {"organization": u.branch_a.pk, "file": SimpleUploadedFile("年度党费.xlsx", content)},
    )
    assert r.status_code == 200 and r.streaming
    parts = [p.decode() for p in r.streaming_content]
    body = "".join(parts)
    steps = [text_of for text_of in parts if "import-step" in text_of]
    assert "已检查 0 / 250 行" in steps[0] and "已检查 100 / 250 行" in body
    assert "已检查 200 / 250 行" in body
    assert body.index("已检查 200 / 250 行") < body.index(
        "已导入：会议 0 次，出席记录 0 条，党费 250 条。"
    )
    assert body.rstrip().endswith("</html>")
    assert DuesPayment.objects.count() == 250


def test_a_long_workbook_with_a_wrong_row_imports_nothing_and_lists_it(
    university, web, monkeypatch
):
    u = university
    monkeypatch.setattr("web.views_reports.IMPORT_STREAM_BYTES", 0)
    rows = year_of_dues(u)
    rows[150][3] = "7/1/2026"  # sheet row 152: not a date form an office types here
    r = web(u.users.sec_a).post(
        "/records/import/",
        {
            "organization": u.branch_a.pk,
            "file": SimpleUploadedFile("年度党费.xlsx", dues_workbook(rows)),
        },
    )
    body = "".join(p.decode() for p in r.streaming_content)
    assert "未导入任何记录" in body and "152" in body and "2025年7月1日" in body
    assert not DuesPayment.objects.exists()
