"""Timers: the due ones fired, for one case or a batch of cases in one transaction (what the Celery
workers and the in-process sweep run); a failing case's timers marked failed for operators."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from engine.errors import DomainError
from engine.runtime import WorkflowRun

from .. import audit, registry
from ..models import AuditEvent, Case, CaseStatus, Task, TaskStatus, Timer, TimerStatus
from . import state

log = logging.getLogger("partyflow.workflows")


def timer_fire_case(*, case_id: int, now=None) -> dict | None:
    """Fire the due timers of one case under its row lock, in one transaction with the new state,
    the audit event and the next timers. None when another worker holds the case (SKIP LOCKED) or
    nothing is due any more (it was fired already): a case enqueued twice fires once."""
    now = now or timezone.now()
    with transaction.atomic():
        case = (
            state.locked_case(case_id, skip_locked=True).filter(status=CaseStatus.RUNNING).first()
        )
        if (
            case is None
            or not case.timers.filter(status=TimerStatus.WAITING, due_at__lte=now).exists()
        ):
            return None
        run = state.restore(case)
        return fire_due_timers(case, run, now=now)


def fire_due_timers(case: Case, run: WorkflowRun, *, now, open_rows=None) -> dict | None:
    """Refresh the restored workflow's timers; when any fired, persist the step with its audit event.
    Returns what changed, or None when nothing was due. Expects the case row locked."""
    if not run.refresh_timers(now):
        return None
    return state.persist(case, run, now=now, open_rows=open_rows, event={"action": "timers_fired"})


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
            run = state.restore(case)
            if not run.refresh_timers():
                continue
            steps.append(
                state.plan_step(
                    case, run, now=now, open_rows=open_rows[case.pk], timer_rows=timer_rows[case.pk]
                )
            )
        except DomainError as exc:
            failures.append((case.pk, exc))
    events = [
        audit.build(action="timers_fired", case=s.case, data=s.changes, roles=[]) for s in steps
    ]
    state.write_rows(steps, now=now)
    if events:
        AuditEvent.objects.bulk_create(events)
    # Service-task effects (a reminder's notifications…) after the rows they may read; a failing
    # effect raises out of the batch, which is rolled back and fired case by case.
    effect_events = _apply_effects_many(steps, now=now)
    if effect_events:
        AuditEvent.objects.bulk_create(effect_events)
    state.update_cases(
        [s.case for s in steps], fields=[*state.CASE_STEP_FIELDS, "audit_seq", "audit_head"]
    )
    fired = sum(len(s.fired) for s in steps)
    failed = sum(_timer_failed(case_id, now, exc) for case_id, exc in failures)
    return fired, failed


def _apply_effects_many(steps: list[state.Step], *, now) -> list[AuditEvent]:
    """Run the effects the batch's steps queued and build their audit events (unsaved, in each
    case's chain order). When every step queued at most one effect, the steps are grouped by
    operation and an operation with a batch handler (`registry.effect_many`) runs once for all of
    them; otherwise each case's effects run in order, one by one, as `state.persist` runs them."""
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
                handler = state.effect_handler(operation)
                outs = [
                    handler(case=s.case, params=item["params"], actor=None, now=now)
                    for s, item in group
                ]
            results.update({id(item): out for (_s, item), out in zip(group, outs, strict=True)})
    else:
        for s, item in pairs:
            results[id(item)] = state.effect_handler(item["operation"])(
                case=s.case, params=item["params"], actor=None, now=now
            )
    return [
        audit.build(
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


def _locked_cases(case_ids, *, skip_locked=False):
    """Like `state.locked_case`, for many cases at once (their rows only, see there)."""
    return (
        Case.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("process_version", "organization")
        .defer("process_version__spec", "process_version__files")
        .filter(pk__in=case_ids)
        .order_by("pk")
    )


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
        case = state.locked_case(case_id).get()
        audit.append(
            action="timer_failed",
            case=case,
            data={"error": str(exc), "timers": [r.name for r in rows]},
        )
    return len(rows)
