"""Real Celery workers for the tests that need them: the brokers that answer (Redis, RabbitMQ), a
worker process on the test database, waiting for a condition, stopping workers."""

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

# Every test runs against each broker that answers: Redis (the default) and RabbitMQ. A parallel
# checkout sets its own with PARTYFLOW_TEST_BROKER / PARTYFLOW_TEST_AMQP_BROKER.
BROKERS = {
    "redis": os.environ.get("PARTYFLOW_TEST_BROKER", "redis://127.0.0.1:6379/11"),
    "rabbitmq": os.environ.get("PARTYFLOW_TEST_AMQP_BROKER", "amqp://guest:guest@127.0.0.1:5672//"),
}
PARTYFLOW_COMMAND = str(Path(sys.executable).with_name("partyflow"))


def _broker_up(broker_url: str) -> bool:
    url = urlparse(broker_url)
    try:
        socket.create_connection(
            (url.hostname, url.port or {"redis": 6379, "amqp": 5672}[url.scheme]), timeout=1
        ).close()
        return True
    except OSError:
        return False


def queued(app) -> int:
    """Messages waiting in the default queue (Redis or RabbitMQ); a queue drained away is empty."""
    from amqp.exceptions import ChannelError

    with app.connection_for_write() as conn:
        try:
            return conn.default_channel.queue_declare("celery", passive=True).message_count
        except ChannelError:
            return 0


def workers_on(app) -> list[str]:
    """The workers consuming from this broker now (they answer a ping): for a failure's message, as
    a worker of another test or test session on the same broker takes this test's messages."""
    return sorted(name for reply in app.control.ping(timeout=2) for name in reply)


@pytest.fixture(params=sorted(BROKERS))
def broker(request):
    """A Celery app on an empty broker. Redis is emptied whole (FLUSHDB): a purge empties the queue
    but not what a killed worker had taken (kombu's `unacked` hash), which any worker on the
    database puts back in the queue an hour later (the visibility timeout), for a later test's
    worker to run on its database. RabbitMQ requeues those when the connection drops: a purge is
    enough."""
    if connection.vendor != "postgresql":
        pytest.skip("workers share the database: needs PostgreSQL (CI runs this on PostgreSQL)")
    url = BROKERS[request.param]
    if not _broker_up(url):
        pytest.skip(f"needs the broker {url}")
    # Not the current app: shared tasks (`deliver_batch.delay()`) follow the current app, and this
    # one is not eager (CELERY_TASK_ALWAYS_EAGER): a later test of this process would queue its
    # task on the broker instead of running it.
    app = Celery(broker=url, set_as_current=False)
    if request.param == "redis":
        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
    else:
        app.control.purge()
    yield app


def start_worker(name, log_dir, broker_url, extra_env=None):
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
        ),
        **(extra_env or {}),
    }
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen(
        [
            PARTYFLOW_COMMAND,
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


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def stop(*workers):
    for w in workers:
        if w.poll() is None:
            os.killpg(w.pid, signal.SIGTERM)
    for w in workers:
        try:
            w.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
