"""Celery tasks. Beat runs `sweep_timers` every minute (settings.CELERY_BEAT_SCHEDULE); it hands
the cases with due timers to the workers in batches (`fire_timers_batch`, PARTYFLOW["TIMER_BATCH"]
cases a message), which any number of workers consume. Each case is fired in its own transaction
under its row lock taken with SKIP LOCKED, and only while something on it is still due, so a case
enqueued twice (two sweeps, a batch redelivered after a worker died) fires once."""
from celery import shared_task
from django.conf import settings

from .services import due_case_ids, timer_fire_one


@shared_task(name="workflows.tasks.sweep_timers", ignore_result=True)
def sweep_timers(limit: int = 10000) -> int:
    case_ids = due_case_ids(limit=limit)
    size = max(1, int(settings.PARTYFLOW.get("TIMER_BATCH", 50)))
    for i in range(0, len(case_ids), size):
        fire_timers_batch.delay(case_ids[i:i + size])
    return len(case_ids)


@shared_task(name="workflows.tasks.fire_timers_batch", ignore_result=True, acks_late=True)
def fire_timers_batch(case_ids: list[int]) -> tuple[int, int]:
    fired = failed = 0
    for case_id in case_ids:
        f, x = timer_fire_one(case_id=case_id)
        fired, failed = fired + f, failed + x
    return fired, failed


@shared_task(name="workflows.tasks.fire_case_timers", ignore_result=True, acks_late=True)
def fire_case_timers(case_id: int) -> tuple[int, int]:
    return timer_fire_one(case_id=case_id)
