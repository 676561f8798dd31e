"""The members API records when and why a person left (issue 12): the 5-year reapplication ban
(DISPOSAL-2024) then applies to people struck off before partyflow was in use."""

import pytest
import time_machine

from ..helpers import cst, only_task

pytestmark = pytest.mark.django_db


def test_a_person_struck_off_before_partyflow_cannot_apply_again_within_five_years(api, university):
    u = university
    orgdept, sec = api(u.users.orgdept), api(u.users.sec_a)
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        r = orgdept.post(
            "/api/members/",
            {
                "organization": u.branch_a.pk,
                "name": "旧档案",
                "status": "removed",
                "id_number": "110101199001015678",
                "birth_date": "1990-01-01",
                "left_on": "2024-05-10",
                "left_reason": "连续六个月不交纳党费，按自行脱党除名",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        assert r.json()["left_on"] == "2024-05-10" and r.json()["left_reason"].startswith(
            "连续六个月"
        )
        assert orgdept.get(f"/api/members/{r.json()['id']}/").json()["left_on"] == "2024-05-10"
        again = orgdept.post(
            "/api/members/",
            {
                "organization": u.branch_a.pk,
                "name": "旧档案",
                "status": "applicant",
                "id_number": "110101199001015678",
                "birth_date": "1990-01-01",
            },
            format="json",
        ).json()
        r = sec.post(
            "/api/cases/",
            {
                "process": "member_development",
                "organization": u.branch_a.pk,
                "subject_member": again["id"],
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        task = only_task(sec, "submit_application", process="member_development")
        r = sec.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": {"application_date": "2026-03-01", "letter_summary": "再次申请"}},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "reapplication_barred"
        assert r.json()["fields"] == {"application_date": ["最早 2029-05-10"]}


@pytest.mark.parametrize(
    "body, code",
    [
        ({"status": "full", "left_on": "2024-05-10"}, "left_on_needs_left_status"),
        ({"status": "removed", "left_on": "2999-01-01"}, "date_in_future"),
    ],
)
def test_a_leaving_date_needs_a_leaving_status_and_a_past_date(api, university, body, code):
    r = api(university.users.orgdept).post(
        "/api/members/",
        {"organization": university.branch_a.pk, "name": "x", **body},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == code and "left_on" in r.json()["fields"]


def test_founding_and_dissolution_dates_are_recorded_through_the_organizations_api(api, university):
    orgdept = api(university.users.orgdept)
    r = orgdept.patch(
        f"/api/organizations/{university.branch_b.pk}/",
        {"founded_on": "2026-02-01", "dues_tracked_since": "2026-03-01"},
        format="json",
    )
    assert (
        r.status_code == 200
        and r.json()["founded_on"] == "2026-02-01"
        and r.json()["dues_tracked_since"] == "2026-03-01"
    )
    r = orgdept.patch(
        f"/api/organizations/{university.branch_b.pk}/",
        {"dissolved_on": "2025-12-31"},
        format="json",
    )
    assert (
        r.status_code == 400
        and r.json()["code"] == "invalid_dissolution"
        and "dissolved_on" in r.json()["fields"]
    )
    assert (
        orgdept.get(f"/api/organizations/{university.branch_b.pk}/").json()["dissolved_on"] is None
    )
