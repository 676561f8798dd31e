"""少交/免交党费 as a procedure (DUES-2008 Art. 7), through the API: the branch's application on the
dues endpoint starts a case, the higher committee decides it in its inbox (a refusal says why), the
approval is what the monthly collection asks in the months it covers, and the case's history holds
both steps."""

import io

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from ..helpers import complete, cst, only_task
from ..orglife.test_dues import _assess, _three

DECEMBER = cst(2026, 12, 15, 10)


def test_a_reduction_for_some_months_is_decided_in_the_committee_inbox_and_collected(
    university, api
):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(DECEMBER, tick=False):
        saved = _assess(api, u, _three(u)).json()["saved"]
        worker = next(s for s in saved if s["member_name"] == "甲2")  # 45.00 a month
        url = f"/api/dues-assessments/{worker['id']}/relief/"
        ask = {"relief": "reduced", "reason": "家属重病，生活困难", "amount": "20"}
        r = sec.post(url, {**ask, "months": {"from": "2026-09", "until": "2026-07"}}, format="json")
        assert r.status_code == 400 and r.json()["fields"] == {"months.until": ["不能早于起始月份"]}
        r = sec.post(url, {**ask, "months": {"from": "2027-01"}}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "month_outside_year"
        r = sec.post(url, {**ask, "months": {"from": "2026-07", "until": "2026-12"}}, format="json")
        assert r.status_code == 200, r.json()
        case = r.json()["case"]
        assert r.json()["relief_status_display"] == "待党委审批"
        assert r.json()["relief_months"] == {"from": "2026-07", "until": "2026-12"}
        # a second application while this one waits: one case per member's year
        assert sec.post(url, ask, format="json").status_code == 409

        task = only_task(officer, "decide_relief")
        assert task["case"] == case and task["name"] == "审批少交或免交党费"
        body = complete(officer, task["id"], {"decision": "refuse"}, status=400)
        assert body["code"] == "comment_required" and "comment" in body["fields"]
        complete(officer, task["id"], {"decision": "approve", "comment": "同意7至12月少交"})
        assert sec.get(f"/api/cases/{case}/").json()["status"] == "completed"

        def due(month):
            sheet = sec.get(
                "/api/dues-collection/", {"organization": u.branch_a.pk, "month": month}
            ).json()
            return next(row["due"] for row in sheet["rows"] if row["member_name"] == "甲2")

        assert (due("2026-06"), due("2026-07"), due("2026-12")) == ("45.00", "20.00", "20.00")
        r = sec.post(
            "/api/dues-collection/collect/",
            {"member": u.full_a[2].pk, "month": "2026-12"},
            format="json",
        )
        assert r.status_code == 201 and r.json()["amount"] == "20.00", r.json()
        sheet = sec.get(
            "/api/dues-assessments/", {"organization": u.branch_a.pk, "year": 2026}
        ).json()
        row = next(s["assessment"] for s in sheet["rows"] if s["member_name"] == "甲2")
        assert (row["relief_status_display"], row["relief_note"]) == ("已批准", "同意7至12月少交")
        assert row["monthly_due"] == "45.00"  # the year's figure: the reduction is for Jul–Dec
    history = sec.get(f"/api/cases/{case}/history/").content.decode()
    assert "家属重病，生活困难" in history and "同意7至12月少交" in history


def page(user, url, params):
    client = Client()
    client.force_login(user)
    r = client.get(url, params)
    assert r.status_code == 200
    return r.content.decode()


def test_an_exemption_for_april_to_june_reduces_exactly_those_months_on_every_page(university, api):
    """By hand (DUES-2008 Art. 2, 5, 6): 甲2 working on 3,500 元 → 1 % band, 35.00 a month; 甲3
    retired on 6,200 元 → 1 %, 62.00; 甲4 student, 0.20. 甲2 免交 for 2026-04 … 2026-06: his year is
    9 × 35.00 = 315.00; the branch's March 35.00 + 62.00 + 0.20 = 97.20, April 62.20; its year
    315.00 + 12 × 62.00 + 12 × 0.20 = 1,061.40 (not 12 × 97.20 = 1,166.40)."""
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    rows = _three(u)
    rows[0]["base"] = "3500"
    with time_machine.travel(DECEMBER, tick=False):
        saved = _assess(api, u, rows).json()["saved"]
        worker = next(s for s in saved if s["member_name"] == "甲2")
        assert worker["monthly_due"] == "35.00"
        ask = {"relief": "exempt", "reason": "长期病休，生活困难"}
        ask["months"] = {"from": "2026-04", "until": "2026-06"}
        r = sec.post(f"/api/dues-assessments/{worker['id']}/relief/", ask, format="json")
        assert r.status_code == 200, r.json()
        task = only_task(officer, "decide_relief")
        complete(officer, task["id"], {"decision": "approve", "comment": "同意4至6月免交"})

        def sheet(month):
            q = {"organization": u.branch_a.pk, "month": month}
            return sec.get("/api/dues-collection/", q).json()

        march, april, july = sheet("2026-03"), sheet("2026-04"), sheet("2026-07")
        assert (march["due_total"], april["due_total"], july["due_total"]) == (
            "97.20",
            "62.20",
            "97.20",
        )
        row = next(r for r in april["rows"] if r["member_name"] == "甲2")
        assert (row["state"], row["due"]) == ("exempt", "0.00")
        year = sec.get("/api/dues-assessments/", {"organization": u.branch_a.pk, "year": 2026})
        mine = next(s["assessment"] for s in year.json()["rows"] if s["member_name"] == "甲2")
        assert mine["year_due"] == "315.00"

        summary = officer.get(
            "/api/dues-remittance/", {"organization": u.college.pk, "year": 2026}
        ).json()
        assert summary["year_due"] == "1061.40"
        due = {m["month"]: m["due"] for m in summary["months"]}
        assert (due["2026-03"], due["2026-04"], due["2026-06"], due["2026-07"]) == (
            "97.20",
            "62.20",
            "62.20",
            "97.20",
        )
        branch = next(b for b in summary["branches"] if b["organization"] == u.branch_a.pk)
        assert branch["year_due"] == "1061.40"

        html = page(
            u.users.officer, "/committee/dues/", {"organization": u.college.pk, "year": 2026}
        )
        assert "全年应收 1061.40 元" in html
        assert 'data-month="2026-04"' in html and "应收 62.20" in html
        bases = page(
            u.users.sec_a, "/records/dues/bases/", {"organization": u.branch_a.pk, "year": 2026}
        )
        assert '<td data-testid="year-due">315.00</td>' in bases

        export = officer.get(
            "/api/dues-remittance/export/", {"organization": u.college.pk, "year": 2026}
        )
        ws = load_workbook(io.BytesIO(export.content)).active
        header = [c.value for c in ws[2]]
        owed = next(
            [c.value for c in r]
            for r in ws.iter_rows(min_row=3)
            if r[0].value == u.branch_a.name and r[2].value == "应收"
        )
        april_col = header.index("2026-04")
        assert owed[april_col] == pytest.approx(62.20) and owed[-1] == pytest.approx(1061.40)
