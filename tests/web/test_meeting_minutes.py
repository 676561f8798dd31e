"""The meeting form and page as a secretary uses them: the minutes (time, place, chair and
recorder by name, agenda and content, resolutions), attendance with reasons, the sign-in sheet and
photos uploaded with the record, then printed as Word and PDF; a refused file keeps nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engine.calendar import today
from orglife.models import Meeting, MeetingFile

from ..image_helpers import PDF_BYTES, image_bytes
from ..printing.helpers import docx_text
from .helpers import text

pytestmark = pytest.mark.django_db


def form(u, **over):
    day = today() - dt.timedelta(days=1)
    data = {
        "organization": u.branch_a.pk,
        "kind": "party_lesson",
        "held_on": day.strftime("%Y年%-m月%-d日"),  # as an office types it
        "title": "书记讲党课",
        "starts_at": "14:30",
        "ends_at": "16:00",
        "place": "信息楼305",
        "chair": u.full_a[0].pk,
        "recorder": u.full_a[1].pk,
        "nonvoting_attendees": "学院党委组织员",
        "content": "一、党课：新时代党的建设\n二、交流发言",
        "resolutions": "每月开展一次集中学习",
        **{f"att_{m.pk}": "present" for m in u.full_a[:8]},
        f"att_{u.full_a[8].pk}": "absent",
        f"reason_{u.full_a[8].pk}": "出差",
    }
    data.update(over)
    return data


def test_a_secretary_records_the_minutes_with_a_sign_in_sheet_and_prints_them(university, web):
    u = university
    client = web(u.users.sec_a)
    page = client.get("/records/meetings/new/")
    assert page.status_code == 200
    assert "主持人" in text(page) and "签到表" in text(page) and "议程和主要内容" in text(page)
    r = client.post(
        "/records/meetings/new/",
        form(
            u,
            sign_in_sheets=[SimpleUploadedFile("签到表.jpg", image_bytes("JPEG"))],
            photos=[SimpleUploadedFile("合影.png", image_bytes())],
        ),
    )
    assert r.status_code == 302, text(r)[:2000]
    meeting = Meeting.objects.get()
    assert (meeting.place, meeting.chair.name, meeting.recorder.name) == ("信息楼305", "甲0", "甲1")
    shown = text(client.get(r["Location"]))
    for value in (
        "信息楼305",
        "甲0",
        "甲1",
        "学院党委组织员",
        "二、交流发言",
        "每月开展一次集中学习",
    ):
        assert value in shown
    assert "甲8" in shown and "出差" in shown and "签到表.jpg" in shown and "合影.png" in shown
    assert "打印会议记录（Word）" in shown and "打印会议记录（PDF）" in shown
    sheet = MeetingFile.objects.get(kind="sign_in_sheet")
    img = client.get(f"/records/meetings/{meeting.pk}/files/{sheet.pk}/?inline=1")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    word = client.get(f"/records/meetings/{meeting.pk}/print/docx/")
    assert word.status_code == 200 and "信息楼305" in docx_text(word.content)
    assert "签到表1 张、会议照片1 张（已上传）" in docx_text(word.content)
    pdf = client.get(f"/records/meetings/{meeting.pk}/print/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # another branch's secretary sees none of it
    other = web(u.users.sec_b)
    assert other.get(r["Location"]).status_code == 404
    assert other.get(f"/records/meetings/{meeting.pk}/print/pdf/").status_code == 404
    assert other.get(f"/records/meetings/{meeting.pk}/files/{sheet.pk}/").status_code == 404


def test_a_sign_in_sheet_that_is_not_an_image_keeps_nothing_and_says_why(university, web):
    u = university
    client = web(u.users.sec_a)
    r = client.post(
        "/records/meetings/new/",
        form(u, sign_in_sheets=[SimpleUploadedFile("签到表.png", PDF_BYTES)]),
    )
    assert r.status_code == 400
    shown = text(r)
    assert "签到表.png" in shown and "application/pdf" in shown and "PNG、JPEG" in shown
    assert "请重新选择" in shown and 'value="信息楼305"' in r.content.decode()  # typed fields kept
    assert not Meeting.objects.exists() and not MeetingFile.objects.exists()


def test_photos_are_added_to_a_recorded_meeting_from_its_page(university, web):
    u = university
    client = web(u.users.sec_a)
    client.post("/records/meetings/new/", form(u))
    meeting = Meeting.objects.get()
    r = client.post(
        f"/records/meetings/{meeting.pk}/files/",
        {"kind": "photo", "file": [SimpleUploadedFile("a.png", image_bytes())]},
        follow=True,
    )
    assert "已上传 1 个文件" in text(r) and meeting.files.count() == 1
    r = client.post(
        f"/records/meetings/{meeting.pk}/files/",
        {"kind": "photo", "file": [SimpleUploadedFile("b.png", b"not an image")]},
        follow=True,
    )
    assert "b.png" in text(r) and "不接受该文件类型" in text(r) and meeting.files.count() == 1
    officer = web(u.users.officer)  # reads the branch's records, does not keep them
    page = text(officer.get(f"/records/meetings/{meeting.pk}/"))
    assert "a.png" in page and "上传" not in page.replace("未上传", "").replace("已上传", "")
