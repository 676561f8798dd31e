"""Celery: beat raises reminders, overdue alerts and escalations (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .services import alerts_raise


@shared_task(name="notifications.tasks.raise_task_alerts", ignore_result=True)
def raise_task_alerts() -> dict:
    return alerts_raise()
