"""User tasks: claimed, unclaimed and completed by their holder or a delegate."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from engine.calendar import date_field, not_in_future
from engine.errors import Conflict
from engine.i18n import _
from engine.rules import get_rule_set
from forms.validation import validate_submission

from .. import audit, registry
from ..assignment import acting_for, is_personal
from ..models import Case, Task, TaskStatus, TimerStatus
from . import state, timers
from .documents import documents_check


def _claimed_by_other(task: Task, actor, holder) -> Conflict | None:
    """The 409 when someone other than the actor (or whom a delegate acts for) has claimed the task."""
    if task.claimed_by_id and task.claimed_by_id not in (actor.pk, getattr(holder, "pk", None)):
        return Conflict(
            _("该任务已由 %(u)s 认领。") % {"u": task.claimed_by.get_username()},
            code="task_claimed_by_other",
        )
    return None


def _set_holder(*, actor, task: Task, claim: bool) -> Task:
    """Claim (holder := actor) or unclaim (holder := nobody) an open task, under the case's lock
    (its audit chain is appended to)."""
    holder = acting_for(actor, task)
    with transaction.atomic():
        case = state.locked_case(task.case_id).get()
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("claimed_by")
            .get(pk=task.pk)
        )
        if task.status != TaskStatus.OPEN:
            raise Conflict(_("该任务已办结。"), code="task_closed")
        if claim and is_personal(
            slot=task.slot,
            lane=task.lane,
            assignee_organization_id=task.assignee_organization_id,
            case_organization_id=task.case_organization_id,
        ):
            # A member's own step (or a branch's own in a college's round) is theirs already: it is
            # in no queue, and claiming it would take it from the others it is personal to.
            raise Conflict(_("本人办理的步骤无需认领。"), code="task_personal")
        if claim and (conflict := _claimed_by_other(task, actor, holder)):
            raise conflict
        if not claim and task.claimed_by_id != actor.pk:
            raise Conflict(_("您没有认领该任务。"), code="task_not_claimed_by_you")
        task.claimed_by = actor if claim else None
        task.save(update_fields=["claimed_by"])
        audit.append(
            action="task_claimed" if claim else "task_unclaimed",
            actor=actor,
            case=case,
            task=task,
            on_behalf_of=holder,
        )
    return task


def task_claim(*, actor, task: Task) -> Task:
    return _set_holder(actor=actor, task=task, claim=True)


def task_unclaim(*, actor, task: Task) -> Task:
    return _set_holder(actor=actor, task=task, claim=False)


def task_complete(*, actor, task: Task, data) -> Task:
    """Complete a user task with the submitted form data.

    Order: holder check, schema validation (nothing locked yet), then under the case's row lock:
    the task must still be open and not claimed by someone else (else 409), due timers are fired
    first (a task whose deadline fired cannot be completed: 409, the firing is kept), the
    procedure's rule checks run, the workflow steps and everything is saved in one transaction.
    A refused submission leaves the case exactly as it was. A delegate acts in their own name on
    behalf of the holder (both recorded in the audit event)."""
    holder = acting_for(actor, task)
    validate_submission(task.form, data)
    documents_check(
        case_id=task.case_id, ids=data.get("document_ids") if isinstance(data, dict) else None
    )
    conflict = None
    with transaction.atomic():
        case = state.locked_case(task.case_id).get()
        open_rows = {
            str(t.spiff_task_id): t
            for t in case.tasks.filter(status=TaskStatus.OPEN).select_related("claimed_by")
        }
        row = next((t for t in open_rows.values() if t.pk == task.pk), None)
        if row is None:
            # Closed meanwhile: by another completion, or by its deadline (a sweep fired it first).
            closed = Task.objects.get(pk=task.pk)
            if not _closed_by_deadline(case, closed):
                raise Conflict(_("该任务已办结，不能重复提交。"), code="task_already_completed")
            conflict = _refused_after_deadline(case, closed, actor, holder, data)
        else:
            conflict = _complete_open_task(case, row, actor, holder, data, open_rows)
            task = row
    if conflict is not None:
        raise conflict
    return task


def _complete_open_task(case: Case, task: Task, actor, holder, data, open_rows) -> Conflict | None:
    """The completion proper, under the case lock (`holder`: whom a delegate acts for, or None).
    Returns the conflict when the task's deadline fired first (that firing and the refused attempt
    are kept; nothing of the submission is)."""
    if conflict := _claimed_by_other(task, actor, holder):
        raise conflict
    if (field := registry.event_date_field_for(case.process_id, task.element_id)) and data.get(
        field
    ):  # the day the step took place: a date, and not after today
        not_in_future(date_field(data[field], field=field), field=field)
    rules = get_rule_set(case.rule_set)
    check = registry.check_for(case.process_id, task.element_id)
    extra = (check(case=case, task=task, data=data, rules=rules) or {}) if check is not None else {}
    run = state.restore(case)
    now = timezone.now()
    timers_before = run.waiting_timers()
    if timers_before and timers.fire_due_timers(case, run, now=now, open_rows=open_rows):
        open_rows = {
            str(t.spiff_task_id): t
            for t in case.tasks.filter(status=TaskStatus.OPEN).select_related("claimed_by")
        }
        timers_before = None
        if str(task.spiff_task_id) not in open_rows:
            return _refused_after_deadline(case, task, actor, holder, data)
    run.complete_user_task(str(task.spiff_task_id), {**data, **extra})
    state.persist(
        case,
        run,
        actor=actor,
        completed=task,
        now=now,
        open_rows=open_rows,
        timers_before=timers_before,
        event={
            "action": "task_completed",
            "actor": actor,
            "on_behalf_of": holder,
            "task": task,
            "data": {"submitted": data, "computed": extra},
        },
    )
    task.case_organization = case.organization
    return None


def _closed_by_deadline(case: Case, task: Task) -> bool:
    """Was `task` cancelled by a timer firing (its boundary deadline), in the same step?"""
    return (
        task.status == TaskStatus.CANCELLED
        and task.completed_at is not None
        and case.timers.filter(status=TimerStatus.FIRED, fired_at=task.completed_at).exists()
    )


def _refused_after_deadline(case: Case, task: Task, actor, holder, data) -> Conflict:
    """Record the refused submission (the deadline had fired: the case moved on without it) and
    return the 409 to raise once the transaction commits."""
    audit.append(
        action="task_completion_refused",
        actor=actor,
        on_behalf_of=holder,
        case=case,
        task=task,
        data={"reason": "task_deadline_passed", "submitted": data},
    )
    return Conflict(_("该任务的期限已到，流程已转入下一步。"), code="task_deadline_passed")
