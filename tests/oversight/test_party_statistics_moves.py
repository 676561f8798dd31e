"""Moves between branches (P7 校内转接) count for the cut-off date: a member moved after 31 December
counts at the old branch in that year's tables, and the move is a 转入/转出 only of the parts it
crosses (S1), never of the university."""

import datetime as dt

import time_machine

from ..conftest import client_for
from ..helpers import complete, cst, only_task
from ..procedures.transfer_helpers import pay_dues, second_college, start_internal


def _change(user, org, cutoff):
    with time_machine.travel(cst(2028, 1, 5, 9), tick=False):
        r = client_for(user).get("/api/statistics/", {"cutoff": cutoff, "organization": org.pk})
    assert r.status_code == 200, r.json()
    table = {t["key"]: t for t in r.json()["tables"]}["membership_change"]
    cells = {row["key"]: row["cells"][0]["value"] for row in table["rows"]}
    return {k: cells[k] for k in ("1", "7", "13", "16", "17")}


def test_a_member_moved_in_january_counts_at_the_old_branch_for_the_year_before(university):
    u = university
    branch_c, officer_math, _sec = second_college(u)
    mover = u.full_a[4]
    pay_dues(u, mover, dt.date(2026, 11, 1), dt.date(2027, 1, 1))
    with time_machine.travel(cst(2027, 1, 8, 9), tick=False):
        start_internal(client_for(u.users.sec_a), u, mover, branch_c)
        officer = client_for(u.users.officer)
        complete(
            officer,
            only_task(officer, "approve_release")["id"],
            {"approved": True, "decided_on": "2027-01-08"},
        )
    math = client_for(officer_math)
    with time_machine.travel(cst(2027, 1, 10, 9), tick=False):
        complete(
            math,
            only_task(math, "check_letter")["id"],
            {"decision": "accept", "decided_on": "2027-01-10"},
        )
    mover.refresh_from_db()
    assert mover.organization == branch_c
    # By hand. 2026 (moved after the cut-off): branch A keeps its 11 at both ends (the fixture's
    # members, no dates: in since before 2026); the math branch had nobody.
    assert _change(u.users.orgdept, u.branch_a, "2026-12-31") == {
        "1": 11, "7": 0, "13": 0, "16": 11, "17": 0,
    }  # fmt: skip
    assert _change(u.users.orgdept, branch_c, "2026-12-31") == {
        "1": 0, "7": 0, "13": 0, "16": 0, "17": 0,
    }  # fmt: skip
    # 2027: a 转出 of branch A and the computer college, a 转入 of the math branch; the school
    # (both sides) sees neither, and its 16 members stay 16.
    assert _change(u.users.orgdept, u.branch_a, "2027-12-31") == {
        "1": 11, "7": 0, "13": 1, "16": 10, "17": 0,
    }  # fmt: skip
    assert _change(u.users.orgdept, u.college, "2027-12-31") == {
        "1": 16, "7": 0, "13": 1, "16": 15, "17": 0,
    }  # fmt: skip
    assert _change(u.users.orgdept, branch_c, "2027-12-31") == {
        "1": 0, "7": 1, "13": 0, "16": 1, "17": 0,
    }  # fmt: skip
    assert _change(u.users.orgdept, u.school, "2027-12-31") == {
        "1": 16, "7": 0, "13": 0, "16": 16, "17": 0,
    }  # fmt: skip
