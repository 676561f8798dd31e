"""Two organization departments import at once (issue 32): each university's import writes its
record log in its own root's chain and touches no row the other needs, so import B runs to its end
while import A holds its transaction open after its record-log write, with every lock it takes.
A write to A's chain, meanwhile, does wait (the hold is real)."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction

from engine.calendar import today
from onboarding.sample import generated_university
from onboarding.services import onboarding_import
from organizations import audit
from organizations.audit import record_event, verify_record_chains
from organizations.models import Member, Organization, RecordEvent
from workflows.models import Case
from workflows.services import process_deploy

SIZES = {"members": 20, "orgs": 4, "ledger": 6}


def _lock_timeout(ms: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = {int(ms)}")


def _hold_import_a(monkeypatch, wrote, release, seen: dict):
    """The thread named import-a, once its record-log events are in and its chain's head is
    locked, waits for `release` before it commits (`seen["chains"]`: the chains it wrote).
    Returns the real `record_append_many`."""
    real_append_many = audit.record_append_many

    def append_many_then_hold(events):
        out = real_append_many(events)
        if threading.current_thread().name == "import-a" and not wrote.is_set():
            seen["chains"] = {e.chain for e in out}
            wrote.set()
            release.wait(120)
        return out

    monkeypatch.setattr(audit, "record_append_many", append_many_then_hold)
    return real_append_many


@pytest.mark.django_db(transaction=True)
def test_two_universities_import_at_once_without_waiting_on_each_other(tmp_path, monkeypatch):
    process_deploy()
    paths = {}
    for k in (1, 2):
        paths[k] = tmp_path / f"university{k}.xlsx"
        generated_university(paths[k], today=today(), university=k, **SIZES)

    a_wrote, release = threading.Event(), threading.Event()
    a_result: dict = {}
    real_append_many = _hold_import_a(monkeypatch, a_wrote, release, a_result)

    def import_a():
        try:
            a_result["report"] = onboarding_import(
                actor=None, file=str(paths[1]), source_name="university1.xlsx", operator="a"
            )
        except Exception as exc:  # noqa: BLE001 - shown by the assertions below
            a_result["error"] = exc
        finally:
            a_wrote.set()
            connection.close()

    thread = threading.Thread(target=import_a, name="import-a")
    thread.start()
    try:
        assert a_wrote.wait(120), "import A never wrote its record log"
        assert "error" not in a_result, a_result.get("error")
        # B, under another root, runs to its end while A holds all it wrote and locked; a lock
        # B had to wait for would fail it after a second.
        with transaction.atomic():
            _lock_timeout(1000)
            report_b = onboarding_import(
                actor=None, file=str(paths[2]), source_name="university2.xlsx", operator="b"
            )
        assert report_b.ok, report_b.errors
        assert thread.is_alive() and not Organization.objects.filter(code="U1-U").exists()

        # The hold is real: a write to A's chain waits for A's commit.
        (a_chain,) = a_result["chains"]
        event = record_event(
            action="organization_updated",
            actor=None,
            actor_roles=[],
            entity="organization",
            entity_id=a_chain,
            chain=a_chain,
        )
        with pytest.raises(OperationalError, match="lock timeout"):
            with transaction.atomic():
                _lock_timeout(200)
                real_append_many([event])
    finally:
        release.set()
        thread.join(120)
    assert "error" not in a_result, a_result.get("error")
    assert a_result["report"].ok, a_result["report"].errors

    roots = Organization.objects.filter(code__in=["U1-U", "U2-U"]).order_by("code")
    assert [r.pk for r in roots][:1] == [a_chain]
    for root in roots:
        # Each university: 20 members and the 6 people of its development ledger, each with a case.
        assert Member.objects.filter(organization__path__startswith=root.path).count() == 26
        cases = Case.objects.filter(
            process_id="member_development", organization__path__startswith=root.path
        )
        assert cases.count() == 6
    # Each import wrote to its own root's chain only, and both chains verify.
    assert set(RecordEvent.objects.values_list("chain", flat=True).distinct()) == {
        r.pk for r in roots
    }
    assert [(r.chain, r.ok) for r in verify_record_chains()] == [(r.pk, True) for r in roots]


@pytest.mark.django_db(transaction=True)
def test_two_universities_numbering_alike_import_at_once_and_wait_only_for_account_names(
    tmp_path, monkeypatch
):
    """Same 党组织编码 and 学工号 at both (issue 32): unique per root, so B's organizations and
    members pass A's uncommitted rows without waiting. The officers' account names are the one
    namespace the installation shares: B's first choice (the bare 学工号) waits for A's
    uncommitted account of that name, then, A committed, B's officers take the names qualified by
    B's root code and B completes."""
    process_deploy()
    paths = {}
    for k in (1, 2):
        paths[k] = tmp_path / f"university{k}.xlsx"
        generated_university(paths[k], today=today(), university=k, shared_numbers=True, **SIZES)

    a_wrote, release = threading.Event(), threading.Event()
    results: dict = {}
    _hold_import_a(monkeypatch, a_wrote, release, {})

    def run(k):
        try:
            results[k] = onboarding_import(
                actor=None, file=str(paths[k]), source_name=f"u{k}.xlsx", operator=f"u{k}"
            )
        except Exception as exc:  # noqa: BLE001 - shown by the assertions below
            results[k] = exc
        finally:
            a_wrote.set()
            connection.close()

    a = threading.Thread(target=run, args=(1,), name="import-a")
    a.start()
    b = threading.Thread(target=run, args=(2,), name="import-b")
    try:
        assert a_wrote.wait(120) and 1 not in results, results.get(1)
        b.start()
        # B comes to wait on a lock (A's uncommitted account name) and nowhere else: it is
        # still running, and its organizations and members are in (uncommitted) by then.
        waiting = _wait_for_lock_waiter(seconds=60)
        assert waiting and b.is_alive(), "import B never waited on A"
        assert 'INSERT INTO "auth_user"' in waiting, waiting
    finally:
        release.set()
        a.join(120)
        b.join(120)
    for k in (1, 2):
        assert not isinstance(results[k], Exception), results[k]
        assert results[k].ok, results[k].errors
    users = get_user_model().objects
    b_root = Organization.objects.get(parent=None, code="U2-U")
    assert users.get(username="M000000").member.root_id != b_root.pk
    assert users.get(username="M000000@U2-U").member.root_id == b_root.pk


def _wait_for_lock_waiter(seconds: float) -> str:
    """The query of a backend of this database waiting on a lock, polled from pg_stat_activity
    (empty when none waited within `seconds`)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    return ""
