"""Engine: parsing into typed errors, versions, save/restore without the spec, the script engine
re-attached after every restore."""

import pytest

from engine.errors import BpmnParseError, ScriptRefused
from engine.loader import load_files
from engine.rules import get_rule_set
from engine.runtime import WorkflowRun
from engine.scripting import ScriptEngine

RULES = get_rule_set("cpc-2014")


def bpmn(script: str, pid="p_script") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="{pid}" name="测试" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="fill" name="填写"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="compute" name="计算"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="compute" />
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def start(script):
    d = load_files({"p.bpmn": bpmn(script)})["p_script"]
    return d, WorkflowRun.start(d.spec, d.subprocess_specs, RULES, {"n": 2})


def test_state_is_stored_without_the_spec_and_restores():
    d, run = start("total = n * 10")
    state = run.dump()
    assert "spec" not in state and "subprocess_specs" not in state
    assert state["serializer_version"] == "1.5"
    restored = WorkflowRun.restore(state, d.spec, d.subprocess_specs, RULES)
    [task] = restored.ready_user_tasks()
    restored.complete_user_task(task.id, {"n": 3})
    assert restored.completed and restored.data["total"] == 30


def test_script_engine_is_reattached_after_every_restore():
    d, run = start("x = open('/etc/passwd')")
    restored = WorkflowRun.restore(run.dump(), d.spec, d.subprocess_specs, RULES)
    assert isinstance(restored.workflow.script_engine, ScriptEngine)
    [task] = restored.ready_user_tasks()
    with pytest.raises(ScriptRefused) as err:
        restored.complete_user_task(task.id, {})
    assert err.value.element_id == "compute" and err.value.file == "p.bpmn"


def test_version_is_a_content_hash_of_the_files_used():
    a = load_files({"p.bpmn": bpmn("total = 1")})["p_script"]
    b = load_files({"p.bpmn": bpmn("total = 1")})["p_script"]
    c = load_files({"p.bpmn": bpmn("total = 2")})["p_script"]
    assert a.version == b.version != c.version


def test_broken_xml_is_a_typed_error_with_file_and_line():
    with pytest.raises(BpmnParseError) as err:
        load_files(
            {
                "broken.bpmn": "<bpmn:definitions xmlns:bpmn='http://www.omg.org/spec/BPMN/20100524/MODEL'>\n<oops></bpmn:definitions>"
            }
        )
    assert err.value.file == "broken.bpmn" and err.value.line == 2


def test_invalid_bpmn_names_the_element():
    text = bpmn("x = 1").replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />',
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nowhere" />',
    )
    with pytest.raises(BpmnParseError) as err:
        load_files({"p.bpmn": text})
    assert err.value.file == "p.bpmn"
    assert err.value.element_id in {"f1", "start", "nowhere"}
