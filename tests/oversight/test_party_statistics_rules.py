"""党内统计 rules on hand-made records (plain rows, no database): S3 (which year a new member
counts in, a setting), S5 (age in full years on the cut-off), and a transfer dated after leaving
caught by the year's balance (C1, cell 17)."""

import datetime as dt

from oversight.party_statistics.checks import run_checks
from oversight.party_statistics.config import StatisticsConfig
from oversight.party_statistics.records import Person
from oversight.party_statistics.tables import compute

D = dt.date
TODAY = D(2027, 3, 1)


def person(pk, **kw) -> Person:
    base = dict(
        id=pk, name=f"人{pk}", organization_id=1, status="full", gender="1", ethnicity="01",
        education="20", category="staff", birth_date=D(1990, 1, 1), joined_on=D(2010, 5, 1),
        standing_from=D(2011, 5, 1), transferred_in_on=None, extension_months=None,
        admitted_on=None, exit_on=None, history=(),
    )  # fmt: skip
    base.update(kw)
    if base["admitted_on"] is None:
        base["admitted_on"] = base["joined_on"]
    return Person(**base)


def run(people, cutoff=D(2026, 12, 31), **config):
    comp = compute(
        people, [], root_id=1, cutoff=cutoff, today=TODAY, config=StatisticsConfig(**config)
    )
    return comp, run_checks(comp)


def test_a_vote_in_december_approved_in_january_counts_in_the_year_of_approval():
    # Voted 2026-12-20, approved 2027-01-08: by approval (default) next year, by vote this year.
    p = person(1, status="probationary", joined_on=D(2026, 12, 20), admitted_on=D(2027, 1, 8),
               standing_from=None)  # fmt: skip
    comp, checks = run([p])
    assert comp.tables["membership_change"].value("3", "count") == 0
    assert comp.tables["membership_change"].value("16", "count") == 0
    nxt, _ = run([p], cutoff=D(2027, 12, 31))
    assert nxt.tables["membership_change"].value("3", "count") == 1
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    by_vote = person(1, status="probationary", joined_on=D(2026, 12, 20), standing_from=None)
    comp, checks = run([by_vote], admission_counted_on="vote")
    assert comp.tables["membership_change"].value("3", "count") == 1
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_age_is_in_full_years_on_the_cut_off():
    turns_31_on_cutoff = person(1, birth_date=D(1995, 12, 31))
    turns_31_after = person(2, birth_date=D(1996, 1, 1))
    comp, _ = run([turns_31_on_cutoff, turns_31_after])
    basic = comp.tables["members_basic"]
    assert basic.cell_people("total", "age_35") == [1]
    assert basic.cell_people("total", "age_30") == [2]


def test_a_transfer_dated_after_leaving_is_named_by_the_years_balance():
    wrong = person(7, status="removed", exit_on=D(2025, 6, 1), transferred_in_on=D(2026, 3, 1))
    comp, checks = run([wrong, person(8)])
    change = comp.tables["membership_change"]
    assert change.value("17", "count") == -1
    failed = [c for c in checks if not c.ok]
    assert [c.people for c in failed] == [[7]]


def test_a_member_transferred_out_in_the_year_is_a_decrease_under_transfer_out_not_leaving():
    # P7: the receipt came back on 2026-07-01; the member counted at the opening, not at the close.
    gone = person(1, status="transferred_out", exit_on=D(2026, 7, 1))
    stays = person(2)
    comp, checks = run([gone, stays])
    change = comp.tables["membership_change"]
    assert change.value("1", "count") == 2
    assert change.value("13", "count") == 1
    assert change.value("10", "count") == 0
    assert change.value("9", "count") == 1
    assert change.value("16", "count") == 1
    assert comp.tables["changes"].cell_people("transferred_out", "count") == [1]
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_status_events_count_in_the_year_of_their_date_and_the_year_balances():
    # Planted: 1 died 2026-03-10; 2 suspended (停止党籍) 2026-05-01; 3 suspended 2025-08-01 and
    # restored 2026-09-01; 4 expelled 2027-01-05 (after the cut-off); 5 stays.
    # By hand: opening (2025-12-31) = 1, 2, 4, 5 = 4; increases = 恢复党籍 3 = 1 (其中 停止党籍后
    # 恢复 1); decreases = 死亡 1 + 停止党籍 2 = 2; closing = 3, 4, 5 = 3 = 4 + 1 − 2.
    died = person(1, status="deceased", moves=((D(2026, 3, 10), "12", "deceased", False),))
    suspended = person(2, status="suspended", moves=((D(2026, 5, 1), "11", "suspended", False),))
    restored = person(
        3,
        moves=(
            (D(2025, 8, 1), "11", "suspended", False),
            (D(2026, 9, 1), "5", "restored", True),
        ),
    )
    expelled = person(4, status="expelled", moves=((D(2027, 1, 5), "10", "expelled", False),))
    comp, checks = run([died, suspended, restored, expelled, person(5)])
    change = comp.tables["membership_change"]
    cells = {r: change.value(r, "count") for r in ("1", "2", "5", "6", "9", "10", "11", "12")}
    assert cells == {"1": 4, "2": 1, "5": 1, "6": 1, "9": 2, "10": 0, "11": 1, "12": 1}
    assert change.value("15", "count") == 3 and change.value("16", "count") == 3
    assert change.value("17", "count") == 0
    assert change.cell_people("16", "count") == [3, 4, 5]
    changes = comp.tables["changes"]
    assert [changes.cell_people(k, "count") for k in ("restored", "suspended", "deceased")] == [
        [3],
        [2],
        [1],
    ]
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    nxt, checks = run([died, suspended, restored, expelled, person(5)], cutoff=D(2027, 12, 31))
    assert nxt.tables["membership_change"].cell_people("10", "count") == [4]
    assert nxt.tables["membership_change"].value("1", "count") == 3
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_probations_and_exits_of_the_year_fill_tables_15_and_10():
    # 1 converted on time; 2 extended 6 months at the end of its year, the extension over and not
    # yet decided; 3 cancelled when its year ended; 4 cancelled before its year ended; 5 converted
    # at the end of a 12-month extension; 6 expelled on 2026-07-01, aged 56, joined in 2010.
    people = [
        person(1, status="full", joined_on=D(2025, 3, 1), standing_from=D(2026, 3, 1)),
        person(2, status="probationary", joined_on=D(2025, 2, 1), standing_from=None,
               extension_months=6),
        person(3, status="cancelled", joined_on=D(2025, 6, 1), standing_from=None,
               exit_on=D(2026, 6, 1)),
        person(4, status="cancelled", joined_on=D(2026, 1, 10), standing_from=None,
               exit_on=D(2026, 9, 1)),
        person(5, status="full", joined_on=D(2024, 4, 1), standing_from=D(2026, 4, 1),
               extension_months=12),
        person(6, status="expelled", birth_date=D(1970, 1, 1),
               moves=((D(2026, 7, 1), "10", "expelled", False),)),
    ]  # fmt: skip
    comp, checks = run(people)
    probation = comp.tables["probation"]
    # By hand: 预备期满 = 1, 2 (twice: extended, then pending), 3, 5 = 5; 已审批 = 1, 2, 3, 5 = 4.
    assert {k: probation.value("count", k) for k, _l in probation.cols} == {
        "due": 5, "approved": 4, "converted": 2, "converted_regular": 1,
        "converted_extended": 1, "converted_delayed": 0, "extended": 1, "cancelled": 1,
        "pending": 1, "cancelled_early": 1,
    }  # fmt: skip
    exits = comp.tables["exits"]
    assert exits.cell_people("total", "total") == [3, 4, 6]
    assert exits.cell_people("total", "cancelled") == [3, 4]
    assert exits.cell_people("total", "expelled") == [6]
    assert exits.cell_people("xage_54", "total") == [3, 4]  # 36 on the day each left
    assert exits.cell_people("xage_59", "expelled") == [6]
    assert exits.cell_people("j_2012", "total") == [6]
    assert comp.tables["membership_change"].value("10", "count") == 3
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
