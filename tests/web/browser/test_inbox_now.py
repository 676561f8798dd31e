"""Issue 27 in a real browser, at desk and phone width: the secretary's inbox opens on the overdue
step first, claims it from the same list, submits it with 提交并打开下一项 and lands on the case's
next step."""

import datetime as dt

import pytest

from engine.calendar import today
from organizations.models import MemberStatus
from organizations.services import member_create
from workflows.models import Task, TaskStatus
from workflows.services import case_start

from ..conftest import PASSWORD
from .conftest import Person, follow, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_overdue_first_claim_in_place_then_submit_and_open_next(
    chromium, live_server, university, election, width
):
    u = university
    person = member_create(
        actor=None,
        organization=u.branch_a,
        name="申请人周",
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(2000, 1, 1),
    )
    dev = case_start(
        actor=u.users.sec_a,
        process_id="member_development",
        organization=u.branch_a,
        subject_member=person,
    )
    application = Task.objects.get(case=dev, status=TaskStatus.OPEN)
    Task.objects.filter(pk=application.pk).update(due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    sec = Person(chromium, live_server.url, "sec_a", PASSWORD, width)
    try:
        page = sec.page
        # the top bar counts the overdue step; the list opens on it, first, to claim
        assert page.inner_text('[data-testid="overdue-count"]').strip() == "逾期 1"
        first = page.locator("li.row").first
        assert first.get_attribute("data-task") == str(application.pk)
        assert "row-overdue" in first.get_attribute("class")
        assert first.locator('[data-testid="row-to-claim"]').count() == 1
        assert page.locator("li.row").count() == 2  # the election's request beside it
        if width == 375:
            assert no_horizontal_scroll(page)
            shoot(page, "inbox-now")
        # claim it from the same list: still the same list, now mine
        follow(page, first.locator(f'[data-testid="claim-{application.pk}"]'))
        page.wait_for_url("**/inbox/?tab=todo")
        row = page.locator(f'li.row[data-task="{application.pk}"]')
        assert row.locator('[data-testid="row-mine"]').count() == 1
        follow(page, row.get_by_role("link", name="递交入党申请书"))
        page.wait_for_selector("form.taskform")
        page.fill("#f-application_date", today().isoformat())
        page.fill("#f-letter_summary", "本人志愿加入中国共产党")
        sec.submit("提交并打开下一项")
        # the case's next step, which the secretary holds, opens directly
        assert page.inner_text("h1") == "派人谈话"
        assert "申请人周" in page.inner_text(".subtitle")
        assert "依据：收到入党申请书后派人谈话的期限" in page.inner_text('[data-testid="deadline"]')
        assert [e for e in sec.errors if "Failed to load resource" not in e] == []
    finally:
        sec.close()
