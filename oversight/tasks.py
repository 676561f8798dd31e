"""Celery: the yearly identification of weak branches (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .services import identification_yearly


@shared_task(name="oversight.tasks.identify_weak_branches", ignore_result=True)
def identify_weak_branches() -> int:
    return sum(len(r["opened"]) for r in identification_yearly())


@shared_task(name="oversight.tasks.send_compliance_reminders", ignore_result=True)
def send_compliance_reminders() -> int:
    from .services import compliance_reminders_send

    return len(compliance_reminders_send())
