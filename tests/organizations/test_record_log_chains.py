"""The record log is one hash chain per root organization (issue 32): migration 0012 splits the
single chain written before it into per-root chains that each verify, after refusing to re-link a
broken one; a row edited afterwards breaks only its own chain, named with the row."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from organizations import audit
from organizations.audit import GENESIS, record_hash, verify_record_chains
from organizations.models import RecordEvent, RecordLogHead
from organizations.services import organization_create

OLD = [("organizations", "0011_member_status_events")]
SPLIT = [("organizations", "0012_record_log_one_chain_per_root")]


def _append_single_chain(apps, **fields):
    """An event appended as the services appended before 0012: one chain, head row pk=1."""
    Event = apps.get_model("organizations", "RecordEvent")
    Head = apps.get_model("organizations", "RecordLogHead")
    head, _created = Head.objects.get_or_create(pk=1)
    e = Event(
        seq=head.seq + 1,
        prev_hash=head.head or GENESIS,
        actor_name="system",
        actor_roles=[],
        entity_label="",
        created_at=timezone.now(),
        **fields,
    )
    e.hash = record_hash(e)
    e.save()
    Head.objects.filter(pk=1).update(seq=e.seq, head=e.hash)
    return e


def _sql(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)


@pytest.mark.django_db(transaction=True)
def test_the_single_record_log_splits_into_one_verifiable_chain_per_root():
    executor = MigrationExecutor(connection)
    new = executor.loader.graph.leaf_nodes()
    executor.migrate(OLD)
    old = executor.loader.project_state(OLD).apps
    Organization = old.get_model("organizations", "Organization")
    roots = {}
    for name in ("甲大学党委", "乙大学党委"):
        root = Organization.objects.create(name=name, kind="committee")
        root.path = f"/{root.pk}/"
        root.save()
        branch = Organization.objects.create(name=f"{name}某支部", kind="branch", parent=root)
        branch.path = f"{root.path}{branch.pk}/"
        branch.save()
        roots[name] = (root, branch)
    (a, a_branch), (b, b_branch) = roots.values()
    gone = 10_000 + b_branch.pk  # a branch of 乙 deleted since: its root is in its deletion event
    written = [
        ("organization_created", "organization", a.pk, a.pk, {}),
        ("organization_created", "organization", b.pk, b.pk, {}),
        ("user_created", "user", 1, None, {}),
        ("member_created", "member", 7, a_branch.pk, {"after": {"name": "张三"}}),
        ("member_created", "member", 8, b_branch.pk, {"after": {"name": "李四"}}),
        ("organization_created", "organization", gone, gone, {}),
        (
            "organization_deleted",
            "organization",
            gone,
            gone,
            {"before": {"path": f"/{b.pk}/{gone}/"}},
        ),
        ("member_updated", "member", 7, a_branch.pk, {"changes": {"phone": {"after": "1"}}}),
    ]
    for action, entity, entity_id, org, data in written:
        _append_single_chain(
            old, action=action, entity=entity, entity_id=entity_id, organization_id=org, data=data
        )

    # A broken single chain is not re-linked (that would make the edit verify): the migration
    # refuses, naming the row, and leaves the log as it was.
    Event = old.get_model("organizations", "RecordEvent")
    fourth = Event.objects.get(seq=4)
    _sql("UPDATE organizations_recordevent SET data = '{}' WHERE id = %s", [fourth.pk])
    executor = MigrationExecutor(connection)
    with pytest.raises(RuntimeError, match=f"broken at seq 4 \\(event id {fourth.pk}\\)"):
        executor.migrate(SPLIT)
    _sql(
        "UPDATE organizations_recordevent SET data = %s WHERE id = %s",
        ['{"after": {"name": "张三"}}', fourth.pk],
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(new)

    chains = {r.chain: r for r in verify_record_chains()}
    assert {c: (r.ok, r.events, r.chain_name) for c, r in chains.items()} == {
        0: (True, 1, "无所属组织的记录"),
        a.pk: (True, 3, "甲大学党委"),
        b.pk: (True, 4, "乙大学党委"),
    }
    in_b = RecordEvent.objects.filter(chain=b.pk).order_by("seq")
    assert [(e.seq, e.action, e.entity_id) for e in in_b] == [
        (1, "organization_created", b.pk),
        (2, "member_created", 8),
        (3, "organization_created", gone),
        (4, "organization_deleted", gone),
    ]
    assert dict(RecordLogHead.objects.values_list("chain", "seq")) == {0: 1, a.pk: 3, b.pk: 4}

    # After the split, an edited row breaks its own chain only, and the report names it.
    member_b = in_b[1]
    _sql("UPDATE organizations_recordevent SET data = '{}' WHERE id = %s", [member_b.pk])
    results = {r.chain: (r.ok, r.problem, r.first_bad_seq) for r in verify_record_chains()}
    assert results == {
        0: (True, "", None),
        a.pk: (True, "", None),
        b.pk: (False, "altered", 2),
    }
    out = StringIO()
    call_command("verify_audit", "--root", a.pk, stdout=out)
    assert f"record log chain {a.pk} (root {a.pk} 甲大学党委): 3 event(s), ok" in out.getvalue()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--root", b.pk, stdout=out)
    assert f"record log chain {b.pk} (root {b.pk} 乙大学党委): 2 event(s), altered at seq 2" in (
        out.getvalue()
    )


@pytest.mark.django_db
def test_a_batch_of_appends_chains_each_root_in_order_and_flushes_as_it_goes(monkeypatch):
    monkeypatch.setattr(audit, "BATCH_FLUSH", 3)
    with audit.record_log_batch():
        a = organization_create(actor=None, parent=None, name="甲大学党委", kind="committee")
        b = organization_create(actor=None, parent=None, name="乙大学党委", kind="committee")
        for i in range(4):
            organization_create(actor=None, parent=a, name=f"甲{i}学院党委", kind="committee")
        flushed = RecordEvent.objects.count()
        organization_create(actor=None, parent=b, name="乙学院党委", kind="committee")
    assert flushed == 6  # two flushes of three while the batch ran
    in_a = RecordEvent.objects.filter(chain=a.pk).order_by("seq")
    assert [(e.seq, e.entity_label) for e in in_a] == [
        (1, "甲大学党委"),
        *[(i + 2, f"甲{i}学院党委") for i in range(4)],
    ]
    assert [r.chain for r in verify_record_chains() if r.ok] == [a.pk, b.pk]
    assert RecordLogHead.objects.get(chain=b.pk).seq == 2
