"""Real Celery workers (Redis and RabbitMQ, PostgreSQL) send deliveries to a real SMTP server: every
batch queued twice, two workers, each message arrives once."""

import json

import pytest
from django.utils import timezone

from notifications.deliveries import deliveries_plan
from notifications.models import Delivery, DeliveryAttempt, Notification
from tests.factories import UserFactory

from ..celery_helpers import broker, queued, start_worker, stop, wait_until  # noqa: F401 (broker: fixture)
from ..receivers import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_send_each_delivery_once_though_every_batch_is_queued_twice(broker, tmp_path):
    now = timezone.now()
    users = [UserFactory(username=f"u{i}", email=f"u{i}@example.edu.cn") for i in range(120)]
    notes = Notification.objects.bulk_create(
        [
            Notification(
                recipient=u,
                kind="due_soon",
                params={"task": "提交换届请示", "case": "软件工程系教工党支部换届选举"},
                created_at=now,
            )
            for u in users
        ]
    )
    for n, u in zip(notes, users, strict=True):
        n.recipient = u
    made = deliveries_plan(notifications=notes, now=now)
    ids = [pk for pk, _when, _r in made]
    assert len(ids) == 120
    with smtp_server() as (port, inbox):
        env = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "PARTYFLOW_CHANNELS": json.dumps({}),
        }
        for _ in range(2):
            for start in range(0, len(ids), 40):
                broker.send_task(
                    "notifications.tasks.deliver_batch", args=[ids[start : start + 40]]
                )
        workers = [
            start_worker("d1", tmp_path, broker.conf.broker_url, env),
            start_worker("d2", tmp_path, broker.conf.broker_url, env),
        ]
        try:
            assert wait_until(
                lambda: not Delivery.objects.filter(status="pending").exists(), 180
            ), (tmp_path / "d1.log").read_text()[-3000:]
            assert wait_until(lambda: queued(broker) == 0, 60)
            assert wait_until(lambda: len(inbox.messages) >= 120, 30)
        finally:
            stop(*workers)
        received = sorted(m["To"] for m in inbox.messages)
    assert received == sorted(u.email for u in users)
    assert DeliveryAttempt.objects.count() == 120
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
