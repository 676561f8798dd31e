"""The Procfile starts what the README's production section describes (web, worker, beat) under
honcho, and the systemd units in deploy/ start the same commands (issue 30)."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .sso_servers import free_port

REPO = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def procfile() -> dict[str, str]:
    lines = (REPO / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_names_web_worker_and_beat_and_each_unit_runs_the_same_command():
    processes = procfile()
    assert set(processes) == {"web", "worker", "beat"}
    for name, command in processes.items():
        unit = (REPO / "deploy" / f"partyflow-{name}.service").read_text()
        [exec_start] = re.findall(r"^ExecStart=(.+)$", unit, re.M)
        program, *args = command.split()
        assert exec_start.startswith(f"/opt/partyflow/.venv/bin/{program} "), (name, exec_start)
        assert [a for a in args if not a.startswith("var/")] == [
            a for a in exec_start.split()[1:] if not a.startswith("/var/lib/")
        ], (name, exec_start)
        assert "EnvironmentFile=/etc/partyflow/partyflow.env" in unit
        assert (BIN / program).exists()  # installed by `make install`
    target = (REPO / "deploy" / "partyflow.target").read_text()
    assert all(f"partyflow-{name}.service" in target for name in processes)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


@pytest.mark.xdist_group("broker")  # the test broker (tests/conftest.py)
@pytest.mark.django_db(transaction=True)
def test_honcho_starts_the_three_and_the_application_is_ready():
    broker = os.environ.get("PARTYFLOW_TEST_BROKER", "redis://127.0.0.1:6379/7")
    if connection.vendor != "postgresql":
        pytest.skip("the worker and the web share the database: PostgreSQL (DATABASE_URL)")
    port = free_port()
    s = connection.settings_dict
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "CELERY_BROKER_URL": broker,
        "PARTYFLOW_BIND": f"127.0.0.1:{port}",
        "PARTYFLOW_WORKERS": "1",
    }
    if s["PASSWORD"]:
        env["PGPASSWORD"] = s["PASSWORD"]
    proc = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", str(REPO / "Procfile"), "-d", str(REPO)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        status, body = 0, ""
        while time.monotonic() < deadline and proc.poll() is None:
            status, body = get(f"http://127.0.0.1:{port}/readyz")
            if status == 200:
                break
            time.sleep(0.5)
        assert (status, body) == (200, '{"status": "ok"}')
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        seen = ""
        while time.monotonic() < deadline:
            seen = subprocess.run(
                [str(BIN / "partyflow"), "status"], env=env, capture_output=True, text=True
            ).stdout
            if "workers seen: 0" not in seen:
                break
            time.sleep(1)
        assert re.search(r"workers seen: [1-9]", seen), seen
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
    # honcho printed each process's start, beat's included
    for name in ("web.1", "worker.1", "beat.1"):
        assert re.search(rf"{re.escape(name)} +started", out), out[-2000:]
