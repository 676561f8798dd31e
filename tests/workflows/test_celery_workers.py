"""Real Celery worker processes (Redis broker, PostgreSQL) fire due timers: each exactly once with two
workers, and again exactly once after a worker is killed with SIGKILL mid-batch."""

import os
import signal
import time

import pytest
from celery import current_app

from notifications.tasks import deliver_batch
from workflows.models import AuditEvent, Task, Timer

from ..celery_helpers import (  # noqa: F401 (broker: fixture)
    broker,
    queued,
    start_worker,
    stop,
    wait_until,
    workers_on,
)
from .helpers import assert_each_fired_exactly_once, many_due_cases

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


def sweep(app):
    """What beat sends every minute: a worker runs the sweep and hands the due cases out in batches."""
    app.send_task("workflows.tasks.sweep_timers")


def waiting():
    return Timer.objects.filter(status="waiting", element_id="term_expiry_reminder").count()


def test_two_workers_fire_1000_due_timers_each_exactly_once(university, broker, tmp_path):
    case_ids = many_due_cases(university, 1000)
    # Two sweeps (what beat sends every minute) queued before a worker runs: the first worker runs
    # both sweeps, each hands every case out in batches, so every case is queued twice: each must
    # still fire once.
    sweep(broker)
    sweep(broker)
    workers = [
        start_worker("w1", tmp_path, broker.conf.broker_url),
        start_worker("w2", tmp_path, broker.conf.broker_url),
    ]
    try:
        assert wait_until(lambda: waiting() == 0, 180), (
            f"workers on the broker: {workers_on(broker)}\n"
            + (tmp_path / "w1.log").read_text()[-3000:]
        )
        # Let the duplicate messages drain: they must change nothing.
        assert wait_until(lambda: queued(broker) == 0, 60)
        time.sleep(1)
    finally:
        stop(*workers)
    assert_each_fired_exactly_once(case_ids)
    logs = (tmp_path / "w1.log").read_text() + (tmp_path / "w2.log").read_text()
    assert "workflows.tasks.sweep_timers" in logs and "workflows.tasks.fire_timers_batch" in logs


def test_a_worker_killed_mid_batch_leaves_nothing_half_written(university, broker, tmp_path):
    case_ids = many_due_cases(university, 600)
    first = start_worker("k1", tmp_path, broker.conf.broker_url)
    try:
        sweep(broker)
        assert wait_until(lambda: waiting() < 550, 120), (
            f"workers on the broker: {workers_on(broker)}\n"
            + (tmp_path / "k1.log").read_text()[-3000:]
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        left = waiting()
        assert 0 < left < 600
        # Every case is either fired whole (state, task, timer row, audit) or not at all.
        fired = list(
            Timer.objects.filter(case_id__in=case_ids, status="fired").values_list(
                "case_id", flat=True
            )
        )
        assert Task.objects.filter(case_id__in=fired, element_id="submit_request").count() == len(
            fired
        )
        assert AuditEvent.objects.filter(case_id__in=fired, action="timers_fired").count() == len(
            fired
        )
        assert not Task.objects.filter(case_id__in=set(case_ids) - set(fired)).exists()
        # The next sweep hands the rest to a new worker.
        second = start_worker("k2", tmp_path, broker.conf.broker_url)
        try:
            sweep(broker)
            assert wait_until(lambda: waiting() == 0, 180), (
                f"workers on the broker: {workers_on(broker)}\n"
                + (tmp_path / "k2.log").read_text()[-3000:]
            )
        finally:
            stop(second)
    finally:
        stop(first)
    assert_each_fired_exactly_once(case_ids)


def test_the_broker_app_leaves_the_tasks_of_this_process_eager(broker):
    """The test's own app talks to the broker; the tasks a later test runs in this process still
    follow partyflow's app, eager without a broker (a delivery test once queued its e-mail on the
    test broker after a worker test, and nothing sent it)."""
    assert broker is not current_app
    assert (current_app.main, deliver_batch.app.conf.task_always_eager) == ("partyflow", True)
