"""党组织编码 and 学工号 unique per root organization (a university), not per installation (issue
32: one installation serves a province): the installation-wide unique constraints replaced by
(root, code) and (root, 学工号), a root's own code kept unique among the roots. Existing data stays
valid: it was unique installation-wide. PostgreSQL and SQLite alike (SQLite rebuilds the tables;
both have partial unique indexes)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0015_member_and_organization_root"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="code",
            field=models.CharField(blank=True, max_length=50, null=True, verbose_name="党组织编码"),
        ),
        migrations.AlterField(
            model_name="member",
            name="staff_or_student_no",
            field=models.CharField(blank=True, max_length=32, null=True, verbose_name="学工号"),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.UniqueConstraint(
                fields=("root", "code"), name="organization_code_unique_per_root"
            ),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.UniqueConstraint(
                condition=models.Q(("parent__isnull", True)),
                fields=("code",),
                name="organization_root_code_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                fields=("root", "staff_or_student_no"),
                name="member_staff_or_student_no_unique_per_root",
            ),
        ),
    ]
