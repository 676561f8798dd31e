"""党统 表7, 表11 and 表43 in a real browser: a branch secretary records on the member's page that
a member is out of contact; the committee officer reads the statistics page, where the three
tables show the student, the expulsion (with what it was for) and the lost member, and opens the
people of a 表43 cell. Screenshots under var/screenshots/ (`statistics-records-*.png`)."""

import pytest

from organizations.services import member_update
from procedures.member_development.services import member_status_event

from ..conftest import PASSWORD
from .conftest import Person, shoot

pytestmark = pytest.mark.django_db(transaction=True)

CUTOFF = "2026-12-31"


def test_lost_contact_recorded_on_the_member_page_shows_in_the_statistics_tables(
    chromium, live_server, university
):
    u = university
    lost, student, expelled = u.full_b[1], u.full_b[2], u.full_b[3]
    member_update(
        actor=None,
        member=student,
        person_category="student",
        student_level="postgraduate",
        enrollment_year=2026,
    )
    member_status_event(
        actor=u.users.officer,
        member=expelled,
        event="expulsion",
        on="2026-05-20",
        reason="严重违纪",
        decided_by=u.college.name,
        document_no="计院党〔2026〕5号",
        misconduct="political",
    )

    secretary = Person(chromium, live_server.url, "sec_b", PASSWORD)
    try:
        page = secretary.page
        page.goto(f"/members/{lost.pk}/development/")
        page.wait_for_selector("form[data-testid=lost-contact-form]")
        page.select_option("#lc-action", "lost")
        page.fill("#lc-lost-on", "2026-02-10")
        page.select_option("#lc-reason", "moved")
        page.fill("#lc-note", "搬家后电话停机")
        with page.expect_navigation():
            page.locator("form[data-testid=lost-contact-form] button[type=submit]").click()
        page.wait_for_selector("ul[data-testid=lost-contacts] strong")
        assert (
            "2026年2月10日 起失去联系（居住地改变）"
            in page.locator("ul[data-testid=lost-contacts]").inner_text()
        )
        shoot(page, "statistics-records-member")
    finally:
        secretary.close()

    officer = Person(chromium, live_server.url, "officer", PASSWORD)
    try:
        page = officer.page
        page.goto(f"/committee/statistics/?organization={u.branch_b.pk}&cutoff={CUTOFF}")
        page.wait_for_selector("section[data-table=lost_contact]")
        cell = page.locator('[data-cell="lost_contact:total:total"]')
        assert cell.inner_text() == "1"
        assert page.locator('[data-cell="lost_contact:total:moved"]').inner_text() == "1"
        assert page.locator('[data-cell="students:postgraduate_first:total"]').inner_text() == "1"
        assert page.locator(
            '[data-cell="exits_by_misconduct:political:expelled"]'
        ).inner_text() == ("1")
        shoot(page, "statistics-records-tables")
        with page.expect_navigation():
            cell.click()
        page.wait_for_selector("table[data-testid=cell-people]")
        assert lost.name in page.locator("table[data-testid=cell-people]").inner_text()
    finally:
        officer.close()
