"""A case's workflow state: the case row locked, its workflow restored, a step mirrored into task
and timer rows and the case's own fields, service-task effects applied, all saved in the caller's
transaction. Every module here that moves a case goes through these."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from engine.errors import BpmnError
from engine.i18n import _
from engine.loader import specs_for_version
from engine.rules import get_rule_set
from engine.runtime import WorkflowRun

from .. import audit, registry
from ..assignment import resolve_lane, task_slot
from ..audit import json_safe
from ..models import Case, CaseStatus, ProcessVersion, Task, TaskStatus, Timer, TimerStatus


def version_specs(version: ProcessVersion) -> tuple:
    """The parsed specs of a process version, (spec, subprocess specs), cached per version by the
    engine; the stored spec is read only on a cache miss."""
    return specs_for_version(
        version.version,
        lambda: json.loads(
            ProcessVersion.objects.values_list("spec", flat=True).get(pk=version.pk)
        ),
    )


def locked_case(case_id, *, skip_locked=False) -> QuerySet[Case]:
    """The case `case_id` (with its process version and organization) as a query that, when run,
    takes the case's row lock: `SELECT … FOR UPDATE OF` the case row only, held until the enclosing
    transaction ends, so it must be run inside `transaction.atomic()`. Every write to a case's
    workflow state or audit chain takes it first. `skip_locked`: a case another transaction holds is
    left out instead of waited for (the timer workers). `of=("self",)`: without it PostgreSQL also
    locks the joined process-version row that every case of the process shares, serializing
    unrelated cases."""
    return (
        Case.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("process_version", "organization")
        .defer("process_version__spec", "process_version__files")
        .filter(pk=case_id)
    )


def restore(case: Case) -> WorkflowRun:
    """The case's workflow restored from its saved state, under the rule set it started with."""
    spec, subprocess_specs = version_specs(case.process_version)
    return WorkflowRun.restore(
        json.loads(case.state),
        spec,
        subprocess_specs,
        get_rule_set(case.rule_set),
        copy_state=False,
    )


@dataclass
class Step:
    """What one step changes, computed in memory by `plan_step`; written by `write_rows` (for one
    case or a whole batch of cases at once) plus the case's own UPDATE."""

    case: Case
    closed: list = field(default_factory=list)
    new_tasks: list = field(default_factory=list)
    fired: list = field(default_factory=list)
    gone: list = field(default_factory=list)
    new_timers: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    effects: list = field(default_factory=list)
    still_open: list = field(default_factory=list)  # the case's open task rows after the step


CASE_STEP_FIELDS = [
    "state",
    "serializer_version",
    "data",
    "stage",
    "status",
    "completed_at",
    "lock_version",
    "updated_at",
]


def plan_step(
    case: Case,
    run: WorkflowRun,
    *,
    actor=None,
    completed: Task | None = None,
    now,
    open_rows: dict,
    timer_rows: dict,
    lanes: dict | None = None,
) -> Step:
    """Mirror the workflow into task and timer rows and the case's fields, in memory only.
    `open_rows` ({spiff id: Task}) are the case's open task rows, `timer_rows` its waiting timers.
    `lanes`: a dict the caller keeps across many cases (a batch start), where each lane resolved at
    an organization is remembered instead of looked up again."""
    step = Step(case=case)
    ready_tasks = run.ready_manual()  # one walk of the task tree for the tasks and the case data
    ready = run.ready_user_tasks(known=set(open_rows), ready=ready_tasks)
    ready_ids = {v.id for v in ready}
    for sid, row in open_rows.items():
        if sid in ready_ids:
            continue
        if completed is not None and row.pk == completed.pk:
            row.status, row.completed_by = TaskStatus.COMPLETED, actor
        else:
            row.status = TaskStatus.CANCELLED
        row.completed_at = now
        step.closed.append(row)
    for view in ready:
        if view.id in open_rows:
            continue
        org = _lane_organization(view.lane, case.organization, view.data, lanes)
        step.new_tasks.append(
            Task(
                case=case,
                spiff_task_id=view.id,
                element_id=view.element_id,
                name=view.name,
                lane=view.lane or "",
                slot=task_slot(view.lane, org, view.data),
                assignee_organization=org,
                process_id=case.process_id,
                case_organization_id=case.organization_id,
                form=view.form or "",
                stage=view.stage or "",
                documentation=view.documentation,
                due_at=view.due_at,
            )
        )

    waiting = {t.task_id: t for t in run.waiting_timers()}
    for sid, row in timer_rows.items():
        if sid not in waiting:
            row.status = TimerStatus.FIRED if row.due_at <= now else TimerStatus.CANCELLED
            row.fired_at = now if row.status == TimerStatus.FIRED else None
            (step.fired if row.status == TimerStatus.FIRED else step.gone).append(row)
    step.new_timers = [
        Timer(
            case=case,
            spiff_task_id=t.task_id,
            element_id=t.element_id,
            name=t.name,
            due_at=t.due_at,
        )
        for sid, t in waiting.items()
        if sid not in timer_rows
    ]

    case.state = json.dumps(run.dump(), separators=(",", ":"), ensure_ascii=False)
    case.serializer_version = run.serializer_version
    case.data = json_safe(
        {k: v for k, v in run.data_of(ready_tasks).items() if not k.startswith("spiff__")}
    )
    still_open = (
        sorted((r for sid, r in open_rows.items() if sid in ready_ids), key=lambda r: r.pk)
        + step.new_tasks
    )
    step.still_open = still_open
    if still_open:
        case.stage = still_open[0].stage or still_open[0].name
    else:  # waiting on a timer (a follow-up case waits on its reminder): the timer names the stage
        waits = sorted(waiting.values(), key=lambda t: t.due_at)
        case.stage = waits[0].name if waits else gettext_noop("处理中")
    if run.completed and case.status == CaseStatus.RUNNING:
        case.status, case.completed_at, case.stage = (
            CaseStatus.COMPLETED,
            now,
            gettext_noop("已办结"),
        )
    case.lock_version += 1
    step.changes = {
        "opened": [{"task": r.name, "lane": r.lane, "due_at": r.due_at} for r in step.new_tasks],
        "fired_timers": [{"timer": r.name, "due_at": r.due_at} for r in step.fired],
    }
    step.effects = list(run.outbox)
    run.outbox.clear()
    return step


def _lane_organization(lane, case_org, data: dict, lanes: dict | None):
    """`resolve_lane`, remembered in `lanes` by (lane, organization, the task's assignee keys)."""
    if lanes is None:
        return resolve_lane(lane, case_org, data)
    key = (
        lane,
        case_org.pk,
        tuple(sorted((k, str(v)) for k, v in data.items() if k.startswith("assignee_"))),
    )
    if key not in lanes:
        lanes[key] = resolve_lane(lane, case_org, data)
    return lanes[key]


def tasks_closed(task_ids: list[int], *, now) -> None:
    """Tell whoever provides "tasks_closed" (notifications: reminders about these tasks stop asking
    anyone to act) that the tasks were completed or cancelled, in the same transaction."""
    registry.provider("tasks_closed")(task_ids=task_ids, now=now)


def write_rows(steps: list[Step], *, now) -> None:
    """Write the task and timer rows of one or many planned steps: one statement per kind of change,
    however many cases the steps belong to."""
    closed = defaultdict(list)
    for step in steps:
        for row in step.closed:
            closed[(row.status, row.completed_by_id)].append(row.pk)
    for (status, completed_by_id), pks in closed.items():
        Task.objects.filter(pk__in=pks).update(
            status=status, completed_at=now, completed_by_id=completed_by_id
        )
    if closed:
        tasks_closed([pk for pks in closed.values() for pk in pks], now=now)
    new_tasks = [row for step in steps for row in step.new_tasks]
    if new_tasks:
        Task.objects.bulk_create(new_tasks)
    fired = [row.pk for step in steps for row in step.fired]
    if fired:
        Timer.objects.filter(pk__in=fired).update(status=TimerStatus.FIRED, fired_at=now)
    gone = [row.pk for step in steps for row in step.gone]
    if gone:
        Timer.objects.filter(pk__in=gone).update(status=TimerStatus.CANCELLED, fired_at=None)
    new_timers = [row for step in steps for row in step.new_timers]
    if new_timers:
        Timer.objects.bulk_create(new_timers)


def update_cases(cases: list[Case], *, fields: list[str]) -> None:
    """Save `fields` of many cases with one statement: `UPDATE … FROM (VALUES …)` on PostgreSQL,
    Django's `bulk_update` elsewhere (SQLite for a newcomer's machine)."""
    if not cases:
        return
    now = timezone.now()
    for case in cases:
        case.updated_at = now
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(cases, fields)
        return
    model_fields = [Case._meta.get_field(name) for name in fields]
    casts = [f"%s::{f.db_type(connection)}" for f in model_fields]
    row = "(%s::bigint, " + ", ".join(casts) + ")"
    params = []
    for case in cases:
        params.append(case.pk)
        params += [f.get_db_prep_save(getattr(case, f.attname), connection) for f in model_fields]
    columns = [f.column for f in model_fields]
    table = connection.ops.quote_name(Case._meta.db_table)
    sets = ", ".join(
        f"{connection.ops.quote_name(c)} = v.{connection.ops.quote_name(c)}" for c in columns
    )
    names = ", ".join(["id", *(connection.ops.quote_name(c) for c in columns)])
    sql = (
        f"UPDATE {table} AS c SET {sets} FROM (VALUES {', '.join([row] * len(cases))}) AS v({names}) "
        "WHERE c.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def apply_effects(case: Case, effects: list[dict], *, actor, now) -> None:
    """Run the service-task effects a step queued (BPMN service tasks), each audited."""
    for item in effects:
        result = effect_handler(item["operation"])(
            case=case, params=item["params"], actor=actor, now=now
        )
        audit.append(
            action="effect_applied",
            case=case,
            data={"operation": item["operation"], "params": item["params"], "result": result},
            step=item.get("name", ""),
        )


def persist(
    case: Case,
    run: WorkflowRun,
    *,
    actor=None,
    completed: Task | None = None,
    now=None,
    open_rows: dict | None = None,
    timers_before: list | None = None,
    event: dict | None = None,
) -> dict:
    """Mirror the workflow into task and timer rows, apply service-task effects, save the case.

    Expects the case row to be locked. `open_rows` ({spiff id: Task}) and `timers_before` (the
    waiting timers at restore) may be passed when the caller already has them, to save queries.
    `event` ({action, data, …}): the audit event of this step, appended with what changed and its
    chain head saved in the same UPDATE of the case. Returns what changed."""
    now = now or timezone.now()
    if open_rows is None:
        open_rows = {str(t.spiff_task_id): t for t in case.tasks.filter(status=TaskStatus.OPEN)}
    no_rows = timers_before is not None and not timers_before  # the case had no waiting timer rows
    timer_rows = (
        {}
        if no_rows
        else {str(t.spiff_task_id): t for t in case.timers.filter(status=TimerStatus.WAITING)}
    )
    step = plan_step(
        case,
        run,
        actor=actor,
        completed=completed,
        now=now,
        open_rows=open_rows,
        timer_rows=timer_rows,
    )
    write_rows([step], now=now)
    fields = list(CASE_STEP_FIELDS)
    if event is not None:
        audit.append(
            case=case,
            save_head=False,
            **{**event, "data": {**event.get("data", {}), **step.changes}},
        )
        fields += ["audit_seq", "audit_head"]
    case.save(update_fields=fields)
    apply_effects(case, step.effects, actor=actor, now=now)
    # What the answer to this request shows as the case's next tasks, without reading them back
    # (`workflows.selectors.case_open_tasks`).
    case.open_task_rows = step.still_open
    return step.changes


def effect_handler(operation: str) -> Callable:
    """The handler registered for a service task's operation (`registry.effect`); a BpmnError
    `unknown_service_operation` when there is none."""
    handler = registry.effect_for(operation)
    if handler is None:
        raise BpmnError(
            _("未注册的服务任务：%(op)s") % {"op": operation}, code="unknown_service_operation"
        )
    return handler
