"""`partyflow calendar`: the years and their source, a holiday file's problems by line and date, and
PARTYFLOW_HOLIDAYS_FILE reaching the engine from the environment of a real `partyflow` process."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from .calendar_helpers import EXAMPLE, TEST_2027


def write(tmp_path, data) -> Path:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_calendar_lists_the_package_years_and_the_first_year_without_data():
    out, _ = run()
    assert "holiday file (PARTYFLOW_HOLIDAYS_FILE): 未设置" in out
    assert "package chinesecalendar 1.11.0: 2004–2026" in out
    assert "first year without data (working days answer calendar_unavailable): 2027" in out


def test_calendar_lists_a_year_the_file_supplies(tmp_path):
    path = write(tmp_path, TEST_2027)
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": str(path)}):
        out, _ = run()
    assert f"holiday file (PARTYFLOW_HOLIDAYS_FILE): {path}" in out
    assert "package chinesecalendar 1.11.0: 2004–2026" in out and "file: 2027\n" in out
    assert "first year without data (working days answer calendar_unavailable): 2028" in out


def test_calendar_with_a_broken_configured_file_fails_naming_each_problem(tmp_path):
    path = write(tmp_path, {"years": {"2027": {"workdays": {"2027-01-06": "调休"}}}})
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": str(path)}):
        with pytest.raises(CommandError, match="有 2 处错误"):
            out, err = StringIO(), StringIO()
            call_command("calendar", stdout=out, stderr=err)
    assert "第 5 行：2027-01-06 是星期三，本来就是工作日，不是调休上班日" in err.getvalue()
    assert "2027 年没有列出工作日放假的假日" in err.getvalue()


def test_check_says_which_years_of_a_valid_file_would_be_used():
    out, _ = run("--check", str(EXAMPLE))
    assert f"{EXAMPLE}: 格式正确" in out
    assert (
        "2026: 33 holidays, 6 make-up workdays — not used: the package covers this year "
        '(add "override": true to replace it)'
    ) in out


def test_check_names_the_line_and_date_of_each_problem(tmp_path):
    data = {"years": {"2027": {**TEST_2027["years"]["2027"]}}}
    data["years"]["2027"]["workdays"] = {"2027-01-05": "调休", "2028-01-08": "调休"}
    path = write(tmp_path, data)
    err = StringIO()
    with pytest.raises(CommandError, match="3 处错误"):
        call_command("calendar", "--check", str(path), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert f"{path}: 第 10、13 行：2027-01-05 既是假日又是调休工作日" in lines
    assert f"{path}: 第 14 行：2028-01-08 不在 2027 年内" in lines
    assert f"{path}: 第 13 行：2027-01-05 是星期二，本来就是工作日，不是调休上班日" in lines


def test_the_environment_variable_reaches_the_engine_in_a_partyflow_process(tmp_path):
    path = write(tmp_path, TEST_2027)
    env = {**os.environ, "PARTYFLOW_HOLIDAYS_FILE": str(path)}
    script = Path(sys.executable).parent / "partyflow"
    out = subprocess.run(
        [str(script), "calendar"], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "file: 2027" in out.stdout
