"""Celery tasks. Beat runs `sweep_timers` every minute (settings.CELERY_BEAT_SCHEDULE); it hands
each case with due timers to `fire_case_timers`, which any number of workers consume. A case is
fired under its row lock taken with SKIP LOCKED and only while something on it is still due, so a
case enqueued twice (two sweeps, a redelivery after a worker died) fires once."""
from celery import shared_task

from .services import due_case_ids, timer_fire_one


@shared_task(name="workflows.tasks.sweep_timers", ignore_result=True)
def sweep_timers(limit: int = 10000) -> int:
    case_ids = due_case_ids(limit=limit)
    for case_id in case_ids:
        fire_case_timers.delay(case_id)
    return len(case_ids)


@shared_task(name="workflows.tasks.fire_case_timers", ignore_result=True, acks_late=True)
def fire_case_timers(case_id: int) -> tuple[int, int]:
    return timer_fire_one(case_id=case_id)
