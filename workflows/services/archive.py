"""The archive of closed years: the tasks, timers and audit events of cases closed before a year
move from the live tables to `TaskArchive`, `TimerArchive` and `AuditEventArchive` (the same
columns, the same ids), so that the live tables hold the running cases and the recent years only
(docs/scaling.md, "Tasks and audit events at national volume"). Readers of one case find the rows
through `workflows.archive`; the inbox and the dashboards read the live tables.

A batch is one transaction: its cases' rows are locked (`SKIP LOCKED`: a case another transaction
holds waits for the next run), copied with `INSERT … SELECT`, deleted from the live tables, and the
cases marked `archived_at`. A run stopped anywhere leaves whole cases moved or untouched, and a run
again moves only what is left. Only cases whose status is completed or cancelled with
`completed_at` before 1 January of the year (China Standard Time) are chosen, re-checked under the
lock; a running case and its rows are never moved.

The move writes no event into the case's chain: it changes where the rows are kept, not what
happened, and the chain, hashed as it was written, verifies after the move as before — the check
that nothing was altered on the way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from engine.calendar import CST

from ..models import (
    AuditEvent,
    AuditEventArchive,
    Case,
    CaseStatus,
    Task,
    TaskArchive,
    Timer,
    TimerArchive,
)

DEFAULT_BATCH = 500

# (live, archive), in the order rows are copied (tasks before the events that point at them) and
# deleted in reverse (events before the tasks they protect).
MOVES: tuple[tuple[str, type[models.Model], type[models.Model]], ...] = (
    ("tasks", Task, TaskArchive),
    ("timers", Timer, TimerArchive),
    ("events", AuditEvent, AuditEventArchive),
)


@dataclass
class ArchiveRun:
    before: int
    batches: int = 0
    cases: int = 0
    rows: dict[str, int] = field(default_factory=lambda: {"tasks": 0, "timers": 0, "events": 0})


def columns(model: type[models.Model]) -> list[str]:
    """The table's column names, sorted: the live table and its archive have the same ones."""
    return sorted(f.column for f in model._meta.concrete_fields)


def closed_before(year: int) -> models.QuerySet[Case]:
    """The cases closed (completed or cancelled) before 1 January of `year`, China Standard Time,
    whose rows are still in the live tables."""
    cutoff = dt.datetime(year, 1, 1, tzinfo=CST)
    return Case.objects.filter(
        status__in=[CaseStatus.COMPLETED, CaseStatus.CANCELLED],
        completed_at__lt=cutoff,
        archived_at__isnull=True,
    )


def _move(live: type[models.Model], archive: type[models.Model], ids: list[int]) -> int:
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns(live))
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(archive._meta.db_table)} ({cols}) "
            f"SELECT {cols} FROM {quote(live._meta.db_table)} WHERE case_id IN ({marks})",
            ids,
        )
        return cursor.rowcount


def _delete(live: type[models.Model], ids: list[int]) -> int:
    # Raw: audit events refuse the ORM's delete (`AppendOnly`); this move is their one deleter,
    # and it deletes only rows it copied in the same transaction.
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(live._meta.db_table)} "
            f"WHERE case_id IN ({marks})",
            ids,
        )
        return cursor.rowcount


def cases_archive_batch(
    *, before: int, batch: int = DEFAULT_BATCH, after: int = 0, now=None
) -> tuple[list[int], dict]:
    """Move one batch (at most `batch` cases closed before `before`, with ids above `after`) in one
    transaction; returns (the ids of the cases moved, {tasks, timers, events} rows moved). No ids:
    nothing was left."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            closed_before(before)
            .filter(pk__gt=after)
            .select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return [], {}
        moved = {key: _move(live, archive, ids) for key, live, archive in MOVES}
        for key, live, _archive in reversed(MOVES):
            deleted = _delete(live, ids)
            if deleted != moved[key]:  # a row written between copy and delete: never lose it
                raise RuntimeError(f"archive: {key} copied {moved[key]}, deleted {deleted}")
        Case.objects.filter(pk__in=ids).update(archived_at=now)
    return ids, moved


def cases_archive_closed(
    *, before: int, batch: int = DEFAULT_BATCH, max_batches: int | None = None, log=None
) -> ArchiveRun:
    """Move the rows of every case closed before 1 January `before` to the archive, `batch` cases a
    transaction, until none is left (or `max_batches` ran); `log(run)` is called after each batch.
    Safe to stop and to run again. No actor: the move is an operator's or the yearly job's, it
    writes no audit event (see the module's docstring) and changes nothing a person did."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    run = ArchiveRun(before=before)
    last = 0
    while max_batches is None or run.batches < max_batches:
        # Each batch goes on after the last one's cases (keyset), so that it does not read again,
        # from the first case, the cases already moved: from the first case, the n-th batch read
        # n batches' worth of case rows, and a run of a million cases slowed down as it went.
        ids, moved = cases_archive_batch(before=before, batch=batch, after=last)
        if not ids:
            break
        last = ids[-1]
        run.batches += 1
        run.cases += len(ids)
        for key, n in moved.items():
            run.rows[key] += n
        if log is not None:
            log(run)
    if run.cases:
        tables_analyze()
    return run


def tables_analyze() -> None:
    """`ANALYZE` the tables a move changed, live and archive: their statistics are the planner's
    guide to one case's rows. The archive tables had none after a first move (until autovacuum's
    analyze, where it runs), and without them PostgreSQL guessed that a case held 0.5 % of the
    table: at millions of archived rows it read an archived case's tasks and events with parallel
    plans, each starting worker processes (10–25 ms a query, the case page ≈ 60–110 ms slower;
    bench/README.md, "Tasks at national volume"). With them each is an index scan under a
    millisecond. `ANALYZE` reads a sample (30,000 rows a table): 0.7 s a table of 3 M rows, 4–5 s
    one of 9 M; unlike `VACUUM` (left to autovacuum or the operator) it runs in a transaction."""
    with connection.cursor() as cursor:
        for _key, live, archive in MOVES:
            for model in (live, archive):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
