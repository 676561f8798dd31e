"""Due timers of a case fire before a completion is accepted: nobody completes a task whose deadline
already fired (409), and the firing is kept."""

import pytest
import time_machine

from workflows.models import AuditEvent, Case
from workflows.services import case_start, process_deploy

from ..helpers import complete, cst, only_task

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="deadline_demo" name="期限演示" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="branch_secretary"><bpmn:flowNodeRef>report</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="l2" name="approving_committee"><bpmn:flowNodeRef>escalate</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="report" name="按期报告"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="deadline" name="报告期限" attachedToRef="report" cancelActivity="true">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">morning_of(shift(start_date, 'election.request_lead'))</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="escalate" name="督办逾期报告"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="report" />
    <bpmn:sequenceFlow id="f2" sourceRef="report" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="deadline" targetRef="escalate" />
    <bpmn:sequenceFlow id="f4" sourceRef="escalate" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def deadline_case(university, tmp_path):
    (tmp_path / "deadline_demo.bpmn").write_text(BPMN, encoding="utf-8")
    process_deploy(directory=tmp_path)
    with time_machine.travel(cst(2026, 3, 2, 9), tick=False):
        return case_start(
            actor=university.users.sec_a,
            process_id="deadline_demo",
            organization=university.branch_a,
            data={"start_date": "2026-03-02"},
        )


@pytest.mark.django_db
def test_a_task_whose_deadline_passed_cannot_be_completed_and_the_timer_fires_first(
    api, university, deadline_case
):
    sec, officer = api(university.users.sec_a), api(university.users.officer)
    with time_machine.travel(cst(2026, 3, 20, 9), tick=False):
        task = only_task(sec, "report")
        assert task["due_at"] is None
        assert Case.objects.get(pk=deadline_case.pk).timers.get().due_at == cst(2026, 4, 2, 9)
    with time_machine.travel(cst(2026, 4, 2, 9, 5), tick=False):  # no sweep has run yet
        body = complete(sec, task["id"], {}, status=409)
        assert body["code"] == "task_deadline_passed"
        assert only_task(officer, "escalate")
    actions = list(AuditEvent.objects.filter(case=deadline_case).values_list("action", flat=True))
    # The deadline fired first; the late submission is on record, none of its data took effect.
    assert actions == ["case_started", "timers_fired", "task_completion_refused"]


@pytest.mark.django_db
def test_a_task_completed_before_its_deadline_cancels_the_timer(api, university, deadline_case):
    sec = api(university.users.sec_a)
    with time_machine.travel(cst(2026, 4, 2, 8, 55), tick=False):
        complete(sec, only_task(sec, "report")["id"], {})
    case = Case.objects.get(pk=deadline_case.pk)
    assert case.status == "completed"
    assert list(case.timers.values_list("status", flat=True)) == ["cancelled"]
