"""Auditors: read-only over their subtree, the full history with submitted data and documents,
exports as JSON and CSV and a printable report, and every read of a case logged."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engine.calendar import CST
from engine.errors import DomainError
from workflows.models import Case, CaseAccess, Task
from workflows.services import case_access_record, case_start

from ..workflows.helpers import (
    case_with_history,  # noqa: F401  (fixture)
    sql,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def audited(api, university, case_with_history):  # noqa: F811
    case_id, ids = case_with_history
    r = api(university.users.sec_a).post(
        f"/api/cases/{case_id}/documents/",
        {"file": SimpleUploadedFile("记录.pdf", PDF)},
        format="multipart",
    )
    assert r.status_code == 201
    return case_id, ids + [None], r.json()


def test_auditor_exports_the_full_history_as_json(api, university, audited):
    case_id, ids, doc = audited
    r = api(university.users.auditor).get(f"/api/cases/{case_id}/history/export/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    assert f"case-{case_id}-history.json" in r["Content-Disposition"]
    body = r.json()
    assert body["case"]["id"] == case_id and body["verification"]["ok"] is True
    assert [e["seq"] for e in body["events"]] == list(range(1, len(ids) + 1))
    completed = [e for e in body["events"] if e["action"] == "task_completed"]
    assert completed[0]["data"]["submitted"] == {
        "election_date": "2026-12-20",
        "seats": 5,
        "nomination_method": "committee_proposal",
        "nomination_method_display": "支委会根据多数党员意见提出",
    }
    assert (
        completed[1]["data"]["submitted"] == {"approved": False, "reason": "请补充"}
        and completed[1]["actor_name"] == "officer"
    )
    assert [d["sha256"] for d in body["documents"]] == [doc["sha256"]]


def test_auditor_exports_the_history_as_csv(api, university, audited):
    case_id, ids, _ = audited
    r = api(university.users.auditor).get(
        f"/api/cases/{case_id}/history/export/", {"format": "csv"}
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [int(x["seq"]) for x in rows] == list(range(1, len(ids) + 1))
    replied = [x for x in rows if x["action"] == "task_completed"][1]
    assert replied["actor_name"] == "officer" and '"reason": "请补充"' in replied["data"]
    assert rows[-1]["action"] == "document_uploaded"


def test_auditor_prints_a_timeline_report(api, university, audited):
    case_id, _, doc = audited
    r = api(university.users.auditor).get(f"/api/cases/{case_id}/report/")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert "流程记录报告" in html and "请补充" in html and doc["sha256"] in html and "完整" in html
    # A title block, a timeline in words (minute, person, role, what they did), the documents.
    assert "党支部换届选举" in html and university.branch_a.name in html and "cpc-2014" in html
    assert (
        "办理完成：提交换届请示" in html
        and "支部书记（软件工程教工党支部）" in html
        and "发起流程" in html
    )
    assert (
        "拟选举日期：2026年12月20日" in html
        and "候选人推荐方式：支委会根据多数党员意见提出" in html
    )
    assert (
        re.search(r'<td class="at">\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d</td>', html)
        and "task_completed" not in html
    )
    assert "@page{size:A4" in html and "记录.pdf" in html
    sql("UPDATE workflows_auditevent SET actor_name = 'x' WHERE case_id = %s AND seq = 2", case_id)
    html = api(university.users.auditor).get(f"/api/cases/{case_id}/report/").content.decode()
    assert "不完整" in html


def test_every_auditor_read_of_a_case_is_logged_and_shown_to_the_organization_department(
    api, university, audited
):
    case_id, _, doc = audited
    auditor = api(university.users.auditor)
    for url, params in [
        ("", {}),
        ("history/", {}),
        ("history/export/", {}),
        ("history/export/", {"format": "csv"}),
        ("report/", {}),
        ("audit-verification/", {}),
        ("documents/", {}),
        (f"documents/{doc['id']}/", {}),
    ]:
        assert auditor.get(f"/api/cases/{case_id}/{url}", params).status_code == 200, url
    task_id = (
        Task.objects.filter(case_id=case_id).order_by("id").values_list("id", flat=True).first()
    )
    assert (
        auditor.get(f"/api/tasks/{task_id}/").status_code == 200
    )  # a task's detail shows the case's data
    api(university.users.sec_a).get(f"/api/cases/{case_id}/")  # not an auditor: not logged
    r = api(university.users.orgdept).get(f"/api/cases/{case_id}/access-log/")
    assert r.status_code == 200
    assert [(a["username"], a["view"]) for a in r.json()] == [
        ("auditor", v)
        for v in (
            "detail",
            "history",
            "export_json",
            "export_csv",
            "report",
            "verification",
            "documents",
            "document_download",
            "task_detail",
        )
    ]
    assert api(university.users.auditor).get(f"/api/cases/{case_id}/access-log/").status_code == 403
    assert api(university.users.sec_b).get(f"/api/cases/{case_id}/access-log/").status_code == 404


def test_the_access_log_is_append_only(audited, university):
    case_id, _, _ = audited
    access = case_access_record(
        actor=university.users.auditor, case=Case.objects.get(pk=case_id), view="detail"
    )
    for attempt in (
        access.save,
        access.delete,
        lambda: CaseAccess.objects.update(view="x"),
        lambda: CaseAccess.objects.all().delete(),
    ):
        with pytest.raises(DomainError):
            attempt()


def test_auditors_cannot_write(api, university, audited):
    case_id, _, _ = audited
    auditor = api(university.users.auditor)
    r = auditor.post(f"/api/cases/{case_id}/cancel/", {"reason": "x"}, format="json")
    assert r.status_code == 403
    r = auditor.post(
        "/api/cases/",
        {"process": "branch_election", "organization": university.branch_a.pk},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "organization_not_in_scope"
    assert auditor.get("/api/tasks/").json()["count"] == 0


def test_auditor_finds_cases_by_the_subject_members_name_and_start_dates(api, university):
    u = university
    applicant = u.full_a[3]
    case = case_start(
        actor=u.users.sec_a,
        process_id="branch_election",
        organization=u.branch_a,
        data={"term_end": "2027-01-10"},
        subject_member=applicant,
    )
    other = case_start(
        actor=u.users.sec_b,
        process_id="branch_election",
        organization=u.branch_b,
        data={"term_end": "2027-03-01"},
    )
    auditor = api(u.users.auditor)
    found = auditor.get("/api/cases/", {"subject": applicant.name[1:]}).json()
    assert [c["id"] for c in found["results"]] == [case.pk]
    today = case.created_at.astimezone(CST).date()
    both = auditor.get(
        "/api/cases/", {"started_from": today.isoformat(), "started_to": today.isoformat()}
    ).json()
    assert {c["id"] for c in both["results"]} == {case.pk, other.pk}
    later = auditor.get(
        "/api/cases/", {"started_from": (today + dt.timedelta(days=1)).isoformat()}
    ).json()
    assert later["results"] == []
    bad = auditor.get("/api/cases/", {"started_from": "2026-13-01"})
    assert bad.status_code == 400 and "started_from" in bad.json()["fields"]
    # Another college's auditor finds nothing by the same name: scope first, then search.
    assert (
        api(u.users.sec_b).get("/api/cases/", {"subject": applicant.name}).json()["results"] == []
    )
