"""The explicit `root` column of organizations and members (issue 32: 党组织编码 and 学工号 unique per
root organization, a university, the constraints in 0016), filled from the materialized path with
one UPDATE per root (it runs twice safely). The constraints come in their own migration: on
PostgreSQL a table altered after rows of it were updated in the same transaction can fail on the
foreign keys' pending trigger events."""

import django.db.models.deletion
from django.db import migrations, models


def fill_roots(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    Member = apps.get_model("organizations", "Member")
    for root in Organization.objects.filter(parent__isnull=True).only("pk", "path"):
        prefix = root.path or f"/{root.pk}/"
        Organization.objects.filter(path__startswith=prefix).exclude(root_id=root.pk).update(
            root_id=root.pk
        )
        Member.objects.filter(organization__path__startswith=prefix).exclude(
            root_id=root.pk
        ).update(root_id=root.pk)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0014_student_level_lost_contact"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="root",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="organizations.organization",
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="root",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="organizations.organization",
            ),
        ),
        migrations.RunPython(fill_roots, migrations.RunPython.noop, elidable=False),
    ]
