"""Messages that leave the system, against real local receivers the tests start: an SMTP server
(aiosmtpd) and an HTTP server answering as the WeCom and DingTalk robots (DingTalk's signature
checked) and WeCom's application API. Reminders reach each person's channels once, with the task,
the case's subject, the deadline's last day and the link; a failing receiver is retried with
backoff, then failed and reported to the organization department."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

from engine.calendar import CST, cn_date
from notifications.deliveries import deliveries_for, preference_update
from notifications.models import (
    ChannelReport,
    Delivery,
    DeliveryAttempt,
    Notification,
)
from notifications.tasks import deliver_batch
from workflows.models import Task

from ..demo_helpers import SEED_MOMENT, seeded  # noqa: F401 - the demo fixture
from ..helpers import cst, only_task, run_timers
from ..procedures.election_helpers import start_election
from ..receivers import smtp_server, webhook_server

pytestmark = pytest.mark.django_db
User = get_user_model()

SITE = "https://partyflow.example.edu.cn"
SECRET = "SECdemo0123456789"


@pytest.fixture
def receivers(settings):
    """E-mail over SMTP to aiosmtpd; DingTalk (signed), WeCom robot and WeCom application to the
    local HTTP server."""
    with smtp_server() as (port, inbox), webhook_server(dingtalk_secret=SECRET) as hooks:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.PARTYFLOW = {
            **settings.PARTYFLOW,
            "SITE_URL": SITE,
            "CHANNELS": {
                "dingtalk_robot": {
                    "webhook": hooks.url("/dingtalk?access_token=abc"),
                    "secret": SECRET,
                },
                "wecom_robot": {"webhook": hooks.url("/wecom")},
                "wecom_app": {
                    "api": hooks.url(""),
                    "corp_id": "ww01",
                    "secret": "app-secret",
                    "agent_id": 1000002,
                },
            },
        }
        yield inbox, hooks


def body(message) -> str:
    return message.get_content().replace("\r\n", "\n").strip()


def subject(message) -> str:
    # A folded encoded-word header parses with the fold's space before it.
    return str(message["Subject"]).strip()


def choose(user, *channels, email="", **kwargs):
    if email:
        user.email = email
        user.save()
    return preference_update(
        actor=user,
        channels=list(channels),
        digest=kwargs.pop("digest", False),
        overdue_immediate=kwargs.pop("overdue_immediate", True),
        quiet_start=kwargs.pop("quiet_start", None),
        quiet_end=kwargs.pop("quiet_end", None),
        **kwargs,
    )


@pytest.fixture
def request_task(api, university):
    """Branch A's election request, due 2026-12-10 24:00 (CST); no notices yet."""
    u = university
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        start_election(api(u.users.sec_a), u.branch_a)
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        task = only_task(api(u.users.sec_a), "submit_request")
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    return Task.objects.select_related("case").get(pk=task["id"])


def expected_text(task) -> str:
    return (
        "任务即将到期：提交换届请示\n"
        "任务：提交换届请示\n"
        f"事项：{task.case.subject}\n"
        "办理期限：2026年12月10日\n"
        f"办理：{SITE}/tasks/{task.pk}/"
    )


def test_a_due_soon_reminder_arrives_by_email_and_once_by_each_robot(
    university, request_task, receivers
):
    inbox, hooks = receivers
    u = university
    choose(u.users.sec_a, "email", "dingtalk_robot", "wecom_robot", email="sec_a@example.edu.cn")
    choose(u.users.committee_a, "email", "dingtalk_robot", email="committee_a@example.edu.cn")

    assert "due soon 1" in run_timers(cst(2026, 12, 8, 9))

    text = expected_text(request_task)
    assert sorted(m["To"] for m in inbox.messages) == [
        "committee_a@example.edu.cn",
        "sec_a@example.edu.cn",
    ]
    for m in inbox.messages:
        assert subject(m) == "[partyflow] 任务即将到期：提交换届请示"
        assert body(m) == text
    # A group sees the alert once although two holders chose it; the signature was accepted.
    assert hooks.bodies("/dingtalk") == [{"msgtype": "text", "text": {"content": text}}]
    assert hooks.bodies("/wecom") == [{"msgtype": "text", "text": {"content": text}}]
    assert hooks.refused == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2
    # Nothing personal beyond the task, the case and the deadline: no member's name or number.
    assert not any(m.name in text for m in university.full_a)

    # Later sweeps send nothing again.
    run_timers(cst(2026, 12, 8, 10))
    assert len(inbox.messages) == 2 and len(hooks.received) == 2


def test_a_wecom_application_message_goes_to_the_persons_wecom_account(
    university, request_task, receivers
):
    _inbox, hooks = receivers
    choose(university.users.sec_a, "wecom_app", wecom_userid="ZhangSan")
    run_timers(cst(2026, 12, 8, 9))
    [body] = hooks.bodies("/cgi-bin/message/send")
    assert body["touser"] == "ZhangSan" and body["agentid"] == 1000002
    assert body["textcard"]["url"] == f"{SITE}/tasks/{request_task.pk}/"
    assert body["textcard"]["description"] == expected_text(request_task)


def test_a_wrong_dingtalk_secret_is_refused_and_logged_with_the_reason(
    university, request_task, receivers, settings
):
    _inbox, hooks = receivers
    channels = settings.PARTYFLOW["CHANNELS"]
    channels["dingtalk_robot"] = {**channels["dingtalk_robot"], "secret": "SECwrong"}
    choose(university.users.sec_a, "dingtalk_robot")
    run_timers(cst(2026, 12, 8, 9))
    [d] = Delivery.objects.all()
    assert d.status == "pending" and d.attempts == 1
    assert d.last_error == "errcode 310000: sign not match"
    assert hooks.received == [] and len(hooks.refused) == 1


def test_a_failing_receiver_is_retried_with_backoff_then_reported_not_retried_forever(
    api, university, request_task, receivers
):
    _inbox, hooks = receivers
    u = university
    hooks.fail.add("/wecom")
    choose(u.users.sec_a, "wecom_robot")
    start = cst(2026, 12, 8, 9)
    run_timers(start)
    [d] = Delivery.objects.all()
    assert (d.status, d.attempts, d.next_attempt_at) == (
        "pending",
        1,
        start + dt.timedelta(minutes=1),
    )
    # Backoff 1, 2, 4, 8 minutes: a sweep before the next try's time tries nothing.
    moment = start
    for wait in (1, 2, 4, 8):
        run_timers(moment + dt.timedelta(minutes=wait, seconds=-1))
        assert len(hooks.refused) == Delivery.objects.get().attempts
        moment += dt.timedelta(minutes=wait)
        run_timers(moment)
    d.refresh_from_db()
    assert (d.status, d.attempts, len(hooks.refused)) == ("failed", 5, 5)
    assert list(DeliveryAttempt.objects.values_list("outcome", "error")) == [
        ("retry", "HTTP 503 Service Unavailable")
    ] * 4 + [("failed", "HTTP 503 Service Unavailable")]
    run_timers(moment + dt.timedelta(hours=1))
    assert len(hooks.refused) == 5

    # Reported once to the organization department, in their bell and on the deliveries' API.
    report = ChannelReport.objects.get()
    assert (report.channel, report.failed) == ("wecom_robot", 1)
    org = api(u.users.orgdept)
    [note] = org.get("/api/notifications/").json()["results"]
    assert note["kind"] == "channel_failing"
    assert note["subject"] == "消息渠道发送失败：企业微信群机器人"
    assert "HTTP 503 Service Unavailable" in note["message"]
    rows = org.get("/api/deliveries/", {"status": "failed"}).json()["results"]
    assert [(r["channel_display"], r["status_display"], r["attempts"]) for r in rows] == [
        ("企业微信群机器人", "发送失败", 5)
    ]
    assert [a["outcome_display"] for a in rows[0]["log"]] == ["失败，将重试"] * 4 + [
        "失败，不再重试"
    ]
    health = {h["channel"]: h for h in org.get("/api/delivery-channels/").json()}
    assert health["wecom_robot"]["failed"] == 1 and health["wecom_robot"]["reported_failed"] == 1
    # Anyone else: not found, like something that does not exist.
    assert api(u.users.sec_a).get("/api/deliveries/").status_code == 404
    assert api(u.users.officer).get("/api/delivery-channels/").status_code == 404


def test_a_delivery_queued_twice_is_sent_once(university, request_task, receivers):
    inbox, _hooks = receivers
    choose(university.users.sec_a, "email", email="sec_a@example.edu.cn")
    n = Notification.objects.create(
        recipient=university.users.sec_a,
        kind="due_soon",
        task=request_task,
        case=request_task.case,
        params={"task": "提交换届请示", "case": request_task.case.subject},
        created_at=cst(2026, 12, 8, 9),
    )
    with time_machine.travel(cst(2026, 12, 8, 9), tick=False):
        assert deliveries_for(notifications=[n]) == 1
        assert deliveries_for(notifications=[n]) == 0  # planned again: the key exists
        [d] = Delivery.objects.all()
        deliver_batch.delay([d.pk, d.pk])
        deliver_batch.delay([d.pk])
    assert len(inbox.messages) == 1
    assert DeliveryAttempt.objects.count() == 1


def test_quiet_hours_hold_a_personal_message_until_they_end(university, request_task, receivers):
    inbox, hooks = receivers
    choose(
        university.users.sec_a,
        "email",
        "dingtalk_robot",
        email="sec_a@example.edu.cn",
        quiet_start=dt.time(22, 0),
        quiet_end=dt.time(7, 30),
    )
    run_timers(cst(2026, 12, 8, 0, 1))  # the reminder is raised just after midnight
    assert inbox.messages == []
    assert len(hooks.bodies("/dingtalk")) == 1  # a group has no one's quiet hours
    run_timers(cst(2026, 12, 8, 7, 29))
    assert inbox.messages == []
    run_timers(cst(2026, 12, 8, 7, 30))
    assert len(inbox.messages) == 1


def test_the_digest_comes_at_eight_on_working_days_and_overdue_work_at_once(
    university, request_task, receivers
):
    inbox, _hooks = receivers
    choose(university.users.sec_a, "email", email="sec_a@example.edu.cn", digest=True)
    run_timers(cst(2026, 12, 8, 0, 1))  # Tuesday: the reminder is raised, not mailed
    assert inbox.messages == []
    run_timers(cst(2026, 12, 8, 8, 0, 30))  # 08:00 China time
    [m] = inbox.messages
    assert subject(m) == "[partyflow] 待办提醒（2026年12月8日）"
    assert body(m) == (
        "待办提醒（2026年12月8日）\n"
        "您有 1 项待办提醒：\n"
        f"【即将到期】提交换届请示（{request_task.case.subject}），办理期限 2026年12月10日 "
        f"{SITE}/tasks/{request_task.pk}/"
    )
    run_timers(cst(2026, 12, 8, 8, 1))  # once a day
    assert len(inbox.messages) == 1
    # Overdue (11 December, a Friday, 00:01): at once, as chosen.
    run_timers(cst(2026, 12, 11, 0, 1))
    assert [subject(m) for m in inbox.messages][1:] == ["[partyflow] 任务已逾期：提交换届请示"]
    # Saturday 12 December is a day off: no digest.
    run_timers(cst(2026, 12, 12, 8, 0, 30))
    assert len(inbox.messages) == 2


def test_preferences_through_the_api_refuse_what_cannot_be_delivered(api, university, receivers):
    sec = api(university.users.sec_a)
    r = sec.get("/api/notification-preferences/")
    assert r.status_code == 200
    assert r.json()["channels"] == ["email"] and r.json()["digest"] is False
    assert [c["label"] for c in r.json()["available_channels"]] == [
        "电子邮件",
        "企业微信应用消息",
        "企业微信群机器人",
        "钉钉群机器人",
    ]
    body = {
        "channels": ["sms"],
        "digest": True,
        "overdue_immediate": True,
        "quiet_start": "22:00",
        "quiet_end": None,
    }
    r = sec.put("/api/notification-preferences/", body, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_preferences"
    assert set(r.json()["fields"]) == {"channels", "mobile", "quiet_end"}
    r = sec.put("/api/notification-preferences/", {**body, "quiet_start": "25:00"}, format="json")
    assert r.status_code == 400 and "quiet_start" in r.json()["fields"]
    r = sec.put(
        "/api/notification-preferences/",
        {
            **body,
            "channels": ["wecom_app", "dingtalk_robot"],
            "quiet_end": "07:00",
            "wecom_userid": "zs",
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["channels_display"] == ["企业微信应用消息", "钉钉群机器人"]
    assert r.json()["quiet_start"] == "22:00"


def test_the_demos_due_soon_reminder_arrives_by_email_and_by_the_dingtalk_robot(seeded, receivers):
    """The demo's reminder to secretary_se (the talk with an applicant, due in two days) as the
    alerts sweep hands it over, had secretary_se chosen e-mail and the branch's DingTalk group."""
    inbox, hooks = receivers
    sec = User.objects.get(username="secretary_se")
    choose(sec, "email", "dingtalk_robot", email="secretary_se@example.edu.cn")
    [n] = Notification.objects.filter(recipient=sec, kind="due_soon")
    task = Task.objects.select_related("case").get(pk=n.task_id)
    with time_machine.travel(SEED_MOMENT, tick=False):
        assert deliveries_for(notifications=[n]) == 2
    text = (
        f"任务即将到期：{n.params['task']}\n"
        f"任务：{n.params['task']}\n"
        f"事项：{task.case.subject}\n"
        f"办理期限：{cn_date((task.due_at - dt.timedelta(microseconds=1)).astimezone(CST).date())}\n"
        f"办理：{SITE}/tasks/{task.pk}/"
    )
    assert n.params["task"] == "派人谈话"
    [m] = inbox.messages
    assert (m["To"], subject(m), body(m)) == (
        "secretary_se@example.edu.cn",
        "[partyflow] 任务即将到期：派人谈话",
        text,
    )
    assert hooks.bodies("/dingtalk") == [{"msgtype": "text", "text": {"content": text}}]


def test_the_term_expiry_reminder_says_the_terms_last_day_in_words(
    api, university, receivers, django_capture_on_commit_callbacks
):
    """The election's reminder (P2 step 0) e-mails the branch the day its term ends as people write
    it (2026年7月10日 style), never the stored ISO date."""
    inbox, _hooks = receivers
    u = university
    choose(u.users.sec_a, "email", email="sec_a@example.edu.cn")
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        start_election(api(u.users.sec_a), u.branch_a)
    with django_capture_on_commit_callbacks(execute=True):  # its e-mails go out after the commit
        run_timers(cst(2026, 7, 10, 10))

    [message] = [m for m in inbox.messages if m["To"] == "sec_a@example.edu.cn"]
    end = u.branch_a.term_end
    assert subject(message) == f"[partyflow] 换届提醒：{u.branch_a.name}"
    assert (
        f"{u.branch_a.name} 本届支部委员会（书记）任期将于 {end.year}年{end.month}月{end.day}日 届满"
        in body(message)
    )
    assert end.isoformat() not in body(message)
