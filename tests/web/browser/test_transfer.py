"""A transfer out in a real browser (P7): the committee issues the letter from its queue (a validity
over the maximum refused at the field), the case page offers the letter in Word and PDF, the
receipt is recorded and the member has left the roster; on a phone the secretary registers a
mobile member, whom the roster then shows as such; screenshots at 1280 and 375 px."""

import pytest

from engine.calendar import today
from organizations.models import Member, MemberStatus
from orglife.services import dues_record
from workflows.services import case_start

from ..conftest import PASSWORD
from .conftest import Person, follow, no_horizontal_scroll, shoot

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

    # the branch secretary on a phone: the case, then a member working away registered from his
    # page (a mobile member without his 活动证 number refused at the field) and on the roster
    phone = Person(chromium, live_server.url, "sec_a", PASSWORD, width=375)
    try:
        page = phone.page
        page.goto(f"/cases/{case.pk}/")
        assert no_horizontal_scroll(page)
        shoot(page, "transfer-case")
        away = u.full_a[4]
        page.goto(f"/members/{away.pk}/development/")
        follow(page, '[data-testid="member-away-register"]')
        page.fill("#a-place", "上海市浦东新区")
        page.fill("#a-started", day.isoformat())
        phone.submit("登记")
        assert "须填写活动证编号" in page.inner_text('[data-field="card_no"] .field-error')
        assert no_horizontal_scroll(page)
        shoot(page, "member-away-refused")
        page.fill("#a-card", "沪流-0001")
        phone.submit("登记")
        assert f"已登记 {away.name} 外出。" in page.inner_text(".messages")
        page.goto("/records/roster/")
        row = page.inner_text(f'[data-testid="roster"] tr[data-member="{away.name}"]')
        assert "正式党员 流动党员（上海市浦东新区）" in row
        shoot(page, "roster-member-away")
    finally:
        phone.close()
