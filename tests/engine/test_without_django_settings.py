"""engine/ stands on its own: importable, and its errors constructible and readable, in a Python
process where no Django settings are configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, os
assert "DJANGO_SETTINGS_MODULE" not in os.environ
import engine.calendar, engine.errors, engine.loader, engine.rules, engine.runtime, engine.scripting
from engine.errors import Conflict, RuleViolation
e = RuleViolation(code="x", fields={"seats": ["须为正整数"]})
c = Conflict("已有进行中的换届选举。", code="election_already_running")
print(json.dumps([e.as_dict(), c.as_dict(), str(e)], ensure_ascii=False))
"""


def test_engine_errors_are_built_and_read_without_django_settings():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    rule, conflict, text = json.loads(out.stdout)
    assert rule == {
        "code": "x",
        "message": "提交的数据不符合要求。",
        "fields": {"seats": ["须为正整数"]},
    }
    assert (
        conflict["code"] == "election_already_running"
        and conflict["message"] == "已有进行中的换届选举。"
    )
    assert text == "提交的数据不符合要求。"
