"""Due timers of a case fire before a completion is accepted: nobody completes a task whose deadline
already fired (409), and the firing is kept."""

import pytest
import time_machine

from workflows.models import AuditEvent, Case
from workflows.services import case_start, process_deploy

from ..helpers import complete, cst, only_task
from .helpers import DEADLINE_BPMN


@pytest.fixture
def deadline_case(university, tmp_path):
    (tmp_path / "deadline_demo.bpmn").write_text(DEADLINE_BPMN, encoding="utf-8")
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
