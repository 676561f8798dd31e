"""The dues pages through the test client: the branch enters the year's bases, ticks a month's
payment (htmx: the row comes back paid), a month outside the 补交 window cannot be ticked; the
committee reads the remittance summary and exports it; the member page shows the paid-through
month; another branch's sheet is not found."""

import io
import re

import pytest
import time_machine
from openpyxl import load_workbook

from orglife.models import DuesAssessment
from tests.helpers import cst

from .helpers import text

pytestmark = pytest.mark.django_db
DECEMBER = cst(2026, 12, 15, 10)


def _bases(client, u, **values):
    data = {"organization": u.branch_a.pk, "year": 2026}
    for m in u.full_a[:3]:
        data[f"category_{m.pk}"] = "working"
        data[f"base_{m.pk}"] = "4500"
    data.update(values)
    return client.post("/records/dues/bases/", data)


def test_branch_enters_bases_ticks_payments_and_the_committee_reads_the_summary(university, web):
    u = university
    with time_machine.travel(DECEMBER, tick=True):
        sec = web(u.users.sec_a)
        bad = _bases(sec, u, **{f"base_{u.full_a[1].pk}": "四千五"})
        assert bad.status_code == 400 and "未保存任何一行" in text(bad)
        assert not DuesAssessment.objects.exists()
        r = _bases(
            sec, u, **{f"category_{u.full_a[2].pk}": "student", f"base_{u.full_a[2].pk}": ""}
        )
        assert r.status_code == 302
        page = sec.get(r["Location"])
        assert "45.00" in text(page) and "1%" in text(page) and "0.20" in text(page)

        sheet = sec.get("/records/dues/", {"organization": u.branch_a.pk, "month": "2026-12"})
        assert sheet.status_code == 200
        assert "已交 0 / 11 人" in text(sheet) and "应收 90.20 元" in text(sheet)
        # the university's dues rules, as its rule set sets them
        assert "党费基数的取整方式" in text(sheet) and "保留到分，四舍五入" in text(sheet)
        assert (
            "学生党员每月交纳党费（元） 0.20 《关于中国共产党党费收缴、使用和管理的规定》第6条"
            in text(sheet)
        )
        tick = sec.post(
            "/records/dues/tick/",
            {"member": u.full_a[0].pk, "month": "2026-12"},
            HTTP_HX_REQUEST="true",
        )
        row = text(tick)
        assert tick.status_code == 200 and "已交 45.00" in row and "交至 2026年12月" in row
        late = sec.post(
            "/records/dues/tick/",
            {"member": u.full_a[0].pk, "month": "2026-07"},
            HTTP_HX_REQUEST="true",
        )
        assert "补交" in text(late)
        closed = sec.get("/records/dues/", {"organization": u.branch_a.pk, "month": "2026-05"})
        assert "超过补交期限" in text(closed) and "记为已交" not in text(closed)
        refused = sec.post(
            "/records/dues/tick/",
            {"member": u.full_a[1].pk, "month": "2026-05"},
            HTTP_HX_REQUEST="true",
        )
        assert "超过补交期限" in text(refused)

        other = web(u.users.sec_b)
        assert other.get("/records/dues/", {"organization": u.branch_a.pk}).status_code == 404
        assert (
            other.post(
                "/records/dues/tick/", {"member": u.full_a[1].pk, "month": "2026-12"}
            ).status_code
            == 404
        )

        officer = web(u.users.officer)
        summary = officer.get("/committee/dues/", {"organization": u.college.pk, "year": 2026})
        assert summary.status_code == 200 and "全年实收 90.00 元" in text(summary)
        export = officer.get("/committee/dues.xlsx", {"organization": u.college.pk, "year": 2026})
        ws = load_workbook(io.BytesIO(export.content)).active
        assert [c.value for c in ws[ws.max_row]][-1] == pytest.approx(90.0)
        record = officer.get(f"/members/{u.full_a[0].pk}/development/")
        # paid December and July (补交): paid through July, August is the first month owed
        assert "党费交至 2026年7月" in text(record)


def test_the_branch_submits_an_exemption_and_the_college_officer_approves_it(university, web):
    u = university
    with time_machine.travel(DECEMBER, tick=True):
        sec = web(u.users.sec_a)
        assert _bases(sec, u).status_code == 302
        target = DuesAssessment.objects.get(member=u.full_a[1], year=2026)
        bases = {"organization": u.branch_a.pk, "year": 2026, "relief_for": target.pk}
        no_reason = sec.post("/records/dues/bases/", {**bases, "relief": "exempt", "reason": ""})
        assert no_reason.status_code == 400 and "请填写申请理由" in text(no_reason)
        r = sec.post(
            "/records/dues/bases/", {**bases, "relief": "exempt", "reason": "长期患病，生活困难"}
        )
        assert r.status_code == 302
        assert "免交（全年）：待党委审批" in text(sec.get(r["Location"]))
        # the branch cannot decide its own application; the college officer can
        page = sec.get("/committee/dues/", {"organization": u.branch_a.pk})
        assert "待上级党委审批" in text(page) and "批准" not in text(page).replace(
            "待上级党委审批", ""
        )
        officer = web(u.users.officer)
        page = officer.get("/committee/dues/", {"organization": u.college.pk, "year": 2026})
        assert "长期患病，生活困难" in text(page)
        r = officer.post(
            f"/committee/dues/relief/{target.pk}/",
            {"decision": "approve", "note": "同意", "organization": u.college.pk},
        )
        assert r.status_code == 302
        assert "已审批" in text(officer.get(r["Location"]))
        sheet = sec.get("/records/dues/", {"organization": u.branch_a.pk, "month": "2026-12"})
        row = re.search(r"甲1.*?</tr>", sheet.content.decode(), re.S).group(0)
        assert "0.00" in row and "免交" in row and "记为已交" not in row
        assert web(u.users.sec_b).post(f"/committee/dues/relief/{target.pk}/").status_code == 404
