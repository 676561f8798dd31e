"""The indexes a step writes: a reference most rows leave empty is indexed only where set
(`organizations.models.index_where_set`), and the case has no index on its process or organization
alone, nor an event on its time. A fired timer's two audit events name no actor, task or delegator, a new task has no claimer
or completer, a branch case names no member: none of them writes an entry there (bench/README.md,
"Timers"). The lookups by each reference, and Django's PROTECT and SET_NULL checks when a user goes,
still read an index; the migrations that dropped the old indexes kept every reference's constraint."""

import pytest
from django.db import connection

from notifications.models import Notification
from workflows.models import AuditEvent, AuditEventArchive, Case, Task, TaskArchive

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="partial indexes and plans of PostgreSQL"
    ),
]

WHERE_SET = [
    (AuditEvent, "actor", "event_actor_set"),
    (AuditEvent, "task", "event_task_set"),
    (AuditEvent, "on_behalf_of", "event_on_behalf_of_set"),
    (AuditEventArchive, "actor", "event_archive_actor_set"),
    (AuditEventArchive, "task", "event_archive_task_set"),
    (AuditEventArchive, "on_behalf_of", "event_archive_on_behalf_of_set"),
    (Task, "claimed_by", "task_claimed_by_set"),
    (Task, "completed_by", "task_completed_by_set"),
    (TaskArchive, "claimed_by", "task_archive_claimed_by_set"),
    (TaskArchive, "completed_by", "task_archive_completed_by_set"),
    (Case, "subject_member", "case_subject_member_set"),
    (Notification, "task", "notification_task_set"),
]
IDS = [f"{model.__name__}.{field}" for model, field, _name in WHERE_SET]


def indexes_on(model, column: str) -> set[str]:
    """The table's indexes on `column` alone, by name."""
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, model._meta.db_table)
    return {
        name
        for name, c in found.items()
        if c["index"] and not c["primary_key"] and c["columns"] == [column]
    }


def references_to(model, column: str) -> list[str]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, model._meta.db_table)
    return [name for name, c in found.items() if c["foreign_key"] and c["columns"] == [column]]


@pytest.mark.parametrize(("model", "field", "name"), WHERE_SET, ids=IDS)
def test_a_lookup_by_a_mostly_empty_reference_reads_the_index_of_the_rows_that_set_it(
    model, field, name
):
    column = model._meta.get_field(field).column
    assert indexes_on(model, column) == {name}
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # an empty table: ask for the index
    # Unordered (a model's ordering by id would let the primary key's scan compete).
    assert name in model.objects.filter(**{column: 7}).order_by().explain()
    # Django's PROTECT / SET_NULL checks when users go: `IN` a list of them.
    assert name in model.objects.filter(**{f"{column}__in": [7, 8]}).order_by().explain()


@pytest.mark.parametrize("column", ["organization_id", "process_id"])
def test_a_case_has_no_index_on_its_organization_or_process_alone(column):
    """The (organization, status) and (process, status) indexes serve every lookup by either."""
    assert indexes_on(Case, column) == set()
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
    plan = Case.objects.filter(**{column: 7}).order_by().explain()
    assert f"workflows_c_{'organiz' if column == 'organization_id' else 'process'}" in plan


@pytest.mark.parametrize("model", [AuditEvent, AuditEventArchive])
def test_an_event_has_no_index_on_its_time(model):
    """Events are read by case, in chain order ((case, seq)), never by time across cases."""
    assert indexes_on(model, "created_at") == set()


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (AuditEvent, "actor_id"),
        (AuditEvent, "task_id"),
        (AuditEvent, "on_behalf_of_id"),
        (Task, "claimed_by_id"),
        (Task, "completed_by_id"),
        (Case, "subject_member_id"),
        (Case, "organization_id"),
    ],
)
def test_dropping_an_index_kept_the_references_constraint(model, column):
    assert len(references_to(model, column)) == 1
