"""The sweep without a broker (`partyflow run-timers`, the demo's loop) runs the jobs of the beat
schedule, the one list of them: each interval job at every sweep, a daily or yearly job when its
moment has come since the previous sweep."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.utils.module_loading import import_string

from partyflow.sweep import sweep

pytestmark = pytest.mark.django_db

INTERVAL_JOBS = {
    name
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    if isinstance(entry["schedule"], float | int)
}


def test_each_beat_job_is_found_by_its_task_name():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert import_string(entry["task"]).name == entry["task"]


def test_the_sweep_runs_every_job_of_the_beat_schedule():
    # Since New Year's Eve, at 09:00:30 on 2 January in Beijing: the daily compliance reminders
    # (00:30 UTC) and the yearly identification of weak branches (01:00 UTC, 2 January) are due.
    with time_machine.travel(dt.datetime(2027, 1, 2, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        results = sweep(since=dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC))
    assert list(results) == list(settings.CELERY_BEAT_SCHEDULE)
    assert results["sweep-due-timers"] == {"cases": 0, "fired": 0, "failed": 0}
    assert results["compliance-reminders"] == 0 and results["identify-weak-branches"] == 0


def test_a_daily_or_yearly_job_runs_only_when_its_moment_has_come_since_the_last_sweep():
    with time_machine.travel(dt.datetime(2027, 1, 2, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        # The first sweep of a process looks back PARTYFLOW["DEMO_TIMER_INTERVAL"] (60 s).
        assert set(sweep()) == INTERVAL_JOBS | {"identify-weak-branches"}
        # The demo's loop passes the previous sweep's moment: 01:00 already ran.
        assert set(sweep(since=dt.datetime(2027, 1, 2, 1, 0, 10, tzinfo=dt.UTC))) == INTERVAL_JOBS
    with time_machine.travel(dt.datetime(2027, 1, 3, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        assert set(sweep()) == INTERVAL_JOBS
