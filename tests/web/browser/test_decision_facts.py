"""The approving pages of the demo in a real browser at desktop (1280 px) and phone (375 px) widths:
the officer approving an election's results sees the tally and the elected above the form, the
officer reviewing candidates sees each candidate's record, the secretary of a branch under
remediation sees why it was designated; no page scrolls sideways. Screenshots
(`var/screenshots/decide-results-1280.png`, `decide-candidates-375.png`, `decide-remediation-…`, `decide-case-…`: the election's case page
with its facts grouped) are there to be looked at."""

import pytest

from partyflow.demo import DEMO_PASSWORD, seed_demo
from workflows.models import Task

from .conftest import Person, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("officer_marx", "approve_results", "results", ["各候选人得票", "当选委员及分工", "有效票"]),
    (
        "officer_cs",
        "review_candidates",
        "candidates",
        ["候选人预备人选", "曾磊", "计算机学院研究生第一党支部书记"],
    ),
    ("secretary_cs_admin", "file_plan", "remediation", ["确定为软弱涣散党支部的原因"]),
]


def test_the_approving_pages_show_what_is_decided_at_both_widths(chromium, live_server, deployed):
    seed_demo()
    for username, element_id, name, words in PAGES:
        task = Task.objects.get(element_id=element_id, status="open")
        for width in (1280, 375):
            person = Person(chromium, live_server.url, username, DEMO_PASSWORD, width=width)
            try:
                person.page.goto(f"/tasks/{task.pk}/")
                facts = person.page.locator("[data-testid=decision-facts]")
                assert facts.is_visible()
                shown = facts.inner_text()
                assert all(w in shown for w in words), (name, shown)
                assert no_horizontal_scroll(person.page), (name, width)
                shoot(person.page, f"decide-{name}")
            finally:
                person.close()
    # The case page: its facts grouped (基本情况, then each step's form in order), by name.
    case = Task.objects.get(element_id="approve_results", status="open").case
    for width in (1280, 375):
        person = Person(chromium, live_server.url, "officer_marx", DEMO_PASSWORD, width=width)
        try:
            person.page.goto(f"/cases/{case.pk}/")
            groups = person.page.locator(".fact-group h3").all_inner_texts()
            assert groups[0] == "基本情况" and "提交换届请示" in groups, groups
            assert no_horizontal_scroll(person.page), width
            shoot(person.page, "decide-case")
        finally:
            person.close()
