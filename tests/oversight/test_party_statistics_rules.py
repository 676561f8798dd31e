"""党内统计 rules on hand-made records (plain rows, no database): S3 (which year a new member
counts in, a setting), S5 (age in full years on the cut-off), and a transfer dated after leaving
caught by the year's balance (C1, cell 17)."""

import datetime as dt

from organizations.rules import deployment_rule_set
from organizations.students import student_grade
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
    expelled = person(
        4,
        status="expelled",
        moves=((D(2027, 1, 5), "10", "expelled", False),),
        misconduct="integrity",
    )
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
               moves=((D(2026, 7, 1), "10", "expelled", False),),
               misconduct="cadre_selection"),
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
    # 表11: the expulsion, under 违反组织纪律 and its 其中 违反干部选拔任用规定; the
    # cancellations are not its kinds.
    why = comp.tables["exits_by_misconduct"]
    assert why.cell_people("total", "total") == [6]
    assert why.cell_people("organizational", "expelled") == [6]
    assert why.cell_people("cadre_selection", "expelled") == [6]
    assert why.value("integrity", "total") == 0
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_a_students_grade_is_worked_out_for_the_cut_off_from_enrolment_and_programme_length():
    rules = deployment_rule_set()

    def grade(level, enrolled, years, on):
        return student_grade(
            level=level, enrollment_year=enrolled, programme_years=years, on=on, rules=rules
        )

    # By hand (school year from September; 学制 4 for 本科, 3 for 研究生 and 专科 by default):
    assert grade("undergraduate", 2026, None, D(2026, 12, 31)) == "first"
    assert grade("undergraduate", 2026, None, D(2026, 6, 30)) is None  # not yet enrolled
    assert grade("undergraduate", 2023, None, D(2026, 12, 31)) == "graduating"  # 4th of 4
    assert grade("undergraduate", 2023, None, D(2026, 6, 30)) == "other"  # 3rd of 4
    assert grade("undergraduate", 2023, 5, D(2026, 12, 31)) == "other"  # 4th of 5
    assert grade("postgraduate", 2025, 2, D(2026, 12, 31)) == "graduating"  # 2nd of 2
    assert grade("college", 2024, None, D(2026, 6, 30)) == "other"  # 2nd of 3
    assert grade("college", 2020, None, D(2026, 12, 31)) == "graduating"  # past the end
    assert grade("college", None, None, D(2026, 12, 31)) is None


def test_table_7_counts_students_by_level_and_grade_and_names_one_without_a_level():
    students = [
        person(1, category="student", gender="2", student_level="undergraduate",
               enrollment_year=2026, joined_on=D(2026, 10, 1), standing_from=None,
               status="probationary"),
        person(2, category="student", student_level="postgraduate", enrollment_year=2024,
               ethnicity="03"),
        person(3, category="student", student_level="high", enrollment_year=2025),
        person(4, category="student"),  # no level on the record
        person(5, category="staff", student_level="undergraduate", enrollment_year=2026),
    ]  # fmt: skip
    comp, checks = run(students)
    t = comp.tables["students"]
    # By hand: 1–4 are students (5 is staff); 1 is in 本科 一年级 and admitted this year, 2 in
    # 研究生 毕业年级 (2024 + 3 years), 3 in 高中、中技, 4 in the total only.
    assert t.cell_people("total", "total") == [1, 2, 3, 4]
    assert t.cell_people("university", "total") == [1, 2]
    assert t.cell_people("undergraduate", "total") == [1]
    assert t.cell_people("undergraduate_first", "female") == [1]
    assert t.cell_people("postgraduate_graduating", "minority") == [2]
    assert t.cell_people("high", "total") == [3]
    assert t.cell_people("total", "new_total") == [1]
    assert t.cell_people("undergraduate_first", "new_female") == [1]
    # The one check that fails is 总计 = 大学生 + 中专生 + 高中、中技学生 (党员总数), naming 4.
    failed = [c for c in checks if not c.ok]
    assert [(c.code, c.cells[0], c.people) for c in failed] == [
        ("C2", ("students", "total", "total"), [4])
    ]


def test_table_43_counts_members_out_of_contact_for_six_months_on_the_cut_off():
    cutoff = D(2026, 12, 31)
    people = [
        # lost 6 months before the cut-off to the day: counted (6个月以上不满1年)
        person(1, lost=((D(2026, 6, 30), None, "migrant_work"),), gender="2"),
        # lost a day later: not yet 6 months
        person(2, lost=((D(2026, 7, 1), None, "migrant_work"),)),
        # found again on the cut-off: not counted
        person(3, lost=((D(2020, 1, 1), D(2026, 12, 31), "moved"),)),
        # lost 12 years, a student who graduated: 11年及以上, and in the graduates' row
        person(4, lost=((D(2014, 3, 1), None, "graduated_unknown"),), category="student",
               student_level="undergraduate", enrollment_year=2010,
               birth_date=D(1992, 5, 1), standing_from=D(2013, 6, 1)),
        # probationary, lost 2 years ago: 党龄 under 1 year
        person(5, status="probationary", joined_on=D(2024, 1, 1), standing_from=None,
               lost=((D(2024, 11, 1), None, "abroad"),)),
        # found once, lost again
        person(6, lost=((D(2015, 1, 1), D(2016, 1, 1), "other"), (D(2019, 5, 1), None, "other"))),
    ]  # fmt: skip
    comp, checks = run(people, cutoff=cutoff)
    t = comp.tables["lost_contact"]
    assert t.cell_people("total", "total") == [1, 4, 5, 6]
    assert t.cell_people("institution", "total") == [1, 4, 5, 6]
    assert t.cell_people("graduates", "total") == [4]
    assert t.cell_people("total", "female") == [1]
    assert t.cell_people("total", "probationary") == [5]
    # 实足 years lost on 2026-12-31: 1 → 0, 5 → 2, 6 → 7, 4 → 12
    assert t.cell_people("total", "lost_1") == [1]
    assert t.cell_people("total", "lost_5") == [5]
    assert t.cell_people("total", "lost_10") == [6]
    assert t.cell_people("total", "lost_11") == [4]
    # 党龄 from 转正: 1, 6 → 2011-05-01 → 15 years; 4 → 2013-06-01 → 13; 5 probationary
    assert t.cell_people("total", "standing_20") == [1, 4, 6]
    assert t.cell_people("total", "standing_1") == [5]
    # age: born 1990 → 36; 4 born 1992-05-01 → 34
    assert t.cell_people("total", "lage_45") == [1, 5, 6]
    assert t.cell_people("total", "lage_35") == [4]
    assert t.cell_people("total", "migrant_work") == [1]
    assert t.cell_people("total", "abroad") == [5]
    assert t.cell_people("total", "ledu_college") == [1, 4, 5, 6]
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
