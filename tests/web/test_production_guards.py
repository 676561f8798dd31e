"""Safe in production (issue 26): failed logins lock the account and the address (django-axes, one
count with the API's token endpoint), the organization department lifts a lock; the database
unreachable or a lock held too long is a 503 page with Retry-After, not a hanging worker."""

import os
import re
import runpy
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from web.lockout import failure_limit
from workflows.models import TaskStatus

from .conftest import PASSWORD

ADDRESS, OTHER_ADDRESS = "198.51.100.7", "203.0.113.9"


def login(username, password, address=ADDRESS):
    return Client(REMOTE_ADDR=address).post("/", {"username": username, "password": password})


def test_the_lockout_count_agrees_with_the_token_throttle():
    n = int(settings.PARTYFLOW["TOKEN_RATE"].split("/")[0])
    assert failure_limit() == n == 10
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


def test_n_wrong_passwords_lock_the_account_with_a_chinese_page(university):
    for _ in range(failure_limit() - 1):
        assert login("sec_a", "wrong").status_code == 200  # the form again, with its error
    locked = login("sec_a", "wrong")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    text = locked.content.decode()
    assert "登录已锁定" in text and "密码连续输错 10 次" in text and "联系组织部" in text
    # The right password no longer helps, from this address or any other (per account) ...
    assert login("sec_a", PASSWORD).status_code == 429
    assert login("sec_a", PASSWORD, OTHER_ADDRESS).status_code == 429
    # ... and the API's token endpoint counts the same failures.
    r = Client(REMOTE_ADDR=OTHER_ADDRESS).post(
        "/api/auth/token/", {"username": "sec_a", "password": PASSWORD}, "application/json"
    )
    assert r.status_code == 429 and r.json()["code"] == "login_locked"


def test_n_wrong_passwords_from_one_address_lock_the_address(university):
    for i in range(failure_limit()):
        login(f"nobody{i}", "wrong")
    # Another account from the same address is refused; from elsewhere it logs in.
    assert login("sec_b", PASSWORD).status_code == 429
    assert login("sec_b", PASSWORD, OTHER_ADDRESS).status_code == 302


def test_the_organization_department_lifts_a_lock_in_the_admin(university):
    for _ in range(failure_limit()):
        login("sec_a", "wrong")
    assert login("sec_a", PASSWORD).status_code == 429

    staff = Client()
    staff.force_login(university.users.sec_b)  # a branch secretary may not see the locks
    assert staff.get("/admin/axes/accessattempt/").status_code in (302, 403, 404)

    orgdept = Client()
    orgdept.force_login(university.users.orgdept)
    page = orgdept.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "sec_a" in page.content.decode()
    assert "登录锁定" in orgdept.get("/admin/").content.decode()
    from axes.models import AccessAttempt

    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    r = orgdept.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": ids},
        follow=True,
    )
    assert "已解除" in r.content.decode()
    assert not AccessAttempt.objects.exists()
    assert login("sec_a", PASSWORD).status_code == 302


# --- the database unreachable or busy -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_pages_answer_a_chinese_503_with_retry_after_when_the_database_is_unreachable(university):
    client = Client()
    client.force_login(university.users.sec_a)
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1", NAME=real["NAME"])
    if connection.vendor == "sqlite":
        connection.settings_dict.update(NAME="/nonexistent/dir/db.sqlite3")
    try:
        started = time.monotonic()
        r = client.get("/inbox/")
        elapsed = time.monotonic() - started
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(real)
    assert r.status_code == 503 and r["Retry-After"] == str(
        settings.PARTYFLOW["RETRY_AFTER_SECONDS"]
    )
    text = r.content.decode()
    assert "服务暂时不可用" in text and "没有保存任何内容" in text and "app" in text  # styled
    assert elapsed < 10
    assert client.get("/inbox/").status_code == 200  # service resumes on its own


@pytest.mark.django_db(transaction=True)
def test_a_held_row_lock_is_a_503_within_the_lock_timeout_not_a_hanging_worker(
    university, election
):
    if connection.vendor != "postgresql":
        pytest.skip("lock_timeout is PostgreSQL's")
    bound = settings.PARTYFLOW["LOCK_TIMEOUT_MS"] / 1000
    with connection.cursor() as cur:
        cur.execute("SHOW lock_timeout")
        assert cur.fetchone()[0] in (f"{int(bound)}s", f"{int(bound * 1000)}ms")
        cur.execute("SHOW statement_timeout")
        assert cur.fetchone()[0] != "0"
    task = election.tasks.get(status=TaskStatus.OPEN)
    d = connection.settings_dict
    holder = psycopg2.connect(
        dbname=d["NAME"], user=d["USER"], password=d["PASSWORD"], host=d["HOST"], port=d["PORT"]
    )
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT id FROM workflows_case WHERE id = %s FOR UPDATE", [election.pk])
        page = Client()
        page.force_login(university.users.sec_a)
        started = time.monotonic()
        r = page.post(f"/tasks/{task.pk}/claim/")
        took = time.monotonic() - started
        assert r.status_code == 503 and "服务暂时不可用" in r.content.decode()
        assert int(r["Retry-After"]) > 0 and bound - 0.5 < took < bound + 5

        token = Client()
        token.force_login(university.users.sec_a)
        started = time.monotonic()
        r = token.post(f"/api/tasks/{task.pk}/claim/")
        took = time.monotonic() - started
        assert r.status_code == 503 and r.json()["code"] == "database_unavailable"
        assert bound - 0.5 < took < bound + 5
    finally:
        holder.rollback()
        holder.close()
    # The lock released, the same claim goes through.
    assert page.post(f"/tasks/{task.pk}/claim/").status_code == 302


# --- Content-Security-Policy on what is not a workplace page ------------------------------------


def test_the_api_docs_and_the_html_case_report_pass_the_content_security_policy(
    university, api, election
):
    docs = Client().get("/api/docs/")
    html = docs.content.decode()
    assert docs.status_code == 200 and "script-src 'self'" in docs["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    report = api(university.users.orgdept).get(f"/api/cases/{election.pk}/report/")
    nonce = re.search(r'<style nonce="([^"]+)">', report.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in report["Content-Security-Policy"]


def test_the_gunicorn_config_bounds_workers_and_requests():
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "partyflow" / "gunicorn.conf.py"))
    # Longer than the longest legitimate request (a 30,000-member import ≈ 240 s), and longer than
    # PostgreSQL's statement bound, so the database cancels a runaway statement first.
    assert conf["timeout"] >= 300 > settings.PARTYFLOW["STATEMENT_TIMEOUT_MS"] / 1000
    assert conf["limit_request_line"] <= 8190 and conf["limit_request_fields"] <= 100
    assert conf["limit_request_field_size"] <= 8190 and conf["workers"] >= 1
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "gunicorn partyflow.wsgi -c partyflow/gunicorn.conf.py" in readme


def test_a_gunicorn_worker_freezes_what_it_loaded_before_its_first_request():
    """post_worker_init (partyflow.startup): the views imported and every object then alive moved
    out of the garbage collector's full passes, so the rare one a worker meets walks only what came
    after (tests/web/test_collector.py: what a page leaves it)."""
    worker = (
        "import gc, runpy, sys\n"
        "import partyflow.wsgi\n"
        "assert 'web.views' not in sys.modules and gc.get_freeze_count() == 0\n"
        "runpy.run_path('partyflow/gunicorn.conf.py')['post_worker_init'](None)\n"
        "print('web.views' in sys.modules, gc.get_freeze_count())\n"
    )
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "partyflow.settings"}
    out = subprocess.run(
        [sys.executable, "-c", worker],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "True" and int(out[1]) > 100_000
