"""Real Celery worker processes (Redis broker, PostgreSQL) fire due timers: each exactly once with two
workers, and again exactly once after a worker is killed with SIGKILL mid-batch."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from celery import Celery
from django.db import connection

from workflows.models import AuditEvent, Task, Timer

from .helpers import assert_each_fired_exactly_once, many_due_cases

# Every test runs against each broker that answers: Redis (the default) and RabbitMQ. A parallel
# checkout sets its own with PARTYFLOW_TEST_BROKER / PARTYFLOW_TEST_AMQP_BROKER.
BROKERS = {
    "redis": os.environ.get("PARTYFLOW_TEST_BROKER", "redis://127.0.0.1:6379/11"),
    "rabbitmq": os.environ.get("PARTYFLOW_TEST_AMQP_BROKER", "amqp://guest:guest@127.0.0.1:5672//"),
}
PARTYFLOW = str(Path(sys.executable).with_name("partyflow"))


def _broker_up(broker_url: str) -> bool:
    url = urlparse(broker_url)
    try:
        socket.create_connection(
            (url.hostname, url.port or {"redis": 6379, "amqp": 5672}[url.scheme]), timeout=1
        ).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
]


def queued(app) -> int:
    """Messages waiting in the default queue (Redis or RabbitMQ); a queue drained away is empty."""
    from amqp.exceptions import ChannelError

    with app.connection_for_write() as conn:
        try:
            return conn.default_channel.queue_declare("celery", passive=True).message_count
        except ChannelError:
            return 0


@pytest.fixture(params=sorted(BROKERS))
def broker(request):
    if connection.vendor != "postgresql":
        pytest.skip("workers share the database: needs PostgreSQL (CI runs this on PostgreSQL)")
    url = BROKERS[request.param]
    if not _broker_up(url):
        pytest.skip(f"needs the broker {url}")
    app = Celery(broker=url)
    app.control.purge()
    yield app


def start_worker(name, log_dir, broker_url):
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
        ),
    }
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen(
        [
            PARTYFLOW,
            "worker",
            "--concurrency=1",
            "--pool=prefork",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def sweep(app):
    """What beat sends every minute: a worker runs the sweep and hands the due cases out in batches."""
    app.send_task("workflows.tasks.sweep_timers")


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def waiting():
    return Timer.objects.filter(status="waiting", element_id="term_expiry_reminder").count()


def stop(*workers):
    for w in workers:
        if w.poll() is None:
            os.killpg(w.pid, signal.SIGTERM)
    for w in workers:
        try:
            w.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)


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
        assert wait_until(lambda: waiting() == 0, 180), (tmp_path / "w1.log").read_text()[-3000:]
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
        assert wait_until(lambda: waiting() < 550, 120), (tmp_path / "k1.log").read_text()[-3000:]
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
            assert wait_until(lambda: waiting() == 0, 180), (tmp_path / "k2.log").read_text()[
                -3000:
            ]
        finally:
            stop(second)
    finally:
        stop(first)
    assert_each_fired_exactly_once(case_ids)
