"""Run workflows: start, complete user tasks, engine steps, timers, save and restore.

A `WorkflowRun` is one in-memory workflow. It is not thread-safe and SpiffWorkflow has no locking:
callers hold the case's row lock from load to save. Every restore attaches a fresh restricted script
engine (SpiffWorkflow does not serialize it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.util.task import TaskState

from .errors import Conflict, DomainError, ScriptRefused, WorkflowStepError
from .i18n import _
from .rules import RuleSet
from .scripting import ScriptEngine
from .serialization import SERIALIZER_VERSION, workflow_from_dict, workflow_to_dict


@dataclass
class UserTaskView:
    id: str
    element_id: str
    name: str
    lane: str | None
    documentation: str
    properties: dict
    data: dict = field(repr=False)
    due_at: dt.datetime | None = None

    @property
    def form(self) -> str | None:
        return self.properties.get("formJsonSchemaFilename")

    @property
    def stage(self) -> str | None:
        return self.properties.get("stage")


@dataclass
class TimerView:
    task_id: str
    element_id: str
    name: str
    due_at: dt.datetime


def _step_error(exc: Exception) -> DomainError:
    """SpiffWorkflow's task errors as typed domain errors with file and element id."""
    cause = exc
    while cause is not None and not isinstance(cause, DomainError):
        cause = getattr(cause, "exception", None) or cause.__cause__ or cause.__context__
        if cause is exc:
            break
    task = getattr(exc, "task", None)
    element_id = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
    file = getattr(getattr(getattr(task, "workflow", None), "spec", None), "file", None)
    file = Path(file).name if file else None
    if isinstance(cause, DomainError):
        if isinstance(cause, ScriptRefused):
            cause.file, cause.element_id = file, element_id
            cause.details.update(file=file, element_id=element_id)
        return cause
    return WorkflowStepError(
        str(exc), file=file, element_id=element_id, line=getattr(exc, "line_number", None) or None
    )


def _aware(value: str) -> dt.datetime:
    return TimerEventDefinition.get_datetime(value) if not isinstance(value, dt.datetime) else value


class WorkflowRun:
    serializer_version = SERIALIZER_VERSION

    def __init__(self, workflow: BpmnWorkflow, rule_set: RuleSet):
        self.workflow = workflow
        self.rule_set = rule_set
        self.script_engine = ScriptEngine(rule_set)
        workflow.script_engine = self.script_engine

    # --- lifecycle -------------------------------------------------------------------------
    @classmethod
    def start(
        cls, spec, subprocess_specs, rule_set: RuleSet, data: dict | None = None
    ) -> WorkflowRun:
        run = cls(BpmnWorkflow(spec, subprocess_specs), rule_set)
        if data:
            run.workflow.task_tree.data.update(data)
            for task in run.workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
        run.advance()
        return run

    @classmethod
    def restore(
        cls, state: dict, spec, subprocess_specs, rule_set: RuleSet, *, copy_state: bool = True
    ) -> WorkflowRun:
        return cls(
            workflow_from_dict(state, spec, subprocess_specs, copy_state=copy_state), rule_set
        )

    def dump(self) -> dict:
        return workflow_to_dict(self.workflow)

    def advance(self) -> None:
        """Run engine steps until only user tasks and waiting events remain."""
        try:
            self.workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise _step_error(exc) from exc

    def refresh_timers(self, now: dt.datetime | None = None) -> bool:
        """Fire every timer due at or before `now` (default: the clock); True when anything moved.

        A timer due exactly at `now` fires: SpiffWorkflow compares strictly (due < now), so timers
        whose moment has come are marked fired here first (the sweep selects `due_at <= now`)."""
        now = now or dt.datetime.now(dt.UTC)
        due = 0
        for task in self.workflow.event_manager.tasks.values():
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, (TimeDateEventDefinition, DurationTimerEventDefinition)):
                value = task._get_internal_data("event_value")
                if value and _aware(value) <= now:
                    task._set_internal_data(event_fired=True)
                    due += 1
        # A due date or duration timer marked fired always moves the workflow (its waiting task
        # completes), so the two walks of the whole task tree that compare before with after are
        # needed only when none was due (a cycle timer's own firing, or nothing at all).
        before = None if due else {t.id for t in self.workflow.get_tasks(state=TaskState.READY)}
        waiting_before = len(self.workflow.event_manager.tasks)
        try:
            self.workflow.refresh_timers()
        except SpiffWorkflowException as exc:
            raise _step_error(exc) from exc
        self.advance()
        if due:
            return True
        after = {t.id for t in self.workflow.get_tasks(state=TaskState.READY)}
        return before != after or waiting_before != len(self.workflow.event_manager.tasks)

    @property
    def completed(self) -> bool:
        return self.workflow.completed

    @property
    def outbox(self) -> list[dict]:
        return self.script_engine.outbox

    # --- reading ---------------------------------------------------------------------------
    def ready_manual(self) -> list:
        """The READY user tasks as SpiffWorkflow holds them: one walk of the task tree, which a caller
        reading both `ready_user_tasks` and `data_of` between two steps may pass to each."""
        return self.workflow.get_tasks(state=TaskState.READY, manual=True)

    def ready_user_tasks(
        self, known: set[str] | frozenset = frozenset(), *, ready: list | None = None
    ) -> list[UserTaskView]:
        """READY user tasks; due dates (property `dueDate`, an expression) are evaluated only for tasks
        not in `known` (the ones the caller has not recorded yet). `ready`: `ready_manual()`, when
        the caller has it for this state of the workflow."""
        views = []
        for task in self.ready_manual() if ready is None else ready:
            spec = task.task_spec
            props = dict((getattr(spec, "extensions", None) or {}).get("properties", {}))
            due = None
            if props.get("dueDate") and str(task.id) not in known:
                try:
                    # An expression may give None: the rule set has no such deadline.
                    value = self.script_engine.evaluate(task, props["dueDate"])
                    due = _aware(value) if value else None
                except SpiffWorkflowException as exc:
                    raise _step_error(exc) from exc
            views.append(
                UserTaskView(
                    id=str(task.id),
                    element_id=spec.bpmn_id,
                    name=spec.bpmn_name or spec.bpmn_id,
                    lane=spec.lane,
                    documentation=(spec.documentation or "").strip(),
                    properties=props,
                    data=task.data,
                    due_at=due,
                )
            )
        return views

    def waiting_timers(self) -> list[TimerView]:
        timers = []
        for task in self.workflow.event_manager.tasks.values():
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition):
                continue
            details = definition.details(task)
            value = details.value
            if isinstance(value, dict):  # a cycle timer before its first evaluation
                value = value.get("next")
            if not value:
                continue
            timers.append(
                TimerView(
                    str(task.id),
                    task.task_spec.bpmn_id,
                    task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                    _aware(value),
                )
            )
        return timers

    @property
    def data(self) -> dict:
        return self.data_of()

    def data_of(self, ready: list | None = None) -> dict:
        """The case data: the workflow's data plus the data of the most recently completed task.

        When that task is one instance of a multi-instance step still running, the step's data is
        read instead: an instance's data (its input item, what its holder submitted, its output
        item) is that instance's own and the next instance's would replace it; the step's data holds
        the collection (loopDataOutputRef) gathered so far, every finished instance's output.
        `ready`: `ready_manual()`, when the caller has it for this state of the workflow."""
        last = self.workflow.last_task
        parent = last.parent if last is not None else None
        if (
            parent is not None
            and isinstance(parent.task_spec, MultiInstanceTask)
            and not parent.has_state(TaskState.FINISHED_MASK)
        ):
            last = parent
        merged = dict(self.workflow.data)
        if last is not None:
            merged.update(last.data)
            ready = self.ready_manual() if ready is None else ready
            if ready and not any(t.is_descendant_of(last) for t in ready):
                # A side branch (e.g. a supervision, closed when its step was recorded) ended after
                # the main line moved on: the main line's state is what its next step inherited.
                merged.update(ready[0].data)
        return merged

    # --- writing ---------------------------------------------------------------------------
    def complete_user_task(self, task_id: str, data: dict) -> None:
        """Set the submitted data on a READY user task, run it, then run engine steps.

        Raises Conflict when the task is no longer ready (completed, cancelled by a timer)."""
        try:
            task = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (WorkflowException, ValueError, KeyError):
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict(_("该任务已不再待办（已完成、已撤销或已超时）。"), code="task_not_ready")
        task.set_data(**data)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise _step_error(exc) from exc
        self.advance()

    def cancel(self) -> None:
        self.workflow.cancel()
