"""Settings and sessions (issue 12): tokens expire when idle and are revoked at logout, password
change and deactivation; the token throttle counts in a cache every API process shares; the server
refuses to start without a SECRET_KEY; `check --deploy` is clean under production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from organizations.models import RecordEvent

from ..helpers import cst

pytestmark = pytest.mark.django_db
PARTYFLOW_BIN = str(Path(sys.executable).parent / "partyflow")


def login(username, password="pw-123456") -> APIClient:
    c = APIClient()
    r = c.post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert r.status_code == 200, r.json()
    c.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    return c


@pytest.fixture
def idle_one_hour():
    cache.clear()
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "TOKEN_IDLE_SECONDS": 3600}):
        yield


def test_a_token_expires_after_the_idle_time_and_use_keeps_it_alive(university, idle_one_hour):
    with time_machine.travel(cst(2026, 9, 1, 9), tick=False) as clock:
        c = login("sec_a")
        clock.move_to(cst(2026, 9, 1, 9, 50))
        assert c.get("/api/me/").status_code == 200
        clock.move_to(cst(2026, 9, 1, 10, 40))  # 1h50 after login, 50 min after the last use
        assert c.get("/api/me/").status_code == 200
        clock.move_to(cst(2026, 9, 1, 11, 41))  # 61 min idle
        r = c.get("/api/me/")
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
        # logging in again gives a working token
        assert login("sec_a").get("/api/me/").status_code == 200


def test_a_stale_token_is_not_handed_out_again_at_login(university, idle_one_hour):
    with time_machine.travel(cst(2026, 9, 1, 9), tick=False) as clock:
        login("sec_a")
        clock.move_to(cst(2026, 9, 2, 9))
        assert login("sec_a").get("/api/me/").status_code == 200


def test_logout_revokes_the_token(university):
    c = login("sec_a")
    assert c.get("/api/me/").status_code == 200
    r = c.post("/api/auth/logout/")
    assert r.status_code == 204
    r = c.get("/api/me/")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_revocations_are_recorded_in_the_record_log_with_their_reason(university):
    c = login("member_a")
    assert c.post("/api/auth/logout/").status_code == 204
    member = login("member_a")
    r = login("orgdept").patch(
        f"/api/users/{university.users.member_a.pk}/",
        {"password": "a-new-password-1"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert member.get("/api/me/").status_code == 401
    revoked = RecordEvent.objects.filter(
        action="token_revoked", entity_id=university.users.member_a.pk
    )
    assert [(e.entity, e.actor_name, e.data) for e in revoked.order_by("seq")] == [
        ("token", "member_a", {"reason": "logout"}),
        ("token", "orgdept", {"reason": "password_changed"}),
    ]


def test_a_password_change_ends_every_session_of_that_user(university):
    member = login("member_a")
    other = login("sec_a")
    r = login("orgdept").patch(
        f"/api/users/{university.users.member_a.pk}/",
        {"password": "a-new-password-1"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert member.get("/api/me/").status_code == 401
    assert other.get("/api/me/").status_code == 200
    assert login("member_a", "a-new-password-1").get("/api/me/").status_code == 200


def test_a_deactivated_user_loses_the_token_for_good(university):
    member = login("member_a")
    orgdept = login("orgdept")
    assert (
        orgdept.patch(
            f"/api/users/{university.users.member_a.pk}/", {"is_active": False}, format="json"
        ).status_code
        == 200
    )
    assert member.get("/api/me/").status_code == 401
    assert (
        orgdept.patch(
            f"/api/users/{university.users.member_a.pk}/", {"is_active": True}, format="json"
        ).status_code
        == 200
    )
    assert (
        member.get("/api/me/").status_code == 401
    )  # reactivation does not bring the old token back


def _redis_url():
    url = os.environ.get("PARTYFLOW_TEST_BROKER", "redis://127.0.0.1:6379/11")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - any failure means the shared cache is not there to test
        pytest.skip(f"needs Redis at {url}")
    return url


@pytest.mark.xdist_group("broker")  # the test broker (tests/conftest.py)
def test_the_token_throttle_counts_in_the_shared_redis_cache(university):
    """Two API processes share the count: a second client of the cache (another gunicorn worker)
    sees the attempts the first one counted; the next attempt from the same address is refused."""
    import redis

    url = _redis_url()
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "pf-test-throttle",
        }
    }
    with override_settings(CACHES=caches, PARTYFLOW={**settings.PARTYFLOW, "TOKEN_RATE": "3/hour"}):
        cache.clear()
        try:
            c = APIClient()
            for _ in range(3):
                assert (
                    c.post(
                        "/api/auth/token/",
                        {"username": "sec_a", "password": "wrong"},
                        format="json",
                    ).status_code
                    == 400
                )
            other_process = redis.Redis.from_url(url)
            keys = other_process.keys("pf-test-throttle:*throttle_auth-token_*")
            assert len(keys) == 1
            r = c.post(
                "/api/auth/token/", {"username": "sec_a", "password": "pw-123456"}, format="json"
            )
            assert r.status_code == 429 and r.json()["code"] == "throttled"
        finally:
            cache.clear()


def _env(**extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "PARTYFLOW_TLS", "REDIS_URL", "CELERY_BROKER_URL")
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "partyflow.settings", **extra}


def _run(args, env, cwd=None):
    return subprocess.run(
        [PARTYFLOW_BIN, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    r = _run(["check"], _env(PARTYFLOW_DATA_DIR=str(tmp_path)))
    assert r.returncode != 0 and "SECRET_KEY must be set" in r.stderr
    assert _run(["check"], _env(PARTYFLOW_DATA_DIR=str(tmp_path), DEBUG="1")).returncode == 0
    assert (
        _run(["check"], _env(PARTYFLOW_DATA_DIR=str(tmp_path), SECRET_KEY="x" * 60)).returncode == 0
    )


def test_the_demo_generates_its_key_once_and_keeps_it_in_the_data_directory(tmp_path):
    env = _env(PARTYFLOW_DATA_DIR=str(tmp_path))
    assert _run(["demo", "--help"], env).returncode == 0
    key_file = tmp_path / "secret_key"
    key = key_file.read_text()
    assert len(key) >= 50 and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _run(["demo", "--help"], env).returncode == 0
    assert key_file.read_text() == key
    # only the demo picks the stored key up: any other start still needs it in the environment
    assert _run(["check"], env).returncode != 0


def test_check_deploy_under_production_settings_reports_nothing(tmp_path):
    env = _env(
        PARTYFLOW_DATA_DIR=str(tmp_path),
        SECRET_KEY=os.urandom(32).hex() + "Zz",
        PARTYFLOW_TLS="1",
        ALLOWED_HOSTS="partyflow.example.edu",
    )
    r = _run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout
    # without TLS the missing HTTPS settings are what it reports
    r = _run(["check", "--deploy", "--fail-level", "WARNING"], {**env, "PARTYFLOW_TLS": "0"})
    assert r.returncode != 0 and "security.W004" in r.stderr + r.stdout


def test_tokens_idle_out_after_12_hours_and_the_cache_is_redis_when_redis_is_configured(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.PARTYFLOW['TOKEN_IDLE_SECONDS'], settings.CACHES['default']['BACKEND'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=_env(SECRET_KEY="k" * 60),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == [
        str(12 * 3600),
        "django.core.cache.backends.locmem.LocMemCache",
    ], out.stderr
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=_env(SECRET_KEY="k" * 60, CELERY_BROKER_URL="redis://127.0.0.1:6379/3"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == [str(12 * 3600), "django.core.cache.backends.redis.RedisCache"], (
        out.stderr
    )
