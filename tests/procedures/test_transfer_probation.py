"""A probationary member moving between branches takes his development case along (transfer.md
rule 14): the receiving branch inherits its remaining steps with their deadlines, the probation
continues, and the case's history stays whole and verifiable."""

import datetime as dt
from io import StringIO

from django.core.management import call_command

from organizations.models import MemberStatus
from workflows.models import Case, TaskStatus

from ..helpers import complete, inbox, only_task
from .md_helpers import applicant, at, drive_to_probation
from .transfer_helpers import pay_dues, second_college, start_internal


def test_the_development_case_follows_a_probationary_member_to_the_receiving_branch(
    university, api
):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_probation(api, u, person)
    person.refresh_from_db()
    assert person.status == MemberStatus.PROBATIONARY
    before = {
        t.element_id: t.due_at
        for t in Case.objects.get(pk=case["id"]).tasks.filter(status=TaskStatus.OPEN)
    }
    assert before
    branch_c, officer_math, sec_math = second_college(u)
    pay_dues(u, person, dt.date(2027, 4, 1), dt.date(2027, 9, 1))
    with at(2027, 9, 10, 9):
        start_internal(sec, u, person, branch_c)
        complete(
            officer,
            only_task(officer, "approve_release")["id"],
            {"approved": True, "decided_on": "2027-09-10"},
        )
        math = api(officer_math)
        complete(
            math,
            only_task(math, "check_letter")["id"],
            {"decision": "accept", "decided_on": "2027-09-10"},
        )
    moved = Case.objects.get(pk=case["id"])
    assert moved.organization == branch_c and moved.status == "running"
    # the remaining steps, with the same deadlines, are now the receiving branch's
    after = {t.element_id: t.due_at for t in moved.tasks.filter(status=TaskStatus.OPEN)}
    assert after == before
    assert {t["element_id"] for t in inbox(api(sec_math)) if t["case"] == case["id"]} == set(before)
    assert [t for t in inbox(sec) if t["case"] == case["id"]] == []
    assert api(sec_math).get(f"/api/cases/{case['id']}/").status_code == 200
    assert sec.get(f"/api/cases/{case['id']}/").status_code == 404
    # probation continues from the admission, never restarts
    person.refresh_from_db()
    assert person.status == MemberStatus.PROBATIONARY and person.organization == branch_c
    history = api(sec_math).get(f"/api/cases/{case['id']}/history/").json()
    rows = history["results"] if isinstance(history, dict) else history
    moves = [e for e in rows if e["action"] == "case_moved"]
    assert len(moves) == 1 and moves[0]["data"]["to"]["name"] == "数学系学生党支部"
    out = StringIO()
    call_command("verify_audit", case=case["id"], stdout=out)
    assert "0 broken" in out.getvalue(), out.getvalue()  # raises CommandError when broken
    body = api(u.users.orgdept).get(f"/api/cases/{case['id']}/audit-verification/").json()
    assert body["ok"] is True
