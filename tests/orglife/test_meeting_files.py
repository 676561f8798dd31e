"""A meeting's photos and sign-in sheets: images only (the type sniffed from the content, never
the name), no larger than the upload limit, written by the branch that keeps the records, read
like the meeting, and printed after the minutes in the PDF."""

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from orglife.models import MeetingFile
from workflows.models import AuditEvent

from ..helpers import cst
from ..image_helpers import PDF_BYTES, image_bytes
from ..printing.helpers import pdf_text


@pytest.fixture
def meeting(university, api):
    u = university
    with time_machine.travel(cst(2026, 3, 6, 10), tick=False):
        r = api(u.users.sec_a).post(
            "/api/meetings/",
            {
                "organization": u.branch_a.pk,
                "kind": "themed_party_day",
                "held_on": "2026-03-05",
                "title": "三月主题党日",
                "place": "信息楼305",
                "chair": u.full_a[0].pk,
                "recorder": u.full_a[1].pk,
                "content": "一、学习文件\n二、交流发言",
                "attendees": [m.pk for m in u.full_a[:8]],
                "absentees": [{"member": u.full_a[8].pk, "reason": "出差"}],
            },
            format="json",
        )
    assert r.status_code == 201, r.json()
    return r.json()


def upload(client, meeting_id, content, *, kind="sign_in_sheet", name="签到表.png"):
    return client.post(
        f"/api/meetings/{meeting_id}/files/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="image/png")},
        format="multipart",
    )


def test_a_sign_in_sheet_and_a_photo_are_stored_with_their_sniffed_type(university, api, meeting):
    u = university
    sec = api(u.users.sec_a)
    sheet = upload(sec, meeting["id"], image_bytes("JPEG"), name="签到表.png")
    assert sheet.status_code == 201, sheet.json()
    assert (sheet.json()["kind_display"], sheet.json()["content_type"]) == ("签到表", "image/jpeg")
    photo = upload(sec, meeting["id"], image_bytes(), kind="photo", name="合影.png")
    assert photo.status_code == 201
    body = sec.get(f"/api/meetings/{meeting['id']}/").json()
    assert [(f["kind_display"], f["filename"]) for f in body["files"]] == [
        ("会议照片", "合影.png"),
        ("签到表", "签到表.png"),
    ]
    assert (
        AuditEvent.objects.filter(action="meeting_file_uploaded", actor=u.users.sec_a).count() == 2
    )
    got = api(u.users.officer).get(f"/api/meetings/{meeting['id']}/files/{photo.json()['id']}/")
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff" and got.content == image_bytes()


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(university, api, meeting):
    sec = api(university.users.sec_a)
    r = upload(sec, meeting["id"], PDF_BYTES, name="签到表.png")
    assert r.status_code == 400 and r.json()["code"] == "file_type_not_allowed"
    assert "application/pdf" in r.json()["message"] and "file" in r.json()["fields"]
    r = upload(sec, meeting["id"], b"just text, named like a photo", name="photo.jpg")
    assert r.status_code == 400 and r.json()["code"] == "file_type_not_allowed"
    r = upload(sec, meeting["id"], b"", name="empty.png")
    assert r.status_code == 400 and r.json()["code"] == "file_empty"
    r = upload(sec, meeting["id"], image_bytes(), kind="video")
    assert r.status_code == 400 and "kind" in r.json()["fields"]
    assert not MeetingFile.objects.exists()


def test_an_image_over_the_upload_limit_is_refused(university, api, meeting):
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "UPLOAD_MAX_BYTES": 100}):
        r = upload(api(university.users.sec_a), meeting["id"], image_bytes(size=(400, 400)))
    assert r.status_code == 400 and r.json()["code"] == "file_too_large"
    assert not MeetingFile.objects.exists()


def test_only_the_branch_that_keeps_the_records_uploads_and_others_see_nothing(
    university, api, meeting
):
    u = university
    for user in (u.users.officer, u.users.auditor):  # they read the branch's records
        r = upload(api(user), meeting["id"], image_bytes())
        assert r.status_code == 400 and r.json()["code"] == "organization_not_in_scope", user
    for user in (u.users.sec_b, u.users.member_a):  # they do not see them at all
        assert upload(api(user), meeting["id"], image_bytes()).status_code == 404, user
    row = upload(api(u.users.sec_a), meeting["id"], image_bytes()).json()
    assert (
        api(u.users.sec_b).get(f"/api/meetings/{meeting['id']}/files/{row['id']}/").status_code
        == 404
    )


def test_the_minutes_pdf_prints_the_minutes_and_then_the_sign_in_sheet(
    university, api, meeting, tmp_path
):
    sec = api(university.users.sec_a)
    upload(sec, meeting["id"], image_bytes(size=(300, 200)), name="签到表1.png")
    url = f"/api/meetings/{meeting['id']}/documents/generate/minutes/"
    pdf = sec.get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    for value in ("软件工程教工党支部主题党日记录", "信息楼305", "甲0", "甲1", "甲8（出差）"):
        assert value in text
    assert (
        "一、学习文件" in text and "签到表1张（已上传）" in text and "签到表（签到表1.png）" in text
    )
