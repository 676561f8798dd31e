"""Deploying changed BPMN creates a new version; running cases finish on the version they started on."""

import shutil

import pytest
import time_machine
from django.conf import settings

from workflows.models import Case, ProcessVersion
from workflows.services import process_deploy

from ..helpers import complete, cst, only_task
from ..procedures.election_helpers import start_election

pytestmark = pytest.mark.django_db


def test_redeploying_unchanged_bpmn_keeps_the_version(university):
    before = list(ProcessVersion.objects.values_list("process_id", "version"))
    results = process_deploy()
    assert results and not any(created for _, created in results)
    assert list(ProcessVersion.objects.values_list("process_id", "version")) == before


def test_a_running_case_finishes_on_its_old_version_and_new_cases_start_on_the_new(
    api, university, tmp_path
):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 9, 2, 9), tick=False):
        old_case = start_election(sec, u.branch_a)
        complete(
            sec,
            only_task(sec, "submit_request")["id"],
            {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"},
        )

        source = settings.PARTYFLOW["BPMN_DIR"] / "branch_election.bpmn"
        changed = tmp_path / "branch_election.bpmn"
        shutil.copy(source, changed)
        changed.write_text(
            changed.read_text(encoding="utf-8").replace(
                'name="批复换届请示"', 'name="批复换届请示（新版）"'
            ),
            encoding="utf-8",
        )
        [(new_version, created)] = process_deploy(directory=tmp_path)
        assert created and new_version.version != old_case["version"]
        assert (
            ProcessVersion.objects.get(is_current=True, process_id="branch_election") == new_version
        )

        # The running case keeps its version: the next task has the old name.
        reply = only_task(officer, "reply_request")
        assert reply["name"] == "批复换届请示"
        complete(officer, reply["id"], {"approved": True})
        assert Case.objects.get(pk=old_case["id"]).process_version.version == old_case["version"]

        new_case = start_election(api(u.users.sec_b), u.branch_b)
        assert new_case["version"] == new_version.version
        sec_b = api(u.users.sec_b)
        complete(
            sec_b,
            only_task(sec_b, "submit_request")["id"],
            {"election_date": "2027-02-20", "seats": 1, "nomination_method": "committee_proposal"},
        )
        assert [
            t["name"]
            for t in officer.get("/api/tasks/", {"organization": u.branch_b.pk}).json()["results"]
        ] == ["批复换届请示（新版）"]
