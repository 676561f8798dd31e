"""The case row lock covers one case only: other cases of the same process are not blocked."""

import threading

import pytest
import time_machine
from django.db import connection, transaction

from workflows.models import Case
from workflows.services import timer_fire_case
from workflows.services.state import locked_case

from ..helpers import cst
from ..procedures.election_helpers import start_election


@pytest.mark.django_db(transaction=True)
def test_locking_one_case_does_not_block_another_case_of_the_same_process(api, university):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs this on PostgreSQL)")
    u = university
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        a = start_election(api(u.users.sec_a), u.branch_a)
        b = start_election(api(u.users.sec_b), u.branch_b)
    locked, release, result = threading.Event(), threading.Event(), {}

    def hold_a():
        try:
            with transaction.atomic():
                locked_case(a["id"]).get()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_a)
    holder.start()
    assert locked.wait(10)
    try:
        with time_machine.travel(cst(2026, 9, 2, 9), tick=False):
            result["b"] = timer_fire_case(
                case_id=b["id"]
            )  # skip_locked: would be None if b were blocked
            result["a"] = timer_fire_case(case_id=a["id"])  # a is held: skipped, not waited for
    finally:
        release.set()
        holder.join()
    assert result["b"] is not None and [t["timer"] for t in result["b"]["fired_timers"]] == [
        "换届提醒"
    ]
    assert result["a"] is None
    assert Case.objects.get(pk=b["id"]).tasks.filter(status="open").count() == 1
