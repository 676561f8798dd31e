"""Celery tasks. Beat runs `detect_self_lapse` daily (settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from .services import self_lapse_detect


@shared_task(name="orglife.tasks.detect_self_lapse", ignore_result=True)
def detect_self_lapse() -> int:
    return len(self_lapse_detect()["opened"])
