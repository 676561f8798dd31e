"""The notification settings page (everyone) and the delivery log (the organization department)."""

import pytest

from notifications.deliveries import channel_report
from notifications.models import Delivery, DeliveryAttempt, DeliveryPreference
from tests.helpers import cst

from .helpers import text

pytestmark = pytest.mark.django_db


def test_a_person_chooses_channels_and_quiet_hours_and_a_mistake_names_the_field(
    university, web, settings
):
    settings.PARTYFLOW = {
        **settings.PARTYFLOW,
        "CHANNELS": {"dingtalk_robot": {"webhook": "http://127.0.0.1:9/x", "secret": "s"}},
    }
    client = web(university.users.sec_a)
    page = client.get("/settings/notifications/")
    assert page.status_code == 200
    body = text(page)
    assert "接收渠道" in body and "钉钉群机器人" in body and "企业微信群机器人" not in body
    # Half a quiet window: refused at the end field, nothing saved.
    r = client.post(
        "/settings/notifications/",
        {"channels": ["dingtalk_robot"], "quiet_start": "22:00", "digest": "1"},
    )
    assert r.status_code == 400
    assert "免打扰时段须同时填写开始和结束时间。" in text(r)
    assert not DeliveryPreference.objects.exists()
    r = client.post(
        "/settings/notifications/",
        {
            "channels": ["dingtalk_robot"],
            "quiet_start": "22:00",
            "quiet_end": "07:30",
            "digest": "1",
            "overdue_immediate": "1",
        },
        follow=True,
    )
    assert "通知设置已保存。" in text(r)
    pref = DeliveryPreference.objects.get(user=university.users.sec_a)
    assert pref.channels == ["dingtalk_robot"] and pref.digest and pref.overdue_immediate
    assert pref.quiet_end.strftime("%H:%M") == "07:30"


def test_the_delivery_log_is_the_organization_departments_and_shows_a_reported_channel(
    university, web, settings
):
    u = university
    settings.PARTYFLOW = {
        **settings.PARTYFLOW,
        "CHANNELS": {"wecom_robot": {"webhook": "http://127.0.0.1:9/x"}},
    }
    d = Delivery.objects.create(
        key="wecom_robot:due_soon:t1",
        channel="wecom_robot",
        subject="任务即将到期：提交换届请示",
        text="…",
        status="failed",
        attempts=5,
        last_error="HTTP 503 Service Unavailable",
        created_at=cst(2026, 12, 8, 9),
        next_attempt_at=cst(2026, 12, 8, 9, 15),
    )
    DeliveryAttempt.objects.create(
        delivery=d, at=cst(2026, 12, 8, 9, 15), outcome="failed", error=d.last_error
    )
    channel_report(channel="wecom_robot", error=d.last_error, now=cst(2026, 12, 8, 9, 15))
    page = web(u.users.orgdept).get("/deliveries/")
    assert page.status_code == 200
    body = text(page)
    assert "消息发送记录" in body and "群消息" in body
    assert "失败，不再重试：HTTP 503 Service Unavailable" in body
    assert "2026-12-08 报告故障：1 条未送达" in body
    assert web(u.users.sec_a).get("/deliveries/").status_code == 404
