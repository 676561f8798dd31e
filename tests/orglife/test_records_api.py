"""Meetings and dues through the API: the branch secretary/committee writes, higher levels read,
other branches see nothing; bad input names the field."""

import pytest

from organizations.models import RecordEvent
from orglife.models import Attendance, DuesPayment, Meeting
from workflows.models import AuditEvent


def _meeting(u, **over):
    return {
        "organization": u.branch_a.pk,
        "kind": "themed_party_day",
        "held_on": "2026-03-05",
        "title": "三月主题党日",
        "attendees": [m.pk for m in u.full_a[:8]],
        "absentees": [{"member": u.full_a[8].pk, "reason": "出差"}],
        "evidence": "签到表.pdf",
        **over,
    }


def test_secretary_records_a_meeting_with_absentees_and_the_committee_reads_it(university, api):
    u = university
    r = api(u.users.sec_a).post("/api/meetings/", _meeting(u), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["kind"] == "themed_party_day" and body["kind_display"] == "主题党日"
    assert len(body["attendance"]) == 9
    absent = [a for a in body["attendance"] if not a["present"]]
    assert absent == [
        {"member": u.full_a[8].pk, "member_name": "甲8", "present": False, "absence_reason": "出差"}
    ]
    assert (
        AuditEvent.objects.filter(
            action="meeting_recorded", organization=u.branch_a, actor=u.users.sec_a
        ).count()
        == 1
    )
    # the college officer (higher level) reads it; the other branch's secretary does not see it at all
    listed = (
        api(u.users.officer)
        .get("/api/meetings/", {"organization": u.branch_a.pk})
        .json()["results"]
    )
    assert [m["id"] for m in listed] == [body["id"]]
    assert api(u.users.sec_b).get("/api/meetings/").json()["results"] == []
    assert api(u.users.sec_b).get(f"/api/meetings/{body['id']}/").status_code == 404
    assert api(u.users.officer).get(f"/api/meetings/{body['id']}/").status_code == 200


def test_higher_levels_and_other_branches_cannot_write_a_branchs_records(university, api):
    u = university
    for user in (u.users.officer, u.users.sec_b, u.users.auditor, u.users.member_a):
        r = api(user).post("/api/meetings/", _meeting(u), format="json")
        assert r.status_code == 400 and r.json()["code"] == "organization_not_in_scope", user
        assert "organization" in r.json()["fields"]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "change,code,field",
    [
        (
            {"absentees": [{"member": 0, "reason": ""}]},
            "member_not_in_branch",
            "absentees.0.member",
        ),
        ({"held_on": "2999-01-01"}, "date_in_future", "held_on"),
        ({"kind": "study_session"}, "required", "hours"),
        ({"kind": "party"}, "validation_failed", "kind"),
    ],
)
def test_a_bad_meeting_names_the_field_and_records_nothing(university, api, change, code, field):
    r = api(university.users.sec_a).post(
        "/api/meetings/", _meeting(university, **change), format="json"
    )
    assert r.status_code == 400 and r.json()["code"] == code and field in r.json()["fields"], (
        r.json()
    )
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_an_absentee_needs_a_reason_and_a_member_of_another_branch_is_refused(university, api):
    u = university
    r = api(u.users.sec_a).post(
        "/api/meetings/",
        _meeting(u, absentees=[{"member": u.full_a[8].pk, "reason": " "}]),
        format="json",
    )
    assert (
        r.json()["code"] == "absence_reason_required" and "absentees.0.reason" in r.json()["fields"]
    )
    r = api(u.users.sec_a).post(
        "/api/meetings/", _meeting(u, attendees=[u.full_a[0].pk, u.full_b[0].pk]), format="json"
    )
    assert r.json()["code"] == "member_not_in_branch" and "attendees.1" in r.json()["fields"]
    r = api(u.users.sec_a).post(
        "/api/meetings/", _meeting(u, attendees=[u.full_a[8].pk]), format="json"
    )
    assert r.json()["code"] == "member_listed_twice"
    assert not Meeting.objects.exists()


def test_dues_are_recorded_once_per_member_and_month(university, api):
    u = university
    body = {
        "member": u.full_a[2].pk,
        "month": "2026-04",
        "amount": "12.50",
        "paid_on": "2026-04-10",
    }
    r = api(u.users.committee_a).post("/api/dues/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["month"] == "2026-04" and r.json()["member_name"] == "甲2"
    again = api(u.users.sec_a).post("/api/dues/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "dues_already_recorded"
    bad = api(u.users.sec_a).post("/api/dues/", {**body, "month": "2026-13"}, format="json")
    assert bad.status_code == 400 and "month" in bad.json()["fields"]
    zero = api(u.users.sec_a).post(
        "/api/dues/", {**body, "month": "2026-05", "amount": "0"}, format="json"
    )
    assert zero.json()["code"] == "invalid_amount" and "amount" in zero.json()["fields"]
    outside = api(u.users.sec_b).post("/api/dues/", {**body, "month": "2026-06"}, format="json")
    assert outside.status_code == 400 and outside.json()["code"] == "member_not_found"
    assert DuesPayment.objects.count() == 1
    assert [
        d["month"]
        for d in api(u.users.officer)
        .get("/api/dues/", {"member": u.full_a[2].pk})
        .json()["results"]
    ] == ["2026-04"]
    assert api(u.users.sec_b).get("/api/dues/").json()["results"] == []


def test_listing_meetings_and_dues_does_not_grow_queries_with_records(
    university, api, django_assert_max_num_queries
):
    u = university
    client = api(u.users.officer)
    for day in range(1, 6):
        api(u.users.sec_a).post(
            "/api/meetings/", _meeting(u, held_on=f"2026-03-{day:02d}"), format="json"
        )
        api(u.users.sec_a).post(
            "/api/dues/",
            {
                "member": u.full_a[day].pk,
                "month": "2026-03",
                "amount": "10",
                "paid_on": "2026-03-10",
            },
            format="json",
        )
    with django_assert_max_num_queries(6):
        r = client.get("/api/meetings/")
    assert (
        r.status_code == 200
        and len(r.json()["results"]) == 5
        and all(len(m["attendance"]) == 9 for m in r.json()["results"])
    )
    with django_assert_max_num_queries(5):
        r = client.get("/api/dues/")
    assert len(r.json()["results"]) == 5


def test_a_branchs_first_dues_record_starts_its_dues_tracking_with_an_audit_event(university, api):
    """Branch A has no dues start; the first payment recorded (April) sets it, audited in the same
    write; an earlier month recorded later does not move it."""
    u = university
    assert u.branch_a.dues_tracked_since is None
    body = {"member": u.full_a[2].pk, "month": "2026-04", "amount": "10", "paid_on": "2026-04-10"}
    assert api(u.users.sec_a).post("/api/dues/", body, format="json").status_code == 201
    got = api(u.users.orgdept).get(f"/api/organizations/{u.branch_a.pk}/").json()
    assert got["dues_tracked_since"] == "2026-04-01"
    event = RecordEvent.objects.filter(action="organization_updated", entity_id=u.branch_a.pk).get()
    assert event.actor == u.users.sec_a
    assert "dues_tracked_since" in str(event.data["changes"])
    earlier = {**body, "member": u.full_a[3].pk, "month": "2026-02", "paid_on": "2026-04-10"}
    assert api(u.users.sec_a).post("/api/dues/", earlier, format="json").status_code == 201
    got = api(u.users.orgdept).get(f"/api/organizations/{u.branch_a.pk}/").json()
    assert got["dues_tracked_since"] == "2026-04-01"
    assert RecordEvent.objects.filter(action="organization_updated").count() == 1
