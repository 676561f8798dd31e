"""A branch committee imported before issue 25 carries its branch's term end as its own
(`term_end` = the branch's `term_end`, or later): once that day passed, the committee stopped
acting although it serves until the next election's results end its roles (BRANCH-2018 Art. 21;
P2 `record_election_result`). The import now leaves such a term open
(`organizations.services.import_upserts.officer_import_upsert`); this makes the rows imported
earlier agree: a branch-committee role whose last write was an import and whose end is the
branch's term end or later gets no end of its own. Each change is appended to the record log
(hash-chained, as the services write it), so an auditor reads why the term reopened."""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

BRANCH_COMMITTEE_ROLES = ("branch_secretary", "branch_deputy_secretary", "branch_committee")
IMPORTED = ("role_assignment_imported", "role_assignment_import_updated")
ACTION = "role_assignment_updated"  # as `role_assignment_update` logs it, by the system


def reopen_imported_committee_terms(apps, schema_editor):
    """Safe to run twice: a reopened term has no end and is not matched again."""
    # the log's hash as `organizations.audit` computes it (imported here: it loads the models)
    from organizations.audit import GENESIS, json_safe, record_hash

    RoleAssignment = apps.get_model("organizations", "RoleAssignment")
    RecordEvent = apps.get_model("organizations", "RecordEvent")
    RecordLogHead = apps.get_model("organizations", "RecordLogHead")
    candidates = (
        RoleAssignment.objects.filter(
            role__in=BRANCH_COMMITTEE_ROLES,
            organization__term_end__isnull=False,
            term_end__gte=F("organization__term_end"),
        )
        .select_related("organization", "user")
        .order_by("id")
    )
    for a in candidates:
        last = (
            RecordEvent.objects.filter(entity="roleassignment", entity_id=a.pk)
            .order_by("-seq")
            .first()
        )
        if last is None or last.action not in IMPORTED:
            continue  # entered or changed by hand since: that end is someone's decision
        before = a.term_end
        a.term_end = None
        a.save(update_fields=["term_end"])
        if any(f.name == "chain" for f in RecordEvent._meta.fields):
            # Run again after 0010 (a test, a second run): the log is per root now, appended to as
            # the services append; before 0010 the single chain below.
            _append_per_root(a, before)
            continue
        head, _ = RecordLogHead.objects.select_for_update().get_or_create(pk=1)
        event = RecordEvent(
            seq=head.seq + 1,
            prev_hash=head.head or GENESIS,
            actor=None,
            actor_name="system",
            actor_roles=[],
            action=ACTION,
            entity="roleassignment",
            entity_id=a.pk,
            entity_label=(
                f"{a.user.username} {a.get_role_display()} @ {a.organization.name}"
            )[:200],
            organization_id=a.organization_id,
            data=json_safe(
                {
                    "changes": {"term_end": {"before": before, "after": None}},
                    "reason": "migration 0007: the committee serves until the next election",
                }
            ),
            created_at=timezone.now(),
        )
        event.hash = record_hash(event)
        event.save(force_insert=True)
        RecordLogHead.objects.filter(pk=1).update(seq=event.seq, head=event.hash)


def _append_per_root(a, before) -> None:
    from organizations.audit import record_append

    record_append(
        action=ACTION,
        actor=None,
        actor_roles=[],
        entity="roleassignment",
        entity_id=a.pk,
        label=f"{a.user.username} {a.get_role_display()} @ {a.organization.name}",
        organization_id=a.organization_id,
        data={
            "changes": {"term_end": {"before": before, "after": None}},
            "reason": "migration 0007: the committee serves until the next election",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0006_member_roster_fields_and_organization_code"),
    ]

    operations = [
        migrations.RunPython(reopen_imported_committee_terms, migrations.RunPython.noop),
    ]
