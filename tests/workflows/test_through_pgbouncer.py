"""The timer and completion tests again, through a PgBouncer in transaction pooling mode that the
session starts in front of the test database (issue 32, tests/pg_servers.py): every transaction may
get another server connection, so what the engine holds must be transaction-scoped (row locks by
select_for_update inside the step's transaction; partyflow takes no advisory lock and LISTENs to
nothing), server-side cursors are off, and the lock and statement bounds come from PgBouncer's
connect_query instead of the `options` startup parameter PgBouncer refuses (docs/scaling.md)."""

import pytest
from django.db import connection

from organizations.models import Member

from ..api.test_tasks_api import (
    test_two_people_completing_one_task_at_once_one_succeeds_one_gets_409,
)
from ..pg_servers import databases_at, pgbouncer  # noqa: F401 (fixture)
from .test_completion_races_timer import (
    test_completion_racing_its_deadline_is_refused_and_the_refusal_is_on_record,
    test_completion_racing_its_reminder_timer_both_take_effect_timer_first,
)
from .test_deadline_before_completion import (
    deadline_case,  # noqa: F401 (fixture)
    test_a_task_completed_before_its_deadline_cancels_the_timer,
    test_a_task_whose_deadline_passed_cannot_be_completed_and_the_timer_fires_first,
)
from .test_timer_batches import (
    test_a_batch_costs_the_same_statements_for_5_cases_as_for_40,
    test_a_batch_fires_every_due_case_once_with_a_verifiable_chain,
    test_a_case_held_by_another_transaction_is_skipped_and_fired_by_the_next_batch,
    test_a_case_whose_step_fails_is_marked_failed_and_the_rest_of_the_batch_fires,
)

# The completion races carry their module's mark (transaction=True); the others carry their own.
# (test_locking's case is the skip-locked batch test's; the whole set adds ≈ 40 s to the suite.)
pytestmark = [pytest.mark.pgbouncer, pytest.mark.django_db(transaction=True)]

__all__ = [
    "test_a_batch_costs_the_same_statements_for_5_cases_as_for_40",
    "test_a_batch_fires_every_due_case_once_with_a_verifiable_chain",
    "test_a_case_held_by_another_transaction_is_skipped_and_fired_by_the_next_batch",
    "test_a_case_whose_step_fails_is_marked_failed_and_the_rest_of_the_batch_fires",
    "test_a_task_completed_before_its_deadline_cancels_the_timer",
    "test_a_task_whose_deadline_passed_cannot_be_completed_and_the_timer_fires_first",
    "test_completion_racing_its_deadline_is_refused_and_the_refusal_is_on_record",
    "test_completion_racing_its_reminder_timer_both_take_effect_timer_first",
    "test_two_people_completing_one_task_at_once_one_succeeds_one_gets_409",
]


@pytest.fixture(scope="module", autouse=True)
def through_pgbouncer(pgbouncer, django_db_blocker):  # noqa: F811
    """Module-scoped, so `default` points at PgBouncer before any test's database fixture opens
    its transaction (or flushes) on it."""
    with django_db_blocker.unblock(), databases_at(pgbouncer):
        yield pgbouncer


@pytest.mark.django_db
def test_the_connection_goes_through_pgbouncer_with_the_bounds_in_force(
    through_pgbouncer, university
):
    assert connection.settings_dict["PORT"] == through_pgbouncer["PORT"]
    with connection.cursor() as cur:
        cur.execute("SHOW lock_timeout")
        assert cur.fetchone() == ("5s",)  # connect_query, not the refused `options` parameter
    # QuerySet.iterator() reads without a server-side cursor (none would outlive the transaction).
    assert [m.name for m in Member.objects.filter(name__startswith="甲").iterator()][:1] == ["甲0"]
