"""A graduation batch (transfer.md flow A): the organization department uploads the graduates'
list, previews each row, starts them all in one request (all or none), and follows the batch's
progress with an export; a branch sees only its own members' transfers."""

import datetime as dt

import pytest
import time_machine

from engine.errors import Conflict
from organizations.services import member_update
from workflows.audit import verify_case
from workflows.models import Case
from workflows.services import cases_start_many

from ..helpers import complete, cst, inbox
from .transfer_helpers import graduates_xlsx, pay_dues


def upload(client, url, rows, status):
    r = client.post(url, {"file": graduates_xlsx(rows)}, format="multipart")
    assert r.status_code == status, r.json()
    return r.json()


def test_a_graduation_batch_is_previewed_started_at_once_and_followed(university, api):
    u = university
    grads = u.full_a[2:5]
    for i, m in enumerate(grads):
        member_update(actor=None, member=m, staff_or_student_no=f"2023{i:04d}")
        pay_dues(u, m, dt.date(2027, 6, 1), dt.date(2027, 6, 1))
    rows = [
        ("20230000", "", "工作单位", "中共某某科技有限公司委员会"),
        ("20230001", "", "人才服务机构", "某市人才服务中心党委"),
        ("20230002", "", "保留在学校", ""),
        ("20239999", "", "工作单位", "某单位党委"),
    ]
    org = api(u.users.orgdept)
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        preview = upload(org, "/api/transfers/graduation/preview/", rows, 200)
        assert (preview["total"], preview["ready"], preview["refused"]) == (4, 3, 1)
        first, _second, kept, unknown = preview["rows"]
        assert first["name"] == grads[0].name and first["branch_name"] == "软件工程教工党支部"
        assert (
            first["destination_display"] == "工作单位党组织"
            and first["dues_paid_through"] == "2027-06"
        )
        assert kept["action"] == "申请保留组织关系（党委审批）"
        assert unknown["problem"]["code"] == "member_not_found" and unknown["row"] == 5
        # all or none: one refused row starts nothing
        body = upload(org, "/api/transfers/graduation/", rows, 400)
        assert body["code"] == "batch_rows_invalid" and body["details"]["preview"]["refused"] == 1
        # a branch secretary may not upload
        assert (
            upload(api(u.users.sec_a), "/api/transfers/graduation/", rows[:3], 403)["code"]
            == "org_department_only"
        )
        started = upload(org, "/api/transfers/graduation/", rows[:3], 201)
        assert started["started"] == 3
        again = upload(org, "/api/transfers/graduation/preview/", rows[:1], 200)
        assert again["rows"][0]["problem"]["code"] == "case_already_running"
    officer = api(u.users.officer)
    with time_machine.travel(cst(2027, 6, 22, 9), tick=False):
        letters = [
            t for t in officer.get("/api/tasks/", {"process": "transfer_out"}).json()["results"]
        ]
        assert sorted(t["element_id"] for t in letters) == [
            "approve_retention",
            "issue_letter",
            "issue_letter",
        ]
        for t in letters:
            if t["element_id"] == "issue_letter":
                complete(officer, t["id"], {"issued_on": "2027-06-22", "validity_days": 30})
        receipt = next(
            t
            for t in inbox(officer)
            if t["element_id"] == "record_receipt" and t["case"] == started["cases"][0]
        )
    with time_machine.travel(cst(2027, 7, 5, 9), tick=False):
        complete(
            officer,
            receipt["id"],
            {
                "accepted_on": "2027-07-01",
                "received_on": "2027-07-05",
                "receiver": "中共某某科技有限公司委员会",
            },
        )
    batch = started["batch"]
    with time_machine.travel(cst(2027, 8, 25, 9), tick=False):
        summary = org.get(f"/api/transfers/graduation/{batch}/").json()
        assert (summary["total"], summary["letters_issued"], summary["receipts_returned"]) == (
            3,
            2,
            1,
        )
        assert summary["retained"] == 1
        # the second receipt was due by 2027-08-22 (letter to 07-22, then a month); the retention
        # approval has no deadline
        assert summary["overdue"] == 1
        csv = org.get(f"/api/transfers/graduation/{batch}/", {"export": "csv"})
        text = csv.content.decode("utf-8-sig")
        assert (
            text.splitlines()[0]
            == "姓名,党支部,去向,接收党组织,介绍信编号,开具日期,回执收到日期,当前环节,逾期"
        )
        assert grads[0].name in text and "某市人才服务中心党委" in text
        title = f"2027届毕业生转接（2027-06-20 上传，{u.users.orgdept.username}）"
        assert summary["title"] == title
        assert org.get("/api/transfers/graduation/").json() == [
            {"batch": batch, "title": title, "total": 3}
        ]
        # started together, each case's audit chain is whole: its start, then each step
        assert all(verify_case(c).ok for c in started["cases"])
        # scope: branch B sees nothing of it (as if there were no batch)
        assert api(u.users.sec_b).get(f"/api/transfers/graduation/{batch}/").status_code == 404


def test_a_batch_naming_one_member_twice_or_one_already_leaving_starts_nothing(university):
    u = university
    member = u.full_a[2]
    pay_dues(u, member, dt.date(2027, 6, 1), dt.date(2027, 6, 1))
    start = {
        "organization": u.branch_a,
        "subject_member": member,
        "business_key": "graduation:x",
        "data": {
            "member": {"id": member.pk},
            "destination": "employer",
            "receiving_organization": "某单位党委",
        },
    }
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        with pytest.raises(Conflict) as twice:
            cases_start_many(actor=u.users.orgdept, process_id="transfer_out", starts=[start] * 2)
        assert twice.value.code == "case_already_running"
        assert not Case.objects.filter(process_id="transfer_out").exists()
        (case,) = cases_start_many(actor=u.users.orgdept, process_id="transfer_out", starts=[start])
        assert case.data["dues_paid_through"] == "2027-06" and verify_case(case.pk).ok
        with pytest.raises(Conflict) as again:
            cases_start_many(actor=u.users.orgdept, process_id="transfer_out", starts=[start])
        assert again.value.code == "case_already_running"
        assert Case.objects.filter(process_id="transfer_out").count() == 1
