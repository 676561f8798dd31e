"""Fixtures for the pages: the test university with branch A's term ending soon (relative to
today), an election brought to the committee's request, and a logged-in browser-like client."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from engine.calendar import today
from organizations.models import Organization
from workflows.models import Case
from workflows.services import case_start, timers_run

PASSWORD = "pw-123456"  # tests.factories.UserFactory


@pytest.fixture
def election(university):
    """A P2 election of branch A whose term-expiry reminder has fired: the request to hold the
    election is open in the branch committee's inbox (term ending 40 days from today)."""
    u = university
    Organization.objects.filter(pk=u.branch_a.pk).update(
        term_start=today() - dt.timedelta(days=3 * 365), term_end=today() + dt.timedelta(days=40)
    )
    u.branch_a.refresh_from_db()
    case = case_start(
        actor=u.users.sec_a,
        process_id="branch_election",
        organization=u.branch_a,
        subject=f"{u.branch_a.name}换届选举",
    )
    timers_run(now=timezone.now())
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def overdue_term(university):
    """Branch B's term ended 40 days ago: the committee page shows it in red, the only one. Branch
    A's ends in 40 days whatever today is (the university's own dates, 2024-01-10 to 2027-01-10,
    would make it a second overdue term from 11 January 2027)."""
    Organization.objects.filter(pk=university.branch_b.pk).update(
        term_start=today() - dt.timedelta(days=3 * 365 + 40),
        term_end=today() - dt.timedelta(days=40),
    )
    Organization.objects.filter(pk=university.branch_a.pk).update(
        term_start=today() - dt.timedelta(days=3 * 365), term_end=today() + dt.timedelta(days=40)
    )
    return university


LANDINGS = ("/inbox/", "/overview/", "/cases/")  # by the person's most "office" role


def login(user) -> Client:
    """A client logged in through the login page (session + CSRF), like a browser."""
    client = Client()
    r = client.post("/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] in LANDINGS, r.content[:500]
    return client


@pytest.fixture
def web():
    return login


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """`partyflow collectstatic` as `make install` runs it (hashed, compressed) into a fresh dir,
    once a test process: the production server's static files for the tests that start gunicorn
    (`make test` installs without collecting them)."""
    root = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        "PARTYFLOW_STATIC_ROOT": str(root),
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
    }
    env.pop("SECRET_KEY", None)  # collectstatic signs nothing: the CLI runs it without one
    subprocess.run(
        [str(Path(sys.executable).parent / "partyflow"), "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=600,
    )
    assert (root / "staticfiles.json").exists()
    return root
