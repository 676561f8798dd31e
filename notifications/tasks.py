"""Celery: beat raises reminders, overdue alerts and escalations, queues the deliveries whose time
has come and composes the 08:00 digest (settings.CELERY_BEAT_SCHEDULE); workers send deliveries in
batches (`deliver_batch`), each under its row lock, so a batch queued twice sends each message once."""

from celery import shared_task

from .deliveries import deliveries_attempt, deliveries_due, deliveries_queue, digests_compose
from .services import alerts_raise


@shared_task(name="notifications.tasks.raise_task_alerts", ignore_result=True)
def raise_task_alerts() -> dict:
    return alerts_raise()


@shared_task(name="notifications.tasks.deliver_batch", ignore_result=True, acks_late=True)
def deliver_batch(delivery_ids: list[int]) -> dict:
    return deliveries_attempt(delivery_ids=delivery_ids)


@shared_task(name="notifications.tasks.send_due_deliveries", ignore_result=True)
def send_due_deliveries() -> int:
    ids = deliveries_due()
    deliveries_queue(ids)
    return len(ids)


@shared_task(name="notifications.tasks.compose_digests", ignore_result=True)
def compose_digests() -> dict:
    return digests_compose()
