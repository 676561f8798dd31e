"""Case documents (evidence): uploaded through the API with the type sniffed from the content,
refused with the field and the rule named, listed in the case and its history, downloadable only in scope."""

import hashlib
import io
import zipfile

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from workflows.audit import verify_case
from workflows.models import AuditEvent, Case, Document, Task
from workflows.services import document_upload

from ..helpers import cst
from ..procedures.election_helpers import start_election
from ..procedures.md_helpers import applicant, at, start_development

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 30


def docx_bytes():
    """A minimal .docx, the same bytes at every call: each entry carries a fixed date (zipfile would
    stamp the clock's, and two pytest-xdist workers collecting the parameters a second apart then
    collect different tests)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in (
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document/>"),
        ):
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 7, 11, 9, 0, 0)), text)
    return buf.getvalue()


@pytest.fixture
def case(api, university):
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        return start_election(api(university.users.sec_a), university.branch_a)


def upload(client, case_id, name, content, content_type="application/pdf", **extra):
    return client.post(
        f"/api/cases/{case_id}/documents/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type), **extra},
        format="multipart",
    )


@pytest.mark.parametrize(
    "name, content, mime",
    [
        ("会议记录.pdf", PDF, "application/pdf"),
        ("照片.png", PNG, "image/png"),
        (
            "名单.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
    ids=["pdf", "png", "docx"],
)
def test_a_branch_secretary_attaches_evidence_listed_in_case_and_history(
    api, university, case, name, content, mime
):
    sec = api(university.users.sec_a)
    task_id = case["open_tasks"][0]["id"]
    r = upload(
        sec,
        case["id"],
        name,
        content,
        content_type="application/octet-stream",
        task=task_id,
        description="支委会记录",
    )
    assert r.status_code == 201, r.json()
    doc = r.json()
    assert (
        doc["filename"],
        doc["content_type"],
        doc["size"],
        doc["sha256"],
        doc["task"],
        doc["uploaded_by"],
    ) == (name, mime, len(content), hashlib.sha256(content).hexdigest(), task_id, "sec_a")
    detail = sec.get(f"/api/cases/{case['id']}/").json()
    assert [d["id"] for d in detail["documents"]] == [doc["id"]]
    event = sec.get(f"/api/cases/{case['id']}/history/").json()[-1]
    assert (
        event["action"] == "document_uploaded"
        and event["data"]["sha256"] == doc["sha256"]
        and event["task"] == task_id
    )
    assert verify_case(case["id"]).ok
    got = api(university.users.auditor).get(doc["download"])
    assert got.status_code == 200 and got["Content-Type"] == mime and got.content == content
    assert got["X-Content-Type-Options"] == "nosniff" and "attachment" in got["Content-Disposition"]


def test_a_file_whose_content_is_not_an_allowed_type_is_refused_whatever_its_name_says(
    api, university, case
):
    sec = api(university.users.sec_a)
    before = AuditEvent.objects.filter(case_id=case["id"]).count()
    r = upload(
        sec, case["id"], "报告.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf"
    )
    assert (
        r.status_code == 400
        and r.json()["code"] == "file_type_not_allowed"
        and "file" in r.json()["fields"]
    )
    r = upload(
        sec, case["id"], "说明.pdf", "这是一段纯文本".encode(), content_type="application/pdf"
    )
    assert r.status_code == 400 and r.json()["code"] == "file_type_not_allowed"
    assert (
        not Document.objects.exists()
        and AuditEvent.objects.filter(case_id=case["id"]).count() == before
    )


def test_an_oversized_file_is_refused_naming_the_limit(api, university, case):
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "UPLOAD_MAX_BYTES": 1024}):
        r = upload(api(university.users.sec_a), case["id"], "大文件.pdf", PDF + b"0" * 2000)
    assert (
        r.status_code == 400
        and r.json()["code"] == "file_too_large"
        and r.json()["fields"]["file"] == ["不得超过 1024 字节"]
    )
    assert not Document.objects.exists()


def test_missing_or_empty_file_is_refused(api, university, case):
    sec = api(university.users.sec_a)
    r = sec.post(f"/api/cases/{case['id']}/documents/", {"description": "x"}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["fields"]
    r = upload(sec, case["id"], "空.pdf", b"")
    assert r.status_code == 400 and r.json()["code"] == "file_empty"


def test_auditors_and_members_cannot_upload_and_others_see_nothing(api, university, case):
    assert upload(api(university.users.auditor), case["id"], "a.pdf", PDF).status_code == 403
    assert (
        upload(api(university.users.member_a), case["id"], "a.pdf", PDF).status_code == 404
    )  # members do not see cases
    assert upload(api(university.users.sec_b), case["id"], "a.pdf", PDF).status_code == 404
    doc = upload(api(university.users.sec_a), case["id"], "a.pdf", PDF).json()
    r = api(university.users.sec_b).get(doc["download"])
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    r = api(university.users.sec_a).get(f"/api/cases/{case['id']}/documents/999999/")
    assert r.status_code == 404 and r.json()["code"] == "document_not_found"


def test_document_upload_service_is_reusable_and_refuses_a_task_of_another_case(
    api, university, case
):
    other = start_election(api(university.users.sec_b), university.branch_b)

    f = SimpleUploadedFile("x.pdf", PDF)
    with pytest.raises(Exception) as exc:
        document_upload(
            actor=university.users.sec_a,
            case=Case.objects.get(pk=case["id"]),
            file=f,
            task=Task.objects.get(pk=other["open_tasks"][0]["id"]),
        )
    assert getattr(exc.value, "code", None) == "task_not_in_case"


def test_a_step_cites_only_documents_uploaded_to_its_own_case(api, university):
    """The application letter (P1 step 1) is uploaded, then cited by id: another case's document
    is refused naming document_ids, and nothing of the submission is kept; the case's own is listed
    with the case's evidence."""

    u = university
    sec = api(u.users.sec_a)
    with at(2026, 1, 5, 10):
        mine = start_development(sec, u, applicant(u))["id"]
        other_person = applicant(u)
        other_person.name = "申请人李"
        other_person.save()
        other = start_development(sec, u, other_person)["id"]
        letter = sec.post(
            f"/api/cases/{mine}/documents/",
            {"file": SimpleUploadedFile("入党申请书.pdf", PDF)},
            format="multipart",
        ).json()["id"]
        elsewhere = sec.post(
            f"/api/cases/{other}/documents/",
            {"file": SimpleUploadedFile("别人的.pdf", PDF)},
            format="multipart",
        ).json()["id"]
        task = next(
            t
            for t in sec.get("/api/tasks/", {"process": "member_development"}).json()["results"]
            if t["case"] == mine and t["element_id"] == "submit_application"
        )
        data = {
            "application_date": "2026-01-05",
            "letter_summary": "志愿加入中国共产党",
            "document_ids": [letter, elsewhere],
        }
        state = Case.objects.get(pk=mine).state
        r = sec.post(f"/api/tasks/{task['id']}/complete/", {"data": data}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "document_not_in_case"
        assert r.json()["fields"] == {"document_ids": [f"未上传到本流程：{elsewhere}"]}
        assert Case.objects.get(pk=mine).state == state
        r = sec.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": {**data, "document_ids": [letter]}},
            format="json",
        )
        assert r.status_code == 200, r.json()
        evidence = sec.get(f"/api/cases/{mine}/evidence/").json()
        assert [(e["element_id"], e["document_ids"]) for e in evidence] == [
            ("submit_application", [letter])
        ]
