"""Cases: started (by a user in their scope, by a procedure, or adopted from an office's records),
their imported history and flags recorded, cancelled; an auditor's reads of a case logged."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.i18n import _
from engine.rules import get_rule_set
from engine.runtime import WorkflowRun
from organizations.models import Organization, Role
from organizations.rules import deployment_rule_set
from organizations.selectors import (
    active_assignments,
    approving_committee_of,
    members_visible,
    organizations_manageable,
)

from .. import audit, registry
from ..assignment import acting_roles, resolve_lane, slot
from ..models import (
    RUNNING_SUBJECT_CONSTRAINT,
    AuditEvent,
    Case,
    CaseAccess,
    CaseStatus,
    ProcessVersion,
    TaskStatus,
    TimerStatus,
)
from . import state

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
    version = _current_version(process_id)
    rules = get_rule_set(rule_set) if rule_set else deployment_rule_set()
    data, subject, subject_key = _start_data(
        process_id=process_id,
        organization=organization,
        subject=subject,
        subject_member=subject_member,
        data=data,
        rules=rules,
        imported=imported,
    )
    if subject_key is not None:
        if Case.objects.filter(subject_key=subject_key, status=CaseStatus.RUNNING).exists():
            raise _already_running(version, subject)
    spec, subprocess_specs = state.version_specs(version)
    try:
        with transaction.atomic():
            run = WorkflowRun.start(spec, subprocess_specs, rules, data)
            case = _new_case(
                actor=actor,
                version=version,
                rules=rules,
                organization=organization,
                subject=subject,
                subject_member=subject_member,
                business_key=business_key,
                subject_key=subject_key,
                run=run,
            )
            case.save(force_insert=True)
            state.persist(case, run, actor=actor, event=_started_event(actor, version, rules, data))
    except IntegrityError as exc:
        if subject_key is not None and _running_subject_violated(exc):
            raise _already_running(version, subject) from None
        raise
    return case


def cases_start_many(*, actor, process_id: str, starts: list[dict]) -> list[Case]:
    """Start many cases of `process_id` at once, all or none (a graduation batch), each exactly as
    `case_start` starts one: the same start check, one running case per subject, a `case_started`
    event opening each case's own audit chain with what its first step changed. `starts`: dicts of
    `organization`, `subject_member`, `data`, `business_key`, and `imported` for a case adopted
    from an office's records (as `case_start`'s: only a service passes it).

    What is the same for every case is done once: the process version, the deployment's rule set,
    the parsed BPMN spec, the lanes resolved at each organization, the actor's roles there; rows are
    written with one statement per kind (cases, tasks, timers, audit events, the chain heads)."""
    version = _current_version(process_id)
    rules = deployment_rule_set()
    prepared = [
        (
            s,
            *_start_data(
                process_id=process_id,
                organization=s["organization"],
                subject="",
                subject_member=s.get("subject_member"),
                data=s.get("data"),
                rules=rules,
                imported=s.get("imported"),
            ),
        )
        for s in starts
    ]
    subjects: dict[str, str] = {}
    for _s, _d, subject, key in prepared:
        if key is None:
            continue
        if key in subjects:  # the same subject twice in the batch
            raise _already_running(version, subject)
        subjects[key] = subject
    running = (
        Case.objects.filter(subject_key__in=list(subjects), status=CaseStatus.RUNNING)
        .values_list("subject_key", flat=True)
        .first()
        if subjects
        else None
    )
    if running is not None:
        raise _already_running(version, subjects[running])
    spec, subprocess_specs = state.version_specs(version)
    now = timezone.now()
    lanes: dict = {}
    steps, events = [], []
    for s, data, subject, subject_key in prepared:
        run = WorkflowRun.start(spec, subprocess_specs, rules, data)
        case = _new_case(
            actor=actor,
            version=version,
            rules=rules,
            organization=s["organization"],
            subject=subject,
            subject_member=s.get("subject_member"),
            business_key=s.get("business_key", ""),
            subject_key=subject_key,
            run=run,
        )
        step = state.plan_step(
            case, run, actor=actor, now=now, open_rows={}, timer_rows={}, lanes=lanes
        )
        steps.append((step, _started_event(actor, version, rules, data)))
    cases = [step.case for step, _e in steps]
    roles: dict[int, list] = {}
    try:
        with transaction.atomic():
            Case.objects.bulk_create(cases)
            state.write_rows([step for step, _e in steps], now=now)
            for step, event in steps:
                org = step.case.organization
                if org.pk not in roles:
                    roles[org.pk] = (
                        acting_roles(actor, organization=org) if actor is not None else []
                    )
                events.append(
                    audit.build(
                        case=step.case,
                        roles=roles[org.pk],
                        **{**event, "data": {**event["data"], **step.changes}},
                    )
                )
            AuditEvent.objects.bulk_create(events)
            for step, _e in steps:  # after the chains' first events, as `state.persist` runs them
                state.apply_effects(step.case, step.effects, actor=actor, now=now)
            state.update_cases(cases, fields=["audit_seq", "audit_head"])
    except IntegrityError as exc:
        if _running_subject_violated(exc):
            raise Conflict(
                _("名单中有党员已有进行中的“%(process)s”流程。") % {"process": version.name},
                code="case_already_running",
            ) from None
        raise
    return cases


def _current_version(process_id: str) -> ProcessVersion:
    version = ProcessVersion.objects.filter(process_id=process_id, is_current=True).first()
    if version is None:
        raise ValidationFailed(
            _("未部署的流程：%(p)s") % {"p": process_id},
            code="unknown_process",
            fields={"process": [_("未部署的流程")]},
        )
    return version


def _start_data(
    *, process_id, organization, subject, subject_member, data, rules, imported
) -> tuple[dict, str, str | None]:
    """The data a case starts with (the procedure's start check applied), its subject and the
    running-subject key; the refusals of `case_start`."""
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
    data["case_organization"] = {"id": organization.pk, "name": organization.name}
    return data, subject, subject_key


def _new_case(
    *,
    actor,
    version,
    rules,
    organization,
    subject,
    subject_member,
    business_key,
    subject_key,
    run,
) -> Case:
    return Case(
        process_version=version,
        process_id=version.process_id,
        rule_set=rules.code,
        organization=organization,
        subject=subject,
        subject_member=subject_member,
        business_key=business_key or f"{version.process_id}:{organization.pk}",
        subject_key=subject_key,
        state="{}",
        serializer_version=run.serializer_version,
        started_by=actor,
    )


def _started_event(actor, version, rules, data) -> dict:
    return {
        "action": "case_started",
        "actor": actor,
        "data": {
            "process": version.process_id,
            "version": version.version,
            "rule_set": rules.code,
            "data": data,
        },
    }


def _running_subject_violated(exc: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite names the column.
    return RUNNING_SUBJECT_CONSTRAINT in str(exc) or "subject_key" in str(exc)


def case_history_import(*, actor, case: Case, steps: list[dict], source: dict) -> None:
    """Record the steps a case went through before it was adopted (an office's ledger), in the
    case's audit chain after `case_started`: one `step_imported` event per step ({element_id, name,
    date, data}), each marked imported, with who imported it and from where. Nothing in the workflow
    moves; the dates are facts later rules count from. Takes the case's row lock."""
    with transaction.atomic():
        case = state.locked_case(case.pk).get()
        cases_history_import(
            actor=actor, imports=[{"case": case, "steps": steps, "source": source}]
        )


def cases_history_import(*, actor, imports: list[dict]) -> None:
    """`case_history_import` and `case_flag` for many cases at once (an import's ledger): each of
    `imports` ({case, steps, source, flags}) gets its `step_imported` events, then, when it has
    `flags`, its `import_violation_flagged` event, chained in memory and inserted with one statement,
    the cases' chain heads saved with another. Expects the cases locked or started by this
    transaction (`cases_start_many`: no one else sees them yet)."""
    roles: dict[int, list] = {}
    events, cases = [], []
    for item in imports:
        case, source = item["case"], item["source"]
        if case.organization_id not in roles:
            roles[case.organization_id] = (
                acting_roles(actor, organization=case.organization) if actor is not None else []
            )
        by = actor.get_username() if actor is not None else source.get("operator", "system")
        for step in item["steps"]:
            events.append(
                audit.build(
                    action="step_imported",
                    actor=actor,
                    case=case,
                    roles=roles[case.organization_id],
                    data={**step, "imported": True, "imported_by": by, "source": source},
                )
            )
        if item.get("flags"):
            events.append(
                audit.build(
                    action="import_violation_flagged",
                    actor=actor,
                    case=case,
                    roles=roles[case.organization_id],
                    data={"flags": item["flags"], "source": source},
                )
            )
        cases.append(case)
    with transaction.atomic():
        AuditEvent.objects.bulk_create(events)
        state.update_cases(cases, fields=["audit_seq", "audit_head"])


def case_flag(*, actor, case: Case, flags: list[dict], source: dict) -> None:
    """Flag, in the case's audit chain, rule violations found in its recorded history ({code,
    message, field}) for the approving committee. The caller started the case with the same flags
    in its data (`import_flags`), where they stay for every later step. Takes the case's row
    lock."""
    with transaction.atomic():
        case = state.locked_case(case.pk).get()
        cases_history_import(
            actor=actor, imports=[{"case": case, "steps": [], "source": source, "flags": flags}]
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


def case_move(*, actor, case: Case, organization: Organization, reason: str, data=None) -> Case:
    """Move a running case to another organization with its remaining steps and deadlines (a
    probationary member's development case follows his transfer, transfer.md rule 14): the case's
    organization changes, every open task is re-resolved against it (its lane at the new
    organization; a member's own step stays his; claims by the old holders are released), timers
    keep their due times, and one `case_moved` event on the case's own chain records from where to
    where and why, so that the history stays whole and verifiable. A service calls it (the
    procedure that moves the member), never a user directly."""
    with transaction.atomic():
        case = state.locked_case(case.pk).get()
        if case.status != CaseStatus.RUNNING:
            raise Conflict(_("流程已结束，不能移交。"), code="case_not_running")
        before = case.organization
        if before.pk == organization.pk:
            return case
        for task in case.tasks.filter(status=TaskStatus.OPEN):
            if task.lane == "member":
                task.assignee_organization = organization
            else:
                task.assignee_organization = resolve_lane(task.lane, organization, {})
                task.slot = slot(task.lane, task.assignee_organization.pk)
                task.claimed_by = None
            task.case_organization = organization
            task.save(
                update_fields=["assignee_organization", "slot", "claimed_by", "case_organization"]
            )
        case.organization = organization
        case.data = {
            **case.data,
            "case_organization": {"id": organization.pk, "name": organization.name},
        }
        case.lock_version += 1
        case.save(update_fields=["organization", "data", "lock_version", "updated_at"])
        audit.append(
            action="case_moved",
            actor=actor,
            case=case,
            organization=organization,
            data={
                "from": {"id": before.pk, "name": before.name},
                "to": {"id": organization.pk, "name": organization.name},
                "reason": reason,
                **(data or {}),
            },
        )
    return case


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
        case = state.locked_case(case.pk).get()
        if case.status != CaseStatus.RUNNING:
            raise Conflict(_("流程已结束，不能撤销。"), code="case_not_running")
        now = timezone.now()
        open_tasks = list(case.tasks.filter(status=TaskStatus.OPEN).values_list("pk", flat=True))
        case.tasks.filter(pk__in=open_tasks).update(status=TaskStatus.CANCELLED, completed_at=now)
        state.tasks_closed(open_tasks, now=now)
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
        audit.append(action="case_cancelled", actor=actor, case=case, data={"reason": reason})
    return case


# --- auditor access log ----------------------------------------------------------------------


def case_access_record(*, actor, case: Case, view: str) -> CaseAccess | None:
    """Log an auditor's read of a case (append-only, outside the case's hash chain: see CaseAccess).
    Other roles' reads are not logged. Returns the record, or None."""

    if not any(a.role == Role.AUDITOR for a in active_assignments(actor)):
        return None
    return CaseAccess.objects.create(
        case=case, user=actor, username=actor.get_username(), view=view
    )
