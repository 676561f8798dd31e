"""The operator commands: deploy-bpmn, seed-demo and demo (without serving)."""

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from organizations.models import Organization
from partyflow import sweep
from partyflow.management.commands import demo
from workflows.models import Case, ProcessVersion

from .demo_helpers import EXPECTED_STEPS, run

pytestmark = pytest.mark.django_db


def test_deploy_bpmn_prints_each_process_and_is_idempotent():
    first = run("deploy_bpmn")
    version = ProcessVersion.objects.get(process_id="branch_election", is_current=True).version
    assert "branch_election" in first and version in first and "new" in first
    second = run("deploy_bpmn")
    assert (
        "branch_election" in second
        and version in second
        and "unchanged" in second
        and " new " not in second
    )
    # one version per process (one process per file), none added by the second run
    from django.conf import settings

    assert ProcessVersion.objects.count() == len(
        list(settings.PARTYFLOW["BPMN_DIR"].glob("*.bpmn"))
    )


def test_deploy_bpmn_fails_naming_the_file_and_element(tmp_path, settings):
    bpmn = (settings.PARTYFLOW["BPMN_DIR"] / "branch_election.bpmn").read_text(encoding="utf-8")
    (tmp_path / "branch_election.bpmn").write_text(
        bpmn.replace('name="branch_committee"', 'name="nobody"'), encoding="utf-8"
    )
    with pytest.raises(CommandError) as err:
        run("deploy_bpmn", directory=str(tmp_path))
    assert (
        "branch_election.bpmn" in str(err.value)
        and "submit_request" in str(err.value)
        and "unknown_lane" in str(err.value)
    )
    assert not ProcessVersion.objects.exists()


def test_demo_without_serving_runs_end_to_end(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    out = run("demo", "--no-serve", "--addrport", "127.0.0.1:8765")
    assert settings.DATA_DIR.is_dir()
    assert "branch_election" in out and "new" in out
    assert "secretary_se" in out and "officer_cs" in out
    assert "curl -s -X POST http://127.0.0.1:8765/api/auth/token/" in out
    assert "http://127.0.0.1:8765/api/docs/" in out
    assert Case.objects.filter(process_id="branch_election").count() == len(EXPECTED_STEPS)


def test_timer_sweep_logs_errors_instead_of_dying(monkeypatch, caplog):
    monkeypatch.setitem(
        sweep.IN_PROCESS,
        "workflows.tasks.sweep_timers",
        lambda: {"fired": 2, "failed": 0, "cases": 2},
    )
    monkeypatch.setattr(
        "notifications.tasks.alerts_raise", lambda: {"due_soon": 1, "overdue": 0, "escalated": 0}
    )
    monkeypatch.setattr(
        "procedures.self_lapse.self_lapse_detect",
        lambda: {"opened": [7], "not_judged": [{"organization": 3, "name": "乙支部"}]},
    )
    # A moment when no daily or yearly job is due: the interval jobs only.
    moment = dt.datetime(2026, 7, 10, 10, tzinfo=dt.UTC)
    with caplog.at_level(logging.INFO, logger="partyflow.demo"):
        with time_machine.travel(moment, tick=False):
            assert demo.sweep_once() == {
                "sweep-due-timers": {"fired": 2, "failed": 0, "cases": 2},
                "raise-task-alerts": {"due_soon": 1, "overdue": 0, "escalated": 0},
                "send-due-deliveries": 0,
                "detect-self-lapse": {
                    "opened": 1,
                    "not_judged": 1,
                    "not_judged_names": "乙支部",
                },
            }

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setitem(sweep.IN_PROCESS, "workflows.tasks.sweep_timers", broken)
    with caplog.at_level(logging.INFO, logger="partyflow.demo"):
        assert demo.sweep_once() is None
    assert (
        "timers fired: 2" in caplog.text
        and "due soon 1" in caplog.text
        and "self-lapse cases opened: 1; branches not judged on dues (no dues start date): 1 "
        "(乙支部)"
        in caplog.text
        and "timer sweep failed" in caplog.text
        and "database went away" in caplog.text
    )


def test_seed_demo_before_deploy_fails_and_writes_nothing():
    with pytest.raises(CommandError, match="deploy-bpmn"):
        run("seed_demo")
    assert not Organization.objects.exists() and not get_user_model().objects.exists()


def test_a_newcomer_without_a_database_server_gets_the_demo_on_sqlite(tmp_path):
    """`make demo` with nothing installed: no DATABASE_URL, so SQLite under the data directory. The
    suite itself runs on PostgreSQL in CI, so the newcomer's path runs here in its own process."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PARTYFLOW_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "partyflow"), "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "partyflow.sqlite3").is_file()
    assert "secretary_se" in done.stdout and "/api/docs/" in done.stdout
