"""The weak-branch list and progress reports, moved here from `oversight` (state only: the models
keep the tables `oversight_weakbranchlisting` and `oversight_progressreport` with their data)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("organizations", "0001_initial"),
        ("workflows", "0003_audit_hash_chain"),
        ("oversight", "0002_weak_branch_list_moves_to_its_procedure"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="WeakBranchListing",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("year", models.PositiveSmallIntegerField(verbose_name="认定年度")),
                        ("status", models.CharField(choices=[("listed", "整顿中"), ("removed", "已销号"), ("closed", "回头看通过")],
                                                    default="listed", max_length=16, verbose_name="状态")),
                        ("signals", models.JSONField(default=list)),
                        ("designated_on", models.DateField(verbose_name="认定日期")),
                        ("plan_deadline", models.DateField(blank=True, null=True, verbose_name="整顿期限")),
                        ("plans", models.PositiveSmallIntegerField(default=0, verbose_name="整顿方案次数")),
                        ("adjustments", models.JSONField(default=list)),
                        ("removed_on", models.DateField(blank=True, null=True, verbose_name="销号日期")),
                        ("recheck_due", models.DateField(blank=True, null=True, verbose_name="回头看日期")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("case", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="weak_branch_listing",
                                                      to="workflows.case")),
                        ("organization", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                           related_name="weak_branch_listings", to="organizations.organization")),
                    ],
                    options={
                        "verbose_name": "软弱涣散党支部",
                        "db_table": "oversight_weakbranchlisting",
                        "ordering": ["-year", "organization_id"],
                        "indexes": [models.Index(fields=["organization", "status"], name="oversight_w_organiz_f49611_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="ProgressReport",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.PositiveSmallIntegerField()),
                        ("reported_on", models.DateField(verbose_name="报告日期")),
                        ("due_on", models.DateField(verbose_name="应报日期")),
                        ("overdue", models.BooleanField(default=False, verbose_name="逾期报告")),
                        ("progress", models.TextField(verbose_name="整改进展")),
                        ("evidence", models.JSONField(default=list)),
                        ("listing", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reports",
                                                      to="weak_branch_remediation.weakbranchlisting")),
                    ],
                    options={
                        "db_table": "oversight_progressreport",
                        "ordering": ["listing_id", "number"],
                        "constraints": [models.UniqueConstraint(fields=("listing", "number"), name="uniq_progress_report_number")],
                    },
                ),
            ],
        ),
    ]
