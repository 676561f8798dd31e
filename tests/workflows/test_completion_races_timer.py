"""A completion racing a timer sweep on the same case, in real threads on PostgreSQL: whichever
takes the case lock first, the due timer fires exactly once and before the completion, the case
is never half-written, and the audit chain records both, in that order."""

import threading

import pytest
import time_machine
from django.db import connection

from engine.errors import Conflict
from workflows.audit import verify_case
from workflows.models import AuditEvent, Case, Task
from workflows.services import case_start, process_deploy, task_complete, timer_fire_case

from ..helpers import assert_round_trip, cst
from .helpers import DEADLINE_BPMN

pytestmark = pytest.mark.django_db(transaction=True)

# The same diagram with a non-interrupting timer: a reminder to the committee, the report stays open.
REMINDER_BPMN = DEADLINE_BPMN.replace('cancelActivity="true"', 'cancelActivity="false"').replace(
    "deadline_demo", "reminder_demo"
)
ROUNDS = 6


def race(actor, case_ids, element_id, data):
    """For each case, complete its task and sweep its timers at the same instant from two threads."""
    results = []
    for case_id in case_ids:
        task = Task.objects.get(case_id=case_id, element_id=element_id, status="open")
        barrier, out = threading.Barrier(2), {}

        def complete():
            try:
                barrier.wait(5)
                out["completion"] = task_complete(actor=actor, task=task, data=data)
            except Conflict as exc:
                out["completion"] = exc.code
            finally:
                connection.close()

        def sweep():
            try:
                barrier.wait(5)
                out["sweep"] = timer_fire_case(case_id=case_id)
            finally:
                connection.close()

        threads = [threading.Thread(target=complete), threading.Thread(target=sweep)]
        [t.start() for t in threads]
        [t.join(30) for t in threads]
        results.append(out)
    return results


def start_cases(university, tmp_path, bpmn, process_id):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs this on PostgreSQL)")
    (tmp_path / f"{process_id}.bpmn").write_text(bpmn, encoding="utf-8")
    process_deploy(directory=tmp_path)
    with time_machine.travel(cst(2026, 3, 2, 9), tick=False):
        return [
            case_start(
                actor=university.users.sec_a,
                process_id=process_id,
                organization=university.branch_a,
                data={"start_date": "2026-03-02"},
            ).pk
            for _ in range(ROUNDS)
        ]


def actions(case_id):
    return list(
        AuditEvent.objects.filter(case_id=case_id).order_by("seq").values_list("action", flat=True)
    )


def test_completion_racing_its_reminder_timer_both_take_effect_timer_first(university, tmp_path):
    case_ids = start_cases(university, tmp_path, REMINDER_BPMN, "reminder_demo")
    with time_machine.travel(cst(2026, 4, 2, 9, 0, 30), tick=False):  # the reminder is due at 09:00
        results = race(university.users.sec_a, case_ids, "report", {})
    for case_id, out in zip(case_ids, results):
        assert isinstance(out["completion"], Task), out
        assert actions(case_id) == ["case_started", "timers_fired", "task_completed"]
        case = Case.objects.get(pk=case_id)
        assert case.timers.get().status == "fired"
        assert sorted(case.tasks.values_list("element_id", "status")) == [
            ("escalate", "open"),
            ("report", "completed"),
        ]
        assert verify_case(case_id).ok
        assert_round_trip(case_id)


def test_completion_racing_its_deadline_is_refused_and_the_refusal_is_on_record(
    university, tmp_path
):
    case_ids = start_cases(university, tmp_path, DEADLINE_BPMN, "deadline_demo")
    with time_machine.travel(cst(2026, 4, 2, 9, 0, 30), tick=False):  # the deadline fell at 09:00
        results = race(university.users.sec_a, case_ids, "report", {"note": "迟交"})
    for case_id, out in zip(case_ids, results):
        assert out["completion"] == "task_deadline_passed", out
        assert actions(case_id) == ["case_started", "timers_fired", "task_completion_refused"]
        refused = AuditEvent.objects.get(case_id=case_id, action="task_completion_refused")
        assert refused.actor == university.users.sec_a and refused.data == {
            "reason": "task_deadline_passed",
            "submitted": {"note": "迟交"},
        }
        case = Case.objects.get(pk=case_id)
        assert sorted(case.tasks.values_list("element_id", "status")) == [
            ("escalate", "open"),
            ("report", "cancelled"),
        ]
        assert "note" not in case.data
        assert verify_case(case_id).ok
        assert_round_trip(case_id)
