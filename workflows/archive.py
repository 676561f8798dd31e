"""Where a case's tasks, timers and audit events are read from: the live tables, or, for a case
whose closed year was archived (`Case.archived_at`), the archive tables that
`workflows.services.archive` moved them to under the same ids. Every reader of one case (the case
page and its history, the printed audit report, the API's case and history, the member record,
`verify-audit`) goes through these; the inbox and the dashboards read the live tables only.

An archived case can still gain an event (a document attached after it closed): its chain then
goes on in the live table. So events are read from both tables, the archive first; its ids are
all older than any event written after the move.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import AuditEvent, AuditEventArchive, Case, Task, TaskArchive

# Both homes of the rows, archive first (its ids are the older ones), for readers across cases.
EVENT_TABLES = (AuditEventArchive, AuditEvent)
TASK_TABLES = (TaskArchive, Task)


def case_tasks(case: Case) -> QuerySet:
    """The case's task rows (live `Task` or `TaskArchive`: the same columns)."""
    return case.archived_tasks.all() if case.archived_at else case.tasks.all()


def case_timers(case: Case) -> QuerySet:
    """The case's timer rows (live `Timer` or `TimerArchive`)."""
    return case.archived_timers.all() if case.archived_at else case.timers.all()


def case_events(
    case: Case,
    *conditions: Q,
    related: tuple[str, ...] = ("task",),
    last: int | None = None,
    **lookups,
) -> list:
    """The case's audit events matching `conditions`/`lookups`, in chain order (id), with
    `related` joined: one query, two for an archived case. `last`: only the newest so many."""
    tables = [case.archived_events, case.events] if case.archived_at else [case.events]
    rows: list = []
    for manager in tables:
        qs = manager.filter(*conditions, **lookups).select_related(*related)
        if last is None:
            rows += qs.order_by("id")
        else:
            rows += reversed(qs.order_by("-id")[:last])
    return rows[-last:] if last is not None else rows


def task_case_ids(**lookups) -> Q:
    """A condition on cases: those with a task (live or archived) matching `lookups`."""
    return Q(pk__in=Task.objects.filter(**lookups).values("case_id")) | Q(
        pk__in=TaskArchive.objects.filter(**lookups).values("case_id")
    )
