"""The record log becomes one hash chain per root organization (issue 32).

Until now one chain ran over the whole log and every write to users, roles, organizations and
members locked its single head row: two universities (or two organization departments importing
at once) waited on each other. From here each event belongs to the chain of its organization's
root (`RecordEvent.chain`, 0 for events that concern no organization) and each chain has its own
head.

The split re-links the existing events, so it first verifies the single chain as it stands and
refuses to go on when it is broken (re-hashing a tampered log would make the tampering verify):
the message names the first bad event; restore the log from a backup, or investigate, then
migrate. Then each event gets its chain (the root in its organization's path; for an organization
deleted since, the root in the path its deletion event recorded), its number within the chain, the
previous event of that chain and its hash with the chain in it; one head row per chain.
"""

from django.db import migrations, models

BATCH = 2000


def _roots(Organization, RecordEvent) -> dict[int, int]:
    from organizations.audit import root_of_path

    roots = {pk: root_of_path(path) for pk, path in Organization.objects.values_list("pk", "path")}
    for entity_id, data in RecordEvent.objects.filter(
        entity="organization", action="organization_deleted"
    ).values_list("entity_id", "data"):
        path = ((data or {}).get("before") or {}).get("path") or ""
        roots.setdefault(entity_id, root_of_path(path))
    return roots


def verify_single_chain(apps, schema_editor):
    """The log as one chain (the hash without a chain, as it was written): refuse to split a
    broken one."""
    from organizations.audit import GENESIS, record_hash

    RecordEvent = apps.get_model("organizations", "RecordEvent")
    RecordLogHead = apps.get_model("organizations", "RecordLogHead")
    head = RecordLogHead.objects.filter(pk=1).values("seq", "head").first() or {"seq": 0, "head": ""}
    prev, expected = GENESIS, 1
    for e in RecordEvent.objects.order_by("seq").iterator(chunk_size=BATCH):
        if e.hash != record_hash(e) or e.seq != expected or e.prev_hash != prev:
            raise RuntimeError(
                f"record log broken at seq {e.seq} (event id {e.pk}): its hash, number or link "
                "does not match. The log is not split into per-root chains while it is broken "
                "(re-linking would hide the change); `partyflow verify-audit` on the previous "
                "release shows the finding. Restore the log or investigate, then migrate."
            )
        prev, expected = e.hash, expected + 1
    if expected - 1 != head["seq"] or (expected > 1 and prev != head["head"]):
        raise RuntimeError(
            f"record log broken: its head says {head['seq']} events, the log ends at "
            f"seq {expected - 1} (the newest events were deleted or replaced). Not split."
        )


def split_into_root_chains(apps, schema_editor):
    from organizations.audit import GENESIS, record_hash

    Organization = apps.get_model("organizations", "Organization")
    RecordEvent = apps.get_model("organizations", "RecordEvent")
    RecordLogHead = apps.get_model("organizations", "RecordLogHead")
    roots = _roots(Organization, RecordEvent)
    heads: dict[int, tuple[int, str]] = {}
    batch = []
    for e in RecordEvent.objects.order_by("seq").iterator(chunk_size=BATCH):
        chain = roots.get(e.organization_id, 0) if e.organization_id is not None else 0
        seq, prev = heads.get(chain, (0, GENESIS))
        e.chain, e.seq, e.prev_hash = chain, seq + 1, prev
        e.hash = record_hash(e)
        heads[chain] = (e.seq, e.hash)
        batch.append(e)
        if len(batch) == BATCH:
            RecordEvent.objects.bulk_update(batch, ["chain", "seq", "prev_hash", "hash"])
            batch = []
    if batch:
        RecordEvent.objects.bulk_update(batch, ["chain", "seq", "prev_hash", "hash"])
    RecordLogHead.objects.all().delete()
    RecordLogHead.objects.bulk_create(
        [RecordLogHead(chain=c, seq=s, head=h) for c, (s, h) in sorted(heads.items())]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0011_member_status_events"),
    ]

    operations = [
        migrations.RunPython(verify_single_chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="recordevent",
            name="seq",
            field=models.PositiveBigIntegerField(),
        ),
        migrations.AddField(
            model_name="recordevent",
            name="chain",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="recordloghead",
            name="chain",
            field=models.PositiveBigIntegerField(default=0, unique=True),
            preserve_default=False,
        ),
        migrations.RunPython(split_into_root_chains, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="recordevent",
            options={"ordering": ["id"]},
        ),
        migrations.AddConstraint(
            model_name="recordevent",
            constraint=models.UniqueConstraint(
                fields=("chain", "seq"), name="record_event_chain_seq_unique"
            ),
        ),
    ]
