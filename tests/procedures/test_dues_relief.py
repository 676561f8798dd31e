"""少交/免交党费 as a procedure (DUES-2008 Art. 7), through the API: the branch's application on the
dues endpoint starts a case, the higher committee decides it in its inbox (a refusal says why), the
approval is what the monthly collection asks in the months it covers, and the case's history holds
both steps."""

import time_machine

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
