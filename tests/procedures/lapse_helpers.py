"""Self-lapse cases driven to the strike-off vote, for the procedure and page tests."""

import datetime as dt

import time_machine

from orglife.services import dues_record

from ..helpers import complete, cst, only_task, run_timers

MONTHS = [dt.date(2026, m, 1) for m in range(1, 8)]  # Jan-Jul 2026


def pay_dues(u, members, months):
    with time_machine.travel(cst(2026, 8, 1, 9), tick=False):
        for m in members:
            for month in months:
                dues_record(
                    actor=u.users.sec_a,
                    member=m,
                    month=month,
                    amount="10",
                    paid_on=dt.date(2026, 7, 31),
                )


def start_strike_off(u, api, target):
    pay_dues(u, [m for m in [*u.full_a, u.probationary, u.suspended] if m != target], MONTHS)
    run_timers(cst(2026, 8, 3, 9))
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 8, 10, 9), tick=False):
        complete(
            sec,
            only_task(sec, "review_lapse")["id"],
            {"decision": "propose_strike_off", "reason": "无正当理由连续六个月不交纳党费"},
        )
    return sec
