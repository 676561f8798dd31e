"""Part 2 of the workplace through Django's test client: the committee page (terms, compliance heat
map with drill-down and export, pipeline, weak branches), organizational-life records (meeting with
attendance, the Excel import), the auditor's case search (read-only, writes refused), the member
development record, scope (404 outside it) and query counts that do not grow with the rows.
(tests/web/browser/ drives the same pages in a real browser.)"""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from engine.calendar import CST, last_day_before, today
from organizations.models import MemberStatus
from orglife.models import Meeting
from orglife.services import meeting_record
from workflows.models import AuditEvent, Case
from workflows.services import case_start

from ..factories import MemberFactory, OrganizationFactory
from ..procedures.md_helpers import applicant, at, drive_to_designation

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_committee_page_shows_an_overdue_term_in_red_and_the_compliance_heat_map(web, overdue_term):
    u = overdue_term
    page = web(u.users.officer).get(f"/committee/?organization={u.college.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    row = re.search(r'<tr class="row-danger" data-overdue="1">(.*?)</tr>', html, re.S)
    assert row and u.branch_b.name in row.group(1) and "已逾期 40 天" in text_of(row.group(1))
    assert 'class="pf-chart pf-heatmap"' in html and 'role="img"' in html
    assert u.branch_a.name in html and "主题党日" in html  # rows and columns of the map
    assert 'class="pf-chart pf-funnel"' in html and "入党申请人" in html
    # the heat map links each cell to the records behind it
    link = re.search(
        rf'href="(/committee/compliance/{u.branch_a.pk}/themed_party_day/\?period=\d{{4}})"', html
    )
    assert link


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_a_compliance_cell_opens_the_meeting_records_behind_it(web, university):
    u = university
    held = today().replace(day=1)
    meeting = meeting_record(
        actor=u.users.sec_a,
        organization=u.branch_a,
        kind="themed_party_day",
        held_on=held,
        title="重温入党誓词",
        attendees=[m.pk for m in u.full_a],
    )
    officer = web(u.users.officer)
    cell = officer.get(
        f"/committee/compliance/{u.branch_a.pk}/themed_party_day/?period={held.year}"
    )
    assert cell.status_code == 200
    assert (
        f'href="/records/meetings/{meeting.pk}/"' in cell.content.decode()
        and "重温入党誓词" in text(cell)
    )
    detail = officer.get(f"/records/meetings/{meeting.pk}/")
    assert detail.status_code == 200 and u.full_a[0].name in text(detail)
    # Branch B's secretary sees neither branch A's cell nor its meeting: 404 like a missing one.
    other = web(u.users.sec_b)
    assert (
        other.get(
            f"/committee/compliance/{u.branch_a.pk}/themed_party_day/?period={held.year}"
        ).status_code
        == 404
    )
    assert other.get(f"/records/meetings/{meeting.pk}/").status_code == 404


def test_the_compliance_export_is_the_same_table_as_excel(web, university):
    u = university
    response = web(u.users.officer).get(
        f"/committee/compliance.xlsx?organization={u.college.pk}&period={today().year}"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert u.branch_a.name in names and u.branch_b.name in names
    assert (
        web(u.users.sec_b)
        .get(f"/committee/compliance.xlsx?organization={u.college.pk}&period=2026")
        .status_code
        == 404
    )


def test_a_secretary_records_a_meeting_with_attendance_and_the_compliance_cell_changes(
    web, university
):
    u = university
    held = today().replace(day=1)
    cell_url = f"/committee/compliance/{u.branch_a.pk}/themed_party_day/?period={held.year}-{held.month:02d}"
    officer = web(u.users.officer)
    assert "没有记录" in text(officer.get(cell_url))
    sec = web(u.users.sec_a)
    form = sec.get("/records/meetings/new/")
    assert form.status_code == 200 and u.full_a[3].name in text(form)
    post = {
        "organization": u.branch_a.pk,
        "kind": "themed_party_day",
        "held_on": held.isoformat(),
        "title": "参观党史馆",
        "evidence": "签到表、照片",
    }
    for m in u.full_a:
        post[f"att_{m.pk}"] = "present"
    post[f"att_{u.full_a[5].pk}"] = "absent"
    refused = sec.post("/records/meetings/new/", post)  # absent without a reason
    assert refused.status_code == 400 and "缺席人员须写明原因" in text(refused)
    assert not Meeting.objects.exists()
    post[f"reason_{u.full_a[5].pk}"] = "出差"
    done = sec.post("/records/meetings/new/", post)
    assert done.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.attendance.filter(present=False, absence_reason="出差").count() == 1
    after = officer.get(cell_url)
    assert "参观党史馆" in text(after) and "已完成" in text(after)


def test_a_broken_workbook_is_refused_row_by_row_and_nothing_is_written(web, university):
    u = university
    wb = Workbook()
    ws = wb.active
    ws.title = "组织生活"
    ws.append(["日期", "类型", "主题", "党员", "出席", "缺席原因", "学时", "佐证资料"])
    ws.append(["2026-03-05", "主题党日", "学习", u.full_a[0].name, "是", "", "", ""])
    ws.append(["2026-03-05", "主题党日", "学习", "查无此人", "是", "", "", ""])
    ws.append(["2026-03-05", "主题党日", "学习", u.full_a[1].name, "否", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "broken.xlsx"
    page = web(u.users.sec_a).post("/records/import/", {"organization": u.branch_a.pk, "file": buf})
    assert page.status_code == 400
    body = text(page)
    assert (
        "未导入任何记录" in body
        and "查无此人" in body
        and "组织生活 3" in body.replace("  ", " ")
        or "3" in body
    )
    assert not Meeting.objects.exists()


def test_an_auditor_finds_a_case_by_name_reads_it_and_is_shown_no_write_control(web, university):
    u = university
    applicant = u.full_a[4]
    case = case_start(
        actor=u.users.sec_a,
        process_id="branch_election",
        organization=u.branch_a,
        data={"term_end": (today() + dt.timedelta(days=30)).isoformat()},
        subject_member=applicant,
    )
    auditor = web(u.users.auditor)
    found = auditor.get(f"/cases/?subject={applicant.name}")
    assert found.status_code == 200 and f'href="/cases/{case.pk}/"' in found.content.decode()
    page = auditor.get(f"/cases/{case.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "history/export/?format=csv" in html
    open_task = case.tasks.get(status="open")
    assert f'href="/tasks/{open_task.pk}/"' not in html  # no way into the step
    main = re.search(r'<main id="main".*?</main>', html, re.S).group(0)
    # the page's own content has no write control: its only buttons zoom the diagram
    buttons = re.findall(r"<button[^>]*>", main)
    assert "<form" not in main and all("data-diagram=" in b for b in buttons), buttons
    csv = auditor.get(
        f"/api/cases/{case.pk}/history/export/?format=csv"
    )  # the session opens the export
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    # A POST forged with the auditor's session is refused and changes nothing.
    claim = auditor.post(f"/tasks/{open_task.pk}/claim/", follow=True)
    assert "您不是该任务的办理人" in text(claim)
    task_page = auditor.get(f"/tasks/{open_task.pk}/")  # readable in scope, but nothing to press
    main = re.search(r'<main id="main".*?</main>', task_page.content.decode(), re.S).group(0)
    assert "<form" not in main and "<button" not in main and 'data-testid="read-only"' in main
    submit = auditor.post(
        f"/tasks/{open_task.pk}/",
        {"election_date": "2026-12-01", "seats": "5", "nomination_method": "committee_proposal"},
    )
    assert submit.status_code in (400, 404)  # refused; the case is unchanged (below)
    api = auditor.post(f"/api/tasks/{open_task.pk}/claim/")
    assert api.status_code == 403  # no CSRF token with a session
    open_task.refresh_from_db()
    assert (
        open_task.claimed_by_id is None
        and Case.objects.get(pk=case.pk).lock_version == case.lock_version
    )


def test_the_member_development_record_shows_an_overdue_thought_report(api, web, university):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)  # steps 1-5: an activist since 2026-02-01
    with at(2026, 8, 10, 10):
        page = web(u.users.sec_a).get(f"/members/{person.pk}/development/")
        assert page.status_code == 200
        html, body = page.content.decode(), text(page)
        assert (
            person.name in body
            and "二十五个步骤" in body
            and "1. " in body
            and "2026-01-20" in body
        )
        overdue = re.findall(
            r'<tr class="row-danger" data-status="overdue"><td>(.*?)</td><td>(.*?)</td>', html
        )
        assert ("思想汇报（第1次）", "2026-05-01") in [
            (re.sub(r"\s+", " ", a).strip(), b) for a, b in overdue
        ]
        assert "逾期事项" in body
        assert web(u.users.sec_b).get(f"/members/{person.pk}/development/").status_code == 404
        # The page prints the member's 纪实表 (Word) and 公示 (PDF); another branch cannot.
        sec = web(u.users.sec_a)
        links = re.findall(r'href="(/members/\d+/print/[^"]+)"', html)
        assert links == [
            f"/members/{person.pk}/print/member_record/?format=docx",
            f"/members/{person.pk}/print/publication_notice/?format=pdf",
        ]
        record = sec.get(links[0])
        assert record.status_code == 200 and record.content[:2] == b"PK"  # a .docx is a zip
        notice = sec.get(links[1])
        assert notice.status_code == 200 and notice.content.startswith(b"%PDF")
        assert web(u.users.sec_b).get(links[0]).status_code == 404
        wrong = sec.get(f"/members/{person.pk}/print/member_record/?format=pdf", follow=True)
        assert wrong.redirect_chain == [(f"/members/{person.pk}/development/", 302)]
        assert "只能生成 docx 格式" in text(wrong)


def test_pages_do_not_grow_their_queries_with_their_rows(web, university):
    u = university
    officer, sec = web(u.users.officer), web(u.users.sec_a)

    def queries(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    meeting_record(
        actor=u.users.sec_a,
        organization=u.branch_a,
        kind="party_lesson",
        held_on=today(),
        attendees=[m.pk for m in u.full_a],
    )  # one row already: prefetches run from the first row on
    urls = [
        (officer, f"/committee/?organization={u.college.pk}"),
        (sec, "/records/meetings/"),
        (officer, "/cases/?subject=甲"),
    ]
    before = [queries(c, url) for c, url in urls]
    for i in range(3):
        branch = OrganizationFactory(
            name=f"新支部{i}",
            kind="branch",
            parent=u.college,
            term_start=today() - dt.timedelta(days=100),
            term_end=today() + dt.timedelta(days=900),
        )
        members = [MemberFactory(organization=branch, name=f"新{i}{j}") for j in range(4)]
        MemberFactory(organization=branch, name=f"申请{i}", status=MemberStatus.APPLICANT)
        meeting_record(
            actor=u.users.sec_a,
            organization=u.branch_a,
            kind="party_lesson",
            held_on=today(),
            attendees=[m.pk for m in u.full_a],
        )
        case_start(
            actor=u.users.sec_a,
            process_id="branch_election",
            organization=branch,
            data={"term_end": "2029-01-01"},
            subject=f"甲{i}",
        )
        del members
    after = [queries(c, url) for c, url in urls]
    assert after == before, (before, after)


def test_saved_filters_show_their_counts_and_an_office_shares_one_with_a_role(web, university):

    u = university
    for branch, sec in ((u.branch_a, u.users.sec_a), (u.branch_b, u.users.sec_b)):
        case_start(
            actor=sec,
            process_id="branch_election",
            organization=branch,
            data={"term_end": (today() + dt.timedelta(days=20)).isoformat()},
            subject=f"{branch.name}换届",
        )
    sec = web(u.users.sec_a)
    saved = sec.post(
        "/filters/",
        {
            "page": "inbox",
            "name": "待认领的换届",
            "query": "tab=queue&process=branch_election&evil=1",
            "next": "/inbox/",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == "/inbox/"
    page = sec.get("/inbox/")
    chip = re.search(
        r'<a href="/inbox/\?([^"]+)" data-count="(\d+)">待认领的换届', page.content.decode()
    )
    assert (
        chip and chip.group(1) == "tab=queue&amp;process=branch_election" and chip.group(2) == "1"
    )
    # The organization department shares a case search with every branch secretary of the school.
    orgdept = web(u.users.orgdept)
    orgdept.post(
        "/filters/",
        {
            "page": "cases",
            "name": "换届选举",
            "query": "process=branch_election",
            "shared_role": "branch_secretary",
            "shared_organization": u.school.pk,
            "next": "/cases/",
        },
    )
    for user, count in ((u.users.sec_a, "1"), (u.users.sec_b, "1")):
        body = web(user).get("/cases/").content.decode()
        assert re.search(
            rf'data-count="{count}">换届选举 <span class="count">{count}</span>', body
        ), body[:2000]
    assert (
        "换届选举 <span" not in web(u.users.committee_a).get("/cases/").content.decode()
    )  # another role
    # A secretary may not share; the refusal names why and nothing is saved.
    refused = sec.post(
        "/filters/",
        {
            "page": "cases",
            "name": "共享",
            "query": "",
            "shared_role": "branch_secretary",
            "shared_organization": u.branch_a.pk,
            "next": "/cases/",
        },
        follow=True,
    )
    assert "只有组织部或党委组织员可以把筛选共享给角色" in text(refused)
    assert AuditEvent.objects.filter(action="saved_filter_created").count() == 2


def test_the_committee_and_records_pages_speak_english_when_asked(web, university):
    u = university
    officer = web(u.users.officer)
    officer.cookies["django_language"] = "en"  # the language switch in the user menu sets it
    page = text(officer.get(f"/committee/?organization={u.college.pk}"))
    assert "Branch terms" in page and "Export to Excel" in page and "支部换届" not in page
    sec = web(u.users.sec_a)
    sec.cookies["django_language"] = "en"
    assert "Record a meeting" in text(sec.get("/records/meetings/"))


def test_a_deadline_reads_as_its_last_day_in_the_inbox_and_on_the_task(web, university, election):
    """A deadline falls at 24:00 of its last day (00:00 of the next, issue 12): people read the last
    day, and the days left count to it."""

    task = election.tasks.get(status="open")
    assert task.due_at.astimezone(CST).strftime("%H:%M") == "00:00"
    last = last_day_before(task.due_at)
    sec = web(university.users.sec_a)
    assert f"{last.year}年{last.month}月{last.day}日 24:00" in text(sec.get(f"/tasks/{task.pk}/"))
    inbox = sec.get("/inbox/?tab=queue").content.decode()
    assert f">{last:%Y-%m-%d}</time>" in inbox
    assert f"剩 {(last - today()).days} 天" in text(sec.get("/inbox/?tab=queue"))


def test_the_committee_page_shows_since_when_each_branch_keeps_its_dues_here(web, api, university):
    """Branch A records its first dues (the month sets its dues start); branch B has none and is
    marked as not judged by the self-lapse check on dues."""
    u = university
    month = today().replace(day=1)
    r = api(u.users.sec_a).post(
        "/api/dues/",
        {
            "member": u.full_a[0].pk,
            "month": month.strftime("%Y-%m"),
            "amount": "10",
            "paid_on": today().isoformat(),
        },
        format="json",
    )
    assert r.status_code == 201
    html = web(u.users.officer).get(f"/committee/?organization={u.college.pk}").content.decode()
    rows = {
        name: text_of(row)
        for row in re.findall(r"<tr [^>]*data-overdue[^>]*>(.*?)</tr>", html, re.S)
        for name in (u.branch_a.name, u.branch_b.name)
        if name in row
    }
    assert f"{month.year}年{month.month}月" in rows[u.branch_a.name]  # the month in words
    # A's dues start is this month: inside the self-lapse window, so not judged yet either.
    assert "自行脱党检查无法按党费判断" in rows[u.branch_b.name]
    assert "—" in rows[u.branch_b.name].split("剩余")[-1]
