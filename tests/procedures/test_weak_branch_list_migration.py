"""The weak-branch list moved from `oversight` to the P4 procedure's app without moving data."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procedures.weak_branch_remediation.models import WeakBranchListing
from workflows.models import Case

from .election_helpers import start_election

OLD = [("oversight", "0001_weak_branch_list_and_progress_reports")]


@pytest.mark.django_db(transaction=True)
def test_a_listing_written_before_the_move_is_read_by_the_procedures_model(university, api):
    case = Case.objects.get(
        pk=start_election(api(university.users.sec_a), university.branch_a)["id"]
    )
    executor = MigrationExecutor(connection)
    new = executor.loader.graph.leaf_nodes()
    executor.migrate(OLD)
    old_apps = executor.loader.project_state(OLD).apps
    OldListing = old_apps.get_model("oversight", "WeakBranchListing")
    OldListing.objects.create(
        organization_id=case.organization_id,
        case_id=case.pk,
        year=2026,
        designated_on="2026-03-01",
        signals=[{"code": "term_overdue"}],
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(new)
    listing = WeakBranchListing.objects.get(case=case)
    assert (listing.year, listing.signals, listing.status) == (
        2026,
        [{"code": "term_overdue"}],
        "listed",
    )
