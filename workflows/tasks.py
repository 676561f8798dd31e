"""Celery tasks. Beat runs `sweep_timers` every minute (settings.CELERY_BEAT_SCHEDULE); any number of
workers may run it at once: each case is fired under its row lock taken with SKIP LOCKED."""
from celery import shared_task

from .services import timers_run


@shared_task(name="workflows.tasks.sweep_timers", ignore_result=True)
def sweep_timers() -> dict:
    return timers_run()
