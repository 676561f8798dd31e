"""organizations.inserts.insert_rows writes what the ORM's bulk_create writes (the timer workers'
batches insert their tasks, timers, audit events and notifications through it), in one statement,
and leaves the rows with their primary keys, as bulk_create does."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import AlertKind, Notification
from organizations.inserts import insert_rows
from workflows.models import CaseAccess
from workflows.services import case_start

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def stored(pk) -> dict:
    row = Notification.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def notices(users) -> list[Notification]:
    return [
        Notification(
            recipient=u,
            kind=AlertKind.TERM_EXPIRY,
            params={"organization": "第一教工党支部", "term_end": "2026-09-01", "n": i},
            created_at=AT,
        )
        for i, u in enumerate(users)
    ]


def test_rows_inserted_in_one_statement_read_back_as_bulk_create_writes_them():
    users = [UserFactory(), UserFactory(), UserFactory()]
    ours, theirs = notices(users), notices(users)
    with CaptureQueriesContext(connection) as queries:
        insert_rows(ours)
    assert len(queries) == 1
    Notification.objects.bulk_create(theirs)
    assert [stored(r.pk) for r in ours] == [stored(r.pk) for r in theirs]
    assert stored(ours[0].pk)["params"] == {
        "organization": "第一教工党支部",
        "term_end": "2026-09-01",
        "n": 0,
    }
    # Each row has its own key, in the order given, and counts as saved.
    assert [r.pk for r in ours] == sorted(r.pk for r in ours)
    assert [Notification.objects.get(pk=r.pk).recipient_id for r in ours] == [u.pk for u in users]
    assert not any(r._state.adding for r in ours)


def test_a_field_filled_on_save_is_filled_as_the_orm_fills_it(university):
    """`auto_now_add` (a case access's `created_at`): the moment of the insert, set on the row."""
    case = case_start(
        actor=None,
        process_id="branch_election",
        organization=university.branch_a,
        data={"term_end": "2027-01-10"},
    )
    user = UserFactory()
    with time_machine.travel(AT, tick=False):
        row = CaseAccess(case=case, user=user, username=user.username, view="case")
        insert_rows([row])
    assert row.created_at == AT
    assert CaseAccess.objects.get(pk=row.pk).created_at == AT


def test_nothing_to_insert_sends_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows([]) == []
    assert len(queries) == 0
