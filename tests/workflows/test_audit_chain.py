"""The audit trail is a hash chain per case: edits, deletions, reorderings and insertions made
directly in SQL are each detected, by `partyflow verify-audit` and through the API."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from engine.errors import DomainError
from workflows.audit import event_hash, verify_case
from workflows.models import AuditEvent

from .helpers import case_with_history, sql  # noqa: F401 (case_with_history: fixture)

pytestmark = pytest.mark.django_db


def verify_cli(case_id):
    out = StringIO()
    try:
        call_command("verify_audit", case=case_id, stdout=out)
        return True, out.getvalue()
    except CommandError:
        return False, out.getvalue()


def test_an_untouched_chain_verifies(api, university, case_with_history):
    case_id, ids = case_with_history
    ok, out = verify_cli(case_id)
    assert ok and f"{len(ids)} event(s), 0 broken" in out
    body = api(university.users.auditor).get(f"/api/cases/{case_id}/audit-verification/").json()
    assert body["ok"] is True and body["events"] == len(ids)


def test_an_edited_event_is_detected(api, university, case_with_history):
    case_id, ids = case_with_history
    sql("UPDATE workflows_auditevent SET actor_name = %s WHERE id = %s", "someone_else", ids[2])
    result = verify_case(case_id)
    assert (result.ok, result.problem, result.first_bad_event) == (False, "altered", ids[2])
    ok, out = verify_cli(case_id)
    assert not ok and f"altered at event {ids[2]}" in out
    body = api(university.users.auditor).get(f"/api/cases/{case_id}/audit-verification/").json()
    assert body["ok"] is False and body["first_bad_event"] == ids[2]


def test_edited_submitted_data_is_detected(case_with_history):
    case_id, ids = case_with_history
    row = AuditEvent.objects.get(pk=ids[3])
    assert row.action == "task_completed"
    sql(
        "UPDATE workflows_auditevent SET data = %s WHERE id = %s",
        '{"submitted": {"approved": true}}',
        ids[3],
    )
    assert verify_case(case_id).problem == "altered"


def test_a_deleted_event_is_detected(case_with_history):
    case_id, ids = case_with_history
    sql("DELETE FROM workflows_auditevent WHERE id = %s", ids[2])
    result = verify_case(case_id)
    assert (result.ok, result.problem, result.first_bad_event) == (False, "deleted", ids[3])


def test_deleting_the_newest_event_is_detected(case_with_history):
    case_id, ids = case_with_history
    sql("DELETE FROM workflows_auditevent WHERE id = %s", ids[-1])
    assert verify_case(case_id).problem == "truncated"


def test_reordered_events_are_detected(case_with_history):
    case_id, ids = case_with_history
    # Swap the positions of two events (their ids), as a reordering in SQL would.
    sql("UPDATE workflows_auditevent SET id = %s WHERE id = %s", 10_000_000, ids[1])
    sql("UPDATE workflows_auditevent SET id = %s WHERE id = %s", ids[1], ids[2])
    sql("UPDATE workflows_auditevent SET id = %s WHERE id = %s", ids[2], 10_000_000)
    result = verify_case(case_id)
    assert not result.ok and result.problem == "reordered" and result.first_bad_event == ids[1]


def test_an_inserted_event_is_detected(case_with_history):
    case_id, ids = case_with_history
    src = AuditEvent.objects.get(pk=ids[1])
    # A forged copy of a real event (its hash valid for its own content), inserted at the end.
    sql(
        """INSERT INTO workflows_auditevent (case_id, organization_id, actor_id, actor_name, actor_roles, action, task_id,
           task_name, data, created_at, seq, prev_hash, hash) SELECT case_id, organization_id, actor_id, actor_name, actor_roles,
           action, task_id, task_name, data, created_at, seq, prev_hash, hash FROM workflows_auditevent WHERE id = %s""",
        src.pk,
    )
    result = verify_case(case_id)
    assert (result.ok, result.problem, result.first_bad_seq) == (False, "inserted", src.seq)


def test_the_application_has_no_update_or_delete_path(case_with_history):
    case_id, ids = case_with_history
    event = AuditEvent.objects.get(pk=ids[0])
    with pytest.raises(DomainError):
        event.save()
    with pytest.raises(DomainError):
        event.delete()
    with pytest.raises(DomainError):
        AuditEvent.objects.filter(case_id=case_id).update(actor_name="x")
    with pytest.raises(DomainError):
        AuditEvent.objects.filter(case_id=case_id).delete()


def test_a_forged_event_appended_with_a_valid_hash_and_link_is_detected(case_with_history):
    """The forger recomputes the hash and links to the last event: the chain alone would accept
    it, the head kept on the case row does not."""

    case_id, ids = case_with_history
    last = AuditEvent.objects.get(pk=ids[-1])
    fields = dict(
        seq=last.seq + 1,
        prev_hash=last.hash,
        case_id=case_id,
        organization_id=last.organization_id,
        actor_id=last.actor_id,
        actor_name=last.actor_name,
        actor_roles=last.actor_roles,
        action="case_cancelled",
        task_id=None,
        task_name="",
        data={"reason": "伪造"},
        created_at=last.created_at,
    )
    forged_hash = event_hash(**fields)
    jsonb = "::jsonb" if connection.vendor == "postgresql" else ""  # the suite also runs on SQLite
    sql(
        f"""INSERT INTO workflows_auditevent (case_id, organization_id, actor_id, actor_name, actor_roles, action, task_id, task_name,
           data, created_at, seq, prev_hash, hash) VALUES (%s, %s, %s, %s, %s{jsonb}, %s, NULL, '', %s{jsonb}, %s, %s, %s, %s)""",
        case_id,
        last.organization_id,
        last.actor_id,
        last.actor_name,
        json.dumps(last.actor_roles),
        "case_cancelled",
        json.dumps({"reason": "伪造"}, ensure_ascii=False),
        last.created_at,
        last.seq + 1,
        last.hash,
        forged_hash,
    )
    result = verify_case(case_id)
    assert not result.ok and result.problem == "truncated" and result.events == len(ids) + 1


def test_an_event_inserted_out_of_order_in_the_middle_is_detected(case_with_history):
    """A forged event claiming position 2, inserted after the real events (ids only grow)."""
    case_id, ids = case_with_history
    jsonb = "::jsonb" if connection.vendor == "postgresql" else ""  # the suite also runs on SQLite
    sql(
        f"""INSERT INTO workflows_auditevent (case_id, organization_id, actor_id, actor_name, actor_roles, action, task_id, task_name,
           data, created_at, seq, prev_hash, hash) SELECT case_id, organization_id, actor_id, actor_name, actor_roles, 'task_completed',
           NULL, '', '{{}}'{jsonb}, created_at, 2, prev_hash, hash FROM workflows_auditevent WHERE id = %s""",
        ids[1],
    )
    result = verify_case(case_id)
    assert not result.ok and result.problem == "altered" and result.events == len(ids) + 1
