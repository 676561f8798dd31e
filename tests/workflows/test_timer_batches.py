"""Timers fired in batches: one transaction for many cases, each case fired whole or not at all, and
never twice (issue 20). The worker-level guarantees (two workers, SIGKILL mid-batch) are in
test_celery_workers.py; these tests drive `timers_fire_batch` directly."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from engine.errors import DomainError
from workflows.audit import verify_case
from workflows.models import AuditEvent, Case, Task, Timer
from workflows.services import due_case_ids, state, timers_fire_batch
from workflows.services.state import locked_case

from ..helpers import cst
from .helpers import assert_each_fired_exactly_once, many_due_cases

NOW = cst(2026, 11, 29, 9)


def fire(case_ids):
    return timers_fire_batch(case_ids=case_ids, now=NOW)


@pytest.mark.django_db
def test_a_batch_fires_every_due_case_once_with_a_verifiable_chain(university):
    ids = many_due_cases(university, 12)
    assert fire(ids) == (12, 0)
    assert_each_fired_exactly_once(ids)
    for case in Case.objects.filter(pk__in=ids):
        assert verify_case(case.pk).ok, case.pk
        assert case.stage == "换届请示"
    # Enqueued again (a second sweep, a redelivered message): nothing is due, nothing fires twice.
    assert fire(ids) == (0, 0)
    assert_each_fired_exactly_once(ids)
    assert due_case_ids(now=NOW) == []


@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_for_5_cases_as_for_40(university):
    ids = many_due_cases(university, 45)
    small, large = ids[:5], ids[5:]
    counts = {}
    for name, ids in (("small", small), ("large", large)):
        with CaptureQueriesContext(connection) as ctx:
            assert fire(ids) == (len(ids), 0)
        counts[name] = len(ctx.captured_queries)
    if connection.vendor == "postgresql":  # SQLite takes 999 parameters a statement: Django
        assert counts["small"] == counts["large"], counts  # splits its bulk inserts there
    # savepoint, lock, open tasks, waiting timers, new tasks, fired timers, step events, the
    # reminder's effect (approving committees, slot holders, notifications), effect events, cases,
    # release: a fixed number of statements for the whole batch, not per case.
    assert counts["large"] <= 14, counts


@pytest.mark.django_db
def test_a_case_whose_step_fails_is_marked_failed_and_the_rest_of_the_batch_fires(
    university, monkeypatch
):
    ids = many_due_cases(university, 6)
    broken = ids[3]
    restore = state.restore

    def failing_restore(case):
        if case.pk == broken:
            raise DomainError("脚本错误", code="script_error")
        return restore(case)

    monkeypatch.setattr(state, "restore", failing_restore)
    assert fire(ids) == (5, 1)
    timer = Timer.objects.get(case_id=broken)
    assert timer.status == "failed" and "脚本错误" in timer.error
    assert not Task.objects.filter(case_id=broken).exists()
    assert list(AuditEvent.objects.filter(case_id=broken).values_list("action", flat=True)) == [
        "timer_failed"
    ]
    assert verify_case(broken).ok
    fired = [i for i in ids if i != broken]
    assert Timer.objects.filter(case_id__in=fired, status="fired").count() == 5
    assert all(verify_case(i).ok for i in fired)


@pytest.mark.django_db(transaction=True)
def test_a_case_held_by_another_transaction_is_skipped_and_fired_by_the_next_batch(university):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs this on PostgreSQL)")
    ids = many_due_cases(university, 4)
    held = ids[1]
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                locked_case(held).get()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        assert fire(ids) == (3, 0)  # SKIP LOCKED: the held case is neither waited for nor touched
    finally:
        release.set()
        holder.join()
    assert Timer.objects.get(case_id=held).status == "waiting"
    assert fire(ids) == (1, 0)
    assert_each_fired_exactly_once(ids)
