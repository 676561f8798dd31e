"""A transfer out in a real browser (P7): the committee issues the letter from its queue (a validity
over the maximum refused at the field), the case page offers the letter in Word and PDF, the
receipt is recorded and the member has left the roster; screenshots at 1280 and 375 px."""

import pytest

from engine.calendar import today
from organizations.models import Member, MemberStatus
from orglife.services import dues_record
from workflows.services import case_start

from ..conftest import PASSWORD
from .conftest import Person, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_graduate_is_transferred_out_in_the_browser(chromium, live_server, university):
    u = university
    grad = u.full_a[5]
    day = today()
    dues_record(
        actor=u.users.sec_a, member=grad, month=day.replace(day=1), amount="10", paid_on=day
    )
    case = case_start(
        actor=u.users.sec_a,
        process_id="transfer_out",
        organization=u.branch_a,
        subject_member=grad,
        data={
            "member": {"id": grad.pk},
            "destination": "employer",
            "receiving_organization": "中共某某科技有限公司委员会",
        },
    )
    officer = Person(chromium, live_server.url, "officer", PASSWORD, width=1280)
    try:
        officer.open_from_queue("开具组织关系介绍信")
        page = officer.page
        facts = page.inner_text('[aria-labelledby="facts-title"]')
        assert "工作单位党组织" in facts and "中共某某科技有限公司委员会" in facts
        assert f"党费已交至\n{day:%Y-%m}" in facts or f"{day:%Y-%m}" in facts
        page.fill("#f-issued_on", day.isoformat())
        page.fill("#f-validity_days", "91")
        officer.submit()
        assert "不能超过 90 天" in page.inner_text('[data-field="validity_days"] .field-error')
        page.fill("#f-validity_days", "30")
        shoot(page, "transfer-issue-letter")
        officer.submit()
        assert "已办理完成" in page.inner_text(".messages")

        page.goto(f"/cases/{case.pk}/")
        printable = page.inner_text('[data-testid="printable"]')
        assert "党员组织关系介绍信" in printable and "PDF" in printable and "Word" in printable
        shoot(page, "transfer-case")

        officer.open_from_queue("登记回执")
        page.fill("#f-accepted_on", day.isoformat())
        page.fill("#f-received_on", day.isoformat())
        page.fill("#f-receiver", "中共某某科技有限公司委员会")
        officer.submit()
        assert "已办理完成" in page.inner_text(".messages")
        assert Member.objects.get(pk=grad.pk).status == MemberStatus.TRANSFERRED_OUT
    finally:
        officer.close()

    phone = Person(chromium, live_server.url, "officer", PASSWORD, width=375)
    try:
        phone.page.goto(f"/cases/{case.pk}/")
        assert no_horizontal_scroll(phone.page)
        shoot(phone.page, "transfer-case")
    finally:
        phone.close()
