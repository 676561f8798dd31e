"""The restricted script environment: data and whitelisted helpers only."""

import pytest

from engine.errors import ScriptRefused
from engine.rules import get_rule_set
from engine.scripting import RestrictedEnvironment, make_helpers


@pytest.fixture
def env():
    return RestrictedEnvironment(make_helpers(get_rule_set("cpc-2014")))


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd').read()",
        "().__class__.__mro__[1].__subclasses__()",
        "[c for c in ().__class__.__base__.__subclasses__()]",
        "getattr((), '__class__')",
        "'{0.__class__}'.format(1)",
        "eval('1')",
        "type(1)",
    ],
)
def test_escape_routes_are_refused_before_running(env, expression):
    with pytest.raises(ScriptRefused):
        env.evaluate(expression, {})


def test_import_statement_is_refused_in_scripts(env):
    with pytest.raises(ScriptRefused):
        env.execute("import os\nx = os.getcwd()", {})


def test_builtins_are_replaced_so_unlisted_names_do_not_exist(env):
    with pytest.raises(NameError):
        env.evaluate("compile_me('x')", {})
    with pytest.raises(NameError):
        env.evaluate("print('x')", {})


def test_expressions_see_task_data_and_rule_helpers(env):
    assert env.evaluate(
        "len(candidates) >= ceil_fraction('election.quorum', 5)", {"candidates": [1, 2, 3, 4]}
    )
    assert (
        env.evaluate("shift(term_end, 'election.reminder_lead', -1)", {"term_end": "2027-01-10"})
        == "2026-07-10"
    )
    assert env.evaluate("morning_of('2026-07-10')", {}) == "2026-07-10T09:00:00+08:00"
    assert env.evaluate("more_than(9, 'election.quorum', 10)", {}) is True
    assert env.evaluate("more_than(8, 'election.quorum', 10)", {}) is False


def test_scripts_write_task_data_but_leave_no_helpers_behind(env):
    data = {"a": 2}
    env.execute("b = a * 3\nc = [x for x in range(b)]", data)
    assert data == {"a": 2, "b": 6, "c": [0, 1, 2, 3, 4, 5]}


def test_data_shadowing_a_helper_is_refused(env):
    with pytest.raises(ScriptRefused):
        env.execute("x = 1", {"rule": 1})
