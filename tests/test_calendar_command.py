"""`partyflow calendar`: the years and their source, a holiday file's problems by line and date, and
PARTYFLOW_HOLIDAYS_FILE reaching the engine from the environment of a real `partyflow` process."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from .calendar_helpers import EXAMPLE, TEST_2027
from .helpers import cst

TEST_2027_FILE = Path(__file__).parent / "data" / "holidays-2027-test.json"  # MADE-UP test data


@pytest.fixture(autouse=True)
def _mid_2026():
    """A day the package covers with the horizon: the listing answers the same on any day."""
    with time_machine.travel(cst(2026, 6, 1, 10), tick=True):
        yield


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
    assert "calendar: working days can be computed up to 2026-12-31" in out


def no_file() -> override_settings:
    return override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": ""})


def test_calendar_on_7_december_2026_warns_on_stderr_and_exits_0():
    with no_file(), time_machine.travel(cst(2026, 12, 7, 10), tick=False):
        out, err = run()
    assert err.startswith("calendar: WARNING holiday data ends 2026-12-31, within 45 days: from ")
    assert "install the 2027 holiday file" in err
    assert "calendar: working days can be computed up to 2026-12-31" in out


def test_calendar_on_7_december_2026_with_a_2027_file_is_quiet():
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": str(TEST_2027_FILE)}):
        with time_machine.travel(cst(2026, 12, 7, 10), tick=False):
            out, err = run()
    assert err == ""
    assert "calendar: working days can be computed up to 2027-12-31" in out


def test_calendar_on_2_january_2027_without_a_file_fails():
    with no_file(), time_machine.travel(cst(2027, 1, 2, 10), tick=False):
        with pytest.raises(CommandError, match="calendar: no holiday data for 2027") as e:
            run()
    assert e.value.returncode == 1


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
