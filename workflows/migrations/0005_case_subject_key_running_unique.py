from django.db import migrations, models

# The running subject of each procedure (as registered in procedures/ with
# `registry.running_subject`), for running cases started before the field existed.
BY_ORGANIZATION = {"branch_election", "weak_branch_remediation"}
BY_MEMBER_DATA = {"self_lapse", "unqualified_member"}


def _key(case):
    p, data = case.process_id, case.data or {}
    if p == "member_development" and case.subject_member_id:
        return f"{p}:member:{case.subject_member_id}"
    if p in BY_ORGANIZATION:
        return f"{p}:organization:{case.organization_id}"
    if p in BY_MEMBER_DATA and (data.get("member") or {}).get("id"):
        return f"{p}:member:{data['member']['id']}"
    if p == "democratic_review" and data.get("year") is not None:
        return f"{p}:organization:{case.organization_id}:year:{data['year']}"
    return None


def backfill_subject_keys(apps, schema_editor):
    """Running cases get their subject key, newest first; an older duplicate (possible before the
    constraint) keeps none, so the index can be built. Safe to run twice."""
    Case = apps.get_model("workflows", "Case")
    taken = set(Case.objects.filter(status="running", subject_key__isnull=False).values_list("subject_key", flat=True))
    for case in Case.objects.filter(status="running", subject_key__isnull=True).order_by("-id").only(
            "id", "process_id", "data", "subject_member_id", "organization_id"):
        key = _key(case)
        if key and key not in taken:
            taken.add(key)
            Case.objects.filter(pk=case.pk).update(subject_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0004_documents_access_log_delegations'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='subject_key',
            field=models.CharField(blank=True, max_length=200, null=True),
        ),
        migrations.RunPython(backfill_subject_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'running'), ('subject_key__isnull', False)),
                                               fields=('subject_key',), name='uniq_running_case_per_subject'),
        ),
    ]
