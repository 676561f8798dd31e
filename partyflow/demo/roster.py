"""The roster fields of each demo person (性别, 民族, 出生日期, 学历, 学位, 人员类别, 籍贯, 入党日期,
党龄起算日期), chosen deterministically from the person's number and branch kind so that a second
seeding writes the same people, and consistent with one another and with the status: a full member
joined at 18 or later and became full one year on (party_standing_from), a probationary member joined
within the last year, a student's 学历 is the highest one certified (S6: an undergraduate's is 高中)."""

from __future__ import annotations

import datetime as dt

from organizations.models import BranchKind, MemberStatus

NATIVE_PLACES = (
    "江苏南京",
    "山东济南",
    "湖北武汉",
    "浙江杭州",
    "河南郑州",
    "四川成都",
    "湖南长沙",
    "安徽合肥",
    "河北石家庄",
    "陕西西安",
    "福建福州",
    "江西南昌",
    "广东广州",
    "辽宁沈阳",
    "山西太原",
    "吉林长春",
    "黑龙江哈尔滨",
    "重庆万州",
    "江苏扬州",
    "山东潍坊",
)
# Every few people one of an ethnic minority, with a native place where the group lives.
MINORITIES = (
    ("03", "宁夏银川"),
    ("08", "广西南宁"),
    ("11", "辽宁沈阳"),
    ("06", "贵州凯里"),
    ("15", "湖南张家界"),
    ("02", "内蒙古呼和浩特"),
)
# (youngest, span of ages) by branch kind; the age is the person's on the seeding day.
AGES = {
    BranchKind.STUDENT: (20, 6),
    BranchKind.RETIRED: (63, 18),
    BranchKind.TEMPORARY: (26, 12),
}
STAFF_AGES = (29, 28)
CANDIDATE_STATUSES = (
    MemberStatus.APPLICANT,
    MemberStatus.ACTIVIST,
    MemberStatus.DEVELOPMENT_OBJECT,
)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 2-29
        return dt.date(day.year - years, 2, 28)


def roster_fields(n: int, branch_kind: str, status: str, today: dt.date, fields: dict) -> dict:
    """The roster fields of the demo's `n`-th person; what `fields` already says is kept."""
    out = dict(fields)
    out.setdefault("gender", "2" if n % 5 in (1, 3) else "1")
    if n % 7 == 4:
        ethnicity, place = MINORITIES[(n // 7) % len(MINORITIES)]
    else:
        ethnicity, place = "01", NATIVE_PLACES[(n * 3) % len(NATIVE_PLACES)]
    out.setdefault("ethnicity", ethnicity)
    out.setdefault("native_place", place)

    student = branch_kind == BranchKind.STUDENT or (
        status in CANDIDATE_STATUSES and branch_kind != BranchKind.RETIRED and n % 2 == 0
    )
    low, span = AGES.get(branch_kind, STAFF_AGES)
    if student:
        low, span = (19, 3) if status in CANDIDATE_STATUSES else AGES[BranchKind.STUDENT]
    age = low + (n * 5) % span
    out.setdefault("birth_date", _years_before(today, age) - dt.timedelta(days=(n * 37) % 300))
    birth = out["birth_date"]
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

    if branch_kind == BranchKind.RETIRED:
        category, education, degree = "retired", ("20", "30", "14", "20")[n % 4], ""
        degree = {"20": "4", "14": "3"}.get(education, "")
    elif student:
        category = "student"
        # The highest 学历 certified: an undergraduate's is 高中, a graduate student's 本科.
        education, degree = ("20", "4") if age >= 23 else ("60", "")
    else:
        category = "staff"
        if branch_kind == BranchKind.TEACHING:
            education, degree = ("11", "2") if n % 4 else ("14", "3")
        else:
            education, degree = (("14", "3"), ("20", "4"), ("14", "3"))[n % 3]
    out.setdefault("person_category", category)
    out.setdefault("education", education)
    out.setdefault("degree", degree)
    if out["person_category"] == "student":  # 党统 表7: the level and the year of enrolment
        graduate = age >= 23
        out.setdefault("student_level", "postgraduate" if graduate else "undergraduate")
        years_in = max(0, min(age - (22 if graduate else 18), 2 if graduate else 3))
        out.setdefault("enrollment_year", today.year - years_in - (0 if today.month >= 9 else 1))

    if status == MemberStatus.PROBATIONARY:
        out.setdefault("joined_on", today - dt.timedelta(days=100 + n % 200))
    elif status == MemberStatus.FULL:
        # Joined between 18 and two years ago (a student at 18 to 20), full one year later.
        latest = min(age - 2, 20) if student else age - 2
        joined_age = 18 + (n * 7) % max(1, latest - 18 + 1)
        joined = _years_before(today, age - joined_age) - dt.timedelta(days=(n * 53) % 200)
        out.setdefault("joined_on", max(joined, _years_before(birth, -18) + dt.timedelta(days=1)))
        out.setdefault("party_standing_from", _years_before(out["joined_on"], -1))
    return out
