"""The workplace in a real browser: a whole P2 election, the first steps of P1, a refused step, the
diagram's markers, phone width, and screenshots under var/screenshots/ for review."""

import datetime as dt
import re

import pytest

from engine.calendar import today
from organizations.models import MemberStatus
from organizations.services import member_create
from workflows.models import Case, Document
from workflows.services import case_start

from .conftest import no_horizontal_scroll, shoot, unlabeled_controls

pytestmark = pytest.mark.django_db(transaction=True)

MINUTES_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def tick(page, field: str, names):
    for name in names:
        page.locator(f'#f-{field} label.check:has-text("{name}") input').check()


def test_a_whole_branch_election_in_the_browser(people, university, election, tmp_path):
    u = university
    minutes = tmp_path / "党员大会会议记录.pdf"
    minutes.write_bytes(MINUTES_PDF)
    sec, officer = people("sec_a"), people("officer")
    day = today().isoformat()

    # 1. The secretary finds the election request in the queue and fills it in.
    sec.open_from_queue("提交换届请示")
    sec.page.fill("#f-election_date", election.data["term_end"])
    sec.page.fill("#f-seats", "5")
    sec.page.select_option("#f-nomination_method", "committee_proposal")
    sec.submit()
    assert "已办理完成" in sec.page.inner_text(".messages")

    # 2. The college committee's officer approves the request.
    officer.open_from_queue("批复换届请示")
    officer.page.check("#f-approved-true")
    officer.page.fill("#f-document_no", "院党委〔2026〕12号")
    officer.submit()

    # 3. Six candidates for five seats; 4. the officer approves them.
    sec.open_from_queue("推荐候选人预备人选")
    tick(sec.page, "candidates", [m.name for m in u.full_a[:6]])
    sec.submit()
    officer.open_from_queue("审查候选人预备人选")
    officer.page.check("#f-approved-true")
    officer.submit()

    # 5. The general meeting's result, with the minutes uploaded.
    sec.open_from_queue("党员大会选举并录入结果")
    page = sec.page
    page.fill("#f-meeting_date", day)
    tick(page, "present", [m.name for m in u.full_a[:8]])
    for name in ("ballots_issued", "ballots_returned"):
        page.fill(f"#f-{name}", "8")
    page.fill("#f-invalid_ballots", "0")
    for member, yes in zip(u.full_a[:6], [8, 7, 6, 5, 5, 3]):
        page.locator(f'#f-votes .subrow:has-text("{member.name}") input[type=number]').fill(
            str(yes)
        )
    tick(page, "elected", [m.name for m in u.full_a[:5]])
    page.fill("#f-minutes", "应到9人，实到8人，选举有效。")
    page.set_input_files("#f-evidence", str(minutes))
    shoot(page, "task-vote")
    assert unlabeled_controls(page) == []
    sec.submit()
    assert "已办理完成" in page.inner_text(".messages")

    # 6. Secretary and deputy from the new committee.
    sec.open_from_queue("选举书记、副书记")
    sec.page.fill("#f-meeting_date", day)
    sec.page.select_option("#f-secretary", str(u.full_a[0].pk))
    sec.page.select_option("#f-deputy", str(u.full_a[1].pk))
    sec.submit()

    # 7. The officer approves the results.
    officer.open_from_queue("批复选举结果")
    officer.page.check("#f-approved-true")
    officer.page.fill("#f-document_no", "院党委〔2026〕30号")
    officer.submit()

    case = Case.objects.get(pk=election.pk)
    assert case.status == "completed"
    doc = Document.objects.get(case=case)
    assert doc.filename == "党员大会会议记录.pdf" and doc.task.element_id == "record_vote"
    sec.page.goto(f"/cases/{case.pk}/")
    assert sec.page.inner_text("[data-testid=case-status]") == "已完成"
    assert "党员大会会议记录.pdf" in sec.page.inner_text("main")
    assert "条记录完整" in sec.page.inner_text("[data-testid=audit-ok]")
    facts = sec.page.inner_text("main")
    assert u.full_a[0].name in facts and f"#{u.full_a[0].pk}" not in facts  # people by name
    shoot(sec.page, "case-done")


def test_first_steps_of_member_development_with_submit_and_open_next(people, university):
    u = university
    applicant = member_create(
        actor=None,
        organization=u.branch_a,
        name="申请人王",
        status=MemberStatus.APPLICANT,
        birth_date=today() - dt.timedelta(days=20 * 365),
    )
    case = case_start(
        actor=u.users.sec_a,
        process_id="member_development",
        organization=u.branch_a,
        subject_member=applicant,
    )
    sec, officer = people("sec_a"), people("officer")
    day = today().isoformat()

    sec.open_from_queue("递交入党申请书")
    assert sec.page.inner_text(".subtitle").startswith("申请人王")
    sec.page.fill("#f-application_date", day)
    sec.page.fill("#f-letter_summary", "本人志愿加入中国共产党。")
    sec.submit("提交并打开下一项")
    # submit and open next: the talk with the applicant opens directly
    assert sec.page.inner_text("h1") == "派人谈话"
    sec.page.fill("#f-talk_date", day)
    sec.page.fill("#f-talker", "甲0")
    sec.page.fill("#f-summary", "谈话了解入党动机。")
    sec.submit("提交并打开下一项")
    assert sec.page.inner_text("h1") == "确定入党积极分子"
    sec.page.fill("#f-decision_date", day)
    sec.page.select_option("#f-recommendation", "member_recommendation")
    sec.submit()

    officer.open_from_queue("入党积极分子备案")
    officer.page.fill("#f-filed_date", day)
    officer.submit()
    open_steps = list(
        Case.objects.get(pk=case.pk)
        .tasks.filter(status="open")
        .values_list("element_id", flat=True)
    )
    assert open_steps == ["appoint_contacts"]


def _to_nomination(people, election):
    sec, officer = people("sec_a"), people("officer")
    sec.open_from_queue("提交换届请示")
    sec.page.fill("#f-election_date", election.data["term_end"])
    sec.page.fill("#f-seats", "5")
    sec.page.select_option("#f-nomination_method", "committee_proposal")
    sec.submit()
    officer.open_from_queue("批复换届请示")
    officer.page.check("#f-approved-true")
    officer.submit()
    return sec, officer


def test_too_few_candidates_is_refused_at_the_field_and_the_case_is_unchanged(
    people, university, election
):
    u = university
    sec, _officer = _to_nomination(people, election)
    before = Case.objects.get(pk=election.pk)
    sec.open_from_queue("推荐候选人预备人选")
    tick(sec.page, "candidates", [m.name for m in u.full_a[:5]])
    sec.submit()
    error = sec.page.inner_text('[data-field="candidates"] .field-error')
    assert "至少 6 人" in error and "候选人应多于应选人数的 20%" in error
    assert sec.page.locator("#f-candidates input:checked").count() == 5
    after = Case.objects.get(pk=election.pk)
    assert (after.state, after.audit_seq, after.stage) == (
        before.state,
        before.audit_seq,
        before.stage,
    )


def test_the_diagram_marks_finished_and_open_steps_and_counts_repeats(people, university, election):
    sec, officer = people("sec_a"), people("officer")
    sec.open_from_queue("提交换届请示")
    sec.page.fill("#f-election_date", election.data["term_end"])
    sec.page.fill("#f-seats", "5")
    sec.page.select_option("#f-nomination_method", "committee_proposal")
    sec.submit()
    officer.open_from_queue("批复换届请示")
    officer.page.check("#f-approved-false")
    officer.page.fill("#f-reason", "请补充候选人推荐方式说明")
    officer.submit()
    sec.open_from_queue("提交换届请示")
    sec.page.fill("#f-election_date", election.data["term_end"])
    sec.page.fill("#f-seats", "5")
    sec.page.select_option("#f-nomination_method", "member_recommendation")
    sec.submit()

    page = sec.page
    page.goto(f"/cases/{election.pk}/")
    page.wait_for_selector("#diagram[data-ready='1']", state="attached")
    marked = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#diagram g.djs-element[data-element-id]')]
        .filter(g => [...g.classList].some(c => c.startsWith('pf-')))
        .map(g => [g.getAttribute('data-element-id'), [...g.classList].filter(c => c.startsWith('pf-')).join(' ')]))""")
    assert marked["submit_request"] == "pf-done" and marked["reply_request"] == "pf-open"
    badge = page.locator(".djs-overlay-pf-count .pf-count").first.inner_text()
    assert badge == "×2"
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays visible
    shoot(page, "case")
    assert no_horizontal_scroll(page)


def test_phone_width_has_no_horizontal_scroll_and_screenshots_are_written(
    people, chromium, live_server, university, election
):
    # the login page, before anyone logs in
    for width in (375, 1440):
        ctx = chromium.new_context(
            viewport={"width": width, "height": 800}, locale="zh-CN", base_url=live_server.url
        )
        page = ctx.new_page()
        page.goto("/")
        shoot(page, "login")
        assert no_horizontal_scroll(page)
        ctx.close()
    for width in (375, 1440):
        sec = people("sec_a", width)
        sec.page.goto("/inbox/?tab=queue")
        assert no_horizontal_scroll(sec.page)
        shoot(sec.page, "inbox")
        assert unlabeled_controls(sec.page) == []
        # the search swaps the list in place (htmx) and keeps the URL shareable
        sec.page.fill("#f-q", "没有这个人")
        sec.page.press("#f-q", "Enter")
        sec.page.wait_for_selector("text=没有待认领的任务。")
        sec.page.wait_for_url(re.compile(r"[?&]q="))  # the URL htmx pushes with the swap
        assert sec.page.evaluate("typeof window.htmx") == "object"
        sec.open_from_queue("提交换届请示")
        sec.page.fill("#f-seats", "4")
        sec.submit()  # refused: shows the rule at the field (seats must be odd / no date)
        assert sec.page.locator(".field-error").count() >= 1
        assert no_horizontal_scroll(sec.page)
        assert unlabeled_controls(sec.page) == []
        shoot(sec.page, "task")
        sec.page.goto(f"/cases/{election.pk}/")
        if width == 375:  # on a phone the step list comes first, the diagram behind its button
            sec.page.get_by_text("显示流程图").click()
        sec.page.wait_for_selector("#diagram[data-ready='1']", state="attached")
        assert no_horizontal_scroll(sec.page)
        shoot(sec.page, "case")
    shots = sorted(p.name for p in (shoot.__globals__["SCREENSHOTS"]).glob("*.png"))
    assert {f"{n}-{w}.png" for n in ("login", "inbox", "task", "case") for w in (375, 1440)} <= set(
        shots
    )
