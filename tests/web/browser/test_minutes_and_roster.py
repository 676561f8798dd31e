"""A secretary records a meeting's minutes with its sign-in sheet and a photo, prints them, and
reads the branch's roster, in a real browser at desktop (1280 px) and phone (375 px) widths;
screenshots under var/screenshots/."""

import datetime as dt

import pytest

from engine.calendar import month_label, today
from orglife.models import Meeting
from orglife.services import dues_record

from ...image_helpers import image_bytes
from .conftest import follow, no_horizontal_scroll, shoot, unlabeled_controls

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = [1280, 375]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_secretary_records_the_minutes_with_a_sign_in_sheet_and_prints_them(
    people, university, tmp_path, width
):
    u = university
    sheet, photo = tmp_path / "签到表.jpg", tmp_path / "合影.png"
    sheet.write_bytes(image_bytes("JPEG", size=(600, 800), color=(240, 240, 230)))
    photo.write_bytes(image_bytes("PNG", size=(800, 600), color=(180, 40, 40)))
    day = today() - dt.timedelta(days=1)
    page = people("sec_a", width).page
    page.goto("/records/meetings/")
    follow(page, page.get_by_role("link", name="记录会议"))
    page.wait_for_selector("form.taskform")
    page.select_option("#n-kind", label="支部党员大会")
    page.fill("#n-date", day.isoformat())
    page.fill("#n-title", "第四季度支部党员大会")
    page.fill("#n-start", "14:30")
    page.fill("#n-end", "16:00")
    page.fill("#n-place", "信息楼305")
    page.select_option("#n-chair", label="甲0")
    page.select_option("#n-recorder", label="甲1")
    page.fill("#n-nonvoting", "学院党委组织员")
    page.fill("#n-content", "一、传达上级精神\n二、讨论发展计划")
    page.fill("#n-resolutions", "同意年度发展计划")
    absent = page.locator(".att-row[data-member='甲8']")
    absent.get_by_label("缺席", exact=True).check()
    absent.locator("input[name^=reason_]").fill("出差")
    page.set_input_files("#n-sheets", str(sheet))
    page.set_input_files("#n-photos", str(photo))
    assert unlabeled_controls(page) == []
    assert no_horizontal_scroll(page), "the meeting form scrolls sideways"
    shoot(page, "meeting-new")
    follow(page, page.get_by_role("button", name="保存"))
    page.wait_for_selector("[data-testid=minutes]")
    minutes = page.locator("[data-testid=minutes]").inner_text()
    for value in ("信息楼305", "14:30—16:00", "甲0", "甲1", "学院党委组织员", "二、讨论发展计划"):
        assert value in minutes, value
    assert "出差" in page.locator("[data-testid=attendance]").inner_text()
    for testid in ("sheets", "photos"):  # the images load (the browser decoded the bytes)
        img = page.locator(f"[data-testid={testid}] img").first
        img.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
        )
    assert no_horizontal_scroll(page), "the meeting page scrolls sideways"
    shoot(page, "meeting-minutes")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="打印会议记录（PDF）").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    assert open(pdf.value.path(), "rb").read(4) == b"%PDF"
    with page.expect_download() as word:
        page.get_by_role("link", name="打印会议记录（Word）").click()
    assert word.value.suggested_filename.endswith(".docx")
    meeting = Meeting.objects.get()
    assert meeting.files.count() == 2 and meeting.chair == u.full_a[0]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_secretary_reads_the_roster_and_opens_a_members_record(people, university, width):
    u = university
    first = (today().replace(day=1) - dt.timedelta(days=60)).replace(day=1)
    dues_record(actor=None, member=u.full_a[0], month=first, amount=10, paid_on=first)
    page = people("sec_a", width).page
    page.goto("/records/roster/")
    table = page.locator("[data-testid=roster]")
    table.wait_for()
    assert page.get_by_role("link", name="花名册").count() >= 1  # in the nav
    row = page.locator("tr[data-member='甲0']")
    assert month_label(first) in row.inner_text() and "欠缴" in row.inner_text()
    assert "停止党员权利" in page.locator("tr[data-member='停权丙']").inner_text()
    assert "预备党员" in page.locator("tr[data-member='预备乙']").inner_text()
    assert no_horizontal_scroll(page), "the roster scrolls sideways"
    shoot(page, "roster")
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="导出 Excel").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    follow(page, row.get_by_role("link", name="甲0"))
    page.wait_for_url(f"**/members/{u.full_a[0].pk}/development/")
    assert "甲0" in page.locator("h1").inner_text()
