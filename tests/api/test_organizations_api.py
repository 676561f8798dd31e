"""Organizations, members, users, role assignments: full CRUD for the organization department,
scoped reads for everyone else; the branch-setup rules refuse bad structures."""

import pytest

pytestmark = pytest.mark.django_db


def test_org_department_creates_updates_and_deletes_organizations(api, university):
    orgdept = api(university.users.orgdept)
    r = orgdept.post(
        "/api/organizations/",
        {
            "parent": university.college.pk,
            "name": "新建学生党支部",
            "kind": "branch",
            "branch_kind": "student",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    created = r.json()
    assert created["path"] == f"{university.college.path}{created['id']}/"
    r = orgdept.patch(
        f"/api/organizations/{created['id']}/", {"name": "研究生第一党支部"}, format="json"
    )
    assert r.status_code == 200 and r.json()["name"] == "研究生第一党支部"
    assert orgdept.delete(f"/api/organizations/{created['id']}/").status_code == 204
    r = orgdept.delete(f"/api/organizations/{university.branch_a.pk}/")
    assert r.status_code == 400 and r.json()["code"] == "organization_in_use"


@pytest.mark.parametrize(
    "body, code, field",
    [
        (
            {"kind": "branch", "branch_kind": "joint", "departments": 4},
            "joint_branch_too_wide",
            "departments",
        ),
        (
            {"kind": "general_branch", "has_approval_authority": True},
            "general_branch_cannot_approve",
            "has_approval_authority",
        ),
        ({"kind": "party_group"}, "invalid_parent", "parent"),
        ({"kind": "branch"}, "required", "branch_kind"),
    ],
)
def test_branch_setup_rules_refuse_bad_structures(api, university, body, code, field):
    r = api(university.users.orgdept).post(
        "/api/organizations/", {"parent": university.college.pk, "name": "x", **body}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == code and field in r.json()["fields"], (
        r.json()
    )


def test_others_read_their_scope_and_cannot_write(api, university):
    sec = api(university.users.sec_a)
    names = {o["name"] for o in sec.get("/api/organizations/").json()["results"]}
    assert names == {"某大学党委", "计算机学院党委", "软件工程教工党支部"}
    assert sec.get(f"/api/organizations/{university.branch_b.pk}/").status_code == 404
    r = sec.post(
        "/api/organizations/",
        {"parent": university.college.pk, "name": "x", "kind": "branch", "branch_kind": "student"},
        format="json",
    )
    assert r.status_code == 403
    member_orgs = {m["organization"] for m in sec.get("/api/members/").json()["results"]}
    assert member_orgs == {university.branch_a.pk}
    assert sec.get(f"/api/members/{university.full_b[0].pk}/").status_code == 404
    officer = api(university.users.officer)
    assert (
        officer.get("/api/members/", {"organization": university.branch_b.pk}).json()["count"] == 5
    )


def test_members_and_role_assignments(api, university):
    orgdept = api(university.users.orgdept)
    r = orgdept.post(
        "/api/members/",
        {"organization": university.branch_b.pk, "name": "新党员", "status": "probationary"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["status_display"] == "预备党员"
    r = orgdept.post(
        "/api/members/",
        {"organization": university.college.pk, "name": "错", "status": "full"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "member_needs_branch"
    user = orgdept.post(
        "/api/users/", {"username": "new_sec", "password": "longpassword1"}, format="json"
    ).json()
    r = orgdept.post(
        "/api/role-assignments/",
        {
            "user": user["id"],
            "role": "branch_secretary",
            "organization": university.branch_b.pk,
            "term_start": "2026-01-01",
            "term_end": "2025-01-01",
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_term"
    r = orgdept.post(
        "/api/role-assignments/",
        {"user": user["id"], "role": "branch_secretary", "organization": university.branch_b.pk},
        format="json",
    )
    assert r.status_code == 201 and r.json()["role_display"] == "支部书记"
    assert api(university.users.sec_a).get("/api/users/").json()["count"] >= 1
    assert (
        api(university.users.sec_a)
        .post("/api/users/", {"username": "x"}, format="json")
        .status_code
        == 403
    )


def test_processes_and_openapi(api, university, client):
    r = api(university.users.sec_a).get("/api/processes/")
    assert r.status_code == 200 and {
        "branch_election",
        "member_development",
        "democratic_review",
        "weak_branch_remediation",
    } <= {p["id"] for p in r.json()}
    assert {p["id"]: p["name"] for p in r.json()}["branch_election"] == "党支部换届选举"
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/tasks/{id}/complete/", "/api/cases/{id}/history/", "/api/auth/token/"} <= set(
        paths
    )
    assert client.get("/api/docs/").status_code == 200


def test_cancel_a_case_needs_the_committee_and_a_reason(api, university):
    import time_machine

    from ..helpers import cst
    from ..procedures.election_helpers import start_election

    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(api(university.users.sec_a), university.branch_a)
    sec, officer = api(university.users.sec_a), api(university.users.officer)
    assert (
        sec.post(f"/api/cases/{case['id']}/cancel/", {"reason": "x"}, format="json").status_code
        == 403
    )
    r = officer.post(f"/api/cases/{case['id']}/cancel/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["fields"]
    r = officer.post(
        f"/api/cases/{case['id']}/cancel/", {"reason": "支部撤并，不再换届"}, format="json"
    )
    assert (
        r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["open_tasks"] == []
    )
    history = officer.get(f"/api/cases/{case['id']}/history/").json()
    assert history[-1]["action"] == "case_cancelled" and history[-1]["data"] == {
        "reason": "支部撤并，不再换届"
    }
    assert (
        officer.post(
            f"/api/cases/{case['id']}/cancel/", {"reason": "again"}, format="json"
        ).status_code
        == 409
    )


def test_openapi_schema_generates_without_warnings():
    from io import StringIO

    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", stdout=StringIO(), stderr=StringIO()
    )


def test_unknown_url_is_json_404(client):
    r = client.get("/api/no-such-thing/")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_branch_setup_warnings(api, university):
    from ..factories import OrganizationFactory

    small = OrganizationFactory(
        name="小支部", kind="branch", parent=university.college, branch_kind="admin"
    )
    orgdept = api(university.users.orgdept)
    assert [w["code"] for w in orgdept.get(f"/api/organizations/{small.pk}/checks/").json()] == [
        "too_few_full_members"
    ]
    assert orgdept.get(f"/api/organizations/{university.branch_a.pk}/checks/").json() == []
