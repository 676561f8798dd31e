"""One running case per subject, in the database: `Case.running_key` names the subject (the branch
or the member) for the processes that run one case at a time, and a partial unique index refuses a
second running case. Running cases of those processes get their key here (the oldest one wins if an
old database somehow holds two); running twice changes nothing."""

from django.conf import settings
from django.db import migrations, models


# The processes that ran one case at a time when this migration was written, and their subject.
PER_BRANCH = ("branch_election", "weak_branch_remediation")
PER_MEMBER = ("member_development", "self_lapse", "unqualified_member")


def fill_running_keys(apps, schema_editor):
    Case = apps.get_model("workflows", "Case")
    taken = set()
    running = Case.objects.filter(status="running", process_id__in=PER_BRANCH + PER_MEMBER, running_key__isnull=True)
    for case in running.order_by("id").iterator():
        if case.process_id in PER_BRANCH:
            key = f"organization:{case.organization_id}"
        else:
            member = (case.data or {}).get("member")
            member_id = (member.get("id") if isinstance(member, dict) else None) or case.subject_member_id
            key = f"member:{member_id}" if member_id else None
        if key is None or (case.process_id, key) in taken:
            continue
        taken.add((case.process_id, key))
        Case.objects.filter(pk=case.pk).update(running_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0001_initial'),
        ('workflows', '0004_documents_access_log_delegations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='running_key',
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(fill_running_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.UniqueConstraint(condition=models.Q(('running_key__isnull', False), ('status', 'running')), fields=('process_id', 'running_key'), name='one_running_case_per_subject'),
        ),
    ]
