"""/healthz and /readyz: what a load balancer and a monitor read (issue 30)."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from partyflow import health

from .factories import UserFactory
from .helpers import cst

# MADE-UP holidays for 2027 (test data, not the State Council's arrangement): tests/data/.
TEST_2027_FILE = Path(__file__).parent / "data" / "holidays-2027-test.json"
# What IT is told to do, in the warning and in the error alike.
INSTALL_2027 = (
    "install the 2027 holiday file (PARTYFLOW_HOLIDAYS_FILE, check it with "
    "`partyflow calendar --check FILE`; docs/operations.md, Each December)"
)

CLOSED_PORT = "1"  # nothing listens on port 1 of 127.0.0.1


@pytest.fixture(autouse=True)
def _migrations_unknown(monkeypatch):
    """Each test reads the migrations afresh (a process remembers once they are current)."""
    monkeypatch.setattr(health, "_migrations_current", False)


@pytest.fixture(autouse=True)
def _mid_year():
    """A day the shipped calendar covers with its horizon (chinesecalendar has 2026), so these
    tests answer the same on any day the suite runs; the calendar's own tests move the clock."""
    with time_machine.travel(cst(2026, 6, 1, 10), tick=True):
        yield


def holidays_file(path) -> override_settings:
    return override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": str(path or "")})


def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="it_ops", is_staff=True))
    return client


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
        "calendar": True,
    }
    assert body["checks"]["calendar"]["last_covered_day"] == "2026-12-31"
    assert "warning" not in body["checks"]["calendar"]


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


def readyz_on(day: tuple, path) -> tuple:
    """/readyz on `day` (10:00 CST) with the holiday file `path`: the anonymous response and the
    staff user's body."""
    with holidays_file(path), time_machine.travel(cst(*day, 10), tick=False):
        return Client().get("/readyz"), staff_client().get("/readyz").json()


@pytest.mark.parametrize(
    ("day", "status", "key", "message"),
    [
        (  # 24 days left, fewer than 45: a warning, the backend stays in
            (2026, 12, 7),
            200,
            "warning",
            "holiday data ends 2026-12-31, within 45 days: from 2027-01-01 working days cannot be "
            f"computed; {INSTALL_2027}",
        ),
        (  # today itself cannot be computed: not ready
            (2027, 1, 2),
            503,
            "error",
            "no holiday data for 2027: working days cannot be computed today (last covered day "
            f"2026-12-31); {INSTALL_2027}",
        ),
    ],
)
def test_readyz_warns_in_december_and_fails_from_january_without_next_years_holidays(
    db, day, status, key, message
):
    anonymous, body = readyz_on(day, None)
    assert anonymous.status_code == status
    assert anonymous.json() == {"status": "ok" if status == 200 else "unavailable"}
    assert ("Retry-After" in anonymous) is (status == 503)
    calendar = body["checks"]["calendar"]
    assert calendar["ok"] is (status == 200) and calendar["last_covered_day"] == "2026-12-31"
    assert calendar[key] == message
    failing = {name for name, c in body["checks"].items() if not c["ok"]}
    assert failing == ({"calendar"} if status == 503 else set())


def test_readyz_is_quiet_on_7_december_2026_with_a_2027_holiday_file(db):
    _anonymous, body = readyz_on((2026, 12, 7), TEST_2027_FILE)
    assert body["checks"]["calendar"] == {
        "ok": True,
        "last_covered_day": "2027-12-31",
        "ms": body["checks"]["calendar"]["ms"],
    }


def test_readyz_answers_503_when_the_holiday_file_is_broken(db, tmp_path):
    broken = tmp_path / "holidays.json"
    broken.write_text('{"years": {"2027": {"holidays": {"2027-13-01": "元旦"}}}}', encoding="utf-8")
    with holidays_file(broken):
        response = staff_client().get("/readyz")
    assert response.status_code == 503
    error = response.json()["checks"]["calendar"]["error"]
    assert (
        error.startswith("HolidayFileInvalid: ")
        and "2027-13-01 不是 YYYY-MM-DD 格式的日期" in error
    )
