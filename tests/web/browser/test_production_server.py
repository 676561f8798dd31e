"""The README's production command in a real browser: gunicorn with partyflow/gunicorn.conf.py,
DEBUG off, static files collected the way `make install` does and served by whitenoise. Every page
loads its CSS, htmx and the bpmn-js viewer under hashed names with a year's Cache-Control, and the
Content-Security-Policy blocks nothing on the login page, the inbox, a task form and a case page
with its diagram (no inline script or event handler left in the pages)."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from workflows.models import TaskStatus

from ...receivers import free_port
from ..conftest import PASSWORD
from .conftest import CHROMIUM, TIMEOUT_MS

pytestmark = pytest.mark.django_db(transaction=True)

BASE = Path(settings.BASE_DIR)
HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js)$")
# Collected for every page: CSP violations as the browser reports them, failed requests, errors.
WATCH = """document.addEventListener('securitypolicyviolation', e =>
  (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, django_db_blocker, static_root):
    """`gunicorn partyflow.wsgi -c partyflow/gunicorn.conf.py` on a free port, DEBUG off, against
    the test database (the README's production command)."""
    with django_db_blocker.unblock():
        d = dict(connection.settings_dict)
    if connection.vendor != "postgresql":
        pytest.skip("the production server test runs on PostgreSQL")
    url = f"postgres://{d['USER']}:{d['PASSWORD'] or ''}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
        "DEBUG": "0",
        "SECRET_KEY": "production-test-" + "s" * 40,
        "DATABASE_URL": url,
        "PARTYFLOW_STATIC_ROOT": str(static_root),
        "PARTYFLOW_WORKERS": "2",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("CELERY_BROKER_URL", None)
    log = open(static_root.parent / "gunicorn.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "partyflow.wsgi",
            "-c",
            "partyflow/gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=BASE,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer")
        if proc.poll() is not None:
            pytest.fail("gunicorn exited: " + (static_root.parent / "gunicorn.log").read_text())
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_pages_load_hashed_static_files_and_pass_the_content_security_policy(
    chromium, gunicorn, university, election
):
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium")
    task = election.tasks.get(status=TaskStatus.OPEN)
    # The tests hash passwords with MD5 (fast); the server checks them with the real hashers.
    get_user_model().objects.filter(username="sec_a").update(
        password=PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    )
    context = chromium.new_context(locale="zh-CN", base_url=gunicorn)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(WATCH)
    page = context.new_page()
    failed, errors, static_urls, headers = [], [], set(), {}
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    def seen(response):
        if response.status >= 400:
            failed.append(f"{response.url} {response.status}")
        if "/static/" in response.url:
            static_urls.add(response.url)
        headers[response.url] = response.headers

    page.on("response", seen)
    try:
        page.goto("/")
        csp = headers[gunicorn + "/"].get("content-security-policy")
        assert (
            csp
            and "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        page.fill("#id_username", "sec_a")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/")

        visited = {}
        for name, path in [
            ("inbox", "/inbox/?tab=queue"),
            ("task form", f"/tasks/{task.pk}/"),
            ("case with diagram", f"/cases/{election.pk}/"),
        ]:
            page.goto(path)
            if name == "case with diagram":
                page.wait_for_selector("#diagram[data-ready='1']", state="attached")
                assert page.evaluate("() => typeof window.BpmnJS") == "function"
                assert page.locator("#diagram g.djs-element").count() > 3
            if name == "task form":
                page.wait_for_selector("form.taskform")
            visited[name] = page.evaluate(
                """() => ({
                    csp: window.__csp || [],
                    htmx: typeof window.htmx === 'object' && !!htmx.version,
                    styled: getComputedStyle(document.querySelector('.topbar')).backgroundColor,
                    assets: [...document.querySelectorAll('link[rel=stylesheet], script[src]')]
                        .map(e => e.href || e.src),
                    inline: document.querySelectorAll('script:not([src]):not([type="application/json"])').length,
                })"""
            )
        for name, v in visited.items():
            assert v["csp"] == [], (name, v["csp"])
            assert v["htmx"], name
            assert v["styled"] not in ("rgba(0, 0, 0, 0)", "transparent"), name  # app.css applied
            assert v["assets"] and all(HASHED.search(a) for a in v["assets"]), (name, v["assets"])
            assert v["inline"] == 0, name
        assert not failed, failed
        assert not [e for e in errors if "Content Security Policy" in e], errors

        # Hashed names are cached for a year; the bpmn-js viewer and htmx came from this server.
        assert any("bpmn-navigated-viewer" in u for u in static_urls)
        assert any("htmx" in u for u in static_urls)
        for u in static_urls:
            r = urllib.request.urlopen(
                urllib.request.Request(u, headers={"Accept-Encoding": "gzip"})
            )
            assert "max-age=315360000" in r.headers["Cache-Control"], u
            assert "immutable" in r.headers["Cache-Control"], u
    finally:
        context.close()
