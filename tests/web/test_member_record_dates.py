"""The member's 纪实 page and the case page show the day a step took place, with the day it was
entered beside it, never instead of it."""

import re

from ..procedures.md_helpers import applicant, at, drive_to_political_review, step


def test_a_step_entered_late_shows_its_own_date_and_the_entry_date_beside_it(api, web, university):
    u = university
    person = applicant(u)
    sec = api(u.users.sec_a)
    case = drive_to_political_review(api, u, person)
    with at(2027, 2, 20, 10):
        step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-12", "conclusion": "政治审查合格", "passed": True},
        )
        client = web(u.users.sec_a)
        page = client.get(f"/members/{person.pk}/development/").content.decode()
        steps = dict(re.findall(r'data-step="(\d+)">(.*?)</li>', page, re.S))
        assert '<span data-testid="step-date">2027-02-12</span>' in steps["10"]
        assert "2027-02-20 录入" in steps["10"]
        # the contacts' appointment: the day decided, though entered the same day as other steps
        assert '<span data-testid="step-date">2026-02-01</span>' in steps["5"]
        timeline = client.get(f"/cases/{case['id']}/").content.decode()
        assert "办理日期 2027-02-12" in timeline
