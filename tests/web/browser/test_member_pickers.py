"""Choosing people in a real browser (issue 27): the secretary picks a P1 applicant's two
introducers by typing part of a name into the picker's filter, at desktop and phone width; the
case then shows them by name. A screenshot of the picker (`var/screenshots/picker-*.png`) is there for review."""

import pytest

from organizations.models import MemberStatus
from workflows.models import Task, TaskStatus

from ...factories import MemberFactory
from ...procedures.md_helpers import applicant
from ..conftest import PASSWORD
from ..picker_helpers import drive_to_introducers
from .conftest import Person, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_introducers_are_picked_by_typing_part_of_a_name(
    chromium, live_server, api, university, width
):
    u = university
    MemberFactory(organization=u.branch_a, name="欧阳明华", status=MemberStatus.FULL)
    # Designated on 2026-02-01: the decision below lies in the past whatever today is after that.
    case = drive_to_introducers(api, u, applicant(u), year=2025)
    task = Task.objects.get(
        case_id=case["id"], element_id="assign_introducers", status=TaskStatus.OPEN
    )
    sec = Person(chromium, live_server.url, "sec_a", PASSWORD, width)
    sec.errors.clear()  # the login page's own (a missing favicon) are not this test's
    try:
        page = sec.page
        page.goto(f"/tasks/{task.pk}/")
        page.fill("#f-decision_date", "2026-02-10")
        items = page.locator("#f-introducers label.check")
        assert items.count() == 10  # nine full members of branch A and 欧阳明华
        page.fill("#f-introducers-filter", "欧阳")
        visible = page.locator("#f-introducers label.check:visible")
        assert visible.count() == 1 and "软件工程教工党支部 · 正式党员" in visible.inner_text()
        visible.locator("input").check()
        page.fill("#f-introducers-filter", "甲3")
        # the one already chosen stays in view beside the match
        assert page.locator("#f-introducers label.check:visible").count() == 2
        page.locator('#f-introducers label.check:has-text("甲3") input').check()
        page.fill("#f-introducers-filter", "没有这个人")
        assert page.locator('[data-filter-none="f-introducers"]').is_visible()
        page.fill("#f-introducers-filter", "")
        assert page.locator("#f-introducers label.check:visible").count() == 10
        if width == 375:
            assert no_horizontal_scroll(page)
        shoot(page, "picker", page.locator('[data-field="introducers"]'))
        sec.submit()
        assert "已办理完成" in page.inner_text(".messages"), page.inner_text("main")
        page.goto(f"/cases/{case['id']}/")
        body = page.inner_text("main")
        assert "欧阳明华" in body and "甲3" in body
        assert not sec.errors, sec.errors
    finally:
        sec.close()
