"""党内统计: the tables of a generated university agree with counts computed here, independently
(plain Python over the member rows, written differently); the checks pass on consistent records
and name the person behind a planted inconsistency (domain file S1–S9, C1–C3)."""

import datetime as dt
from collections import Counter

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from organizations.models import LostContact, Member, MemberStatus, Organization, OrgKind
from oversight.party_statistics.sample import generate_university
from oversight.party_statistics.selectors import Statistics, statistics_view
from procedures.member_development.models import StatusChange

YEAR = 2025
CUTOFF = dt.date(YEAR, 12, 31)
STAFF_ROW = "professional"  # the default mapping of 教职工


@pytest.fixture
def generated(db):
    root = Organization.objects.create(name="生成大学党委", kind=OrgKind.COMMITTEE)
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    made = generate_university(root, members=1200, year=YEAR, seed=7, branches_per_college=3)
    return root, made


def _rows(root):
    """The member rows, each with the date of leaving: `left_on`, or the committee's 开除党籍
    event (which has none) and what it was for."""
    events = {
        m: (on, why)
        for m, on, why in StatusChange.objects.exclude(event="").values_list(
            "member_id", "effective_on", "misconduct"
        )
    }
    rows = list(Member.objects.filter(organization__path__startswith=root.path).values())
    for r in rows:
        on, why = events.get(r["id"], (None, ""))
        r["left"] = r["left_on"] or on
        r["misconduct"] = why
    return rows


def _member_on(r, day):
    if r["status"] not in ("full", "probationary", "removed", "withdrawn", "cancelled", "expelled"):
        return False
    start = r["transferred_in_on"] or r["joined_on"]
    return start <= day and (r["left"] is None or r["left"] > day)


# 学制 when the record has none (the rule set's statistics.programme_years)
STANDARD_YEARS = {"postgraduate": 3, "undergraduate": 4, "college": 3}


def _grade_row(r):
    """The 表7 row of a student on 12-31 (the school year began in September)."""
    in_year = YEAR - r["enrollment_year"] + 1
    length = r["programme_years"] or STANDARD_YEARS[r["student_level"]]
    if in_year >= length:
        return f"{r['student_level']}_graduating"
    return f"{r['student_level']}_{'first' if in_year == 1 else 'other'}"


def _age_column(age):
    if age <= 30:
        return "age_30"
    if age >= 71:
        return "age_71"
    upper = 35 + 5 * ((age - 31) // 5)
    return f"age_{upper}"


def test_tables_agree_with_counts_computed_independently(generated):
    root, _made = generated
    stats = Statistics(root, CUTOFF)
    t = stats.tables
    rows = _rows(root)
    change = t["membership_change"]

    at_end = [r for r in rows if _member_on(r, CUTOFF)]
    opening = sum(_member_on(r, dt.date(YEAR - 1, 12, 31)) for r in rows)
    admitted = [
        r
        for r in rows
        if r["joined_on"] and r["joined_on"].year == YEAR and r["transferred_in_on"] is None
    ]
    transferred = sum(
        bool(r["transferred_in_on"] and r["transferred_in_on"].year == YEAR) for r in rows
    )
    left = sum(bool(r["left"] and r["left"].year == YEAR) for r in rows)
    assert change.value("1", "count") == opening
    assert change.value("3", "count") == len(admitted) > 0
    assert change.value("7", "count") == transferred > 0
    assert change.value("10", "count") == left > 0
    assert change.value("16", "count") == len(at_end)
    assert change.value("15", "count") == opening + len(admitted) + transferred - left
    assert change.value("17", "count") == 0

    basic = t["members_basic"]
    assert basic.value("total", "total") == len(at_end)
    assert basic.value("total", "female") == sum(r["gender"] == "2" for r in at_end)
    assert basic.value("total", "minority") == sum(r["ethnicity"] != "01" for r in at_end)
    assert basic.value("total", "probationary") == sum(
        r["status"] == "probationary" or (r["party_standing_from"] or CUTOFF) > CUTOFF
        for r in at_end
    )
    ages = Counter(_age_column(relativedelta(CUTOFF, r["birth_date"]).years) for r in at_end)
    for col, n in ages.items():
        assert basic.value("total", col) == n, col
    staff = [r for r in at_end if r["person_category"] == "staff"]
    assert basic.value(STAFF_ROW, "total") == basic.value("employed", "total") == len(staff)
    students = [r for r in at_end if r["person_category"] == "student"]
    assert basic.value("student", "female") == sum(r["gender"] == "2" for r in students)

    education = t["members_education"]
    assert education.value("total", "edu_postgraduate") == sum(
        r["education"] in ("11", "14") for r in at_end
    )
    assert education.value("total", "edu_high") == sum(r["education"] == "60" for r in at_end)

    joined = t["members_joined"]
    assert joined.value("total", "j_now") == sum(
        r["joined_on"] >= dt.date(2012, 11, 1) for r in at_end
    )

    new = t["new_members"]
    assert new.value("total", "female") == sum(r["gender"] == "2" for r in admitted)

    stages = {}
    for member_id, status, on in StatusChange.objects.order_by("id").values_list(
        "member_id", "to_status", "effective_on"
    ):
        if on <= CUTOFF:
            stages[member_id] = status
    counted = Counter(stages.values())
    pipeline = t["development"]
    for stage in ("applicant", "activist", "development_object"):
        assert pipeline.value(stage, "total") == counted[stage], stage

    orgs = t["organizations"]
    kinds = Counter(
        Organization.objects.filter(path__startswith=root.path).values_list("kind", flat=True)
    )
    assert orgs.value("count", "branch") == kinds["branch"]
    assert orgs.value("count", "committee") == kinds["committee"]

    # 表7: students on 12-31 by level and grade; the year's new student members likewise.
    students_table = t["students"]
    assert students_table.value("total", "total") == len(students) > 0
    grades = Counter(_grade_row(r) for r in students)
    assert set(grades) >= {"undergraduate_first", "undergraduate_other", "postgraduate_graduating"}
    for row, n in grades.items():
        assert students_table.value(row, "total") == n, row
    levels = Counter(r["student_level"] for r in students)
    assert students_table.value("university", "total") == len(students)
    for level, n in levels.items():
        assert students_table.value(level, "total") == n, level
    new_students = [r for r in admitted if r["person_category"] == "student"]
    assert students_table.value("total", "new_total") == len(new_students) > 0
    assert students_table.value("total", "new_female") == sum(
        r["gender"] == "2" for r in new_students
    )

    # 表11: the year's expulsions and removals by what they were for.
    misconduct = t["exits_by_misconduct"]
    gone = [r for r in rows if r["left"] and r["left"].year == YEAR and r["misconduct"]]
    assert misconduct.value("total", "expelled") == sum(r["status"] == "expelled" for r in gone)
    assert misconduct.value("total", "removed") == sum(r["status"] == "removed" for r in gone)
    assert misconduct.value("total", "total") == len(gone) > 0
    for why, n in Counter(r["misconduct"] for r in gone).items():
        if why != "organizational":  # its row also counts the 其中 违反干部选拔任用规定
            assert misconduct.value(why, "total") == n, why
    assert misconduct.value("organizational", "total") == sum(
        r["misconduct"] in ("organizational", "cadre_selection") for r in gone
    )

    # 表43: members out of contact on 12-31 for 6 months or more (lost by 06-30), not found by then.
    out_of_contact = {}
    for member_id, lost_on, found_on, reason in LostContact.objects.values_list(
        "member_id", "lost_on", "found_on", "reason"
    ):
        if lost_on <= dt.date(YEAR, 6, 30) and (found_on is None or found_on > CUTOFF):
            out_of_contact[member_id] = (lost_on, reason)
    lost_rows = [r for r in at_end if r["id"] in out_of_contact]
    lost_table = t["lost_contact"]
    assert lost_table.value("total", "total") == len(lost_rows) > 0
    assert lost_table.value("institution", "total") == len(lost_rows)
    for reason, n in Counter(out_of_contact[r["id"]][1] for r in lost_rows).items():
        assert lost_table.value("total", reason) == n, reason
    years_lost = Counter(relativedelta(CUTOFF, out_of_contact[r["id"]][0]).years for r in lost_rows)
    assert lost_table.value("total", "lost_1") == years_lost[0]
    assert lost_table.value("total", "lost_5") == sum(years_lost[y] for y in range(1, 6))
    assert lost_table.value("total", "lost_11") == sum(n for y, n in years_lost.items() if y >= 11)

    view = statistics_view(stats)
    assert view["checks_ok"], view["checks"][:3]
    assert view["checks_total"] > 100


@time_machine.travel(dt.datetime(YEAR, 12, 20, 10, tzinfo=dt.UTC), tick=False)
def test_a_planted_inconsistency_is_caught_and_the_person_named(generated):
    root, _made = generated
    # A member struck off with no date on the record: the tables lose them without a decrease.
    person = (
        Member.objects.filter(organization__path__startswith=root.path, status="full")
        .filter(transferred_in_on=None, joined_on__lt=dt.date(YEAR - 1, 1, 1))
        .first()
    )
    Member.objects.filter(pk=person.pk).update(status=MemberStatus.REMOVED, left_on=None)
    # And one whose 学历 is blank: counted in the total, in no band.
    blank = Member.objects.filter(organization__path__startswith=root.path, status="full").exclude(
        pk=person.pk
    )[0]
    Member.objects.filter(pk=blank.pk).update(education="")

    # A student member with no level, and an expulsion recorded without what it was for.
    student = Member.objects.filter(
        organization__path__startswith=root.path, status="full", person_category="student"
    ).exclude(pk__in=[person.pk, blank.pk])[0]
    Member.objects.filter(pk=student.pk).update(student_level="")
    expulsion = StatusChange.objects.filter(
        event="expulsion", effective_on__year=YEAR, member__organization__path__startswith=root.path
    ).first()
    StatusChange.objects.filter(pk=expulsion.pk).update(misconduct="")

    view = statistics_view(Statistics(root, CUTOFF))
    assert not view["checks_ok"]
    failed = {c["text"]: c for c in view["checks"]}
    balance = failed["党员数量变化情况·17 实有数与应有数之差 应为 0（实有数与应有数相符）"]
    assert balance["left"] == -1
    assert [p["name"] for p in balance["people"]] == [person.name]
    assert balance["people"][0]["status_display"] == "除名/自行脱党"
    edu = [c for c in view["checks"] if c["text"].startswith("党员学历·总计·总数 =")]
    assert [p["name"] for p in edu[0]["people"]] == [blank.name]
    level = failed["学生党员情况·总计·党员总数 = 大学生 + 中专生 + 高中、中技学生（党员总数）"]
    assert (level["left"], level["right"]) == (level["right"] + 1, level["right"])
    assert [p["name"] for p in level["people"]] == [student.name]
    why = failed["出党情况（二）·总计·合计 = " + " + ".join(
        ["违反政治纪律", "违反组织纪律", "违反廉洁纪律", "违反群众纪律", "违反工作纪律", "违反生活纪律",
         "理想信念缺失", "政治立场动摇", "宗旨观念淡薄", "工作消极懈怠", "组织纪律散漫", "道德行为不端",
         "其他"]
    ) + "（合计）"]  # fmt: skip
    assert [p["name"] for p in why["people"]] == [expulsion.member.name]
