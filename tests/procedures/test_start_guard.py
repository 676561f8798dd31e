"""One running case per subject is held by the database too: a start that gets past the start
guard (two requests racing) is refused by the partial unique index, and nothing is written."""

import pytest

from engine.errors import Conflict
from workflows import registry
from workflows.models import AuditEvent, Case
from workflows.services import case_start

from .election_helpers import start_election

pytestmark = pytest.mark.django_db


def test_a_second_running_election_that_skips_the_guard_is_refused_by_the_database(
    api, university, monkeypatch
):
    u = university
    first = start_election(api(u.users.sec_a), u.branch_a)
    assert (
        Case.objects.get(pk=first["id"]).subject_key
        == f"branch_election:organization:{u.branch_a.pk}"
    )
    events = AuditEvent.objects.count()
    checks = registry.check_for
    monkeypatch.setattr(
        registry, "check_for", lambda p, e: None if e == "__start__" else checks(p, e)
    )
    with pytest.raises(Conflict) as refused:
        case_start(
            actor=u.users.sec_a,
            process_id="branch_election",
            organization=u.branch_a,
            data={"term_end": "2027-01-10"},
        )
    assert refused.value.code == "case_already_running"
    assert (
        Case.objects.filter(process_id="branch_election").count() == 1
        and AuditEvent.objects.count() == events
    )
    # Another branch, or the same branch once its election is over, starts normally.
    other = case_start(
        actor=u.users.sec_b,
        process_id="branch_election",
        organization=u.branch_b,
        data={"term_end": "2027-03-01"},
    )
    assert other.subject_key == f"branch_election:organization:{u.branch_b.pk}"


def test_the_guard_answers_one_code_naming_the_subject_and_the_procedure(api, university):
    u = university
    start_election(api(u.users.sec_a), u.branch_a)
    r = api(u.users.sec_a).post(
        "/api/cases/", {"process": "branch_election", "organization": u.branch_a.pk}, format="json"
    )
    assert r.status_code == 409 and r.json()["code"] == "case_already_running"
    assert u.branch_a.name in r.json()["message"] and "换届选举" in r.json()["message"]
    r = api(u.users.orgdept).post(
        "/api/cases/", {"process": "branch_election", "organization": u.college.pk}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "election_needs_branch"
