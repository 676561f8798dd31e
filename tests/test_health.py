"""/healthz and /readyz: what a load balancer and a monitor read (issue 30)."""

import os
from contextlib import contextmanager

import pytest
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from partyflow import health

from .factories import UserFactory

CLOSED_PORT = "1"  # nothing listens on port 1 of 127.0.0.1


@pytest.fixture(autouse=True)
def _migrations_unknown(monkeypatch):
    """Each test reads the migrations afresh (a process remembers once they are current)."""
    monkeypatch.setattr(health, "_migrations_current", False)


def test_healthz_answers_ok_without_touching_the_database():
    # No db fixture: any query would fail the test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_tells_an_anonymous_caller_only_the_status(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_shows_each_check_to_a_staff_user(db):
    client = Client()
    client.force_login(UserFactory(username="it_ops", is_staff=True))
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert {name: c["ok"] for name, c in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "broker": True,
    }


def test_readyz_hides_the_checks_from_a_signed_in_non_staff_user(db):
    client = Client()
    client.force_login(UserFactory(username="member_x"))
    assert client.get("/readyz").json() == {"status": "ok"}


def test_readyz_is_unavailable_while_a_migration_is_not_applied(db):
    last = MigrationRecorder.Migration.objects.filter(app="workflows").order_by("-id").first()
    last.delete()  # as if the new release's migration had not been run yet (rolled back after)
    anonymous = Client().get("/readyz")
    assert anonymous.status_code == 503
    assert anonymous.json() == {"status": "unavailable"}
    assert anonymous["Retry-After"]
    staff = Client()
    staff.force_login(UserFactory(username="it_ops", is_staff=True))
    checks = staff.get("/readyz").json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["migrations"]["ok"] is False
    assert f"workflows.{last.name}" in checks["migrations"]["error"]


@pytest.mark.xdist_group("broker")  # the test broker (tests/conftest.py)
def test_readyz_checks_a_real_broker_and_answers_503_when_it_is_down(db):
    broker = os.environ.get("PARTYFLOW_TEST_BROKER", "redis://127.0.0.1:6379/7")
    with override_settings(CELERY_BROKER_URL=broker):
        assert Client().get("/readyz").status_code == 200
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{CLOSED_PORT}/0"):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@contextmanager
def database_down():
    """The default connection pointed at a closed port: every query fails to connect, as when the
    PostgreSQL server is stopped (the shared server itself is left alone)."""
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    conn.close()
    conn.settings_dict.update(HOST="127.0.0.1", PORT=CLOSED_PORT, NAME="partyflow_down")
    if conn.vendor == "sqlite":
        conn.settings_dict["NAME"] = "/nonexistent-directory/partyflow.sqlite3"
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.clear()
        conn.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_readyz_answers_503_when_the_database_is_down_and_healthz_still_200():
    with database_down():
        ready = Client().get("/readyz")
        alive = Client().get("/healthz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}
    assert ready["Retry-After"]
    assert alive.status_code == 200
    # and back up: the next probe connects afresh
    assert Client().get("/readyz").status_code == 200
