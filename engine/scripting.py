"""The restricted script environment for BPMN expressions, scripts and timers.

BPMN and its scripts are trusted code deployed from the repository. Still, an expression sees only
the task data, a small set of safe builtins and the rule set's whitelisted helpers:
- names and attributes starting with `_` are refused before anything runs (closes `__import__`,
  `__builtins__` and the `().__class__.__mro__[1].__subclasses__()` route to `os`);
- `import`, `global`, `open`, `eval`, `exec`, `getattr` and friends are refused by name;
- the builtins dict is replaced, so nothing else is reachable even by a name we forgot.

SpiffWorkflow does not serialize the script engine: `engine.runtime` attaches a new one after every
deserialize.
"""

from __future__ import annotations

import ast
import builtins
import json
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import calendar as cal
from .errors import ScriptRefused
from .i18n import _
from .rules import RuleSet, at_least_ceil, strictly_more_than

SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "filter",
        "float",
        "int",
        "len",
        "list",
        "map",
        "max",
        "min",
        "range",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    )
}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None})

FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "getattr",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "input",
        "breakpoint",
        "help",
        "memoryview",
        "type",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
        "dir",
        "id",
        "hasattr",
        "exit",
        "quit",
    }
)
FORBIDDEN_ATTRIBUTES = frozenset(
    {"format", "format_map", "mro", "gi_frame", "f_globals", "f_locals", "f_back"}
)


def _refuse(source, what):
    raise ScriptRefused(
        _("脚本中不允许使用 %(what)s。") % {"what": what}, code="script_refused"
    ) from None


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    """Parse, check and compile one expression (mode 'eval') or script (mode 'exec'), once per text."""
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError as exc:
        raise ScriptRefused(
            _("脚本语法错误：%(msg)s") % {"msg": exc.msg},
            code="script_syntax_error",
            line=exc.lineno,
        ) from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _refuse(source, "import")
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            _refuse(source, "global/nonlocal")
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
            _refuse(source, node.id)
        if isinstance(node, ast.Attribute) and (
            node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES
        ):
            _refuse(source, "." + node.attr)
        if isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.AsyncWith, ast.Await)
        ):
            _refuse(source, type(node).__name__)
    return compile(tree, "<bpmn>", mode)


def make_helpers(rule_set: RuleSet) -> dict:
    """The functions every expression of a case may call, bound to the case's rule set."""

    def rule(name):
        return rule_set.get(name)

    def shift(date, rule_name, sign=1):
        """`date` moved by the rule's duration (calendar months, working days), as an ISO date."""
        return (
            rule_set.get(rule_name).add_to(cal.parse_date(date), 1 if sign >= 0 else -1).isoformat()
        )

    def morning_of(date):
        """09:00 China Standard Time on `date`, as an aware ISO datetime (what timers and due dates take)."""
        return cal.morning_of(date).isoformat()

    def end_of_day(date):
        """24:00 China Standard Time of `date` (a deadline whose last day is `date`), ISO."""
        return cal.end_of_day(date).isoformat()

    def deadline_after(date, rule_name):
        """When "within `rule_name` of `date`" runs out: 24:00 of the period's last day (ISO)."""
        return rule_set.get(rule_name).deadline_after(date).isoformat()

    def due_in(rule_name):
        """The deadline `rule_name` after today (24:00 of its last day)."""
        return deadline_after(cal.today().isoformat(), rule_name)

    def today():
        return cal.today().isoformat()

    def later_of(*dates):
        return max(cal.parse_date(d) for d in dates if d).isoformat()

    def more_than(count, rule_name, of):
        return strictly_more_than(int(count), rule_set.get(rule_name), int(of))

    def ceil_fraction(rule_name, times):
        return at_least_ceil(rule_set.get(rule_name) * int(times))

    return {
        "rule": rule,
        "shift": shift,
        "morning_of": morning_of,
        "end_of_day": end_of_day,
        "deadline_after": deadline_after,
        "due_in": due_in,
        "today": today,
        "later_of": later_of,
        "more_than": more_than,
        "ceil_fraction": ceil_fraction,
    }


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with only task data + helpers + safe builtins in scope; service calls go to an outbox."""

    def __init__(self, helpers: dict):
        super().__init__(helpers)
        # Service-task calls recorded during a run; the caller applies them in the same transaction.
        self.outbox: list[dict] = []

    def _namespace(self, context, external_context=None):
        ns = dict(self.globals)
        ns.update(external_context or {})
        ns.update(context)
        ns["__builtins__"] = SAFE_BUILTINS
        return ns

    def evaluate(self, expression, context, external_context=None) -> Any:
        return eval(_compile(expression, "eval"), self._namespace(context, external_context))

    def execute(self, script, context, external_context=None) -> bool:
        clash = set(self.globals).intersection(context)
        if clash:
            raise ScriptRefused(
                _("任务数据中的字段与内置函数重名：%(names)s")
                % {"names": ", ".join(sorted(clash))},
                code="script_name_clash",
            )
        ns = self._namespace(context, external_context)
        exec(_compile(script, "exec"), ns)
        for key, value in ns.items():
            if (
                key == "__builtins__"
                or key in self.globals
                or callable(value)
                or (external_context and key in external_context)
            ):
                continue
            context[key] = value
        for key in [k for k in context if k not in ns]:
            del context[key]
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs) -> None:
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        self.outbox.append({"operation": operation_name, "params": params})
        return json.dumps({"queued": operation_name})


class ScriptEngine(PythonScriptEngine):
    def __init__(self, rule_set: RuleSet):
        self.rule_set = rule_set
        super().__init__(environment=RestrictedEnvironment(make_helpers(rule_set)))

    @property
    def outbox(self) -> list:
        return self.environment.outbox

    def call_service(self, task, **kwargs) -> None:
        # SpiffWorkflow's own call_service drops the task from its error path; keep it simple here.
        result = self.environment.call_service(task.data, **kwargs)
        # the service task that queued it, by its element id and the name the diagram shows
        self.outbox[-1].update(element=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or "")
        return result
