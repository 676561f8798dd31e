"""Celery tasks. Beat runs `sweep_timers` every minute (settings.CELERY_BEAT_SCHEDULE); it hands
the cases with due timers to the workers in batches (`fire_timers_batch`, PARTYFLOW["TIMER_BATCH"]
cases a message), which any number of workers consume. A batch is fired in one transaction under
its cases' row locks taken with SKIP LOCKED, each case only while something on it is still due, so
a case enqueued twice (two sweeps, a batch redelivered after a worker died) fires once, and a
worker killed mid-batch leaves every case of the batch untouched (`timers_fire_batch`)."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from .services import due_case_ids, timer_batches, timer_fire_one, timers_fire_batch
from .services.archive import cases_archive_closed


@shared_task(name="workflows.tasks.sweep_timers", ignore_result=True)
def sweep_timers(limit: int = 10000) -> int:
    case_ids = due_case_ids(limit=limit)
    for batch in timer_batches(case_ids):
        fire_timers_batch.delay(batch)
    return len(case_ids)


@shared_task(name="workflows.tasks.fire_timers_batch", ignore_result=True, acks_late=True)
def fire_timers_batch(case_ids: list[int]) -> tuple[int, int]:
    return timers_fire_batch(case_ids=case_ids)


@shared_task(name="workflows.tasks.fire_case_timers", ignore_result=True, acks_late=True)
def fire_case_timers(case_id: int) -> tuple[int, int]:
    return timer_fire_one(case_id=case_id)


@shared_task(name="workflows.tasks.archive_closed_years", ignore_result=True)
def archive_closed_years() -> dict:
    """The yearly archive of closed years (in the beat schedule only when
    PARTYFLOW["ARCHIVE_KEEP_YEARS"] is set): the cases closed before this year less that many
    years move to the archive tables (`workflows.services.archive`)."""
    before = dt.date.today().year - settings.PARTYFLOW["ARCHIVE_KEEP_YEARS"]
    run = cases_archive_closed(before=before)
    return {"before": before, "cases": run.cases, **run.rows}
