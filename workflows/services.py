"""Writes to cases, tasks and timers. Every change to a case's workflow state is one transaction:
lock the case row, restore, step, save tasks/timers/state, write the audit event — all or nothing.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop

from engine.errors import BpmnError, Conflict, DomainError, Forbidden, ValidationFailed
from engine.i18n import _
from engine.loader import load_directory, specs_for_version
from engine.rules import get_rule_set
from engine.runtime import WorkflowRun
from forms.validation import load_schema, validate_submission
from organizations.models import Organization, Role
from organizations.rules import deployment_rule_set
from organizations.selectors import (
    active_assignments,
    approving_committee_of,
    members_visible,
    organizations_manageable,
)

from . import registry
from .assignment import (
    LANE_BODIES,
    LANES,
    acting_for,
    parse_slot,
    resolve_lane,
    task_slot,
    user_slots,
)
from .audit import append as audit
from .audit import build as audit_build
from .audit import json_safe
from .display import forget_process_names
from .models import (
    RUNNING_SUBJECT_CONSTRAINT,
    AuditEvent,
    Case,
    CaseAccess,
    CaseStatus,
    Delegation,
    Document,
    ProcessVersion,
    Task,
    TaskStatus,
    Timer,
    TimerStatus,
)

log = logging.getLogger("partyflow.workflows")


# --- helpers ---------------------------------------------------------------------------------


def _specs(version: ProcessVersion):
    return specs_for_version(
        version.version,
        lambda: json.loads(
            ProcessVersion.objects.values_list("spec", flat=True).get(pk=version.pk)
        ),
    )


def _locked_case(case_id, *, skip_locked=False):
    """The case row under a row lock. `of=("self",)`: without it PostgreSQL also locks the joined
    process-version row that every case of the process shares, serializing unrelated cases."""
    return (
        Case.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("process_version", "organization")
        .defer("process_version__spec", "process_version__files")
        .filter(pk=case_id)
    )


def _restore(case: Case) -> WorkflowRun:
    spec, subprocess_specs = _specs(case.process_version)
    return WorkflowRun.restore(
        json.loads(case.state),
        spec,
        subprocess_specs,
        get_rule_set(case.rule_set),
        copy_state=False,
    )


@dataclass
class _Step:
    """What one step changes, computed in memory by `_plan_step`; written by `_write_rows` (for one
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


_CASE_STEP_FIELDS = [
    "state",
    "serializer_version",
    "data",
    "stage",
    "status",
    "completed_at",
    "lock_version",
    "updated_at",
]


def _plan_step(
    case: Case,
    run: WorkflowRun,
    *,
    actor=None,
    completed: Task | None = None,
    now,
    open_rows: dict,
    timer_rows: dict,
) -> _Step:
    """Mirror the workflow into task and timer rows and the case's fields, in memory only.
    `open_rows` ({spiff id: Task}) are the case's open task rows, `timer_rows` its waiting timers."""
    step = _Step(case=case)
    ready = run.ready_user_tasks(known=set(open_rows))
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
        org = resolve_lane(view.lane, case.organization, view.data)
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
    case.data = json_safe({k: v for k, v in run.data.items() if not k.startswith("spiff__")})
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


def _write_rows(steps: list[_Step], *, now) -> None:
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


def _apply_effects(case: Case, effects: list[dict], *, actor, now) -> None:
    """Run the service-task effects a step queued (BPMN service tasks), each audited."""
    for item in effects:
        result = _effect_handler(item["operation"])(
            case=case, params=item["params"], actor=actor, now=now
        )
        audit(
            action="effect_applied",
            case=case,
            data={"operation": item["operation"], "params": item["params"], "result": result},
        )


def _persist(
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
    step = _plan_step(
        case,
        run,
        actor=actor,
        completed=completed,
        now=now,
        open_rows=open_rows,
        timer_rows=timer_rows,
    )
    _write_rows([step], now=now)
    fields = list(_CASE_STEP_FIELDS)
    if event is not None:
        audit(
            case=case,
            save_head=False,
            **{**event, "data": {**event.get("data", {}), **step.changes}},
        )
        fields += ["audit_seq", "audit_head"]
    case.save(update_fields=fields)
    _apply_effects(case, step.effects, actor=actor, now=now)
    # What the answer to this request shows as the case's next tasks, without reading them back
    # (`workflows.selectors.case_open_tasks`).
    case.open_task_rows = step.still_open
    return step.changes


# --- deployment ------------------------------------------------------------------------------


def process_deploy(*, directory=None) -> list[tuple[ProcessVersion, bool]]:
    """Parse, validate and store every process in `bpmn/`. Changed content → a new version that new
    cases start on; running cases keep theirs. Checks lanes, forms and service operations too."""
    definitions = load_directory(directory or settings.PARTYFLOW["BPMN_DIR"])
    results = []
    for definition in definitions.values():
        for ts in definition.task_specs():
            if ts["kind"] == "user":
                if ts["lane"] not in LANES:
                    raise BpmnError(
                        _("用户任务须放在角色泳道中（%(lanes)s）。") % {"lanes": ", ".join(LANES)},
                        file=ts["file"],
                        element_id=ts["element_id"],
                        code="unknown_lane",
                    )
                if ts["properties"].get("formJsonSchemaFilename"):
                    try:
                        load_schema(ts["properties"]["formJsonSchemaFilename"])
                    except BpmnError as exc:
                        raise BpmnError(
                            str(exc.message),
                            file=ts["file"],
                            element_id=ts["element_id"],
                            code="form_missing",
                        ) from exc
            elif ts["operation"] not in registry.effect_names():
                raise BpmnError(
                    _("未注册的服务任务：%(op)s") % {"op": ts["operation"]},
                    file=ts["file"],
                    element_id=ts["element_id"],
                    code="unknown_service_operation",
                )
        with transaction.atomic():
            version, created = ProcessVersion.objects.get_or_create(
                process_id=definition.process_id,
                version=definition.version,
                defaults={
                    "name": definition.name,
                    "documentation": definition.documentation,
                    "files": definition.files,
                    "spec": json.dumps(
                        definition.spec_dict(), separators=(",", ":"), ensure_ascii=False
                    ),
                    "serializer_version": WorkflowRun.serializer_version,
                },
            )
            ProcessVersion.objects.filter(process_id=definition.process_id).exclude(
                pk=version.pk
            ).update(is_current=False)
            if not version.is_current:
                version.is_current = True
                version.save(update_fields=["is_current"])
        results.append((version, created))
    forget_process_names()
    return results


# --- cases -----------------------------------------------------------------------------------

# Case data only an adoption (import) may set: where the case starts and what it carries from the
# office's records. From anyone else (the API) they are refused, so no step can be skipped.
IMPORT_KEYS = ("imported_stage", "imported", "import_flags", "obligations_from")


def case_start(
    *,
    actor,
    process_id: str,
    organization: Organization,
    subject: str = "",
    subject_member=None,
    data: dict | None = None,
    business_key: str = "",
    rule_set: str | None = None,
    imported: dict | None = None,
) -> Case:
    """Start a case on the current version of `process_id` under the deployment's rule set.

    A process registering a running subject (`registry.running_subject` / `one_running_per`) gets one running case per
    subject: a second start answers 409 `case_already_running`, also when two starts race (the
    unique index on running cases' `subject_key` refuses the second insert).

    `imported` (who imported it, from which file and row): the case is adopted from an office's
    records and its data may carry IMPORT_KEYS (e.g. the step it starts at); only a service passes
    it (onboarding). Without it those keys are refused."""
    version = ProcessVersion.objects.filter(process_id=process_id, is_current=True).first()
    if version is None:
        raise ValidationFailed(
            _("未部署的流程：%(p)s") % {"p": process_id},
            code="unknown_process",
            fields={"process": [_("未部署的流程")]},
        )
    rules = get_rule_set(rule_set) if rule_set else deployment_rule_set()
    if data is not None and not isinstance(data, dict):
        raise ValidationFailed(
            _("data 须为 JSON 对象。"), code="invalid_data", fields={"data": [_("须为对象")]}
        )
    data = dict(data or {})
    reserved = [k for k in IMPORT_KEYS if k in data]
    if imported is None and reserved:
        raise ValidationFailed(
            _("这些字段只能由导入设置：%(f)s") % {"f": ", ".join(reserved)},
            code="import_only_fields",
            fields={f"data.{k}": [_("只能由导入设置")] for k in reserved},
        )
    if imported is not None:
        data["imported"] = imported
    check = registry.check_for(process_id, "__start__")
    if check is not None:
        data.update(
            check(organization=organization, data=data, rules=rules, subject_member=subject_member)
            or {}
        )
    subject = subject or (subject_member.name if subject_member else organization.name)
    subject_key = registry.running_key(
        process_id, organization=organization, subject_member=subject_member, data=data
    )
    if subject_key is not None:
        if Case.objects.filter(subject_key=subject_key, status=CaseStatus.RUNNING).exists():
            raise _already_running(version, subject)
    data["case_organization"] = {"id": organization.pk, "name": organization.name}
    spec, subprocess_specs = _specs(version)
    try:
        with transaction.atomic():
            run = WorkflowRun.start(spec, subprocess_specs, rules, data)
            case = Case.objects.create(
                process_version=version,
                process_id=process_id,
                rule_set=rules.code,
                organization=organization,
                subject=subject,
                subject_member=subject_member,
                business_key=business_key or f"{process_id}:{organization.pk}",
                subject_key=subject_key,
                state="{}",
                serializer_version=run.serializer_version,
                started_by=actor,
            )
            _persist(
                case,
                run,
                actor=actor,
                event={
                    "action": "case_started",
                    "actor": actor,
                    "data": {
                        "process": process_id,
                        "version": version.version,
                        "rule_set": rules.code,
                        "data": data,
                    },
                },
            )
    except IntegrityError as exc:
        # PostgreSQL names the constraint; SQLite names the column.
        violated = RUNNING_SUBJECT_CONSTRAINT in str(exc) or "subject_key" in str(exc)
        if subject_key is not None and violated:
            raise _already_running(version, subject) from None
        raise
    return case


def case_history_import(*, actor, case: Case, steps: list[dict], source: dict) -> None:
    """Record the steps a case went through before it was adopted (an office's ledger), in the
    case's audit chain after `case_started`: one `step_imported` event per step ({element_id, name,
    date, data}), each marked imported, with who imported it and from where. Nothing in the workflow
    moves; the dates are facts later rules count from. Takes the case's row lock."""
    with transaction.atomic():
        case = _locked_case(case.pk).get()
        who = actor.get_username() if actor is not None else source.get("operator", "system")
        for step in steps:
            audit(
                action="step_imported",
                actor=actor,
                case=case,
                data={**step, "imported": True, "imported_by": who, "source": source},
            )


def case_flag(*, actor, case: Case, flags: list[dict], source: dict) -> None:
    """Flag, in the case's audit chain, rule violations found in its recorded history ({code,
    message, field}) for the approving committee. The caller started the case with the same flags
    in its data (`import_flags`), where they stay for every later step. Takes the case's row
    lock."""
    with transaction.atomic():
        case = _locked_case(case.pk).get()
        audit(
            action="import_violation_flagged",
            actor=actor,
            case=case,
            data={"flags": flags, "source": source},
        )


def _already_running(version: ProcessVersion, subject: str) -> Conflict:
    message = _("%(subject)s 已有进行中的“%(process)s”流程。") % {
        "subject": subject,
        "process": version.name,
    }
    return Conflict(message, code="case_already_running")


def case_start_in_scope(
    *,
    actor,
    process_id: str,
    organization_id: int,
    subject_member_id: int | None = None,
    subject: str = "",
    data: dict | None = None,
    business_key: str = "",
) -> Case:
    """`case_start` for a user: the organization must be one they manage, the subject member one
    they see (each refused naming its field, like one that does not exist)."""
    organization = organizations_manageable(actor).filter(pk=organization_id).first()
    if organization is None:
        raise ValidationFailed(
            _("您不能为该组织发起流程。"),
            code="organization_not_in_scope",
            fields={"organization": [_("不在您的管理范围内")]},
        )
    member = None
    if subject_member_id:
        member = members_visible(actor).filter(pk=subject_member_id).first()
        if member is None:
            raise ValidationFailed(
                _("党员不存在。"), code="member_not_found", fields={"subject_member": [_("不存在")]}
            )
    return case_start(
        actor=actor,
        process_id=process_id,
        organization=organization,
        subject=subject,
        subject_member=member,
        data=data,
        business_key=business_key,
    )


def case_cancel(*, actor, case: Case, reason: str) -> Case:
    """Cancel a running case (the approving committee or the organization department), with a reason."""

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("撤销须说明理由。"), code="reason_required", fields={"reason": [_("必填")]}
        )
    committee = approving_committee_of(case.organization)
    allowed = actor.is_superuser or any(
        (a.role == "committee_officer" and committee and a.organization_id == committee.pk)
        or a.role == "org_department"
        for a in active_assignments(actor)
    )
    if not allowed:
        raise Forbidden(_("只有上级党委或组织部可以撤销流程。"), code="cancel_not_allowed")
    with transaction.atomic():
        case = _locked_case(case.pk).get()
        if case.status != CaseStatus.RUNNING:
            raise Conflict(_("流程已结束，不能撤销。"), code="case_not_running")
        now = timezone.now()
        case.tasks.filter(status=TaskStatus.OPEN).update(
            status=TaskStatus.CANCELLED, completed_at=now
        )
        case.timers.filter(status=TimerStatus.WAITING).update(status=TimerStatus.CANCELLED)
        case.status, case.cancel_reason, case.completed_at, case.stage = (
            CaseStatus.CANCELLED,
            reason,
            now,
            gettext_noop("已撤销"),
        )
        case.lock_version += 1
        case.save(
            update_fields=[
                "status",
                "cancel_reason",
                "completed_at",
                "stage",
                "lock_version",
                "updated_at",
            ]
        )
        audit(action="case_cancelled", actor=actor, case=case, data={"reason": reason})
    return case


# --- tasks -----------------------------------------------------------------------------------


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
        case = _locked_case(task.case_id).get()
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("claimed_by")
            .get(pk=task.pk)
        )
        if task.status != TaskStatus.OPEN:
            raise Conflict(_("该任务已办结。"), code="task_closed")
        if claim and (conflict := _claimed_by_other(task, actor, holder)):
            raise conflict
        if not claim and task.claimed_by_id != actor.pk:
            raise Conflict(_("您没有认领该任务。"), code="task_not_claimed_by_you")
        task.claimed_by = actor if claim else None
        task.save(update_fields=["claimed_by"])
        audit(
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
        case = _locked_case(task.case_id).get()
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
    rules = get_rule_set(case.rule_set)
    check = registry.check_for(case.process_id, task.element_id)
    extra = (check(case=case, task=task, data=data, rules=rules) or {}) if check is not None else {}
    run = _restore(case)
    now = timezone.now()
    timers_before = run.waiting_timers()
    if timers_before and _fire_due_timers(case, run, now=now, open_rows=open_rows):
        open_rows = {
            str(t.spiff_task_id): t
            for t in case.tasks.filter(status=TaskStatus.OPEN).select_related("claimed_by")
        }
        timers_before = None
        if str(task.spiff_task_id) not in open_rows:
            return _refused_after_deadline(case, task, actor, holder, data)
    run.complete_user_task(str(task.spiff_task_id), {**data, **extra})
    _persist(
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
    audit(
        action="task_completion_refused",
        actor=actor,
        on_behalf_of=holder,
        case=case,
        task=task,
        data={"reason": "task_deadline_passed", "submitted": data},
    )
    return Conflict(_("该任务的期限已到，流程已转入下一步。"), code="task_deadline_passed")


# --- timers ----------------------------------------------------------------------------------


def timer_fire_case(*, case_id: int, now=None) -> dict | None:
    """Fire the due timers of one case under its row lock, in one transaction with the new state,
    the audit event and the next timers. None when another worker holds the case (SKIP LOCKED) or
    nothing is due any more (it was fired already): a case enqueued twice fires once."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked_case(case_id, skip_locked=True).filter(status=CaseStatus.RUNNING).first()
        if (
            case is None
            or not case.timers.filter(status=TimerStatus.WAITING, due_at__lte=now).exists()
        ):
            return None
        run = _restore(case)
        return _fire_due_timers(case, run, now=now)


def _fire_due_timers(case: Case, run: WorkflowRun, *, now, open_rows=None) -> dict | None:
    """Refresh the restored workflow's timers; when any fired, persist the step with its audit event.
    Returns what changed, or None when nothing was due. Expects the case row locked."""
    if not run.refresh_timers(now):
        return None
    return _persist(case, run, now=now, open_rows=open_rows, event={"action": "timers_fired"})


def due_case_ids(*, now=None, limit: int = 1000) -> list[int]:
    """Cases with at least one waiting timer due, oldest due first (what a sweep hands to workers)."""
    now = now or timezone.now()
    ids = (
        Timer.objects.filter(status=TimerStatus.WAITING, due_at__lte=now)
        .order_by("due_at")
        .values_list("case_id", flat=True)[:limit]
    )
    return list(dict.fromkeys(ids))


def timer_fire_one(*, case_id: int, now=None) -> tuple[int, int]:
    """Fire one case's due timers; a failing step marks them failed with the error for operators
    (not retried until reset). Returns (fired, failed)."""
    now = now or timezone.now()
    try:
        changes = timer_fire_case(case_id=case_id, now=now)
    except DomainError as exc:
        return 0, _timer_failed(case_id, now, exc)
    return (len(changes["fired_timers"]) if changes else 0), 0


def timers_fire_batch(*, case_ids: list[int], now=None) -> tuple[int, int]:
    """Fire the due timers of a batch of cases in ONE transaction. Returns (fired, failed).

    Each case still fires whole or not at all, and never twice: the batch locks its cases together
    (`FOR UPDATE SKIP LOCKED`, only those still running with a timer due, so a case enqueued twice or
    held by another worker is left alone), steps each in memory, and writes all of them with one
    statement per kind of row (tasks, timers, audit events, and one `UPDATE … FROM (VALUES …)` of the
    cases) before a single COMMIT. A worker killed mid-batch rolls the whole batch back and the next
    sweep fires it. A case whose step fails (a script error) is left out and its timers are marked
    failed for operators. Service-task effects run after the rows are written, in one call per
    operation where the effect has a batch handler. Should an effect or the bulk write fail, the
    batch is rolled back and fired case by case, each in its own transaction, where the failing
    case alone is marked failed."""
    now = now or timezone.now()
    if not case_ids:
        return 0, 0
    try:
        with transaction.atomic():
            return _fire_batch_locked(case_ids, now)
    except (DatabaseError, DomainError):
        log.exception("batch firing failed; firing its %s cases one by one", len(case_ids))
    fired = failed = 0
    for case_id in case_ids:
        f, x = timer_fire_one(case_id=case_id, now=now)
        fired, failed = fired + f, failed + x
    return fired, failed


def _fire_batch_locked(case_ids: list[int], now) -> tuple[int, int]:
    due = Timer.objects.filter(case=OuterRef("pk"), status=TimerStatus.WAITING, due_at__lte=now)
    cases = list(
        _locked_cases(case_ids, skip_locked=True)
        .filter(status=CaseStatus.RUNNING)
        .filter(Exists(due))
    )
    if not cases:
        return 0, 0
    ids = [c.pk for c in cases]
    open_rows, timer_rows = defaultdict(dict), defaultdict(dict)
    for t in Task.objects.filter(case_id__in=ids, status=TaskStatus.OPEN):
        open_rows[t.case_id][str(t.spiff_task_id)] = t
    for t in Timer.objects.filter(case_id__in=ids, status=TimerStatus.WAITING):
        timer_rows[t.case_id][str(t.spiff_task_id)] = t
    steps, failures = [], []
    for case in cases:
        try:
            run = _restore(case)
            if not run.refresh_timers():
                continue
            steps.append(
                _plan_step(
                    case, run, now=now, open_rows=open_rows[case.pk], timer_rows=timer_rows[case.pk]
                )
            )
        except DomainError as exc:
            failures.append((case.pk, exc))
    events = [
        audit_build(action="timers_fired", case=s.case, data=s.changes, roles=[]) for s in steps
    ]
    _write_rows(steps, now=now)
    if events:
        AuditEvent.objects.bulk_create(events)
    # Service-task effects (a reminder's notifications…) after the rows they may read; a failing
    # effect raises out of the batch, which is rolled back and fired case by case.
    effect_events = _apply_effects_many(steps, now=now)
    if effect_events:
        AuditEvent.objects.bulk_create(effect_events)
    _update_cases([s.case for s in steps], fields=[*_CASE_STEP_FIELDS, "audit_seq", "audit_head"])
    fired = sum(len(s.fired) for s in steps)
    failed = sum(_timer_failed(case_id, now, exc) for case_id, exc in failures)
    return fired, failed


def _apply_effects_many(steps: list[_Step], *, now) -> list[AuditEvent]:
    """Run the effects the batch's steps queued and build their audit events (unsaved, in each
    case's chain order). When every step queued at most one effect, the steps are grouped by
    operation and an operation with a batch handler (`registry.effect_many`) runs once for all of
    them; otherwise each case's effects run in order, one by one, as `_apply_effects` runs them."""
    pairs = [(s, item) for s in steps for item in s.effects]
    results: dict[int, object] = {}
    if all(len(s.effects) <= 1 for s in steps):
        for operation in dict.fromkeys(item["operation"] for _s, item in pairs):
            group = [(s, item) for s, item in pairs if item["operation"] == operation]
            many = registry.effect_many_for(operation)
            if many is not None:
                outs = many(
                    items=[{"case": s.case, "params": item["params"]} for s, item in group],
                    actor=None,
                    now=now,
                )
            else:
                handler = _effect_handler(operation)
                outs = [
                    handler(case=s.case, params=item["params"], actor=None, now=now)
                    for s, item in group
                ]
            results.update({id(item): out for (_s, item), out in zip(group, outs, strict=True)})
    else:
        for s, item in pairs:
            results[id(item)] = _effect_handler(item["operation"])(
                case=s.case, params=item["params"], actor=None, now=now
            )
    return [
        audit_build(
            action="effect_applied",
            case=s.case,
            roles=[],
            data={
                "operation": item["operation"],
                "params": item["params"],
                "result": results[id(item)],
            },
        )
        for s, item in pairs
    ]


def _effect_handler(operation: str):
    handler = registry.effect_for(operation)
    if handler is None:
        raise BpmnError(
            _("未注册的服务任务：%(op)s") % {"op": operation}, code="unknown_service_operation"
        )
    return handler


def _locked_cases(case_ids, *, skip_locked=False):
    """Like `_locked_case`, for many cases at once (their rows only, see there)."""
    return (
        Case.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("process_version", "organization")
        .defer("process_version__spec", "process_version__files")
        .filter(pk__in=case_ids)
        .order_by("pk")
    )


def _update_cases(cases: list[Case], *, fields: list[str]) -> None:
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


def timers_run(*, now=None, limit: int = 1000) -> dict:
    """Fire every due timer in this process (`partyflow run-timers`, the demo's in-process sweep),
    in batches of PARTYFLOW["TIMER_BATCH"] cases as the Celery workers do."""
    now = now or timezone.now()
    case_ids = due_case_ids(now=now, limit=limit)
    fired = failed = 0
    for batch in timer_batches(case_ids):
        f, x = timers_fire_batch(case_ids=batch, now=now)
        fired, failed = fired + f, failed + x
    return {"cases": len(case_ids), "fired": fired, "failed": failed}


def timer_batches(case_ids: list[int]) -> list[list[int]]:
    """The due cases cut into batches of PARTYFLOW["TIMER_BATCH"] (default 200)."""
    size = max(1, int(settings.PARTYFLOW.get("TIMER_BATCH", 200)))
    return [case_ids[i : i + size] for i in range(0, len(case_ids), size)]


def _timer_failed(case_id, now, exc) -> int:
    log.error("timer failed on case %s: %s", case_id, exc)
    with transaction.atomic():
        rows = list(
            Timer.objects.select_for_update().filter(
                case_id=case_id, status=TimerStatus.WAITING, due_at__lte=now
            )
        )
        for row in rows:
            row.status, row.error = TimerStatus.FAILED, str(exc)[:2000]
        Timer.objects.bulk_update(rows, ["status", "error"])
        case = _locked_case(case_id).get()
        audit(
            action="timer_failed",
            case=case,
            data={"error": str(exc), "timers": [r.name for r in rows]},
        )
    return len(rows)


# --- documents (evidence) --------------------------------------------------------------------


def documents_check(*, case_id: int, ids, field: str = "document_ids") -> None:
    """Evidence a form refers to must be documents uploaded to this case (POST /api/cases/{id}/documents/);
    an unknown id, or another case's, is refused naming the field and the ids."""
    if not ids:
        return
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ValidationFailed(
            _("附件编号须为整数列表。"), code="form_invalid", fields={field: [_("须为整数列表")]}
        )
    known = set(Document.objects.filter(case_id=case_id, pk__in=ids).values_list("pk", flat=True))
    unknown = {"ids": ", ".join(str(i) for i in ids if i not in known)}
    if unknown["ids"]:
        raise ValidationFailed(
            _("附件 %(ids)s 不是本流程上传的文件。") % unknown,
            code="document_not_in_case",
            fields={field: [_("未上传到本流程：%(ids)s") % unknown]},
        )


def document_upload(
    *,
    actor,
    case: Case,
    file,
    task: Task | None = None,
    description: str = "",
    provenance: dict | None = None,
) -> Document:
    """Attach a file to a case (optionally to one of its tasks) and record it in the case's audit chain.

    `file`: a Django UploadedFile (or anything with .name, .size and .read()). Refused with 400 naming
    the field when it is empty, larger than PARTYFLOW["UPLOAD_MAX_BYTES"], or its content (sniffed
    from the magic bytes, never the client's Content-Type) is not in PARTYFLOW["UPLOAD_CONTENT_TYPES"].
    Allowed to those who act on the case: a holder (or delegate) of one of its open tasks, or a role
    that may start procedures in its organization (not auditors, not ordinary members).
    `provenance`: how a generated file was made (e.g. the template and its sha256), hashed into the
    audit event with the file's own sha256."""
    import hashlib

    import filetype

    conf = settings.PARTYFLOW
    if task is not None and task.case_id != case.pk:
        raise ValidationFailed(
            _("任务不属于该流程。"), code="task_not_in_case", fields={"task": [_("不属于该流程")]}
        )
    acts = organizations_manageable(actor).filter(pk=case.organization_id).exists()
    if not acts:
        for open_task in case.tasks.filter(status=TaskStatus.OPEN):
            try:
                acting_for(actor, open_task)
                acts = True
                break
            except Forbidden:
                continue
    if not acts:
        raise Forbidden(_("只有办理该流程的人可以上传文件。"), code="document_upload_not_allowed")
    if file is None:
        raise ValidationFailed(
            _("请选择文件。"), code="file_required", fields={"file": [_("必填")]}
        )
    limit = conf["UPLOAD_MAX_BYTES"]
    if file.size > limit:
        raise ValidationFailed(
            _("文件超过大小上限 %(mb)s MB。") % {"mb": round(limit / 1048576, 1)},
            code="file_too_large",
            fields={"file": [_("不得超过 %(n)s 字节") % {"n": limit}]},
        )
    content = file.read()
    if not content:
        raise ValidationFailed(_("文件为空。"), code="file_empty", fields={"file": [_("文件为空")]})
    kind = filetype.guess(content)
    if kind is None or kind.mime not in conf["UPLOAD_CONTENT_TYPES"]:
        raise ValidationFailed(
            _(
                "不接受该文件类型（按文件内容识别为 %(t)s）；只接受 PDF、PNG、JPEG、Word（docx）、Excel（xlsx）。"
            )
            % {"t": kind.mime if kind else _("未知")},
            code="file_type_not_allowed",
            fields={"file": [_("只接受 PDF、PNG、JPEG、docx、xlsx")]},
        )
    filename = (getattr(file, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:255]
    with transaction.atomic():
        case = _locked_case(case.pk).get()
        doc = Document.objects.create(
            case=case,
            task=task,
            filename=filename,
            content_type=kind.mime,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            description=(description or "")[:500],
            content=content,
            uploaded_by=actor,
        )
        audit(
            action="document_uploaded",
            actor=actor,
            case=case,
            task=task,
            data={
                "document": doc.pk,
                "filename": filename,
                "content_type": kind.mime,
                "size": doc.size,
                "sha256": doc.sha256,
                "description": doc.description,
                **({"provenance": provenance} if provenance else {}),
            },
        )
    return doc


# --- auditor access log ----------------------------------------------------------------------


def case_access_record(*, actor, case: Case, view: str) -> CaseAccess | None:
    """Log an auditor's read of a case (append-only, outside the case's hash chain: see CaseAccess).
    Other roles' reads are not logged. Returns the record, or None."""

    if not any(a.role == Role.AUDITOR for a in active_assignments(actor)):
        return None
    return CaseAccess.objects.create(
        case=case, user=actor, username=actor.get_username(), view=view
    )


# --- delegation ------------------------------------------------------------------------------


def delegation_create(
    *,
    actor,
    delegate,
    starts_at,
    ends_at,
    process_id: str = "",
    task: Task | None = None,
    reason: str = "",
) -> Delegation:
    """The holder (`actor`) hands their tasks to `delegate` for [starts_at, ends_at): all of them, one
    process's, or one open task.

    Eligibility: the delegate must belong to the same body in the same organization as each slot
    handed over (a branch secretary's or committee's lane → the secretary, deputy or a committee
    member of that branch; an approving committee's lane → an officer of that committee; the
    organization department's → someone of the organization department). Ordinary members and
    auditors are never eligible. A member's own tasks (the `member` lane: self-assessment) are
    personal and never delegated."""
    now = timezone.now()

    def bodies(slots):  # (body, organization id) of each delegable slot
        return {
            (LANE_BODIES[lane], org) for lane, org in map(parse_slot, slots) if lane in LANE_BODIES
        }

    own = [s for s in user_slots(actor) if parse_slot(s)[0] in LANE_BODIES]
    if task is not None:
        if task.lane not in LANE_BODIES and task.status == TaskStatus.OPEN:
            raise ValidationFailed(
                _("党员本人的任务不能委托他人办理。"),
                code="task_personal",
                fields={"task": [_("本人任务不能委托")]},
            )
        if task.status != TaskStatus.OPEN or task.slot not in own:
            raise ValidationFailed(
                _("只能委托您自己待办的任务。"),
                code="task_not_yours",
                fields={"task": [_("不是您的待办任务")]},
            )
        slots = [task.slot]
    else:
        slots = own
    if not slots:
        raise ValidationFailed(
            _("您没有可委托的待办角色。"),
            code="nothing_to_delegate",
            fields={"delegate": [_("您没有可委托的角色")]},
        )
    if delegate is not None and delegate.pk == actor.pk:
        raise ValidationFailed(
            _("须委托给另一人。"),
            code="delegate_invalid",
            fields={"delegate": [_("须为另一位用户")]},
        )
    # An unknown user (None) is refused exactly like an ineligible one: no user-id enumeration.
    if delegate is None or not bodies(slots) <= bodies(user_slots(delegate)):
        raise ValidationFailed(
            _("受托人须是同一组织中担任相应职务的人（支部委员会成员、党委委员或组织部人员）。"),
            code="delegate_not_eligible",
            fields={"delegate": [_("不在同一组织或不担任相应职务")]},
        )
    if ends_at <= starts_at:
        raise ValidationFailed(
            _("委托结束时间须晚于开始时间。"),
            code="invalid_period",
            fields={"ends_at": [_("须晚于开始时间")]},
        )
    if ends_at <= now:
        raise ValidationFailed(
            _("委托结束时间须晚于现在。"),
            code="invalid_period",
            fields={"ends_at": [_("须晚于现在")]},
        )
    if process_id and not ProcessVersion.objects.filter(process_id=process_id).exists():
        raise ValidationFailed(
            _("未部署的流程：%(p)s") % {"p": process_id},
            code="unknown_process",
            fields={"process": [_("未部署的流程")]},
        )
    with transaction.atomic():
        d = Delegation.objects.create(
            delegator=actor,
            delegate=delegate,
            slots=sorted(slots),
            starts_at=starts_at,
            ends_at=ends_at,
            process_id=process_id or "",
            task=task,
            reason=(reason or "")[:500],
        )
        audit(
            action="delegation_created",
            actor=actor,
            organization=Organization.objects.get(pk=parse_slot(slots[0])[1]),
            data={
                "delegation": d.pk,
                "delegate": delegate.get_username(),
                "slots": d.slots,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "process": d.process_id,
                "task": d.task_id,
            },
        )
    return d


def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    """The delegator ends a delegation now (the delegate cannot)."""
    if delegation.delegator_id != actor.pk:
        raise Forbidden(_("只有委托人可以撤销委托。"), code="delegation_revoke_not_allowed")
    if delegation.revoked_at is not None:
        raise Conflict(_("委托已撤销。"), code="delegation_revoked")
    with transaction.atomic():
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        audit(
            action="delegation_revoked",
            actor=actor,
            organization=Organization.objects.get(pk=parse_slot(delegation.slots[0])[1]),
            data={"delegation": delegation.pk},
        )
    return delegation
