"""P4 step 1: committee terms and the identification of weak branches from the organization data,
through the API (on demand) and the yearly Celery job; scope answers 404 like a missing object."""

import datetime as dt

import pytest
import time_machine

from organizations.models import OrgKind, Role
from organizations.services import role_assignment_create
from oversight.tasks import identify_weak_branches
from workflows.models import Case

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..helpers import cst, inbox

pytestmark = pytest.mark.django_db
ORG_DATA = {"secretary_vacant", "committee_incomplete", "term_overdue"}


@pytest.fixture
def branches(university):
    """Branch C: secretary post vacant since its secretary's term ended, term overdue.
    Branch D: nothing wrong (secretary in post, under 7 members so no committee needed, term current)."""
    u = university
    c = OrganizationFactory(
        name="机关第三党支部",
        kind=OrgKind.BRANCH,
        parent=u.college,
        term_start=dt.date(2023, 6, 1),
        term_end=dt.date(2026, 6, 1),
    )
    d = OrganizationFactory(
        name="机关第四党支部",
        kind=OrgKind.BRANCH,
        parent=u.college,
        term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2028, 1, 1),
    )
    for i in range(4):
        MemberFactory(organization=c, name=f"丙{i}")
        MemberFactory(organization=d, name=f"戊{i}")
    role_assignment_create(
        actor=None,
        user=UserFactory(username="old_sec_c"),
        role=Role.BRANCH_SECRETARY,
        organization=c,
        term_start=dt.date(2023, 6, 1),
        term_end=dt.date(2026, 6, 1),
    )
    role_assignment_create(
        actor=None, user=UserFactory(username="sec_d"), role=Role.BRANCH_SECRETARY, organization=d
    )
    return c, d


def test_identification_lists_each_flagged_branch_with_the_evidence_for_each_signal(
    api, university, branches
):
    u = university
    with time_machine.travel(cst(2027, 2, 1, 9), tick=False):
        r = api(u.users.officer).get("/api/branch-identification/", {"organization": u.college.pk})
    assert r.status_code == 200, r.json()
    # No branch here kept P5 records in 2026, so all four also show the records signals (see
    # test_compliance); the signals from the organization data are these:
    found = {row["name"]: [s for s in row["signals"] if s["code"] in ORG_DATA] for row in r.json()}
    found = {name: signals for name, signals in found.items() if signals}
    assert sorted(found) == sorted(["软件工程教工党支部", "机关第三党支部"])
    # Branch A: 9 full members need a committee of at least 3; 2 hold a post. Term ended 2027-01-10.
    a = {s["code"]: s for s in found["软件工程教工党支部"]}
    assert sorted(a) == ["committee_incomplete", "term_overdue"]
    assert a["committee_incomplete"]["evidence"]["full_members"] == 9
    assert (
        a["committee_incomplete"]["evidence"]["committee_members"],
        a["committee_incomplete"]["evidence"]["required"],
    ) == (2, 3)
    assert a["term_overdue"]["evidence"] == {
        "term_start": "2024-01-10",
        "term_end": "2027-01-10",
        "days_overdue": 22,
    }
    assert a["term_overdue"]["label"] == "超期未换届"
    # Branch C: the secretary's term ended with the branch's term and nobody followed.
    c_signals = {s["code"]: s for s in found["机关第三党支部"]}
    assert sorted(c_signals) == ["secretary_vacant", "term_overdue"]
    assert c_signals["secretary_vacant"]["evidence"] == {
        "secretary": None,
        "last_secretary_term_end": "2026-06-01",
    }


def test_terms_show_every_branch_end_date_and_overdue_days(api, university, branches):
    u = university
    with time_machine.travel(cst(2027, 2, 1, 9), tick=False):
        r = api(u.users.officer).get("/api/branch-terms/", {"organization": u.college.pk})
    assert r.status_code == 200
    rows = {row["name"]: row for row in r.json()}
    assert (
        rows["软件工程教工党支部"]["term_end"],
        rows["软件工程教工党支部"]["overdue"],
        rows["软件工程教工党支部"]["days_overdue"],
    ) == ("2027-01-10", True, 22)
    assert (
        rows["计算机学生第一党支部"]["term_end"],
        rows["计算机学生第一党支部"]["overdue"],
        rows["计算机学生第一党支部"]["days_left"],
    ) == ("2027-03-01", False, 28)
    assert rows["机关第四党支部"]["term_end"] == "2028-01-01"


def test_on_demand_identification_puts_designation_tasks_with_the_overdue_term_in_the_committee_inbox(
    api, university, branches
):
    u, (c, d) = university, branches
    officer = api(u.users.officer)
    with time_machine.travel(cst(2027, 2, 1, 9), tick=False):
        r = officer.post(
            "/api/branch-identification/", {"organization": u.college.pk}, format="json"
        )
        assert r.status_code == 201, r.json()
        # Every branch missed its 2026 organizational life (no records): all four are put to the committee.
        assert sorted(o["organization"] for o in r.json()["opened"]) == sorted(
            [u.branch_a.pk, u.branch_b.pk, c.pk, d.pk]
        )
        tasks = [t for t in inbox(officer) if t["element_id"] == "designate"]
        assert sorted(t["organization"] for t in tasks) == sorted(
            [u.branch_a.pk, u.branch_b.pk, c.pk, d.pk]
        )
        a_task = next(t for t in tasks if t["organization"] == u.branch_a.pk)
        context = officer.get(f"/api/tasks/{a_task['id']}/").json()["context"]
        assert {s["code"] for s in context["signals"]} == {
            "committee_incomplete",
            "term_overdue",
            "organizational_life_missed",
            "democratic_review_missing",
        }
        # A second run opens nothing new while those cases run.
        assert (
            officer.post(
                "/api/branch-identification/", {"organization": u.college.pk}, format="json"
            ).json()["opened"]
            == []
        )


def test_yearly_job_opens_the_designation_tasks(university, branches):
    u, (c, d) = university, branches
    with time_machine.travel(cst(2027, 1, 2, 9), tick=False):
        assert identify_weak_branches.apply().get() == 4
    assert set(
        Case.objects.filter(process_id="weak_branch_remediation").values_list(
            "organization_id", flat=True
        )
    ) == {u.branch_a.pk, u.branch_b.pk, c.pk, d.pk}


def test_identification_is_scoped_to_the_caller(api, university, branches):
    u = university
    # The branch-B secretary reads only branch B: the college answers 404 like a missing organization.
    r = api(u.users.sec_b).get("/api/branch-identification/", {"organization": u.college.pk})
    assert r.status_code == 404 and r.json()["code"] == "organization_not_found"
    assert api(u.users.sec_b).get("/api/branch-terms/", {"organization": 999999}).status_code == 404
    # A branch secretary may read its own branch but not run the committee's identification.
    r = api(u.users.sec_a).post(
        "/api/branch-identification/", {"organization": u.branch_a.pk}, format="json"
    )
    assert r.status_code == 403 and r.json()["code"] == "identification_not_allowed"
    r = api(u.users.officer).get("/api/branch-identification/")
    assert r.status_code == 400 and "organization" in r.json()["fields"]


def test_a_remediation_started_by_hand_shows_the_computed_evidence_not_the_callers(
    api, university, branches
):
    u = university
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        r = api(u.users.orgdept).post(
            "/api/cases/",
            {
                "process": "weak_branch_remediation",
                "organization": u.branch_a.pk,
                "data": {"signals": [{"code": "made_up"}]},
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        assert [s["code"] for s in r.json()["data"]["signals"]] == [
            "committee_incomplete",
            "organizational_life_missed",
            "democratic_review_missing",
        ]
        r = api(u.users.orgdept).post(
            "/api/cases/",
            {"process": "weak_branch_remediation", "organization": u.branch_a.pk},
            format="json",
        )
        assert r.status_code == 409 and r.json()["code"] == "case_already_running"
        r = api(u.users.orgdept).post(
            "/api/cases/",
            {"process": "weak_branch_remediation", "organization": u.college.pk},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "remediation_needs_branch"
