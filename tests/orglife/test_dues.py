"""Party dues through the API, as the branch, the committee and the organization department use
them: the yearly assessment (bulk entry, payroll import), 少交/免交 decided by the higher committee,
the monthly collection with its 补交 window, the paid-through month, the remittance summary and its
export. Amounts are written by hand from the bracket table (DUES-2008 Art. 2, 5, 6)."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from organizations.services import member_update
from orglife.dues_selectors import dues_collection, dues_paid_through, dues_remittance
from orglife.models import DuesAssessment, DuesPayment
from tests.factories import MemberFactory
from tests.helpers import cst
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

DECEMBER = cst(2026, 12, 15, 10)


def _assess(api, u, rows, year=2026, user=None):
    return api(user or u.users.sec_a).post(
        "/api/dues-assessments/",
        {"organization": u.branch_a.pk, "year": year, "rows": rows},
        format="json",
    )


def _three(u):
    a = u.full_a
    return [
        {"member": a[2].pk, "category": "working", "base": "4500"},
        {"member": a[3].pk, "category": "retired", "base": "6200"},
        {"member": a[4].pk, "category": "student"},
    ]


def test_branch_enters_the_years_bases_and_reads_each_members_monthly_dues(university, api):
    u = university
    r = _assess(api, u, _three(u))
    assert r.status_code == 201, r.json()
    got = {
        s["member_name"]: (s["category_display"], s["base"], s["monthly_due"])
        for s in r.json()["saved"]
    }
    assert got == {
        "甲2": ("在职", "4500.00", "45.00"),  # 3000–5000: 1% of the whole base
        "甲3": ("离退休", "6200.00", "62.00"),  # >5000: 1%
        "甲4": ("学生", None, "0.20"),
    }
    sheet = (
        api(u.users.officer)
        .get("/api/dues-assessments/", {"organization": u.branch_a.pk, "year": 2026})
        .json()
    )
    by_name = {row["member_name"]: row["assessment"] for row in sheet["rows"]}
    assert by_name["甲2"]["monthly_due"] == "45.00" and by_name["甲5"] is None
    assert AuditEvent.objects.filter(action="dues_assessed", actor=u.users.sec_a).count() == 3


def test_a_bad_row_saves_nothing_and_names_the_row_and_field(university, api):
    u = university
    rows = _three(u)
    rows[1]["base"] = "六千"
    r = _assess(api, u, rows)
    assert r.status_code == 400
    assert r.json()["code"] == "dues_assessment_invalid"
    assert list(r.json()["fields"]) == ["rows[1].base"]
    assert not DuesAssessment.objects.exists()
    rows = _three(u) + [{"member": u.full_b[0].pk, "category": "working", "base": "100"}]
    r = _assess(api, u, rows)
    assert r.status_code == 400 and "rows[3].member" in r.json()["fields"]


def test_only_the_branch_enters_bases_and_other_branches_see_nothing(university, api):
    u = university
    r = _assess(api, u, _three(u), user=u.users.officer)
    assert r.status_code == 400 and r.json()["code"] == "organization_not_in_scope"
    r = _assess(api, u, _three(u), user=u.users.sec_b)
    assert r.status_code == 404
    r = api(u.users.sec_b).get(
        "/api/dues-assessments/", {"organization": u.branch_a.pk, "year": 2026}
    )
    assert r.status_code == 404
    r = api(u.users.sec_a).get(
        "/api/dues-assessments/", {"organization": u.branch_a.pk, "year": "x"}
    )
    assert r.status_code == 400 and "year" in r.json()["fields"]


def _payroll(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "工资表.xlsx"
    return out


def test_bases_are_imported_from_the_payroll_after_the_deductions(university, api):
    u = university
    member_update(actor=None, member=u.full_a[3], staff_or_student_no="T0003")
    member_update(actor=None, member=u.full_a[5], person_category="retired")
    f = _payroll(
        [
            [
                "学工号",
                "姓名",
                "岗位工资",
                "薪级工资",
                "基础性绩效",
                "津贴补贴",
                "养老保险",
                "医疗保险",
                "职业年金",
                "住房公积金",
                "个人所得税",
                "奖励性绩效",
            ],
            # 3200 + 1800 + 2500 + 600 − 640 − 160 − 320 − 960 − 120 = 5900 → 1.5% = 88.50
            ["T0003", "", 3200, 1800, 2500, 600, 640, 160, 320, 960, 120, 9999],
            # 2100 + 900 + 1500 + 0 − 420 − 105 − 210 − 630 − 0 = 3135 → 1% = 31.35
            ["", "甲2", 2100, 900, 1500, None, 420, 105, 210, 630, None, 5000],
            # a retiree by the roster: 4800 → 0.5% = 24.00
            ["", "甲5", 4800, None, None, None, None, None, None, None, None, None],
        ]
    )
    r = api(u.users.sec_a).post(
        "/api/dues-assessments/import/",
        {"organization": u.branch_a.pk, "year": 2026, "file": f},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    got = {
        s["member_name"]: (s["category"], s["base"], s["monthly_due"]) for s in r.json()["saved"]
    }
    assert got == {
        "甲3": ("working", "5900.00", "88.50"),
        "甲2": ("working", "3135.00", "31.35"),
        "甲5": ("retired", "4800.00", "24.00"),
    }
    assert {a.source for a in DuesAssessment.objects.all()} == {"payroll"}
    bad = _payroll([["姓名", "岗位工资"], ["甲2", "三千"], ["无名氏", 100]])
    r = api(u.users.sec_a).post(
        "/api/dues-assessments/import/",
        {"organization": u.branch_a.pk, "year": 2027, "file": bad},
        format="multipart",
    )
    assert r.status_code == 400 and r.json()["code"] == "payroll_invalid"
    assert set(r.json()["fields"]) == {"Sheet!2.岗位工资", "Sheet!3.姓名"}
    assert not DuesAssessment.objects.filter(year=2027).exists()


def test_the_committee_approves_an_exemption_the_branch_submits_and_it_is_not_collected(
    university, api
):
    u = university
    saved = _assess(api, u, _three(u)).json()["saved"]
    retiree = next(s for s in saved if s["member_name"] == "甲3")
    url = f"/api/dues-assessments/{retiree['id']}/relief/"
    r = api(u.users.sec_a).post(
        url, {"relief": "reduced", "reason": "大病", "amount": "70"}, format="json"
    )
    assert r.status_code == 400 and "amount" in r.json()["fields"]  # not less than 62.00
    r = api(u.users.sec_a).post(
        url, {"relief": "exempt", "reason": "长期患病，生活困难"}, format="json"
    )
    assert r.status_code == 200 and r.json()["relief_status_display"] == "待党委审批"
    assert r.json()["monthly_due"] == "62.00"  # due until the committee approves
    pending = api(u.users.officer).get("/api/dues-reliefs/").json()["results"]
    assert [p["member_name"] for p in pending] == ["甲3"]
    decide = f"/api/dues-assessments/{retiree['id']}/relief/decision/"
    r = api(u.users.sec_a).post(decide, {"approve": True}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "dues_relief_not_committee"
    assert api(u.users.sec_b).post(decide, {"approve": True}, format="json").status_code == 404
    r = api(u.users.officer).post(decide, {"approve": True, "note": "同意免交"}, format="json")
    assert r.status_code == 200
    assert (r.json()["relief_status_display"], r.json()["monthly_due"]) == ("已批准", "0.00")
    with time_machine.travel(DECEMBER, tick=False):
        r = api(u.users.sec_a).post(
            "/api/dues-collection/collect/",
            {"member": u.full_a[3].pk, "month": "2026-12"},
            format="json",
        )
    assert r.status_code == 400 and r.json()["code"] == "dues_exempt"


def test_monthly_collection_records_the_assessed_amount_and_late_payments_within_six_months(
    university, api
):
    u = university
    _assess(api, u, _three(u))
    member = u.full_a[2].pk
    client = api(u.users.sec_a)
    with time_machine.travel(DECEMBER, tick=False):
        r = client.post(
            "/api/dues-collection/collect/", {"member": member, "month": "2026-12"}, format="json"
        )
        assert r.status_code == 201, r.json()
        assert (r.json()["amount"], r.json()["late"], r.json()["paid_through"]) == (
            "45.00",
            False,
            "2026-12",
        )
        # 补交 normally ≤ 6 months (DUES-2008 Art. 12): in December, June is the earliest month
        r = client.post(
            "/api/dues-collection/collect/", {"member": member, "month": "2026-05"}, format="json"
        )
        assert r.status_code == 400 and r.json()["code"] == "dues_late_window_closed"
        assert "month" in r.json()["fields"] and "2026-06" in r.json()["message"]
        for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
            r = client.post(
                "/api/dues-collection/collect/", {"member": member, "month": month}, format="json"
            )
            assert r.status_code == 201 and r.json()["late"] is True
        # November unpaid: paid through October only, from the first payment (June) on
        assert dues_paid_through([member]) == {member: dt.date(2026, 10, 1)}
        r = client.post(
            "/api/dues-collection/collect/", {"member": member, "month": "2026-12"}, format="json"
        )
        assert r.status_code == 409 and r.json()["code"] == "dues_already_recorded"
        r = client.post(
            "/api/dues-collection/collect/", {"member": member, "month": "2027-01"}, format="json"
        )
        assert r.status_code == 400 and r.json()["code"] == "dues_not_assessed"
        r = client.post(
            "/api/dues-collection/collect/", {"member": member, "month": "2026-13"}, format="json"
        )
        assert r.status_code == 400 and "month" in r.json()["fields"]
        r = client.post(
            "/api/dues-collection/collect/", {"member": member, "month": "2026-11"}, format="json"
        )
        assert r.status_code == 201
        sheet = client.get(
            "/api/dues-collection/", {"organization": u.branch_a.pk, "month": "2026-11"}
        ).json()
    rows = {row["member_name"]: row for row in sheet["rows"]}
    assert rows["甲2"]["state"] == "paid" and rows["甲2"]["paid_through"] == "2026-12"
    assert rows["甲3"]["state"] == "due" and rows["甲3"]["due"] == "62.00"
    assert rows["甲5"]["state"] == "not_assessed"
    assert sheet["paid_count"] == 1 and sheet["due_total"] == "107.20"  # 45 + 62 + 0.20
    r = api(u.users.officer).get("/api/dues-paid-through/", {"member": member})
    assert r.json() == {"member": member, "member_name": "甲2", "paid_through": "2026-12"}
    assert api(u.users.sec_b).get("/api/dues-paid-through/", {"member": member}).status_code == 404
    assert DuesPayment.objects.count() == 7


def test_remittance_summary_by_month_for_the_college_and_the_university_with_export(
    university, api
):
    u = university
    _assess(api, u, _three(u))
    client = api(u.users.sec_a)
    with time_machine.travel(DECEMBER, tick=False):
        for m in (u.full_a[2], u.full_a[3], u.full_a[4]):
            client.post(
                "/api/dues-collection/collect/", {"member": m.pk, "month": "2026-11"}, format="json"
            )
        client.post(
            "/api/dues-collection/collect/",
            {"member": u.full_a[2].pk, "month": "2026-12"},
            format="json",
        )
    college = (
        api(u.users.officer)
        .get("/api/dues-remittance/", {"organization": u.college.pk, "year": 2026})
        .json()
    )
    months = {m["month"]: (m["amount"], m["count"]) for m in college["months"]}
    assert months["2026-11"] == ("107.20", 3) and months["2026-12"] == ("45.00", 1)
    assert months["2026-01"] == ("0.00", 0)
    # due: 45.00 + 62.00 + 0.20 = 107.20 each month, 12 × 107.20 = 1286.40 for the year
    assert college["year_total"] == "152.20" and college["year_due"] == "1286.40"
    assert {m["due"] for m in college["months"]} == {"107.20"}
    branches = {b["name"]: b for b in college["branches"]}
    assert branches[u.branch_a.name]["year_total"] == "152.20"
    assert branches[u.branch_b.name]["year_total"] == "0.00"
    school = (
        api(u.users.orgdept)
        .get("/api/dues-remittance/", {"organization": u.school.pk, "year": 2026})
        .json()
    )
    assert school["year_total"] == "152.20"
    assert {b["parent_name"] for b in school["branches"]} == {"计算机学院党委"}
    assert (
        api(u.users.sec_b)
        .get("/api/dues-remittance/", {"organization": u.college.pk, "year": 2026})
        .status_code
        == 404
    )
    r = api(u.users.officer).get(
        "/api/dues-remittance/export/", {"organization": u.college.pk, "year": 2026}
    )
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[2]]
    assert header[:4] == ["党支部", "所属党组织", "项目", "2026-01"] and header[-1] == "全年合计"
    due, paid = ([c.value for c in r] for r in ws.iter_rows(min_row=ws.max_row - 1))
    assert due[:3] == ["合计", None, "应收"] and due[-1] == pytest.approx(1286.40)
    assert paid[:3] == ["合计", None, "实收"] and paid[-1] == pytest.approx(152.20)


def test_the_collection_sheet_and_the_summary_take_the_same_queries_for_more_members(
    university, api
):
    """No N+1: a branch of 11 members or 21, the sheet and the summary read in fixed queries."""
    u = university

    def counts():
        with time_machine.travel(DECEMBER, tick=False):
            with CaptureQueriesContext(connection) as sheet:
                dues_collection(
                    u.users.sec_a, organization_id=u.branch_a.pk, month=dt.date(2026, 12, 1)
                )
            with CaptureQueriesContext(connection) as summary:
                dues_remittance(u.users.officer, organization_id=u.college.pk, year=2026)
        return len(sheet), len(summary)

    _assess(api, u, _three(u))
    counts()  # the first read also loads what is cached per user (role assignments)
    before = counts()
    for i in range(10):
        MemberFactory(organization=u.branch_a, name=f"新{i}")
    assert counts() == before
