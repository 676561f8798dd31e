"""What people read (issue 13): for a P2 election at every step, the responses a secretary, an
officer and an auditor read carry a name beside every id of a person, member or organization and a
label beside every code; task contexts give what the step needs; times are ISO 8601 in China
Standard Time; completing a task says what comes next and who holds it."""

import datetime as dt
import re

import pytest
import time_machine

from workflows.models import Case

from ..helpers import complete, cst, only_task, run_timers

pytestmark = pytest.mark.django_db

# Keys whose values are ids of people, members or organizations (an int or a list of ints).
REFERENCE_KEYS = {
    "organization",
    "assignee_organization",
    "subject_member",
    "user",
    "delegate",
    "delegator",
    "member",
    "candidate",
    "candidates",
    "present",
    "elected",
    "elected_total",
    "secretary",
    "deputy",
    "tied",
    "actor",
    "parent",
    "votes",
}
# Keys whose values are codes people read.
CODE_KEYS = {
    "action",
    "status",
    "role",
    "lane",
    "process",
    "nomination_method",
    "kind",
    "view",
    "outcome",
    "decision",
    "post",
    "branch_kind",
    "rule_set",
}
# Usernames shown for machines, each with the person's name beside it.
USERNAME_KEYS = {
    "holder": "holder_name",
    "actor_name": "actor_person",
    "completed_by": "completed_by_name",
    "uploaded_by": "uploaded_by_name",
    "on_behalf_of": "on_behalf_of_person",
    "username": "name",
}
# Object ids that are not people (a case, a task, a BPMN element, a process).
NOT_PEOPLE = {"case", "task"}


def _siblings(key: str) -> list[str]:
    base = key.removesuffix("_id")
    return [f"{base}_display", f"{base}_name", f"{key}_display", f"{key}_name", f"{base}_person"]


def unlabelled(value, path="$") -> list[str]:
    """Every place in a JSON document where an id or a code stands without its name or label."""
    problems = []
    if isinstance(value, dict):
        for key, v in value.items():
            here = f"{path}.{key}"

            def has(*names, node=value) -> bool:
                return any(n in node for n in names)

            if key.endswith("_id") and v not in (None, ""):
                if not has(*_siblings(key), "name"):
                    problems.append(here)
            elif key in REFERENCE_KEYS and key not in NOT_PEOPLE and v not in (None, [], {}):
                ints = (
                    isinstance(v, int)
                    and not isinstance(v, bool)
                    or (isinstance(v, list) and v and all(isinstance(i, int) for i in v))
                    or (isinstance(v, dict) and v and all(str(k).isdigit() for k in v))
                )
                if ints and not has(*_siblings(key)):
                    problems.append(here)
            elif key in CODE_KEYS and isinstance(v, str) and v and re.fullmatch(r"[a-z0-9_\-]+", v):
                if not has(*_siblings(key)):
                    problems.append(here)
            elif (
                key in USERNAME_KEYS
                and isinstance(v, str)
                and v
                and USERNAME_KEYS[key] not in value
            ) or (key == "slots" and v and "slots_display" not in value):
                problems.append(here)
            problems += unlabelled(v, here)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems += unlabelled(v, f"{path}[{i}]")
    return problems


def assert_readable(response, who: str):
    assert response.status_code in (200, 201), (who, response.status_code, response.content[:300])
    body = response.json()
    assert unlabelled(body) == [], (
        f"{who} reads ids or codes without names or labels: {unlabelled(body)}"
    )
    text = response.content.decode()
    # One datetime format: ISO 8601 in China Standard Time.
    for stamp in re.findall(r'"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d[^"]*)"', text):
        assert stamp.endswith("+08:00") and "T" in stamp, (who, stamp)
    assert "queued" not in text, (who, "engine bookkeeping in case data")
    return body


def reads(clients, case_id, task_ids=()):
    """What each of secretary, officer and auditor reads about the case now."""
    for who, client in clients.items():
        assert_readable(client.get(f"/api/cases/{case_id}/"), f"{who} case")
        assert_readable(client.get(f"/api/cases/{case_id}/history/"), f"{who} history")
        assert_readable(client.get("/api/tasks/"), f"{who} inbox")
        for task_id in task_ids:
            assert_readable(client.get(f"/api/tasks/{task_id}/"), f"{who} task {task_id}")
    assert_readable(
        clients["auditor"].get(f"/api/cases/{case_id}/history/export/"), "auditor export"
    )


def step(client, clients, element_id, data):
    task = only_task(client, element_id)
    detail = assert_readable(client.get(f"/api/tasks/{task['id']}/"), element_id)
    # For the user: what to do under which article, and by when; the BPMN text is the developers' note.
    assert "ELEC-2020 第" in detail["documentation"] and "election." not in detail["documentation"]
    if detail["due_at"]:
        # A deadline ends at 24:00 of its last day (integration's time rule): the sentence names that day.
        last_day = (
            dt.datetime.fromisoformat(detail["due_at"]) - dt.timedelta(microseconds=1)
        ).date()
        assert f"请于 {last_day.isoformat()} 前办理" in detail["documentation"]
    assert "P2 step" in detail["developer_notes"]
    done = assert_readable(
        client.post(f"/api/tasks/{task['id']}/complete/", {"data": data}, format="json"),
        f"{element_id} done",
    )
    reads(clients, done["case"], [task["id"]] + [t["id"] for t in done["next_tasks"]])
    return detail, done


def test_p2_election_reads_with_names_and_labels_at_every_step(api, university):
    u = university
    sec, officer, auditor = api(u.users.sec_a), api(u.users.officer), api(u.users.auditor)
    clients = {"secretary": sec, "officer": officer, "auditor": auditor}
    names = {m.pk: m.name for m in u.full_a}
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        started = assert_readable(
            sec.post(
                "/api/cases/",
                {"process": "branch_election", "organization": u.branch_a.pk},
                format="json",
            ),
            "start",
        )
        # A case waiting on its reminder has a stage: the reminder.
        assert started["stage"] == "换届提醒" and started["process_display"] == "党支部换届选举"
    run_timers(cst(2026, 7, 10, 10))
    case_id = started["id"]
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        reads(clients, case_id)
        _, done = step(
            sec,
            clients,
            "submit_request",
            {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"},
        )
        # The answer says what comes next, who holds it (names) and when it is due.
        (nxt,) = done["next_tasks"]
        assert nxt["name"] == "批复换届请示" and nxt["assignee_organization_name"] == u.college.name
        assert [(h["username"], h["name"]) for h in nxt["holders"]] == [
            ("officer", "officer")
        ] and "due_at" in nxt
        assert done["case_stage"] == "换届请示批复"

        detail, _ = step(officer, clients, "reply_request", {"approved": True})
        assert (
            detail["context"]["request"]["nomination_method_display"]
            == "支委会根据多数党员意见提出"
        )

        detail, _ = step(
            sec, clients, "nominate_candidates", {"candidates": [m.pk for m in u.full_a[:6]]}
        )
        ctx = detail["context"]
        assert {e["name"] for e in ctx["eligible"]} == set(names.values()) and ctx[
            "candidates_needed"
        ] == 6
        assert {(e["name"], e["status_display"]) for e in ctx["not_eligible"]} == {
            ("预备乙", "预备党员"),
            ("停权丙", "正式党员"),
        }

        detail, _ = step(officer, clients, "review_candidates", {"approved": True})
        assert [c["name"] for c in detail["context"]["candidates"]] == [
            names[m.pk] for m in u.full_a[:6]
        ]
        assert detail["case_data"]["candidates_display"] == [names[m.pk] for m in u.full_a[:6]]

    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        present = u.full_a[:8]
        vote = {
            "meeting_date": "2026-12-20",
            "present": [m.pk for m in present],
            "ballots_issued": 8,
            "ballots_returned": 8,
            "invalid_ballots": 0,
            "votes": [
                {"candidate": c.pk, "yes": n}
                for c, n in zip(u.full_a[:6], [8, 7, 6, 5, 5, 3], strict=True)
            ],
            "elected": [m.pk for m in u.full_a[:5]],
        }
        detail, _ = step(sec, clients, "record_vote", vote)
        assert detail["context"]["voters_due"] == 9 and detail["context"]["present_needed"] == 8

        detail, _ = step(
            sec,
            clients,
            "elect_officers",
            {"meeting_date": "2026-12-20", "secretary": u.full_a[0].pk, "deputy": u.full_a[1].pk},
        )
        assert [e["name"] for e in detail["context"]["elected"]] == [
            names[m.pk] for m in u.full_a[:5]
        ]

        detail, done = step(officer, clients, "approve_results", {"approved": True})
        posts = {e["name"]: e["post_display"] for e in detail["context"]["elected"]}
        assert (
            posts[names[u.full_a[0].pk]] == "书记"
            and posts[names[u.full_a[1].pk]] == "副书记"
            and posts[names[u.full_a[2].pk]] == "委员"
        )
        assert done["case_status"] == "completed" and done["next_tasks"] == []

    data = sec.get(f"/api/cases/{case_id}/").json()["data"]
    assert "term_recorded" not in data and data["secretary_display"] == names[u.full_a[0].pk]
    history = sec.get(f"/api/cases/{case_id}/history/").json()
    completed = [e for e in history if e["action"] == "task_completed"]
    assert (
        completed[0]["action_display"] == "办理完成"
        and completed[0]["actor_roles"][0]["role_display"] == "支部书记"
    )
    opened = next(e for e in history if e["data"].get("opened"))["data"]["opened"][0]
    assert opened["due_at"].endswith("+08:00") and opened["lane_display"]
    # The follow-up case waits on its reminder and says so.
    follow_up = Case.objects.exclude(pk=case_id).get(process_id="branch_election")
    assert sec.get(f"/api/cases/{follow_up.pk}/").json()["stage"] == "换届提醒"


def test_history_names_cost_the_same_queries_for_any_number_of_events(
    api, university, django_assert_max_num_queries
):
    """Names on a history page come from three queries (people, organizations, members), not one per event."""
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        case_id = sec.post(
            "/api/cases/",
            {"process": "branch_election", "organization": u.branch_a.pk},
            format="json",
        ).json()["id"]
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        for _ in range(3):
            complete(
                sec,
                only_task(sec, "submit_request")["id"],
                {
                    "election_date": "2026-12-20",
                    "seats": 5,
                    "nomination_method": "committee_proposal",
                },
            )
            complete(
                officer,
                only_task(officer, "reply_request")["id"],
                {"approved": False, "reason": "请补充"},
            )
    with django_assert_max_num_queries(9):
        events = sec.get(f"/api/cases/{case_id}/history/").json()
    assert len(events) >= 8 and all(e["actor_display"] for e in events)


def test_form_errors_are_written_in_the_request_language(api, university):
    u = university
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        sec.post(
            "/api/cases/",
            {"process": "branch_election", "organization": u.branch_a.pk},
            format="json",
        )
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        task = only_task(sec, "submit_request")
        bad = {
            "election_date": "2026-12-20",
            "seats": "five",
            "nomination_method": "vote",
            "foo": 1,
        }
        zh = sec.post(f"/api/tasks/{task['id']}/complete/", {"data": bad}, format="json").json()
        text = " ".join(m for ms in zh["fields"].values() for m in ms)
        assert (
            "应选委员名额：应为整数" in text and "未定义的字段：foo" in text and "党员推荐" in text
        )
        assert not re.search(r"was unexpected|is not of type|is not one of", text)
        en = sec.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": bad},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        ).json()
        text = " ".join(m for ms in en["fields"].values() for m in ms)
        assert not re.search(r"[\u4e00-\u9fff]", text), text


def test_api_root_lists_entry_points_and_unknown_paths_answer_json(api, university):
    root = api(university.users.sec_a).get("/api/").json()
    assert any(e["url"].endswith("/api/tasks/") for e in root["entry_points"])
    r = api(university.users.sec_a).get("/api/no-such-thing/")
    assert (
        r.status_code == 404 and r.json()["code"] == "not_found" and "/api/" in r.json()["message"]
    )


@pytest.mark.parametrize("candidates", [6, 9])
def test_task_and_case_reads_cost_the_same_queries_for_any_number_of_people(
    api, university, candidates, django_assert_max_num_queries
):
    """Names in a task's context and a case's data come from one query per kind, not one per person."""
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        case_id = sec.post(
            "/api/cases/",
            {"process": "branch_election", "organization": u.branch_a.pk},
            format="json",
        ).json()["id"]
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        request = {
            "election_date": "2026-12-20",
            "seats": 5,
            "nomination_method": "committee_proposal",
        }
        complete(sec, only_task(sec, "submit_request")["id"], request)
        complete(officer, only_task(officer, "reply_request")["id"], {"approved": True})
        nominated = {"candidates": [m.pk for m in u.full_a[:candidates]]}
        complete(sec, only_task(sec, "nominate_candidates")["id"], nominated)
        review = only_task(officer, "review_candidates")
        # 6, and 2 for the candidates' records in `facts` (members with their branch, the posts
        # they hold), whatever the number of candidates
        with django_assert_max_num_queries(8):
            detail = officer.get(f"/api/tasks/{review['id']}/").json()
        with django_assert_max_num_queries(9):
            case = officer.get(f"/api/cases/{case_id}/").json()
    assert len(detail["context"]["candidates"]) == candidates
    assert len(next(f for f in detail["facts"] if f["key"] == "candidates")["rows"]) == candidates
    assert len(case["data"]["candidates_display"]) == candidates


def test_labels_follow_accept_language(api, university):
    u = university
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        case_id = sec.post(
            "/api/cases/",
            {"process": "branch_election", "organization": u.branch_a.pk},
            format="json",
        ).json()["id"]
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        task = only_task(sec, "submit_request")
        en = sec.get(f"/api/tasks/{task['id']}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["documentation"].startswith("The branch committee sends the election request")
    assert "Due by 2026-12-10." in en["documentation"] and en["role_display"] == "Branch committee"
    history = sec.get(f"/api/cases/{case_id}/history/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert history[0]["action_display"] == "Started the case"
    assert not re.search(r"[\u4e00-\u9fff]", history[0]["action_display"])
    # a person's name is not translated: the secretary's account reads as the member it belongs to
    assert history[0]["actor_display"] == "甲0"
