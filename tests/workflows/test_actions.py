"""Every audit action the code writes has one label, read alike by the API, the pages and the
printed audit report."""

import ast
from pathlib import Path

from django.utils import translation

from workflows.actions import AuditAction, action_label

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "workflows",
    "orglife",
    "oversight",
    "procedures",
    "onboarding",
    "printing",
    "web",
    "api",
]
WRITERS = {"audit", "append", "audit_build"}  # workflows.audit.append under its local names


def _strings(node) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def written_actions() -> set[str]:
    """The action codes passed to the case audit chain: `audit(action=...)` and friends, the event
    dicts `{"action": ...}` the workflow services persist, and codes chosen before the call."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", getattr(node.func, "attr", None))
                    if name in WRITERS:
                        for kw in node.keywords:
                            if kw.arg == "action":
                                found |= _strings(kw.value)
                elif isinstance(node, ast.Dict) and package == "workflows":
                    for key, value in zip(node.keys, node.values):
                        if isinstance(key, ast.Constant) and key.value == "action":
                            found |= _strings(value)
                elif isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "action" for t in node.targets
                ):
                    found |= {s for s in _strings(node.value) if "_" in s}
    return found


def test_every_action_the_code_writes_has_a_label():
    written = written_actions()
    assert {
        "case_started",
        "task_completed",
        "task_unclaimed",
        "model_branch_designated",
    } <= written
    assert written - set(AuditAction.values) == set()


def test_task_unclaimed_reads_one_way_and_an_unknown_code_reads_as_itself():
    with translation.override("zh-hans"):
        assert action_label("task_unclaimed") == "放弃认领任务"
    with translation.override("en"):
        assert action_label("task_unclaimed") == "Released a task"
    assert action_label("no_such_action") == "no_such_action"
