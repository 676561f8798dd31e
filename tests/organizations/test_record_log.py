"""Writes to users, role assignments, organizations and members leave an event in the
organization-level audit log, hash-chained: who did it, in which role, before and after; editing
or deleting an event in SQL is detected."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from engine.errors import DomainError
from organizations.audit import verify_records
from organizations.models import RecordEvent, Role

pytestmark = pytest.mark.django_db


def events(entity=None):
    qs = RecordEvent.objects.order_by("id")
    return list(qs.filter(entity=entity) if entity else qs)


def test_granting_the_auditor_role_records_who_granted_whom(api, university):
    u = university
    orgdept = api(u.users.orgdept)
    r = orgdept.post(
        "/api/users/",
        {"username": "new_auditor", "password": "s3cret-pass", "first_name": "审计"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    new = r.json()["id"]
    r = orgdept.post(
        "/api/role-assignments/",
        {"user": new, "role": Role.AUDITOR, "organization": u.college.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    grant = events("roleassignment")[-1]
    assert (grant.action, grant.actor, grant.actor_name) == (
        "role_assignment_created",
        u.users.orgdept,
        "orgdept",
    )
    assert {"role": Role.ORG_DEPARTMENT, "organization": u.school.pk} in grant.actor_roles
    assert grant.data["after"]["user_id"] == new and grant.data["after"]["role"] == "auditor"
    assert grant.entity_label == f"new_auditor 审计员 @ {u.college.name}"
    created = events("user")[-1]
    assert (
        created.action == "user_created"
        and created.entity_id == new
        and created.data["password_set"] is True
    )
    assert "password" not in created.data["after"]


def test_role_update_and_delete_record_before_and_after(api, university):
    u = university
    orgdept = api(u.users.orgdept)
    a = u.users.auditor.role_assignments.get()
    r = orgdept.patch(f"/api/role-assignments/{a.pk}/", {"term_end": "2027-06-30"}, format="json")
    assert r.status_code == 200, r.json()
    assert orgdept.delete(f"/api/role-assignments/{a.pk}/").status_code == 204
    updated, deleted = events("roleassignment")[-2:]
    assert updated.action == "role_assignment_updated"
    assert updated.data["changes"] == {"term_end": {"before": None, "after": "2027-06-30"}}
    assert deleted.action == "role_assignment_deleted" and deleted.entity_id == a.pk
    assert deleted.data["before"]["role"] == "auditor" and deleted.actor == u.users.orgdept


def test_password_change_and_deactivation_are_recorded_without_the_password(api, university):
    u = university
    orgdept = api(u.users.orgdept)
    r = orgdept.patch(
        f"/api/users/{u.users.member_a.pk}/",
        {"password": "another-pass-1", "is_active": False},
        format="json",
    )
    assert r.status_code == 200, r.json()
    updated, password = events("user")[-2:]
    assert updated.data["changes"] == {"is_active": {"before": True, "after": False}}
    assert password.action == "user_password_set" and password.data == {}
    assert password.organization_id == u.branch_a.pk
    assert "another-pass-1" not in str([e.data for e in events()])


def test_organization_and_member_writes_are_recorded(api, university):
    u = university
    orgdept = api(u.users.orgdept)
    r = orgdept.post(
        "/api/organizations/",
        {"name": "新党支部", "kind": "branch", "branch_kind": "student", "parent": u.college.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    org = r.json()["id"]
    r = orgdept.post(
        "/api/members/", {"name": "新党员", "organization": org, "status": "full"}, format="json"
    )
    assert r.status_code == 201, r.json()
    member = r.json()["id"]
    assert (
        orgdept.patch(f"/api/members/{member}/", {"name": "新党员甲"}, format="json").status_code
        == 200
    )
    assert orgdept.delete(f"/api/members/{member}/").status_code == 204
    assert orgdept.delete(f"/api/organizations/{org}/").status_code == 204
    log = [
        (e.action, e.entity_label)
        for e in events()
        if (e.entity, e.entity_id) in {("organization", org), ("member", member)}
    ]
    assert log == [
        ("organization_created", "新党支部"),
        ("member_created", "新党员"),
        ("member_updated", "新党员甲"),
        ("member_deleted", "新党员甲"),
        ("organization_deleted", "新党支部"),
    ]
    assert events("member")[-2].data["changes"] == {
        "name": {"before": "新党员", "after": "新党员甲"}
    }


def test_a_refused_write_leaves_no_event(api, university):
    u = university
    before = RecordEvent.objects.count()
    r = api(u.users.orgdept).post(
        "/api/members/", {"name": "错", "organization": u.college.pk}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == "member_needs_branch"
    assert RecordEvent.objects.count() == before


def _sql(statement, params=()):
    with connection.cursor() as cur:
        cur.execute(statement, params)


def test_the_record_log_verifies_and_detects_an_edited_event(university):
    assert verify_records().ok and verify_records().events == RecordEvent.objects.count() > 10
    target = events("roleassignment")[2]
    _sql(
        "UPDATE organizations_recordevent SET data = %s WHERE id = %s",
        ['{"after": {"role": "org_department"}}', target.pk],
    )
    result = verify_records()
    assert (result.ok, result.problem, result.first_bad_seq) == (False, "altered", target.seq)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert f"altered at seq {target.seq}" in out.getvalue()


def test_deleted_events_are_detected_in_the_middle_and_at_the_end(university):
    last = RecordEvent.objects.order_by("-id").first()
    _sql("DELETE FROM organizations_recordevent WHERE id = %s", [last.pk])
    assert (verify_records().ok, verify_records().problem) == (False, "truncated")
    middle = events()[3]
    _sql("DELETE FROM organizations_recordevent WHERE id = %s", [middle.pk])
    assert (verify_records().problem, verify_records().first_bad_seq) == ("deleted", middle.seq)


def test_the_application_cannot_edit_or_delete_an_event(university):
    e = events()[0]
    e.data = {"forged": True}
    with pytest.raises(DomainError):
        e.save()
    with pytest.raises(DomainError):
        RecordEvent.objects.filter(pk=e.pk).delete()
    assert verify_records().ok


def test_the_organization_department_reads_the_log_with_names_and_its_verification(api, university):
    u = university
    r = api(u.users.orgdept).get(
        f"/api/record-log/?entity=roleassignment&entity_id={u.users.auditor.role_assignments.get().pk}"
    )
    assert r.status_code == 200
    body = r.json()
    assert (
        body["verification"]["ok"] is True
        and body["verification"]["events"] == RecordEvent.objects.count()
    )
    [grant] = body["events"]
    assert (grant["action"], grant["entity_label"], grant["organization_name"]) == (
        "role_assignment_created",
        f"auditor 审计员 @ {u.college.name}",
        u.college.name,
    )
    r = api(u.users.auditor).get("/api/record-log/")
    assert r.status_code == 403 and r.json()["code"] == "record_log_not_allowed"
