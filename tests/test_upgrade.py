"""An upgrade from the previous release: its demo, made by its own code, migrated to the current
schema with running cases intact — open tasks, waiting timers, history chains — and the current
engine firing the old cases' timers (issue 30; docs/operations.md#upgrading).

PREVIOUS_RELEASE is the commit of the previous release (git history needed; overridden by
PARTYFLOW_PREVIOUS_RELEASE). It runs with this virtualenv: a release whose dependencies differ
needs its own."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from .db_helpers import database_url, scratch_database, server_dsn

# The last merge before a schema change (web 0002_saved_filter_hidden_by); move it at each release.
PREVIOUS_RELEASE = os.environ.get(
    "PARTYFLOW_PREVIOUS_RELEASE", "ce1dae30b3d27090c0da416551f1d6cae8e64a2f"
)
REPO = Path(settings.BASE_DIR)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the upgrade test runs on PostgreSQL (DATABASE_URL)"
)

# The code of the directory it runs in, not this checkout's: the editable install's import hook
# (which maps partyflow's packages to this checkout) is taken off first.
RUN = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in "
    "getattr(f, '__module__', '') and 'editable' not in type(f).__name__.lower()]; "
    "sys.argv[0] = 'partyflow'; from partyflow.cli import main; main()"
)


def partyflow(code_dir: Path, database: str, *args, data_dir: Path) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "PYTHONPATH": str(code_dir),
        "PARTYFLOW_DATA_DIR": str(data_dir),
        "PARTYFLOW_LOG_FORMAT": "text",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUN, *args],
        cwd=code_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
    return done.stdout


def rows(database: str, sql: str) -> list[tuple]:
    with psycopg2.connect(**server_dsn(database)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


@pytest.fixture
def upgrade_database():
    with scratch_database("upgrade") as name:
        yield name


def test_the_previous_release_s_demo_migrates_with_running_cases_intact(tmp_path, upgrade_database):
    if subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", PREVIOUS_RELEASE]).returncode:
        pytest.skip(f"git history without the previous release {PREVIOUS_RELEASE[:12]}")
    old = tmp_path / "previous"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", PREVIOUS_RELEASE], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    db, data = upgrade_database, tmp_path / "data"
    for step in ("migrate", "deploy-bpmn", "seed-demo"):
        partyflow(old, db, step, data_dir=data)

    def running() -> dict:
        return {
            "cases": rows(
                db, "SELECT id, status, process_version_id FROM workflows_case ORDER BY id"
            ),
            "open_tasks": rows(
                db,
                "SELECT id, case_id, slot, due_at FROM workflows_task WHERE status = 'open' ORDER BY id",
            ),
            "waiting_timers": rows(
                db,
                "SELECT id, case_id, due_at FROM workflows_timer WHERE status = 'waiting' ORDER BY id",
            ),
            "history": rows(
                db,
                "SELECT case_id, count(*), max(seq), max(hash) FROM workflows_auditevent "
                "GROUP BY case_id ORDER BY case_id NULLS FIRST",
            ),
        }

    before = running()
    assert before["open_tasks"] and before["waiting_timers"] and len(before["cases"]) > 10
    pending = partyflow(REPO, db, "migrate", "--plan", data_dir=data)
    assert "web.0002_saved_filter_hidden_by" in pending or "django_cas_ng" in pending

    partyflow(REPO, db, "migrate", data_dir=data)
    assert running() == before
    verified = partyflow(REPO, db, "verify-audit", data_dir=data)
    assert f"audit chains verified: {len(before['cases'])} case(s)" in verified
    # the old release's single record-log chain, split per root by migration 0010, verifies
    chains = [line for line in verified.splitlines() if line.startswith("record log chain")]
    assert chains and all(line.endswith(", ok") for line in chains)
    assert f"members) verified: {len(chains)} chain(s), " in verified
    assert verified.rstrip().endswith(", 0 broken")
    # the current engine restores the old cases' workflows and fires their timers
    partyflow(REPO, db, "run-timers", data_dir=data)
    status = partyflow(REPO, db, "status", "--no-workers", data_dir=data)
    assert "timers failed: 0" in status, status
