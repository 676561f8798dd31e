"""A year of dues for a branch collected in the browser: the secretary enters the year's bases on
the 年度核定 page, then ticks every member's month on the collection sheet — January to June in
June (January to May as 补交, within the 6-month window), July to December in December, on a phone
(375 px) — and the college officer reads the remittance summary. The clock is moved with
time-machine (the live server runs in this process), never with sleep."""

import datetime as dt

import pytest
import time_machine

from orglife.dues_selectors import dues_paid_through
from orglife.models import DuesAssessment, DuesPayment
from tests.helpers import cst

from ..conftest import PASSWORD
from .conftest import Person, follow, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)


def _tick_all(page) -> int:
    """Click every 记为已交 button of the sheet, waiting for each row to come back paid."""
    ticked = 0
    while (button := page.locator("button:has-text('记为已交')")).count():
        row = button.first.locator("xpath=ancestor::tr")
        name = row.get_attribute("data-member")
        button.first.click()
        page.locator(f"tr[data-member='{name}'] .tag-ok").wait_for()
        ticked += 1
    return ticked


def _month(page, branch, month: str):
    page.goto(f"/records/dues/?organization={branch}&month={month}")
    page.wait_for_selector("table[data-testid=dues-sheet]")


def test_a_branch_collects_a_year_of_dues_in_the_browser(chromium, live_server, university):
    u = university
    branch = u.branch_b.pk
    names = sorted(m.name for m in u.full_b)
    with time_machine.travel(cst(2025, 6, 20, 10), tick=True):
        sec = Person(chromium, live_server.url, "sec_b", PASSWORD, 1280)
        page = sec.page
        page.goto(f"/records/dues/bases/?organization={branch}&year=2025")
        bases = {"丁0": ("retired", "6200"), "丁1": ("working", "4500")}
        bases |= {"丁2": ("working", "12000"), "丁3": ("student", ""), "丁4": ("working", "2800")}
        for name, (category, base) in bases.items():
            row = page.locator(f"tr[data-member='{name}']")
            row.locator("select").select_option(category)
            row.locator("input").fill(base)
        follow(page, page.get_by_role("button", name="保存全部"))
        page.wait_for_selector(".msg-success")
        due = dict(
            zip(
                page.locator("table[data-testid=dues-bases] tbody th").all_inner_texts(),
                page.locator("[data-testid=monthly-due]").all_inner_texts(),
                strict=True,
            )
        )
        # by hand: 6200 × 1%, 4500 × 1%, 12000 × 2%, 0.20 flat, 2800 × 0.5%
        assert due == {
            "丁0": "62.00",
            "丁1": "45.00",
            "丁2": "240.00",
            "丁3": "0.20",
            "丁4": "14.00",
        }
        shoot(page, "dues-bases")
        for month in range(1, 7):
            _month(page, branch, f"2025-{month:02d}")
            assert _tick_all(page) == 5
            totals = page.locator("[data-testid=dues-totals]").inner_text()
            assert "已交 5 / 5 人" in totals and "实收 361.20 元" in totals
            if month < 6:
                assert page.locator(".tag-warn:has-text('补交')").count() == 5
        shoot(page, "dues-collection")
        sec.close()
    assert DuesPayment.objects.count() == 30

    with time_machine.travel(cst(2025, 12, 20, 10), tick=True):
        phone = Person(chromium, live_server.url, "sec_b", PASSWORD, 375)
        page = phone.page
        _month(page, branch, "2025-05")  # now outside the window: nothing to tick
        assert page.locator("button:has-text('记为已交')").count() == 0
        for month in range(7, 13):
            _month(page, branch, f"2025-{month:02d}")
            assert _tick_all(page) == 5
        paid_through = page.locator("[data-testid=paid-through]")
        assert paid_through.all_inner_texts() == ["2025年12月"] * 5
        assert no_horizontal_scroll(page)
        shoot(page, "dues-collection")
        phone.close()

        officer = Person(chromium, live_server.url, "officer", PASSWORD, 1280)
        page = officer.page
        page.goto(f"/committee/dues/?organization={u.college.pk}&year=2025")
        total = page.locator("[data-testid=remittance-total]").inner_text()
        assert "全年应收 4334.40 元" in total and "全年实收 4334.40 元" in total  # 361.20 × 12
        row = page.locator(f"table[data-testid=remittance] tr:has-text('{u.branch_b.name}')")
        assert row.locator("td").last.inner_text().startswith("4334.40")
        shoot(page, "dues-remittance")
        officer.close()
    ids = [m.pk for m in u.full_b]
    assert DuesPayment.objects.filter(member_id__in=ids).count() == 60
    assert set(dues_paid_through(ids).values()) == {dt.date(2025, 12, 1)}
    assert DuesAssessment.objects.filter(year=2025).count() == 5 and names
