"""Hostile input through the HTTP API: never a 500, always JSON `{code, message, fields}` naming the
field (issue 12)."""

import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from orglife.models import Meeting
from workflows.services import case_start

from ..helpers import cst
from ..procedures.md_helpers import applicant, start_development

pytestmark = pytest.mark.django_db


def _meeting(u, **over):
    return {
        "organization": u.branch_a.pk,
        "kind": "themed_party_day",
        "held_on": "2026-03-05",
        "title": "三月主题党日",
        "attendees": [m.pk for m in u.full_a[:8]],
        "absentees": [{"member": u.full_a[8].pk, "reason": "出差"}],
        **over,
    }


def _error(r, status, code):
    assert r.status_code == status, (r.status_code, r.content[:300])
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    body = r.json()
    assert set(body) >= {"code", "message", "fields"} and body["code"] == code, body
    return body


@pytest.fixture
def open_task(university):
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = case_start(
            actor=university.users.sec_a,
            process_id="branch_election",
            organization=university.branch_a,
        )
    return case, case.tasks.get()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": "主题\u0000党日"}, "title"),
        ({"absentees": [{"member": 0, "reason": "出\u0000差"}]}, "absentees.0.reason"),
        ({"notes": "bell\u0007"}, "notes"),
    ],
)
def test_a_control_character_in_a_json_string_is_a_400_naming_the_field(
    university, api, change, field
):
    r = api(university.users.sec_a).post(
        "/api/meetings/", _meeting(university, **change), format="json"
    )
    body = _error(r, 400, "invalid_characters")
    assert field in body["fields"]
    assert not Meeting.objects.exists()


def test_multi_line_text_is_not_refused_as_control_characters(university, api):
    r = api(university.users.sec_a).post(
        "/api/meetings/", _meeting(university, notes="第一行\r\n\t第二行"), format="json"
    )
    assert r.status_code == 201, r.json()


def test_a_nul_in_task_completion_data_is_a_400_and_the_task_stays_open(university, api, open_task):
    case, task = open_task
    r = api(university.users.sec_a).post(
        f"/api/tasks/{task.pk}/complete/",
        {"data": {"planned_date": "2026-09-01\u0000"}},
        format="json",
    )
    body = _error(r, 400, "invalid_characters")
    assert "data.planned_date" in body["fields"]
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.parametrize(
    "path, param",
    [
        ("/api/cases/", "status"),
        ("/api/cases/", "process"),
        ("/api/tasks/", "process"),
        ("/api/members/", "status"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(university, api, path, param):
    body = _error(
        api(university.users.orgdept).get(f"{path}?{param}=%00"), 400, "invalid_characters"
    )
    assert param in body["fields"]


def test_json_nested_a_thousand_levels_deep_is_a_400(university, api, open_task):
    _case, task = open_task
    deep = "[" * 1000 + "]" * 1000
    for path in (f"/api/tasks/{task.pk}/complete/", "/api/meetings/"):
        r = api(university.users.sec_a).post(
            path, data='{"data": ' + deep + "}", content_type="application/json"
        )
        body = _error(r, 400, "json_too_deep")
        assert body["fields"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": "长" * 10000}, "title"),
        ({"absentees": [{"member": 0, "reason": "因" * 10000}]}, "absentees.0.reason"),
    ],
)
def test_text_longer_than_its_column_is_a_400_naming_the_field(university, api, change, field):
    body = _error(
        api(university.users.sec_a).post(
            "/api/meetings/", _meeting(university, **change), format="json"
        ),
        400,
        "validation_failed",
    )
    assert field in body["fields"]


def test_over_long_text_in_task_data_is_a_400_naming_the_field(university, api, open_task):
    _case, task = open_task
    r = api(university.users.sec_a).post(
        f"/api/tasks/{task.pk}/complete/", {"data": {"note": "x" * 100_000}}, format="json"
    )
    body = _error(r, 400, "form_invalid")
    assert "note" in body["fields"]


def test_an_over_long_login_is_a_400_naming_the_field(university, api):
    for field in ("username", "password"):
        body = {"username": "sec_a", "password": "pw-123456", field: "x" * 10_000}
        r = APIClient().post("/api/auth/token/", body, format="json")
        assert field in _error(r, 400, "validation_failed")["fields"]


def test_over_long_case_subject_and_cancel_reason_are_400s(university, api, open_task):
    case, _task = open_task
    sec = api(university.users.sec_a)
    r = sec.post(
        "/api/cases/",
        {
            "process": "branch_election",
            "organization": university.branch_b.pk,
            "subject": "s" * 10000,
        },
        format="json",
    )
    assert "subject" in _error(r, 400, "validation_failed")["fields"]
    r = sec.post(f"/api/cases/{case.pk}/cancel/", {"reason": "r" * 10000}, format="json")
    assert "reason" in _error(r, 400, "validation_failed")["fields"]


@pytest.mark.parametrize("period", ["0000", "0000-01", "0000-Q1", "99999", "2026-00", "2026-Q0"])
def test_year_zero_and_impossible_periods_are_a_400_naming_period(university, api, period):
    r = api(university.users.orgdept).get(
        "/api/compliance/", {"organization": university.school.pk, "period": period}
    )
    assert "period" in _error(r, 400, "invalid_period")["fields"]


def test_dues_for_month_zero_of_year_zero_are_a_400_naming_month(university, api):
    r = api(university.users.sec_a).post(
        "/api/dues/",
        {
            "member": university.full_a[0].pk,
            "month": "0000-01",
            "amount": "10.00",
            "paid_on": "2026-01-05",
        },
        format="json",
    )
    assert "month" in _error(r, 400, "validation_failed")["fields"]


@pytest.mark.parametrize(
    "path", ["/api/meetings/", "/api/dues/", "/api/dues-remittance/", "/api/dues-assessments/"]
)
def test_a_year_before_1921_is_a_400_naming_year_on_every_endpoint_that_reads_one(
    university, api, path
):
    officer = api(university.users.officer)
    r = officer.get(path, {"organization": university.college.pk, "year": 1920})
    body = _error(r, 400, "invalid_parameter")
    assert body["fields"] == {"year": ["须为 1921 至 9999 之间的年份"]}


def test_a_remittance_without_a_year_is_a_400_naming_year(university, api):
    r = api(university.users.officer).get(
        "/api/dues-remittance/", {"organization": university.college.pk}
    )
    assert _error(r, 400, "required")["fields"] == {"year": ["必填"]}


def test_a_body_over_the_size_limit_is_a_json_413(university, api, settings):
    big = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    r = api(university.users.sec_a).post(
        "/api/meetings/", data=big, content_type="application/json"
    )
    _error(r, 413, "request_too_large")


def test_an_upload_over_the_size_limit_is_a_json_413(university, api, open_task, settings):
    case, _task = open_task
    settings.PARTYFLOW = {**settings.PARTYFLOW, "MAX_BODY_BYTES": 1000}
    r = api(university.users.sec_a).post(
        f"/api/cases/{case.pk}/documents/",
        {"file": SimpleUploadedFile("a.pdf", b"%PDF" + b"0" * 5000)},
    )
    _error(r, 413, "request_too_large")


def test_every_404_and_405_under_api_is_json(university, api, open_task):
    case, _task = open_task
    c = api(university.users.orgdept)
    _error(c.get("/api/cases/999999/report/"), 404, "case_not_found")
    _error(c.get("/api/cases/999999/history/export/?format=csv"), 404, "case_not_found")
    _error(c.get("/api/no-such-thing/"), 404, "not_found")
    _error(c.get("/api/cases/abc/"), 404, "not_found")
    _error(c.delete("/api/cases/"), 405, "method_not_allowed")
    _error(c.put(f"/api/cases/{case.pk}/report/"), 405, "method_not_allowed")
    # someone else's case reads exactly like a missing one, in the report too
    _error(api(university.users.sec_b).get(f"/api/cases/{case.pk}/report/"), 404, "case_not_found")


def test_the_database_briefly_unavailable_is_a_503_with_retry_after_then_service_resumes(
    university, api
):
    c = api(university.users.orgdept)

    def down(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(down):
        r = c.get("/api/cases/")
    _error(r, 503, "database_unavailable")
    assert int(r["Retry-After"]) > 0
    assert c.get("/api/cases/").status_code == 200


@pytest.mark.parametrize(
    "summary, message", [(123, "必填"), (["x"], "必填"), ("思" * 10_000, "最多 5000 个字符")]
)
def test_an_obligation_summary_of_the_wrong_type_or_too_long_is_a_400(
    university, api, summary, message
):
    u = university
    sec = api(u.users.sec_a)
    person = applicant(u)
    with time_machine.travel(cst(2026, 1, 5, 10), tick=False):
        start_development(sec, u, person)
        r = sec.post(
            f"/api/members/{person.pk}/development/obligations/",
            {"kind": "thought_report", "seq": 1, "data": {"summary": summary}},
            format="json",
        )
    assert _error(r, 400, "form_invalid")["fields"] == {"data.summary": [message]}


def test_a_search_text_longer_than_a_subject_is_a_400_naming_it(university, api):
    """SQLite refuses a LIKE pattern over 50,000 bytes (the request answered 503 there)."""
    r = api(university.users.sec_a).get("/api/cases/", {"subject": "长" * 101})
    assert r.status_code == 400 and r.json()["fields"] == {"subject": ["不能超过 100 个字符"]}
    ok = api(university.users.sec_a).get("/api/cases/", {"subject": "长" * 100})
    assert ok.status_code == 200 and ok.json()["count"] == 0
