"""What several workflow tests share: a case with an audit history (the hash-chain tests and the
auditors' API), a minimal BPMN whose task has an interrupting deadline, and election cases whose
reminder is due in bulk (the workers and the timer batches)."""

import pytest
import time_machine
from django.db import connection

from workflows.models import AuditEvent, Case, Task, Timer
from workflows.services import case_start

from ..helpers import complete, cst, only_task
from ..procedures.election_helpers import start_election

# A branch secretary's report whose deadline (an interrupting boundary timer, `election.request_lead`
# after `start_date`) hands the case to the approving committee.
DEADLINE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
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
def case_with_history(api, university):
    sec, officer = api(university.users.sec_a), api(university.users.officer)
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(sec, university.branch_a)
        complete(
            sec,
            only_task(sec, "submit_request")["id"],
            {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"},
        )
        complete(
            officer,
            only_task(officer, "reply_request")["id"],
            {"approved": False, "reason": "请补充"},
        )
        complete(
            sec,
            only_task(sec, "submit_request")["id"],
            {"election_date": "2026-12-21", "seats": 5, "nomination_method": "committee_proposal"},
        )
    ids = list(
        AuditEvent.objects.filter(case_id=case["id"]).order_by("id").values_list("id", flat=True)
    )
    assert len(ids) >= 4
    return case["id"], ids


def sql(statement, *params):
    with connection.cursor() as cur:
        cur.execute(statement, params)


def many_due_cases(university, n):
    """n election cases whose reminder fell due long ago: one started for real, the rest copies of
    its rows (each case independent), so the test spends its time firing, not starting."""
    with time_machine.travel(cst(2020, 1, 1, 9), tick=False):
        first = case_start(
            actor=None,
            process_id="branch_election",
            organization=university.branch_a,
            data={"term_end": "2021-01-10"},
        )
    timer = first.timers.get()
    cases = Case.objects.bulk_create(
        [
            Case(
                process_version=first.process_version,
                process_id=first.process_id,
                rule_set=first.rule_set,
                organization_id=first.organization_id,
                subject=first.subject,
                business_key=f"copy:{i}",
                state=first.state,
                serializer_version=first.serializer_version,
                data=first.data,
                lock_version=first.lock_version,
            )
            for i in range(n - 1)
        ]
    )
    Timer.objects.bulk_create(
        [
            Timer(
                case=c,
                spiff_task_id=timer.spiff_task_id,
                element_id=timer.element_id,
                name=timer.name,
                due_at=timer.due_at,
            )
            for c in cases
        ]
    )
    return [first.pk] + [c.pk for c in cases]


def assert_each_fired_exactly_once(case_ids):
    assert Timer.objects.filter(case_id__in=case_ids, status="fired").count() == len(case_ids)
    assert AuditEvent.objects.filter(case_id__in=case_ids, action="timers_fired").count() == len(
        case_ids
    )
    assert Task.objects.filter(
        case_id__in=case_ids, element_id="submit_request", status="open"
    ).count() == len(case_ids)
    assert set(Case.objects.filter(pk__in=case_ids).values_list("lock_version", flat=True)) == {2}
