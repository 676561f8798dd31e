"""Helpers for driving procedures through the API the way a user would."""

import datetime as dt
import json

from django.core.management import call_command

from engine.calendar import CST
from engine.runtime import WorkflowRun
from workflows.models import AuditEvent, Case, TaskStatus
from workflows.services.state import restore


def cst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CST)


def inbox(client, **params) -> list[dict]:
    r = client.get("/api/tasks/", params)
    assert r.status_code == 200, r.json()
    return r.json()["results"]


def only_task(client, element_id, **params) -> dict:
    tasks = [t for t in inbox(client, **params) if t["element_id"] == element_id]
    assert len(tasks) == 1, (
        f"expected one {element_id} task, inbox has {[t['element_id'] for t in inbox(client, **params)]}"
    )
    return tasks[0]


def complete(client, task_id, data, status=200) -> dict:
    r = client.post(f"/api/tasks/{task_id}/complete/", {"data": data}, format="json")
    assert r.status_code == status, r.json()
    return r.json()


def run_timers(now: dt.datetime) -> str:
    from io import StringIO

    out = StringIO()
    call_command("run_timers", now=now.isoformat(), stdout=out)
    return out.getvalue()


def assert_round_trip(case_id):
    """Restore the stored workflow, dump it again: identical state, and the ready user tasks are
    exactly the open task rows (the save/restore check at every step)."""
    case = Case.objects.get(pk=case_id)
    run = restore(case)
    again = WorkflowRun.restore(
        run.dump(), run.workflow.spec, run.workflow.subprocess_specs, run.rule_set
    )

    # PostgreSQL's jsonb reorders keys, so SpiffWorkflow may choose other (equivalent) data deltas:
    # compare what the workflow means, task by task, not the bytes.
    def meaning(r):
        return {
            str(t.id): (t.task_spec.name, t.state, t.data, t.internal_data)
            for t in r.workflow.get_tasks()
        } | {"_wf": r.workflow.data}

    assert meaning(run) == meaning(again)
    assert len(run.workflow.get_tasks()) == len(json.loads(case.state)["tasks"])
    ready = {v.id for v in run.ready_user_tasks()}
    rows = {str(t.spiff_task_id) for t in case.tasks.filter(status=TaskStatus.OPEN)}
    assert ready == rows
    assert case.serializer_version == WorkflowRun.serializer_version


def snapshot(case_id):
    """What a refused step must leave unchanged: the stored state, lock version, audit events, tasks."""
    case = Case.objects.get(pk=case_id)
    return (
        case.state,
        case.lock_version,
        AuditEvent.objects.filter(case_id=case_id).count(),
        list(case.tasks.values_list("id", "status")),
    )


def refused(client, task_id, data, case_id, code):
    """Complete a task expecting the 400 `code`, and the case exactly as it was."""
    before = snapshot(case_id)
    body = complete(client, task_id, data, status=400)
    assert body["code"] == code, body
    assert snapshot(case_id) == before
    return body
