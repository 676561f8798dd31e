"""Task API: scope, holders, double completion, concurrent completion, bad input."""

import json
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from api.tasks import TaskCompletedSerializer, TaskSerializer
from workflows.models import AuditEvent, Case, Task
from workflows.selectors import task_for_user
from workflows.services import task_complete

from ..helpers import complete, cst, inbox, only_task, snapshot
from ..procedures.election_helpers import start_election

# The request as filled in during the second half of 2026: a test that submits it runs on a day of
# 2026 (time_machine), since an election date in the past is refused (election_date_in_past).
REQUEST = {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"}


@pytest.fixture
def at_request(api, university):
    """Branch A's election with the request task open in its inbox (reminder already due). The
    test runs on that day, 11 July 2026, from 10:00, so REQUEST's election date lies ahead."""
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(api(university.users.sec_a), university.branch_a)
    with time_machine.travel(cst(2026, 7, 11, 10), tick=True):
        yield case


@pytest.mark.django_db
def test_token_login_and_me(api, university, client):
    r = client.post(
        "/api/auth/token/",
        {"username": "sec_a", "password": "pw-123456"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["token"]
    me = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {r.json()['token']}").json()
    assert me["username"] == "sec_a"
    assert {(x["role"], x["organization"]) for x in me["roles"]} == {
        ("branch_secretary", university.branch_a.pk)
    }
    bad = client.post(
        "/api/auth/token/",
        {"username": "sec_a", "password": "wrong"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "validation_failed"
    anon = client.get("/api/tasks/")
    assert anon.status_code == 401 and anon.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_secretary_of_branch_a_never_sees_branch_b(api, university):
    u = university
    with time_machine.travel(cst(2026, 9, 2, 9), tick=False):
        case_b = start_election(api(u.users.sec_b), u.branch_b)
        case_a = start_election(api(u.users.sec_a), u.branch_a)
        sec_a, sec_b = api(u.users.sec_a), api(u.users.sec_b)
        task_b = only_task(sec_b, "submit_request")
        assert [t["case"] for t in inbox(sec_a)] == [case_a["id"]]
        assert [c["id"] for c in sec_a.get("/api/cases/").json()["results"]] == [case_a["id"]]
        for url in (
            f"/api/cases/{case_b['id']}/",
            f"/api/cases/{case_b['id']}/history/",
            f"/api/tasks/{task_b['id']}/",
        ):
            outside, missing = (
                sec_a.get(url),
                sec_a.get(
                    url.replace(
                        str(case_b["id"]) if "cases" in url else str(task_b["id"]), "999999"
                    )
                ),
            )
            assert outside.status_code == missing.status_code == 404
            assert outside.json() == missing.json()
        r = sec_a.post(f"/api/tasks/{task_b['id']}/complete/", {"data": REQUEST}, format="json")
        assert r.status_code == 404
        r = sec_a.post(
            "/api/cases/",
            {"process": "branch_election", "organization": u.branch_b.pk},
            format="json",
        )
        assert r.status_code == 400 and r.json()["code"] == "organization_not_in_scope"
        # The college officer and the auditor see both branches' cases.
        assert {c["id"] for c in api(u.users.officer).get("/api/cases/").json()["results"]} == {
            case_a["id"],
            case_b["id"],
        }
        assert {c["id"] for c in api(u.users.auditor).get("/api/cases/").json()["results"]} == {
            case_a["id"],
            case_b["id"],
        }


@pytest.mark.django_db
def test_auditor_reads_but_cannot_act(api, university, at_request):
    auditor = api(university.users.auditor)
    task = only_task(api(university.users.sec_a), "submit_request")
    assert inbox(auditor) == []
    assert auditor.get(f"/api/tasks/{task['id']}/").status_code == 200
    assert auditor.get(f"/api/cases/{at_request['id']}/history/").status_code == 200
    before = snapshot(at_request["id"])
    for action, body in (("complete", {"data": REQUEST}), ("claim", {}), ("unclaim", {})):
        r = auditor.post(f"/api/tasks/{task['id']}/{action}/", body, format="json")
        assert r.status_code == 403 and r.json()["code"] == "not_task_holder"
    r = auditor.post(f"/api/cases/{at_request['id']}/cancel/", {"reason": "x"}, format="json")
    assert r.status_code == 403
    assert (
        auditor.post(
            "/api/cases/",
            {"process": "branch_election", "organization": university.branch_b.pk},
            format="json",
        ).status_code
        == 400
    )
    assert snapshot(at_request["id"]) == before


@pytest.mark.django_db
def test_the_same_task_completed_twice_answers_409_and_changes_nothing(api, university, at_request):
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    complete(sec, task["id"], REQUEST)
    before = snapshot(at_request["id"])
    body = complete(sec, task["id"], REQUEST, status=409)
    assert body["code"] == "task_already_completed"
    assert snapshot(at_request["id"]) == before


@pytest.mark.django_db
def test_claimed_task_leaves_other_inboxes_and_cannot_be_completed_by_them(
    api, university, at_request
):
    sec, committee = api(university.users.sec_a), api(university.users.committee_a)
    task = only_task(sec, "submit_request")
    assert sec.post(f"/api/tasks/{task['id']}/claim/").json()["holder"] == "sec_a"
    assert inbox(committee) == []
    r = committee.post(f"/api/tasks/{task['id']}/complete/", {"data": REQUEST}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "task_claimed_by_other"
    assert committee.post(f"/api/tasks/{task['id']}/claim/").status_code == 409
    assert sec.post(f"/api/tasks/{task['id']}/unclaim/").json()["holder"] is None
    assert [t["id"] for t in inbox(committee)] == [task["id"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload, content_type, code, field",
    [
        ("{not json", "application/json", "invalid_json", None),
        (
            '{"data": {"seats": "five", "nomination_method": "x"}}',
            "application/json",
            "form_invalid",
            "seats",
        ),
        (
            '{"data": {"seats": 5, "nomination_method": "committee_proposal"}}',
            "application/json",
            "form_invalid",
            "election_date",
        ),
        (
            '{"data": {"election_date": "20-12-2026", "seats": 5, "nomination_method": "committee_proposal"}}',
            "application/json",
            "form_invalid",
            "election_date",
        ),
        ('{"data": [1, 2]}', "application/json", "invalid_data", "data"),
        ('{"nodata": 1}', "application/json", "invalid_body", "data"),
    ],
)
def test_invalid_input_is_400_naming_the_field_and_changes_nothing(
    api, university, at_request, payload, content_type, code, field
):
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    before = snapshot(at_request["id"])
    r = sec.generic(
        "POST", f"/api/tasks/{task['id']}/complete/", payload, content_type=content_type
    )
    assert r.status_code == 400, r.json()
    body = r.json()
    assert body["code"] == code and set(body) >= {"code", "message", "fields"}
    if field:
        assert field in body["fields"], body
    assert snapshot(at_request["id"]) == before
    assert only_task(sec, "submit_request")["id"] == task["id"]


@pytest.mark.django_db
def test_inbox_filters_and_overdue(api, university):
    u = university
    with time_machine.travel(cst(2026, 9, 2, 9), tick=False):
        start_election(api(u.users.sec_a), u.branch_a)
        start_election(api(u.users.sec_b), u.branch_b)
    officer_view = api(u.users.sec_a)
    with time_machine.travel(
        cst(2026, 12, 11, 9), tick=False
    ):  # the A request was due 2026-12-10 09:00
        r = officer_view.get("/api/tasks/", {"overdue": "true"}).json()
        assert r["count"] == 1 and r["results"][0]["overdue"] is True
        assert (
            officer_view.get(
                "/api/tasks/", {"process": "branch_election", "organization": u.branch_b.pk}
            ).json()["count"]
            == 0
        )
        assert officer_view.get("/api/tasks/", {"organization": "x"}).status_code == 400


@pytest.mark.django_db
def test_inbox_listing_does_not_grow_queries_with_tasks(
    api, university, django_assert_max_num_queries
):
    u = university
    with time_machine.travel(cst(2026, 9, 2, 9), tick=False):
        start_election(api(u.users.sec_a), u.branch_a)
        start_election(api(u.users.sec_b), u.branch_b)
    officer = api(u.users.officer)
    with time_machine.travel(cst(2026, 9, 2, 10), tick=False):  # before REQUEST's election date
        for case in Case.objects.all():
            for t in case.tasks.filter(status="open"):
                sec = u.users.sec_a if case.organization_id == u.branch_a.pk else u.users.sec_b
                seats = 5 if case.organization_id == u.branch_a.pk else 1  # B has no committee
                task_complete(actor=sec, task=t, data={**REQUEST, "seats": seats})
    with django_assert_max_num_queries(3):  # the token with roles and delegations, count, page
        r = officer.get("/api/tasks/")
    assert r.json()["count"] == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_completing_one_task_at_once_one_succeeds_one_gets_409(api, university):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs this on PostgreSQL)")
    u = university
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = start_election(api(u.users.sec_a), u.branch_a)
    task = Task.objects.get(case_id=case["id"], status="open")
    barrier, results = threading.Barrier(2), []

    def attempt(user):
        from django.db import connection as conn

        try:
            client = api(user)
            barrier.wait()
            r = client.post(f"/api/tasks/{task.pk}/complete/", {"data": REQUEST}, format="json")
            results.append((r.status_code, r.json().get("code")))
        finally:
            conn.close()

    threads = [
        threading.Thread(target=attempt, args=(user,))
        for user in (u.users.sec_a, u.users.committee_a)
    ]
    with time_machine.travel(cst(2026, 7, 11, 10), tick=True):  # before REQUEST's election date
        [t.start() for t in threads]
        [t.join() for t in threads]
    assert sorted(code for code, _ in results) == [200, 409]
    assert "task_already_completed" in [c for _, c in results]
    assert AuditEvent.objects.filter(case_id=case["id"], action="task_completed").count() == 1
    assert (
        Task.objects.filter(case_id=case["id"], element_id="reply_request", status="open").count()
        == 1
    )


@pytest.mark.django_db
def test_inbox_rows_have_exactly_the_task_serializer_shape(api, university, at_request):
    sec = api(university.users.sec_a)
    sec.post(f"/api/tasks/{only_task(sec, 'submit_request')['id']}/claim/")
    [row] = inbox(sec)
    task = task_for_user(university.users.sec_a, row["id"])
    assert row == dict(TaskSerializer(task, context={"now": timezone.now()}).data)
    assert row["holder"] == "sec_a" and row["organization_name"] == "软件工程教工党支部"


@pytest.mark.django_db
def test_the_completion_answer_has_exactly_the_serializers_shape(api, university, at_request):
    """The answer is built from the rows the completion left on the case (no read-back): it must
    say exactly what the serializer says reading the same task and case from the database."""
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    sec.post(f"/api/tasks/{task['id']}/claim/")
    r = sec.post(f"/api/tasks/{task['id']}/complete/", {"data": REQUEST}, format="json")
    assert r.status_code == 200, r.json()
    answer = r.json()
    done = Task.objects.get(pk=task["id"])
    expected = TaskCompletedSerializer(done, context={"now": timezone.now()}).data
    assert answer == json_roundtrip(expected)
    assert answer["status_display"] == "已完成" and answer["holder"] == "sec_a"
    [nxt] = answer["next_tasks"]
    assert nxt["element_id"] == "reply_request"
    assert nxt["assignee_organization_name"] == "计算机学院党委"
    assert [h["username"] for h in nxt["holders"]] == ["officer"]


def json_roundtrip(data):
    return json.loads(json.dumps(data, cls=JSONEncoder))


@pytest.mark.django_db
def test_a_completion_reads_the_token_roles_and_delegations_in_one_query(
    api, university, at_request, django_assert_num_queries
):
    """Statements of one completion through the API (the budget bench/README explains): the token
    with the user, member, roles and delegations (1), the task (1), under the case lock the case,
    its open tasks, the procedure's check and the approving committee (4), the writes (4) and the
    alerts about the closed task marked done (1), then
    the next task's holders and the organization names (2), plus the savepoint of the test's
    transaction (2)."""
    sec = api(university.users.sec_a)
    task = only_task(sec, "submit_request")
    with django_assert_num_queries(15) as captured:
        r = sec.post(f"/api/tasks/{task['id']}/complete/", {"data": REQUEST}, format="json")
    assert r.status_code == 200, r.json()
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum("organizations_roleassignment" in q for q in sql) == 2  # token's + the holders'
    assert not any(q.startswith('SELECT "workflows_delegation"') for q in sql)
