"""Choosing people (issue 27): on every form that takes members, officers or responsible people, each
person is offered by name with "branch · status" (or committee · post) beside it; no such field is a
number box, and no number tells two people apart. One test per procedure, each driving the case
through the API to the task and reading the task page as the person who holds it."""

import re

import time_machine

from forms.validation import load_schema
from web.selectors import task_context
from workflows.models import Task, TaskStatus

from ..helpers import complete, cst, only_task
from ..procedures.election_helpers import drive_to_vote
from ..procedures.lapse_helpers import start_strike_off
from ..procedures.md_helpers import (
    applicant,
    at,
    drive_to_admission_vote,
    drive_to_conversion_vote,
    start_development,
    step,
)
from ..procedures.remediation_helpers import identify
from ..procedures.review_helpers import ballot, drive_to_measurement, review_branch  # noqa: F401
from .conftest import login
from .picker_helpers import drive_to_introducers


def _marker(prop: dict) -> str | None:
    return prop.get("x-options") or prop.get("x-account-options")


def people_fields(schema: dict) -> list[tuple[str, str, str]]:
    """(field key, POST name pattern, context key) of each field that takes people."""
    out = []
    for key, prop in schema["properties"].items():
        items = prop.get("items") or {}
        if _marker(prop) or _marker(items):
            out.append((key, re.escape(key), _marker(prop) or _marker(items)))
        for k, p in (items.get("properties") or {}).items():
            if _marker(p):
                out.append((key, rf"{re.escape(key)}\.\d+\.{k}", _marker(p)))
    return out


def open_task(case_id, element_id) -> Task:
    return Task.objects.get(case_id=case_id, element_id=element_id, status=TaskStatus.OPEN)


def assert_people_by_name(user, case_id, element_id) -> dict[str, str]:
    """The task page as `user` sees it: each people field lists the people of its context by name
    with their hint, none is a number box, no "#<digits>" in it. Returns each field's markup."""
    task = open_task(case_id, element_id)
    html = login(user).get(f"/tasks/{task.pk}/").content.decode()
    schema = load_schema(task.form)
    context = task_context(task)
    fields = people_fields(schema)
    assert fields, f"{task.form} has no people field"
    blocks = {}
    for key, name, source in fields:
        start = html.index(f'data-field="{key}"')
        nxt = html.find('data-field="', start + 1)
        block = blocks[key] = html[start : nxt if nxt > 0 else html.index("</form>", start)]
        assert not re.search(rf'type="number"[^>]*name="{name}"', block), (element_id, key)
        assert not re.search(rf'name="{name}"[^>]*type="number"', block), (element_id, key)
        assert not re.search(r"#\d", block), (element_id, key)
        people = context[source]
        assert people, (element_id, key, "nobody to pick")
        for p in people:
            assert " · " in p["hint"], (element_id, key, p)
            shown = (
                f'{p["name"]} <span class="pick-hint">{p["hint"]}</span>',
                f"{p['name']}（{p['hint']}）",
            )
            assert any(s in block for s in shown), (element_id, key, p["name"])
    return blocks


def test_p1_contacts_are_picked_by_name(api, university):
    u = university
    sec = api(u.users.sec_a)
    with at(2026, 1, 5, 10):
        case = start_development(sec, u, applicant(u))
        step(
            sec, "submit_application", {"application_date": "2026-01-05", "letter_summary": "志愿"}
        )
    with at(2026, 1, 20, 10):
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": "2026-01-20", "talker": "甲0", "summary": "谈话"},
        )
    with at(2026, 2, 1, 10):
        step(
            sec,
            "select_activist",
            {"decision_date": "2026-02-01", "recommendation": "member_recommendation"},
        )
        step(api(u.users.officer), "file_activist", {"filed_date": "2026-02-01"})
        html = assert_people_by_name(u.users.sec_a, case["id"], "appoint_contacts")
    assert u.probationary.name not in html["contacts"]


def test_p1_the_introducers_are_full_members_picked_by_name(api, university):
    u = university
    case = drive_to_introducers(api, u, applicant(u))
    with at(2027, 2, 10, 10):
        html = assert_people_by_name(u.users.sec_a, case["id"], "assign_introducers")
    block = html["introducers"]
    assert 'data-filter="f-introducers"' in block  # nine people: the filter is there
    assert u.suspended.name not in block


def test_p1_the_admission_vote_names_voters_and_absent_members(api, university):
    u = university
    case = drive_to_admission_vote(api, u, applicant(u))
    with at(2027, 3, 20, 15):
        html = assert_people_by_name(u.users.sec_a, case["id"], "admission_vote")
    assert 'data-filter="f-present"' in html["present"]
    assert 'data-filter="f-excluded"' in html["excluded"]


def test_p1_the_conversion_vote_names_voters(api, university):
    u = university
    case = drive_to_conversion_vote(api, u, applicant(u))
    with at(2028, 3, 25, 10):
        assert_people_by_name(u.users.sec_a, case["id"], "conversion_vote")


def test_p2_the_vote_names_voters_absent_members_candidates_and_winners(api, university):
    u = university
    case = drive_to_vote(api, u)
    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        assert_people_by_name(u.users.sec_a, case["id"], "record_vote")


def test_p3_ratings_and_feedback_name_each_member(api, review_branch):
    rb = review_branch
    sec, committee = api(rb.members[0].user), api(rb.members[1].user)
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        case = drive_to_measurement(api, rb)
        url = f"/api/cases/{case['id']}/measurement-ballots/"
        for m in rb.members:
            r = api(m.user).post(url, ballot(rb, lambda x: "qualified"), format="json")
            assert r.status_code == 201, r.json()
        complete(sec, only_task(sec, "democratic_measurement")["id"], {"close": True})
        assert_people_by_name(rb.members[1].user, case["id"], "organizational_rating")
        ratings = [{"member": m.pk, "grade": "qualified"} for m in rb.rated]
        complete(
            committee, only_task(committee, "organizational_rating")["id"], {"ratings": ratings}
        )
        html = assert_people_by_name(rb.members[0].user, case["id"], "give_feedback")
    # leading cadres are not rated, so they are not offered
    assert rb.cadres[0].name not in html["feedback"]


def test_p4_responsible_people_and_the_supporter_are_picked_by_name(api, university):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        result = identify(officer, u.college)
        case_id = next(o["case"] for o in result["opened"] if o["organization"] == u.branch_a.pk)
        complete(
            officer,
            only_task(officer, "designate", organization=u.branch_a.pk)["id"],
            {"designated": True, "problems_found": "班子不健全", "document_no": "院〔2026〕30号"},
        )
        assert_people_by_name(u.users.sec_a, case_id, "file_plan")
        complete(
            sec,
            only_task(sec, "file_plan")["id"],
            {
                "problems": ["支委会只有2人"],
                "measures": ["补选委员"],
                "responsible": [u.full_a[0].pk],
                "deadline": "2027-03-31",
            },
        )
        html = assert_people_by_name(u.users.officer, case_id, "assign_supporter")
    block = html["supporter"]
    assert u.college.name in block  # the officer is told apart by committee and post


def test_p6_and_unqualified_strike_off_vote_picks_voters_by_name(api, university):
    """self_lapse and unqualified_member share the strike-off vote form and its context."""
    u = university
    target = u.full_a[4]
    start_strike_off(u, api, target)
    case_id = open_task_case("self_lapse", "strike_off_vote")
    with time_machine.travel(cst(2026, 8, 20, 9), tick=False):
        html = assert_people_by_name(u.users.sec_a, case_id, "strike_off_vote")
    assert u.probationary.name not in html["present"]


def open_task_case(process_id, element_id) -> int:
    return Task.objects.get(
        process_id=process_id, element_id=element_id, status=TaskStatus.OPEN
    ).case_id
