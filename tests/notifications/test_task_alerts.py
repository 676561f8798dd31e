"""Reminders before a task is due, overdue alerts and escalation to the approving committee: in the
app (`/api/notifications/`) and by email, each raised once, through `partyflow run-timers`."""

import pytest
import time_machine
from django.core import mail

from notifications.models import Notification, TaskAlert
from notifications.services import alerts_raise
from workflows.assignment import slot, slot_holders

from ..helpers import cst, only_task, run_timers

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_task(api, university):
    """Branch A's election request, open since the reminder fired; due 2026-12-10 24:00 (CST)."""
    u = university
    for user, email in (
        (u.users.sec_a, "sec_a@example.edu.cn"),
        (u.users.committee_a, "committee_a@example.edu.cn"),
        (u.users.officer, "officer@example.edu.cn"),
    ):
        user.email = email
        user.save()
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        assert (
            api(u.users.sec_a)
            .post(
                "/api/cases/",
                {"process": "branch_election", "organization": u.branch_a.pk},
                format="json",
            )
            .status_code
            == 201
        )
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        task = only_task(api(u.users.sec_a), "submit_request")
    assert task["due_at"] == "2026-12-11T00:00:00+08:00"
    # This file is about task alerts: the term-expiry notices of P2 step 0 are tested in
    # tests/procedures/test_branch_election_fidelity.py.
    Notification.objects.filter(kind="term_expiry").delete()
    mail.outbox.clear()
    return task


def notifications(client, **params):
    r = client.get("/api/notifications/", params)
    assert r.status_code == 200, r.json()
    return r.json()["results"]


def test_reminder_reaches_every_holder_three_days_before_the_due_date_once(
    api, university, request_task
):
    u = university
    sec, committee, officer = api(u.users.sec_a), api(u.users.committee_a), api(u.users.officer)
    # tasks.reminder_lead is 3 days in cpc-2014; the request is due at 24:00 on 10 December: nothing
    # at 23:59 on the 7th, a reminder just after midnight.
    assert "due soon 0, overdue 0, escalated 0" in run_timers(cst(2026, 12, 7, 23, 59))
    assert notifications(sec) == [] and mail.outbox == []
    assert "due soon 1, overdue 0, escalated 0" in run_timers(cst(2026, 12, 8, 0, 1))

    [n] = notifications(sec)
    assert n["kind"] == "due_soon" and n["task"] == request_task["id"] and n["read_at"] is None
    assert n["subject"] == "任务即将到期：提交换届请示"
    assert "2026年12月10日 24:00" in n["message"] and "软件工程教工党支部" in n["message"]
    # The submit_request lane is the branch committee: the secretary and the committee member.
    assert [x["task"] for x in notifications(committee)] == [request_task["id"]]
    assert notifications(officer) == []
    assert sorted(m.to[0] for m in mail.outbox) == [
        "committee_a@example.edu.cn",
        "sec_a@example.edu.cn",
    ]
    assert all(m.subject == "[partyflow] 任务即将到期：提交换届请示" for m in mail.outbox)
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2

    # The next sweeps raise nothing new.
    assert "due soon 0, overdue 0" in run_timers(cst(2026, 12, 8, 9))
    assert len(notifications(sec)) == 1 and len(mail.outbox) == 2


def test_overdue_task_alerts_its_holders_and_escalates_to_the_approving_committee(
    api, university, request_task
):
    u = university
    sec, officer, sec_b = api(u.users.sec_a), api(u.users.officer), api(u.users.sec_b)
    assert officer.get("/api/tasks/", {"escalated": "true"}).json()["results"] == []
    # No sweep ran in the three days before: a task already past its due date gets no "due soon"
    # reminder, only the overdue alert.
    assert "due soon 0, overdue 1, escalated 1" in run_timers(cst(2026, 12, 11, 0, 1))
    assert not TaskAlert.objects.filter(kind="due_soon").exists()
    assert [n["kind"] for n in notifications(sec)] == ["overdue"]
    [escalation] = notifications(officer)
    assert (
        escalation["kind"] == "escalated"
        and escalation["subject"] == "逾期督办：软件工程教工党支部 提交换届请示"
    )
    assert "officer@example.edu.cn" in [m.to[0] for m in mail.outbox]

    # The committee's 督办 inbox lists the overdue task; nobody else's does.
    with time_machine.travel(cst(2026, 12, 11, 10), tick=False):
        listed = officer.get("/api/tasks/", {"escalated": "true"}).json()["results"]
        assert [(t["id"], t["overdue"]) for t in listed] == [(request_task["id"], True)]
        assert sec.get("/api/tasks/", {"escalated": "true"}).json()["results"] == []
        assert sec_b.get("/api/tasks/", {"escalated": "true"}).json()["results"] == []
    # In English on request.
    [escalation_en] = officer.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()[
        "results"
    ]
    assert (
        escalation_en["subject"]
        == "Overdue, escalated: 软件工程教工党支部 Submit the election request"
    )

    # Completing the task takes it off the escalation list.
    with time_machine.travel(cst(2026, 12, 11, 11), tick=False):
        r = sec.post(
            f"/api/tasks/{request_task['id']}/complete/",
            {
                "data": {
                    "election_date": "2026-12-28",
                    "seats": 5,
                    "nomination_method": "committee_proposal",
                }
            },
            format="json",
        )
        assert r.status_code == 200, r.json()
        assert officer.get("/api/tasks/", {"escalated": "true"}).json()["results"] == []


def test_a_claimed_task_reminds_only_whoever_claimed_it(api, university, request_task):
    u = university
    committee = api(u.users.committee_a)
    assert committee.post(f"/api/tasks/{request_task['id']}/claim/").status_code == 200
    run_timers(cst(2026, 12, 8, 10))
    assert [n.recipient.username for n in Notification.objects.all()] == ["committee_a"]
    assert notifications(api(u.users.sec_a)) == []


def test_notifications_are_marked_read_one_or_all_and_are_private(api, university, request_task):
    u = university
    sec, committee = api(u.users.sec_a), api(u.users.committee_a)
    run_timers(cst(2026, 12, 8, 10))
    run_timers(cst(2026, 12, 11, 10))
    second, first = notifications(sec)  # newest first
    assert (first["kind"], second["kind"]) == ("due_soon", "overdue")
    r = sec.post(f"/api/notifications/{first['id']}/read/")
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert [n["id"] for n in notifications(sec, unread="true")] == [second["id"]]
    # Someone else's notification answers like a missing one.
    assert committee.post(f"/api/notifications/{first['id']}/read/").status_code == 404
    assert (
        committee.get(f"/api/notifications/{first['id']}/").json()["code"]
        == "notification_not_found"
    )
    assert sec.post("/api/notifications/read-all/").json() == {"marked_read": 1}
    assert notifications(sec, unread="true") == []
    assert len(notifications(committee, unread="true")) == 2


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_mail_server_that_is_down_loses_no_notification(api, university, request_task, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenMailServer"
    with time_machine.travel(cst(2026, 12, 8, 10), tick=False):
        assert alerts_raise()["due_soon"] == 1
    rows = list(Notification.objects.all())
    assert len(rows) == 2 and all(
        n.emailed_at is None and "mail server down" in n.email_error for n in rows
    )
    assert len(notifications(api(university.users.sec_a))) == 1


def test_alerts_reach_a_members_own_task_and_each_lane_holder(university):
    """Holders of a member's own slot (member@<member id>: a self-assessment) and of a lane."""

    u = university
    own, lane = slot("member", u.full_a[8].pk), slot("branch_committee", u.branch_a.pk)
    holders = slot_holders([own, lane, slot("member", u.full_a[7].pk)])
    assert [x.username for x in holders[own]] == ["member_a"]
    assert [x.username for x in holders[lane]] == ["sec_a", "committee_a"]
    assert holders[slot("member", u.full_a[7].pk)] == []  # a member without an account


def test_an_alert_about_a_step_already_done_reads_as_done_and_is_not_counted_unread(
    api, client, university, request_task
):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    run_timers(cst(2026, 12, 11, 0, 1))
    [overdue] = notifications(sec)
    assert overdue["kind"] == "overdue" and overdue["resolved"] is False
    assert [n["id"] for n in notifications(sec, unread="true")] == [overdue["id"]]

    with time_machine.travel(cst(2026, 12, 11, 9), tick=False):
        done = sec.post(
            f"/api/tasks/{request_task['id']}/complete/",
            {
                "data": {
                    "election_date": "2026-12-20",
                    "seats": 5,
                    "nomination_method": "committee_proposal",
                }
            },
            format="json",
        )
        assert done.status_code == 200, done.json()

    for client_, who in ((sec, "sec_a"), (officer, "officer")):
        [n] = notifications(client_)
        assert n["resolved"] is True and n["state_display"] == "已办理", who
        assert n["subject"] == "已办理：提交换届请示" and "请尽快办理" not in n["message"]
        assert notifications(client_, unread="true") == []
    # the page: shown as done, with no "mark read" button, and the bell counts nothing
    client.force_login(u.users.sec_a)
    page = client.get("/notifications/").content.decode()
    assert 'data-state="resolved"' in page and "已办理" in page
    assert "请尽快办理" not in page and 'data-testid="unread-count"' not in page
    # English readers read the same state
    en = sec.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert en["state_display"] == "Done"


def test_cancelling_a_case_resolves_the_alerts_about_its_open_steps(api, university, request_task):
    u = university
    run_timers(cst(2026, 12, 11, 0, 1))
    assert Notification.objects.filter(resolved_at__isnull=True).count() >= 2
    with time_machine.travel(cst(2026, 12, 11, 9), tick=False):
        r = api(u.users.officer).post(
            f"/api/cases/{request_task['case']}/cancel/", {"reason": "合并换届"}, format="json"
        )
        assert r.status_code == 200, r.json()
    assert not Notification.objects.filter(resolved_at__isnull=True, task__isnull=False).exists()
