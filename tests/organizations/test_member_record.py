"""The member record carries what offices keep: national code lists shown with their labels, the
ID number checked (length, birth date inside, ISO 7064 MOD 11-2 checksum) and masked as before,
学工号 unique; organizations carry their 党组织编码."""

import datetime as dt

import pytest

from onboarding.sample import id_number
from organizations.idcard import id_check_char

pytestmark = pytest.mark.django_db


def test_check_character_of_the_standard_example():
    assert id_check_char("11010519491231002") == "X"


def test_roster_fields_are_kept_and_shown_with_their_labels(api, university):
    orgdept = api(university.users.orgdept)
    number = id_number(dt.date(1990, 1, 1), 12)
    r = orgdept.post(
        "/api/members/",
        {
            "organization": university.branch_b.pk,
            "name": "新党员",
            "status": "full",
            "staff_or_student_no": "T9001",
            "gender": "2",
            "ethnicity": "05",
            "education": "14",
            "degree": "3",
            "person_category": "staff",
            "job_post": "讲师",
            "is_floating": True,
            "transferred_in_on": "2024-09-01",
            "party_post": "组织委员",
            "birth_date": "1990-01-01",
            "id_number": number,
            "phone": "13800001111",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (
        body["gender_display"],
        body["ethnicity_display"],
        body["education_display"],
        body["degree_display"],
        body["person_category_display"],
    ) == ("女", "维吾尔族", "硕士研究生", "硕士", "教职工")
    assert body["id_number"] == number
    seen_by_secretary = api(university.users.sec_b).get(f"/api/members/{body['id']}/").json()
    assert (
        seen_by_secretary["id_number"] == number[:3] + "*" * 11 + number[-4:]
        and seen_by_secretary["phone"] == "138****1111"
    )
    english = orgdept.get(f"/api/members/{body['id']}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (english["gender_display"], english["ethnicity_display"]) == ("Female", "Uyghur")


@pytest.mark.parametrize(
    "change, code",
    [
        ({"id_number": "11010519900101001"}, "id_number_format"),
        ({"id_number": "110105199002300011"}, "id_number_birth_date"),
        ({"id_number": "wrong-check"}, "id_number_format"),
        ({"birth_date": "1991-01-01"}, "id_number_birth_date_mismatch"),
    ],
)
def test_a_bad_id_number_is_refused_naming_the_field(api, university, change, code):
    number = id_number(dt.date(1990, 1, 1), 7)
    body = {
        "organization": university.branch_b.pk,
        "name": "新党员",
        "status": "full",
        "birth_date": "1990-01-01",
        "id_number": number,
    }
    r = api(university.users.orgdept).post("/api/members/", {**body, **change}, format="json")
    assert r.status_code == 400 and r.json()["code"] == code and "id_number" in r.json()["fields"]


def test_a_wrong_check_character_is_refused(api, university):
    number = id_number(dt.date(1990, 1, 1), 7)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    r = api(university.users.orgdept).post(
        "/api/members/",
        {"organization": university.branch_b.pk, "name": "x", "id_number": wrong},
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "id_number_checksum"


def test_staff_number_and_organization_code_are_unique(api, university):
    orgdept = api(university.users.orgdept)
    first = {"organization": university.branch_b.pk, "name": "甲", "staff_or_student_no": "T1"}
    assert orgdept.post("/api/members/", first, format="json").status_code == 201
    r = orgdept.post("/api/members/", {**first, "name": "乙"}, format="json")
    assert r.status_code == 400 and "staff_or_student_no" in r.json()["fields"]
    assert (
        orgdept.patch(
            f"/api/organizations/{university.branch_a.pk}/", {"code": "1001"}, format="json"
        ).json()["code"]
        == "1001"
    )
    r = orgdept.patch(
        f"/api/organizations/{university.branch_b.pk}/", {"code": "1001"}, format="json"
    )
    assert r.status_code == 400 and "code" in r.json()["fields"]
    # No code at all is allowed for any number of organizations (stored as none, not "").
    r = orgdept.post(
        "/api/members/",
        {"organization": university.branch_b.pk, "name": "丙", "staff_or_student_no": ""},
        format="json",
    )
    r2 = orgdept.post(
        "/api/members/",
        {"organization": university.branch_b.pk, "name": "丁", "staff_or_student_no": ""},
        format="json",
    )
    assert (r.status_code, r2.status_code) == (201, 201)


def test_organizations_without_a_code_do_not_collide(api, university):
    orgdept = api(university.users.orgdept)
    for name in ("甲支部", "乙支部"):
        r = orgdept.post(
            "/api/organizations/",
            {
                "parent": university.college.pk,
                "name": name,
                "kind": "branch",
                "branch_kind": "student",
                "code": "",
            },
            format="json",
        )
        assert r.status_code == 201 and r.json()["code"] is None
