"""Landing pages in a real browser at desktop (1280 px) and phone (375 px) widths: the committee
officer lands on the overdue dashboard of the college and sees branch A's overdue step; a member
lands on the inbox and finds their own democratic review under 我的事项. Screenshots go to var/screenshots/
(`landing-officer-1280.png`, `landing-member-inbox-375.png`, `landing-member-375.png` …) to be looked at."""

import datetime as dt

import pytest
from django.utils import timezone

from engine.calendar import today
from organizations.models import Organization
from workflows.models import Task, TaskStatus
from workflows.services import case_start, timers_run

from ...procedures.review_helpers import drive_to_self_assessment, review_branch  # noqa: F401
from ..conftest import PASSWORD
from .conftest import Person, follow, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 375)


def shot(page, name: str) -> None:
    shoot(page, f"landing-{name}")


def test_an_officer_and_a_member_each_land_on_their_page(
    chromium,
    live_server,
    api,
    university,
    review_branch,  # noqa: F811
):
    u, rb = university, review_branch
    Organization.objects.filter(pk=u.branch_a.pk).update(
        term_start=today() - dt.timedelta(days=3 * 365), term_end=today() + dt.timedelta(days=40)
    )
    election = case_start(
        actor=u.users.sec_a,
        process_id="branch_election",
        organization=u.branch_a,
        subject=f"{u.branch_a.name}换届选举",
    )
    timers_run(now=timezone.now())
    Task.objects.filter(case=election, status=TaskStatus.OPEN).update(
        due_at=timezone.now() - dt.timedelta(days=5)
    )
    drive_to_self_assessment(api, rb)
    member = rb.members[5]
    for width in WIDTHS:
        officer = Person(chromium, live_server.url, "officer", PASSWORD, width)
        try:
            page = officer.page
            assert page.url.endswith("/overview/")
            overdue = page.locator("table[data-testid=overdue]")
            assert "提交换届请示" in overdue.inner_text()
            assert u.branch_a.name in overdue.inner_text()
            assert page.get_by_role("link", name="待办事项").count() == 1
            assert no_horizontal_scroll(page)
            shot(page, "officer")
        finally:
            officer.close()
        person = Person(chromium, live_server.url, member.user.username, PASSWORD, width)
        try:
            page = person.page
            assert page.url.endswith("/inbox/")
            shot(page, "member-inbox")
            follow(page, page.get_by_role("link", name="我的事项"))
            page.wait_for_selector("[data-testid=my-cases]")
            mine = page.locator("[data-testid=my-cases]").inner_text()
            assert "民主评议" in mine and "待填写" in mine
            assert no_horizontal_scroll(page)
            shot(page, "member")
        finally:
            person.close()
