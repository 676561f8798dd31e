"""Part 2 of the workplace in a real browser: the committee page with its charts and drill-down, a
meeting recorded by the secretary changing the compliance cell, the Excel import refusing a broken
workbook, the auditor's search, history, CSV download and read-only pages, the member development
record, and screenshots of each page at phone and desktop widths under var/screenshots/."""

import datetime as dt
import re

import pytest
from openpyxl import Workbook

from engine.calendar import today
from orglife.models import Meeting
from orglife.services import meeting_record
from workflows.models import Task
from workflows.services import case_start

from ...procedures.md_helpers import applicant, drive_to_designation
from .conftest import follow, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_officer_sees_an_overdue_term_in_red_and_reaches_the_records_behind_a_compliance_cell(
    people, overdue_term
):
    u = overdue_term
    held = today().replace(day=1)
    meeting_record(
        actor=u.users.sec_a,
        organization=u.branch_a,
        kind="themed_party_day",
        held_on=held,
        title="重温入党誓词",
        attendees=[m.pk for m in u.full_a],
    )
    officer = people("officer")
    page = officer.page
    follow(page, page.get_by_role("link", name="党委工作台"))
    page.wait_for_selector("table[data-testid=terms]")
    row = page.locator("tr[data-overdue='1']")
    assert u.branch_b.name in row.inner_text() and "已逾期 40 天" in row.inner_text()
    colour = row.locator("th").evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(253, 236, 234)"  # the danger background: red to the eye
    shoot(page, "committee")
    # The heat map's cell for branch A's themed Party day leads to the meeting behind it.
    follow(page, f"svg.pf-heatmap a[href*='/compliance/{u.branch_a.pk}/themed_party_day/']")
    page.wait_for_selector("section[data-period]")
    assert "重温入党誓词" in page.inner_text("main")
    shoot(page, "compliance-cell")
    follow(page, page.get_by_role("link", name="重温入党誓词").first)
    page.wait_for_selector("ul[data-testid=attendance]")
    assert u.full_a[0].name in page.inner_text("ul[data-testid=attendance]")
    shoot(page, "meeting")
    # P6: the standards matrix of the year; branch A's 管理严格规范 opens the meetings it counts, and
    # its 支部班子健全 names the committee (the roster is the branch's own: no link for the college).
    follow(page, page.get_by_role("link", name="党委工作台"))
    follow(page, page.get_by_test_id("standards-link"))
    page.select_option("#s-year", str(held.year))
    with page.expect_navigation():  # the table of the year chosen, not the one before it
        page.get_by_role("button", name="查看").click()
    page.wait_for_selector("table[data-testid=standards-table]")
    row = page.locator("table[data-testid=standards-table] tr", has_text=u.branch_a.name)
    follow(page, row.get_by_role("link").nth(6))  # 管理严格规范, the 7th standard of jsnu-2020
    page.wait_for_selector("section[data-item='jsnu.team.management.4']")
    assert page.inner_text("h1") == f"{u.branch_a.name} · 管理严格规范"
    shoot(page, "standards-cell")
    follow(
        page,
        page.locator("section[data-item='jsnu.team.management.4']").get_by_role(
            "link", name=re.compile("重温入党誓词")
        ),
    )
    page.wait_for_selector("ul[data-testid=attendance]")
    page.go_back()
    follow(page, page.get_by_role("link", name="支部标准达标情况"))
    follow(
        page,
        page.locator("table[data-testid=standards-table] tr", has_text=u.branch_a.name)
        .get_by_role("link")
        .first,
    )
    team = page.locator("section[data-item='jsnu.leadership.team.2']")
    assert "支部书记" in team.inner_text() and team.locator("a[data-record]").count() == 0
    phone = people("officer", width=375)
    phone.page.goto("/committee/")
    phone.page.wait_for_selector("svg.pf-heatmap")
    assert no_horizontal_scroll(phone.page)
    shoot(phone.page, "committee")
    # The secretary reads the branch's own line from the roster on a phone, one standard a row,
    # and from the committee's cell reaches the roster the college may not open.
    secretary = people("sec_a", width=375).page
    secretary.goto("/records/roster/")
    follow(secretary, secretary.get_by_test_id("standards-link"))
    secretary.select_option("#s-year", str(held.year))
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="查看").click()
    secretary.wait_for_selector("table[data-testid=standards-table]")
    rows = secretary.locator("table[data-testid=standards-table] tbody tr")
    assert rows.count() == 19 and rows.first.locator("th").inner_text() == "支部班子健全"
    assert no_horizontal_scroll(secretary)
    shoot(secretary, "standards")
    follow(secretary, rows.first.get_by_role("link"))
    follow(
        secretary,
        secretary.locator("section[data-item='jsnu.leadership.team.2'] a[data-record=role]").first,
    )
    secretary.wait_for_url(re.compile(r"/records/roster/"))
    assert no_horizontal_scroll(secretary)


def test_a_secretary_records_a_meeting_with_attendance_and_evidence_and_the_cell_changes(
    people, university
):
    u = university
    held = today().replace(day=1)
    cell = f"/committee/compliance/{u.branch_a.pk}/themed_party_day/?period={held.year}-{held.month:02d}"
    sec = people("sec_a")
    page = sec.page
    page.goto(cell)
    assert "未完成" in page.inner_text("main") or "待完成" in page.inner_text("main")
    page.goto("/records/meetings/")
    follow(page, page.get_by_role("link", name="记录会议"))
    page.select_option("#n-kind", "themed_party_day")
    page.fill("#n-date", held.isoformat())
    page.fill("#n-title", "参观党史馆")
    absent = u.full_a[5]
    page.locator(f".att-row[data-member='{absent.name}'] input[value=absent]").check()
    follow(page, page.get_by_role("button", name="保存"))
    assert "缺席人员须写明原因" in page.inner_text("main")  # refused, nothing recorded
    assert not Meeting.objects.exists()
    page.fill(f"input[name=reason_{absent.pk}]", "出差")
    page.fill("#n-evidence", "签到表、活动照片")
    shoot(page, "themed-day-new")
    follow(page, page.get_by_role("button", name="保存"))
    page.wait_for_selector("ul[data-testid=attendance]")
    assert "签到表、活动照片" in page.inner_text("main")
    page.goto(cell)
    assert "参观党史馆" in page.inner_text("main") and "已完成" in page.inner_text("main")
    phone = people("sec_a", width=375)
    phone.page.goto("/records/meetings/new/")
    assert no_horizontal_scroll(phone.page)
    shoot(phone.page, "themed-day-new")  # not meeting-new: test_minutes_and_roster's


def test_the_import_page_refuses_a_broken_workbook_with_its_row_by_row_report(
    people, university, tmp_path
):
    u = university
    wb = Workbook()
    ws = wb.active
    ws.title = "组织生活"
    ws.append(["日期", "类型", "主题", "党员", "出席", "缺席原因", "学时", "佐证资料"])
    ws.append(["2026-03-05", "主题党日", "学习", u.full_a[0].name, "是", "", "", ""])
    ws.append(["2026-03-05", "主题党日", "学习", "查无此人", "是", "", "", ""])
    path = tmp_path / "组织生活.xlsx"
    wb.save(path)
    sec = people("sec_a")
    page = sec.page
    page.goto("/records/import/")
    page.set_input_files("#i-file", str(path))
    follow(page, page.get_by_role("button", name="导入"))
    report = page.locator("[data-testid=import-errors]")
    report.wait_for()
    assert "未导入任何记录" in report.inner_text() and "查无此人" in report.inner_text()
    assert "3" in report.locator("tbody tr").first.inner_text()  # the sheet's row number
    assert not Meeting.objects.exists()
    shoot(page, "import-refused")


def test_an_auditor_finds_a_case_reads_its_history_downloads_the_csv_and_cannot_write(
    people, university
):
    u = university
    person = u.full_a[4]
    case = case_start(
        actor=u.users.sec_a,
        process_id="branch_election",
        organization=u.branch_a,
        data={"term_end": (today() + dt.timedelta(days=30)).isoformat()},
        subject_member=person,
    )
    task = Task.objects.get(case=case, status="open")
    auditor = people("auditor")
    page = auditor.page
    follow(page, page.get_by_role("link", name="流程查询"))  # the auditor's landing page, again
    page.fill("#s-subject", person.name)
    follow(page, page.get_by_role("button", name="查询"))
    follow(page, page.locator("table[data-testid=cases] a").first)
    page.wait_for_selector("#tl-title")
    assert "发起流程" in page.inner_text("main")  # the history, in words
    main_html = page.inner_html("main")
    # no write control: the only buttons zoom the diagram
    buttons = re.findall(r"<button[^>]*>", main_html)
    assert "<form" not in main_html and all("data-diagram=" in b for b in buttons), buttons
    shoot(page, "auditor-case")
    with page.expect_download() as dl:
        page.get_by_role("link", name="办理记录（CSV）").click()
    csv_text = open(dl.value.path(), encoding="utf-8").read()
    assert "case_started" in csv_text or "发起" in csv_text
    # A POST forged with the auditor's session (and its CSRF token) is refused; nothing changes.
    status = page.evaluate(
        """async (id) => {
        const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='))?.split('=')[1] || '';
        const r = await fetch(`/api/tasks/${id}/claim/`, {method: 'POST', headers: {'X-CSRFToken': token}});
        return r.status; }""",
        task.pk,
    )
    assert status in (403, 404)
    task.refresh_from_db()
    assert task.claimed_by_id is None
    page.goto(f"/tasks/{task.pk}/")
    assert (
        page.locator("[data-testid=read-only]").count() == 1
        and page.locator("main form").count() == 0
    )
    phone = people("auditor", width=375)
    phone.page.goto(f"/cases/?subject={person.name}")
    assert no_horizontal_scroll(phone.page)
    shoot(phone.page, "case-search")
    shoot(page, "auditor-task")


def test_the_member_development_record_shows_an_overdue_thought_report(people, api, university):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)  # steps 1-5: an activist since 2026-02-01
    for width in (1440, 375):
        viewer = people("sec_a", width=width)
        viewer.page.goto(f"/members/{person.pk}/development/")
        overdue = viewer.page.locator("table[data-testid=obligations] tr[data-status=overdue]")
        assert overdue.count() >= 1 and "思想汇报（第1次）" in overdue.first.inner_text()
        assert "2026-05-01" in overdue.first.inner_text()
        assert no_horizontal_scroll(viewer.page)
        shoot(viewer.page, "member-record")


def test_the_member_page_reads_the_roster_fields_with_the_native_place(people, university):
    """籍贯 and the other roster fields the 纪实表 prints are on the member page, desktop and phone."""
    person = applicant(
        university, gender="2", ethnicity="03", education="20", native_place="山东济南"
    )
    for width in (1280, 375):
        viewer = people("sec_a", width=width)
        viewer.page.goto(f"/members/{person.pk}/development/")
        roster = viewer.page.locator("[data-testid=roster]").inner_text()
        assert "籍贯 山东济南" in roster and "民族 回族" in roster and "性别 女" in roster
        assert "出生日期 2000-05-01" in roster and "学历 大学本科" in roster
        assert no_horizontal_scroll(viewer.page)
        shoot(viewer.page, "member-roster")
