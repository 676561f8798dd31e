""" "One running case per subject" under concurrent starts, in real threads on PostgreSQL through the
HTTP API: of parallel starts for the same subject exactly one answers 201 and the others 409
`case_already_running`; the unique index on running cases' `subject_key` decides, not a check
before the insert."""

import threading

import pytest
from django.db import connection

from organizations.models import MemberStatus, OrgKind, Role
from organizations.services import role_assignment_create
from workflows.models import Case

from ..conftest import client_for
from ..factories import MemberFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
STARTS = 4


@pytest.fixture
def branch(deployed):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL (CI runs this on PostgreSQL)")
    school = OrganizationFactory(
        name="某大学党委", kind=OrgKind.COMMITTEE, has_approval_authority=True
    )
    college = OrganizationFactory(
        name="数学学院党委", kind=OrgKind.COMMITTEE, parent=school, has_approval_authority=True
    )
    org = OrganizationFactory(name="数学教工党支部", kind=OrgKind.BRANCH, parent=college)
    members = [
        MemberFactory(
            organization=org,
            name=f"竞{i}",
            user=UserFactory(username=f"race{i}"),
            status=MemberStatus.FULL,
        )
        for i in range(5)
    ]
    applicant = MemberFactory(organization=org, name="申请人竞", status=MemberStatus.APPLICANT)
    role_assignment_create(
        actor=None, user=members[0].user, role=Role.BRANCH_SECRETARY, organization=org
    )
    orgdept = UserFactory(username="race_orgdept")
    role_assignment_create(actor=None, user=orgdept, role=Role.ORG_DEPARTMENT, organization=school)
    return org, members, applicant, orgdept


def start_at_once(user, body) -> list[int]:
    """POST /api/cases/ from STARTS threads released together; the status codes, and the error codes."""
    barrier, results = threading.Barrier(STARTS), []

    def start():
        try:
            client = client_for(user)
            barrier.wait(10)
            r = client.post("/api/cases/", body, format="json")
            results.append((r.status_code, r.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(STARTS)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    return sorted(results, key=lambda x: x[0])


@pytest.mark.parametrize(
    "process",
    [
        "democratic_review",
        "self_lapse",
        "unqualified_member",
        "weak_branch_remediation",
        "member_development",
    ],
)
def test_parallel_starts_for_one_subject_give_one_running_case(branch, process):
    org, members, applicant, orgdept = branch
    target = members[3]
    body = {"process": process, "organization": org.pk, "data": {}}
    if process == "democratic_review":
        body["data"] = {"year": 2026}
    elif process in ("self_lapse", "unqualified_member"):
        body["data"] = {"member": {"id": target.pk}}
    elif process == "member_development":
        body["subject_member"] = applicant.pk
    user = orgdept if process == "weak_branch_remediation" else members[0].user
    results = start_at_once(user, body)
    assert results == [(201, None)] + [(409, "case_already_running")] * (STARTS - 1)
    assert Case.objects.filter(process_id=process, organization=org, status="running").count() == 1
