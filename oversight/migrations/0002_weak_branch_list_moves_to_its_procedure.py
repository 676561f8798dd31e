"""The weak-branch list and its progress reports move to the P4 procedure's app
(`procedures.weak_branch_remediation`, label `weak_branch_remediation`). State only: the tables
`oversight_weakbranchlisting` and `oversight_progressreport` stay as they are, with their data."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("oversight", "0001_weak_branch_list_and_progress_reports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ProgressReport"),
                migrations.DeleteModel(name="WeakBranchListing"),
            ],
            database_operations=[],
        ),
    ]
