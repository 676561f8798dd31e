"""JSON log lines: a request id per request (also in the response), the user, the case, and no
personal data (issue 30)."""

import io
import json
import logging
from contextlib import contextmanager

from partyflow.logs import mask_personal_data
from workflows.services import case_start


@contextmanager
def log_lines():
    """The lines the configured console handler writes (JSON, filters and all), captured."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines() if line)


def test_a_request_logs_one_json_line_with_its_request_id_user_and_case(university, api):
    case = case_start(
        actor=university.users.sec_a, process_id="branch_election", organization=university.branch_a
    )
    client = api(university.users.sec_a)
    with log_lines() as lines:
        response = client.get(f"/api/cases/{case.pk}/")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [line] = [row for row in lines if row["logger"] == "partyflow.request"]
    assert line["request_id"] == request_id
    assert line["user_id"] == university.users.sec_a.pk
    assert line["case_id"] == case.pk
    assert line["status"] == 200
    assert line["method"] == "GET" and line["path"] == f"/api/cases/{case.pk}/"
    assert line["level"] == "INFO" and "time" in line


def test_each_request_has_its_own_id_and_a_proxy_s_id_is_kept(university, api):
    client = api(university.users.sec_a)
    first = client.get("/api/me/")["X-Request-ID"]
    second = client.get("/api/me/")["X-Request-ID"]
    assert first != second
    assert client.get("/api/me/", HTTP_X_REQUEST_ID="lb-0123456789")["X-Request-ID"] == (
        "lb-0123456789"
    )
    # anything else a caller sends is replaced, not echoed into the logs
    assert client.get("/api/me/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_id_numbers_and_phone_numbers_never_reach_a_log_line(university, api):
    member = university.full_a[0]
    client = api(university.users.orgdept)
    with log_lines() as lines:
        # a query string carrying a phone number and an ID number (a search), and a line a
        # component logs while the request runs, quoting both
        response = client.get("/api/members/?q=13912345678&id=11010519491231002X")
        logging.getLogger("partyflow.test").warning(
            "member %s: 身份证 %s 手机 %s", member.pk, "11010519491231002X", "139 1234 5678"
        )
    assert response.status_code in (200, 400)
    text = json.dumps(lines, ensure_ascii=False)
    assert "13912345678" not in text and "1234 5678" not in text
    assert "11010519491231002X" not in text
    warned = next(row for row in lines if row["logger"] == "partyflow.test")
    assert warned["message"] == f"member {member.pk}: 身份证 110105************ 手机 [phone]"
    request_line = next(row for row in lines if row["logger"] == "partyflow.request")
    assert request_line["path"] == "/api/members/"  # the query string is never logged


def test_masking_leaves_ids_and_timestamps_alone():
    assert mask_personal_data("case 123456 at 20261207012345") == "case 123456 at 20261207012345"
    assert mask_personal_data("电话+86 13800138000。") == "电话[phone]。"
