"""The tables, computed in plain Python over the rows of `records` for a cut-off date, each cell
holding the people (or organizations) it counts. Tables are keyed by name; `source` is the table's
place in the DT-2017 edition (rules S1–S9 of the domain file).

The year of a cut-off is the twelve months ending on it: 1-01 to 12-31 for the annual 党统,
7-01 to 6-30 for the Ministry of Education's report as of 6-30.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.text import format_lazy

from engine.i18n import _
from engine.rules import RuleSet
from organizations.codes import LostContactReason, Misconduct, StudentGrade, StudentLevel
from organizations.models import MemberStatus
from organizations.rules import deployment_rule_set
from organizations.students import student_grade
from procedures.member_development.models import StatusEvent

from .config import StatisticsConfig
from .records import DEVELOPMENT, IN_PARTY, INCREASES, LEFT, TRANSFERRED_OUT, Org, Person

MEMBERS = "members"
ORGANIZATIONS = "organizations"


@dataclass
class Table:
    key: str
    title: str
    source: str
    rows: list[tuple[str, str]]
    cols: list[tuple[str, str]]
    subject: str = MEMBERS
    # The people (or organizations) behind each cell; a cell's number is their count unless
    # `values` says otherwise (arithmetic rows of 党员数量变化情况).
    people: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    values: dict[tuple[str, str], int] = field(default_factory=dict)
    # Column groups whose cells add up to the `total` column (exclusive bands: age, 学历 …) and row
    # groups whose cells add up to their parent row (C2).
    col_groups: list[tuple[str, list[str]]] = field(default_factory=list)
    row_groups: list[tuple[str, list[str]]] = field(default_factory=list)
    subsets: list[str] = field(default_factory=list)  # columns that are a "其中" of total
    notes: list[str] = field(default_factory=list)

    def add(self, row: str, col: str, pk: int) -> None:
        self.people[(row, col)].append(pk)

    def value(self, row: str, col: str) -> int:
        if (row, col) in self.values:
            return self.values[(row, col)]
        return len(self.people.get((row, col), ()))

    def cell_people(self, row: str, col: str) -> list[int]:
        return self.people.get((row, col), [])

    def matrix(self) -> list[list[int]]:
        return [[self.value(r, c) for c, _l in self.cols] for r, _l in self.rows]


@dataclass
class Computation:
    root_id: int
    cutoff: dt.date
    year_start: dt.date
    tables: dict[str, Table]
    config: StatisticsConfig
    checks: list = field(default_factory=list)


# --- bands --------------------------------------------------------------------------------------


def age_on(birth: dt.date, on: dt.date) -> int:
    """实足年龄 on the cut-off date (S5)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _bands(spec):
    """[(key, label, low, high)] → a function of a value giving its band key (None: no band)."""

    def band(value):
        if value is None:
            return None
        for key, _label, low, high in spec:
            if (low is None or value >= low) and (high is None or value <= high):
                return key
        return None

    return band


AGE_BANDS = [
    ("age_30", _("30岁及以下"), None, 30),
    ("age_35", _("31—35岁"), 31, 35),
    ("age_40", _("36—40岁"), 36, 40),
    ("age_45", _("41—45岁"), 41, 45),
    ("age_50", _("46—50岁"), 46, 50),
    ("age_55", _("51—55岁"), 51, 55),
    ("age_60", _("56—60岁"), 56, 60),
    ("age_65", _("61—65岁"), 61, 65),
    ("age_70", _("66—70岁"), 66, 70),
    ("age_71", _("71岁及以上"), 71, None),
]
NEW_MEMBER_AGE_BANDS = [
    ("nage_25", _("25岁及以下"), None, 25),
    ("nage_30", _("26—30岁"), 26, 30),
    ("nage_35", _("31—35岁"), 31, 35),
    ("nage_40", _("36—40岁"), 36, 40),
    ("nage_59", _("41—59岁"), 41, 59),
    ("nage_60", _("60岁及以上"), 60, None),
]
JOINED_BANDS = [
    ("j_1937", _("1937年7月6日及以前"), None, dt.date(1937, 7, 6)),
    ("j_1945", _("1937年7月7日至1945年9月2日"), dt.date(1937, 7, 7), dt.date(1945, 9, 2)),
    ("j_1949", _("1945年9月3日至1949年9月"), dt.date(1945, 9, 3), dt.date(1949, 9, 30)),
    ("j_1966", _("1949年10月至1966年4月"), dt.date(1949, 10, 1), dt.date(1966, 4, 30)),
    ("j_1976", _("1966年5月至1976年10月"), dt.date(1966, 5, 1), dt.date(1976, 10, 31)),
    ("j_1978", _("1976年11月至1978年12月"), dt.date(1976, 11, 1), dt.date(1978, 12, 31)),
    ("j_2002", _("1979年1月至2002年10月"), dt.date(1979, 1, 1), dt.date(2002, 10, 31)),
    ("j_2012", _("2002年11月至2012年10月"), dt.date(2002, 11, 1), dt.date(2012, 10, 31)),
    ("j_now", _("2012年11月及以后"), dt.date(2012, 11, 1), None),
]
EDUCATION_BANDS = [
    ("edu_postgraduate", _("研究生")),
    ("edu_undergraduate", _("大学本科")),
    ("edu_college", _("大学专科")),
    ("edu_secondary", _("中专")),
    ("edu_high", _("高中、中技")),
    ("edu_junior", _("初中及以下")),
]
# GB/T 4658 学历 codes → the 6 bands (S6: the highest certified 学历 on the record); 90 其他 and a
# blank field have no band, and the check names the people.
EDUCATION_OF = {
    "10": "edu_postgraduate",
    "11": "edu_postgraduate",
    "14": "edu_postgraduate",
    "20": "edu_undergraduate",
    "30": "edu_college",
    "40": "edu_secondary",
    "60": "edu_high",
    "70": "edu_junior",
    "80": "edu_junior",
}
age_band = _bands(AGE_BANDS)
new_age_band = _bands(NEW_MEMBER_AGE_BANDS)
joined_band = _bands(JOINED_BANDS)

OCCUPATION_ROWS = [
    ("total", _("总计")),
    ("employed", _("一、在岗职工")),
    ("management", _("其中：事业单位管理人员")),
    ("professional", _("事业单位专业技术人员")),
    ("worker", _("工勤技能人员")),
    ("student", _("四、学生")),
    ("retired", _("五、离退休人员")),
    ("other", _("六、其他")),
]
OCCUPATION_GROUPS = [
    ("total", ["employed", "student", "retired", "other"]),
    ("employed", ["management", "professional", "worker"]),
]


def occupation_rows(category: str, config: StatisticsConfig) -> tuple[str, ...]:
    """The rows a person counts in, 总计 first (*inferred* university mapping; blank: 总计 only)."""
    if category == "staff":
        return ("total", "employed", config.staff_occupation)
    if category in ("student", "retired", "other"):
        return ("total", category)
    return ("total",)


def minority(ethnicity: str) -> bool:
    return ethnicity not in ("", "01", "97", "98")


# --- membership over time ------------------------------------------------------------------------


def entry_on(p: Person) -> dt.date | None:
    return p.transferred_in_on or p.admitted_on


def moves_of(p: Person) -> tuple:
    """The person's dated increases and decreases after the entry, in date order: the status events
    (death, 停止党籍, 恢复党籍, 出党) and the moves across the subtree's edge (转入, 转出 within the
    university), then an exit the events do not hold (出党, 转出: `exit_on`)."""
    if p.exit_on is None:
        return p.moves
    return (*p.moves, (p.exit_on, "13" if p.status == TRANSFERRED_OUT else "10", p.status, False))


def in_party(p: Person, on: dt.date, today: dt.date) -> bool:
    """Whether the records place the person in the Party (in this subtree) on `on`: from the entry,
    what the last increase or decrease by `on` left (before the first one, the opposite of what it
    did)."""
    entry = p.transferred_in_on or p.admitted_on
    if p.status in IN_PARTY:
        if not p.moves:  # the common case: in since the entry
            return entry is None or entry <= on
    elif p.status not in LEFT:
        return False
    if entry is not None and entry > on:
        return False
    moves = moves_of(p)
    if moves:
        state = moves[0][1] not in INCREASES
        for when, row, *_rest in moves:
            if when > on:
                return state
            state = row in INCREASES
        if state and p.status not in IN_PARTY:
            return on < today  # left after the last event, no date on the record (C5)
        return state
    return on < today  # left, no date on the record: no dated decrease (C5)


def probationary_on(p: Person, on: dt.date) -> bool:
    if p.status == "probationary" or p.status == "cancelled":
        return True
    return p.standing_from is not None and p.standing_from > on


def stage_on(p: Person, on: dt.date) -> str | None:
    """The development stage (申请人, 积极分子, 发展对象) on `on`, from the status history; a
    record with no history counts at its current status."""
    if not p.history:
        return p.status if p.status in DEVELOPMENT else None
    stage = None
    for when, status in p.history:
        if when <= on:
            stage = status
    return stage if stage in DEVELOPMENT else None


def _in(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end


def year_start(cutoff: dt.date) -> dt.date:
    try:
        return cutoff.replace(year=cutoff.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 2-29
        return dt.date(cutoff.year - 1, 3, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise ValueError(day)


# --- the tables ---------------------------------------------------------------------------------

CHANGE_ROWS = [
    ("1", _("1 上年底总数")),
    ("2", _("2 本年增加")),
    ("3", _("3 发展党员")),
    ("4", _("4 其中：重新入党")),
    ("5", _("5 恢复党籍")),
    ("6", _("6 其中：停止党籍后恢复")),
    ("7", _("7 转入组织关系")),
    ("8", _("8 其中：整建制转入")),
    ("9", _("9 本年减少")),
    ("10", _("10 出党")),
    ("11", _("11 停止党籍")),
    ("12", _("12 死亡")),
    ("13", _("13 转出组织关系")),
    ("14", _("14 其中：整建制转出")),
    ("15", _("15 本年底应有数")),
    ("16", _("16 本年底实有数")),
    ("17", _("17 实有数与应有数之差")),
]
COUNT = [("count", _("人数"))]
# The rows of 本年党员变动: each dated change of the year, by kind.
CHANGES_ROWS = [
    ("admitted", _("发展党员")),
    ("transferred_in", _("转入组织关系")),
    ("converted", _("预备党员转正")),
    ("extended", _("延长预备期")),
    ("cancelled", MemberStatus.CANCELLED.label),
    ("restored", StatusEvent.RESTORATION.label),
    ("expelled", MemberStatus.EXPELLED.label),
    ("removed", _("除名、自行脱党")),
    ("withdrawn", MemberStatus.WITHDRAWN.label),
    ("suspended", MemberStatus.SUSPENDED.label),
    ("deceased", MemberStatus.DECEASED.label),
    ("transferred_out", _("转出组织关系")),
]
NO_RECORD_NOTE = _(
    "重新入党及整建制转入、转出在本系统中尚无记录，这些栏按 0 计；死亡、停止党籍、恢复党籍、开除党籍和除名按党委登记的日期计入当年；转出组织关系取自组织关系转接（转出后回执已退回）。"
)


MOVES_NOTE = _(
    "校内支部之间的组织关系转接按接收日期计：统计日期之后转走的党员仍计入原支部；只有跨出或跨入所统计范围的转接才计为转出或转入。"
)


# 表15 预备党员转正情况 (DT-2017): the probations that ended in the year, by what was decided
# (C4: 预备期满 = 已审批合计 + 尚未讨论或审批; 合计 = 转正 three ways + 延长 + 取消), and apart from
# them the probations cancelled before they ended.
PROBATION_COLS = [
    ("due", _("预备期满的党员")),
    ("approved", _("已经上级党组织审批：合计")),
    ("converted", _("转正")),
    ("converted_regular", _("其中：转为正式党员")),
    ("converted_extended", _("延长预备期转正")),
    ("converted_delayed", _("推迟讨论转正")),
    ("extended", _("延长预备期")),
    ("cancelled", MemberStatus.CANCELLED.label),
    ("pending", _("尚未讨论或审批")),
    ("cancelled_early", _("预备期未满被取消预备党员资格")),
]
PROBATION_NOTE = _(
    "预备期满按入党满一年之日（延长的，按延长期满之日）计入当年；转正按党龄起算日期计。推迟讨论转正在本系统中尚无记录，按 0 计（推断的表头，见领域文件 C4）。"
)
# 表10 出党情况（一） (DT-2017): who left the Party in the year, by kind, age and time of joining.
EXIT_COLS = [
    ("total", _("合计")),
    ("expelled", MemberStatus.EXPELLED.label),
    ("quit_removed", _("退党除名")),
    ("withdrawn", MemberStatus.WITHDRAWN.label),
    ("refused_removed", _("劝而不退除名")),
    ("removed", _("自行脱党除名")),
    ("lost_contact", _("其中：经多方查找确实无法取得联系")),
    ("cancelled", MemberStatus.CANCELLED.label),
    ("not_recognised", _("不予承认")),
]
EXIT_AGE_BANDS = [
    ("xage_35", _("35岁及以下"), None, 35),
    ("xage_54", _("36—54岁"), 36, 54),
    ("xage_59", _("55—59岁"), 55, 59),
    ("xage_60", _("60岁及以上"), 60, None),
]
EXIT_ROWS = [
    ("total", _("总计")),
    *[(k, lab) for k, lab, *_r in EXIT_AGE_BANDS],
    *[(k, lab) for k, lab, *_r in JOINED_BANDS],
]
# The statuses and events that are 出党 (table 1 row 10), by the column of table 10 they count in.
EXIT_KIND = {
    "expelled": "expelled",
    "removed": "removed",
    "withdrawn": "withdrawn",
    "cancelled": "cancelled",
}
EXIT_NOTE = _(
    "除名按自行脱党除名计（本系统的除名记录不区分退党除名、劝而不退除名，推断）；“经多方查找确实无法取得联系”和不予承认在本系统中尚无记录，按 0 计。厅局级、县处级两行未建（本系统无干部级别记录）。"
)
exit_age_band = _bands(EXIT_AGE_BANDS)


def _count_exit(exits: Table, key: str, p: Person, on: dt.date) -> None:
    """A person who left the Party (出党) on `on`, by kind, age on that day and time of joining."""
    col = EXIT_KIND.get(key)
    if col is None:
        return
    rows = ["total"]
    band = exit_age_band(age_on(p.birth_date, on)) if p.birth_date else None
    if band:
        rows.append(band)
    j = joined_band(p.joined_on)
    if j:
        rows.append(j)
    for r in rows:
        exits.add(r, "total", p.id)
        exits.add(r, col, p.id)


def _count_probation(probation: Table, p: Person, start: dt.date, cutoff: dt.date) -> None:
    """What was decided in the year on the person's probation (表15): the probation ends a year
    after admission (DEV-2014 Art. 33), or at the end of its extension."""
    first_end = add_months(p.joined_on, 12)
    end = add_months(first_end, p.extension_months) if p.extension_months else first_end
    cancelled_on = p.exit_on if p.status == "cancelled" else None
    cols = []
    if _in(p.standing_from, start, cutoff):
        kind = "converted_extended" if p.extension_months else "converted_regular"
        cols += ["due", "approved", "converted", kind]
    if p.extension_months and _in(first_end, start, cutoff):
        cols += ["due", "approved", "extended"]
    if _in(cancelled_on, start, cutoff):
        cols += ["cancelled_early"] if cancelled_on < end else ["due", "approved", "cancelled"]
    decided = (p.standing_from is not None and p.standing_from <= cutoff) or (
        cancelled_on is not None and cancelled_on <= cutoff
    )
    if _in(end, start, cutoff) and not decided and p.status != "cancelled":
        cols += ["due", "pending"]
    for c in cols:
        probation.add("count", c, p.id)


# 表7 学生党员情况 (DT-2017): student members on the cut-off date and the students admitted in the
# year, by level and by the grade computed for the cut-off date (`organizations.students`).
UNIVERSITY_LEVELS = (StudentLevel.POSTGRADUATE, StudentLevel.UNDERGRADUATE, StudentLevel.COLLEGE)
GRADES = (StudentGrade.GRADUATING, StudentGrade.FIRST, StudentGrade.OTHER)
STUDENT_ROWS = [
    ("total", _("总计")),
    ("university", _("大学生")),
    *[
        row
        for level in UNIVERSITY_LEVELS
        for row in (
            (level.value, level.label),
            *[
                (f"{level.value}_{g.value}", format_lazy("{}：{}", level.label, g.label))
                for g in GRADES
            ],
        )
    ],
    (StudentLevel.SECONDARY.value, StudentLevel.SECONDARY.label),
    (StudentLevel.HIGH.value, StudentLevel.HIGH.label),
]
STUDENT_GROUPS = [
    ("total", ["university", StudentLevel.SECONDARY.value, StudentLevel.HIGH.value]),
    ("university", [level.value for level in UNIVERSITY_LEVELS]),
    *[(level.value, [f"{level.value}_{g.value}" for g in GRADES]) for level in UNIVERSITY_LEVELS],
]
STUDENT_COLS = [
    ("total", _("党员总数")),
    ("female", _("女")),
    ("minority", _("少数民族")),
    ("new_total", _("本年发展党员")),
    ("new_female", _("本年发展党员：女")),
    ("new_minority", _("本年发展党员：少数民族")),
]
STUDENT_NOTE = _(
    "学生按人员类别为“学生”的党员计，层次、入学年份和学制取自党员信息；年级按统计截止日期计算（学年自规则集所定月份开始，未填学制的按该层次标准学制，推断）。本年发展党员与发展党员情况表的“学生”一行为同一批人。"
)

# 表11 出党情况（二） (DT-2017): who left the Party in the year, by what it was for: the 违纪行为 of
# an expulsion, the 具体表现 of an unqualified member removed, or 其他 (`Misconduct`).
MISCONDUCT_ROWS = [
    ("total", _("总计")),
    *[(m.value, m.label) for m in Misconduct if m != Misconduct.CADRE_SELECTION][:2],
    (Misconduct.CADRE_SELECTION.value, _("其中：违反干部选拔任用规定")),
    *[(m.value, m.label) for m in Misconduct if m != Misconduct.CADRE_SELECTION][2:],
]
# 违反干部选拔任用规定 is a "其中" of 违反组织纪律: counted in both rows, in the sum once.
MISCONDUCT_OF = {Misconduct.CADRE_SELECTION.value: Misconduct.ORGANIZATIONAL.value}
MISCONDUCT_GROUP = [m.value for m in Misconduct if m != Misconduct.CADRE_SELECTION]
# The kinds of 出党 whose record says what it was for: the status events 开除党籍 and 除名.
MISCONDUCT_KINDS = ("expelled", "removed")
MISCONDUCT_NOTE = _(
    "按党委登记开除党籍、除名时所填的违纪行为或具体表现计；劝退、取消预备党员资格及未经党委登记的除名（如据台账导入）无此项，不计入本表，除名而未填的列入总计而不在各行，核对时列出。"
)

# 表43 失去联系党员 (DT-2017): members out of contact on the cut-off date for at least the rule
# set's `transfer.lost_contact` (EDU-2019 Art. 24, 6 months: where the table's bands begin).
LOST_AGE_BANDS = [
    ("lage_35", _("35岁及以下"), None, 35),
    ("lage_45", _("36—45岁"), 36, 45),
    ("lage_60", _("46—60岁"), 46, 60),
    ("lage_61", _("61岁及以上"), 61, None),
]
STANDING_BANDS = [
    ("standing_1", _("党龄1年以下"), None, 0),
    ("standing_5", _("党龄1—5年"), 1, 5),
    ("standing_10", _("党龄6—10年"), 6, 10),
    ("standing_20", _("党龄11—20年"), 11, 20),
    ("standing_21", _("党龄21年及以上"), 21, None),
]
LOST_EDUCATION = [
    ("ledu_college", _("大专及以上")),
    ("ledu_secondary", _("中专、高中、中技")),
    ("ledu_junior", _("初中及以下")),
]
LOST_EDUCATION_OF = {
    "edu_postgraduate": "ledu_college",
    "edu_undergraduate": "ledu_college",
    "edu_college": "ledu_college",
    "edu_secondary": "ledu_secondary",
    "edu_high": "ledu_secondary",
    "edu_junior": "ledu_junior",
}
LOST_FOR_BANDS = [
    ("lost_1", _("失去联系6个月以上不满1年"), None, 0),
    ("lost_5", _("失去联系1—5年"), 1, 5),
    ("lost_10", _("失去联系6—10年"), 6, 10),
    ("lost_11", _("失去联系11年及以上"), 11, None),
]
LOST_COLS = [
    ("total", _("总数")),
    ("probationary", MemberStatus.PROBATIONARY.label),
    ("female", _("女")),
    ("minority", _("少数民族")),
    *[(k, lab) for k, lab, *_r in LOST_AGE_BANDS],
    *[(k, lab) for k, lab, *_r in STANDING_BANDS],
    *LOST_EDUCATION,
    *[(k, lab) for k, lab, *_r in LOST_FOR_BANDS],
    *[(r.value, r.label) for r in LostContactReason],
]
LOST_ROWS = [
    ("total", _("总计")),
    ("institution", _("事业单位")),
    ("graduates", _("补充资料：高等学校中失去联系的毕业生党员")),
]
LOST_NOTE = _(
    "截至统计日期失去联系满规则集所定期限（6个月，《中国共产党党员教育管理工作条例》第二十四条）且尚未恢复联系的党员，按支部登记的失去联系日期和情形计；高校党员均计入“事业单位”一行（推断）；党龄自转正之日起算，预备党员计入“1年以下”；毕业生党员指人员类别为学生或失去联系情形为“毕业后去向不明”者（推断）。"
)
lost_age_band = _bands(LOST_AGE_BANDS)
standing_band = _bands(STANDING_BANDS)
lost_for_band = _bands(LOST_FOR_BANDS)


def full_years(start: dt.date, on: dt.date) -> int:
    """Whole years from `start` to `on` (实足, as for age: S5)."""
    return age_on(start, on)


def lost_on_cutoff(p: Person, cutoff: dt.date, rules: RuleSet) -> tuple | None:
    """The lost-contact record open on the cut-off date (`LostContact.objects.on`, said here for
    rows already loaded) and at least `transfer.lost_contact` old: (lost_on, found_on, reason),
    else None."""
    period = rules.get("transfer.lost_contact")
    for lost_on, found_on, reason in reversed(p.lost):
        if lost_on <= cutoff and (found_on is None or found_on > cutoff):
            return (lost_on, found_on, reason) if period.add_to(lost_on) <= cutoff else None
    return None


def _count_student(students: Table, p: Person, cutoff, rules, *, new: bool) -> None:
    """A student member (or one admitted in the year, `new`) by level and grade on the cut-off."""
    rows = ["total"]
    level = p.student_level
    if level in {lv.value for lv in UNIVERSITY_LEVELS}:
        rows += ["university", level]
        grade = student_grade(
            level=level,
            enrollment_year=p.enrollment_year,
            programme_years=p.programme_years,
            on=cutoff,
            rules=rules,
        )
        if grade:
            rows.append(f"{level}_{grade}")
    elif level:
        rows.append(level)
    prefix = "new_" if new else ""
    cols = [f"{prefix}total"] if new else ["total"]
    if p.gender == "2":
        cols.append(f"{prefix}female")
    if minority(p.ethnicity):
        cols.append(f"{prefix}minority")
    for r in rows:
        for c in cols:
            students.add(r, c, p.id)


def _count_misconduct(table: Table, key: str, p: Person) -> None:
    """An expulsion or removal of the year (表10's kinds) by what it was for (表11)."""
    col = EXIT_KIND.get(key)
    if col not in MISCONDUCT_KINDS:
        return
    rows = ["total"]
    if p.misconduct:
        rows.append(p.misconduct)
        if p.misconduct in MISCONDUCT_OF:
            rows.append(MISCONDUCT_OF[p.misconduct])
    for r in rows:
        table.add(r, "total", p.id)
        table.add(r, col, p.id)


def _count_lost(table: Table, p: Person, lost: tuple, cutoff) -> None:
    """A member out of contact on the cut-off date (表43)."""
    lost_on, _found, reason = lost
    cols = ["total"]
    if probationary_on(p, cutoff):
        cols.append("probationary")
        cols.append("standing_1")
    elif p.standing_from is not None and p.standing_from <= cutoff:
        cols.append(standing_band(full_years(p.standing_from, cutoff)))
    if p.gender == "2":
        cols.append("female")
    if minority(p.ethnicity):
        cols.append("minority")
    band = lost_age_band(age_on(p.birth_date, cutoff)) if p.birth_date else None
    if band:
        cols.append(band)
    e = LOST_EDUCATION_OF.get(EDUCATION_OF.get(p.education, ""))
    if e:
        cols.append(e)
    cols.append(lost_for_band(full_years(lost_on, cutoff)))
    cols.append(reason)
    rows = ["total", "institution"]
    if p.category == "student" or reason == LostContactReason.GRADUATED_UNKNOWN:
        rows.append("graduates")
    for r in rows:
        for c in cols:
            table.add(r, c, p.id)


def _table(key, title, source, rows, cols, **kw) -> Table:
    return Table(key=key, title=title, source=source, rows=rows, cols=cols, **kw)


def compute(
    people: list[Person],
    orgs: list[Org],
    *,
    root_id: int,
    cutoff: dt.date,
    today: dt.date,
    config: StatisticsConfig,
    rules: RuleSet | None = None,
) -> Computation:
    """`rules`: the rule set the grades and the lost-contact period are read from (the
    deployment's by default)."""
    rules = rules or deployment_rule_set()
    start = year_start(cutoff)
    opening = start - dt.timedelta(days=1)

    change = _table(
        "membership_change",
        _("党员数量变化情况"),
        _("党统报表（2017年版）表1"),
        CHANGE_ROWS,
        COUNT,
        notes=[NO_RECORD_NOTE, MOVES_NOTE],
    )
    base_cols = [
        ("total", _("总数")),
        ("probationary", MemberStatus.PROBATIONARY.label),
        ("female", _("女")),
    ]
    basic = _table(
        "members_basic",
        _("党员基本情况"),
        _("党统报表（2017年版）表2"),
        OCCUPATION_ROWS,
        [*base_cols, ("minority", _("少数民族")), *[(k, lab) for k, lab, *_r in AGE_BANDS]],
        col_groups=[("age", [k for k, *_r in AGE_BANDS])],
        row_groups=OCCUPATION_GROUPS,
        subsets=["probationary", "female", "minority"],
    )
    joined = _table(
        "members_joined",
        _("党员入党时间"),
        _("党统报表（2017年版）表3"),
        OCCUPATION_ROWS,
        [("total", _("总数")), *[(k, lab) for k, lab, *_r in JOINED_BANDS]],
        col_groups=[("joined", [k for k, *_r in JOINED_BANDS])],
        row_groups=OCCUPATION_GROUPS,
    )
    education = _table(
        "members_education",
        _("党员学历"),
        _("党统报表（2017年版）表4"),
        OCCUPATION_ROWS,
        [("total", _("总数")), *EDUCATION_BANDS],
        col_groups=[("education", [k for k, _l in EDUCATION_BANDS])],
        row_groups=OCCUPATION_GROUPS,
        notes=[_("学历按党员信息中的最高学历计（S6），学生毕业前按原学历。")],
    )
    new = _table(
        "new_members",
        _("发展党员情况"),
        _("党统报表（2017年版）表16"),
        OCCUPATION_ROWS,
        [
            ("total", _("总数")),
            ("female", _("女")),
            ("minority", _("少数民族")),
            *[(k, lab) for k, lab, *_r in NEW_MEMBER_AGE_BANDS],
            *EDUCATION_BANDS,
        ],
        col_groups=[
            ("age", [k for k, *_r in NEW_MEMBER_AGE_BANDS]),
            ("education", [k for k, _l in EDUCATION_BANDS]),
        ],
        row_groups=OCCUPATION_GROUPS,
        subsets=["female", "minority"],
    )
    changes = _table(
        "changes",
        _("本年党员变动"),
        _("党统报表（2017年版）表1、10、15"),
        CHANGES_ROWS,
        COUNT,
        notes=[
            NO_RECORD_NOTE,
            _("延长预备期按原定预备期满（入党满一年）之日计入当年（推断）。"),
        ],
    )
    pipeline = _table(
        "development",
        _("入党申请人、积极分子和发展对象"),
        _("党统报表（2017年版）表18—20"),
        [
            ("development_object", _("发展对象")),
            ("activist", _("入党积极分子")),
            ("applicant", _("入党申请人")),
        ],
        [
            ("total", _("总数")),
            ("female", _("女")),
            ("minority", _("少数民族")),
            ("age_35", _("35岁及以下")),
            ("college", _("大专及以上学历")),
            ("secondary", _("中专、高中、中技")),
            ("student", _("其中：学生")),
        ],
        subsets=["female", "minority", "age_35", "college", "secondary", "student"],
        notes=[_("截至统计日期所处的发展阶段，按发展党员流程的状态记录计。")],
    )
    organizations = _table(
        "organizations",
        _("党的基层组织"),
        _("党统报表（2017年版）表24"),
        [
            ("count", _("党的基层组织数")),
            ("term_expired", _("任届期满")),
            ("re_elected", _("报告期内换届")),
        ],
        [
            ("total", _("总数")),
            ("committee", _("党委")),
            ("general_branch", _("总支部")),
            ("branch", _("支部")),
        ],
        subject=ORGANIZATIONS,
        col_groups=[("kind", ["committee", "general_branch", "branch"])],
    )

    probation = _table(
        "probation",
        _("预备党员转正情况"),
        _("党统报表（2017年版）表15"),
        COUNT,
        PROBATION_COLS,
        notes=[PROBATION_NOTE],
    )
    exits = _table(
        "exits",
        _("出党情况（一）"),
        _("党统报表（2017年版）表10"),
        EXIT_ROWS,
        EXIT_COLS,
        col_groups=[("exit_kind", [k for k, _l in EXIT_COLS[1:] if k != "lost_contact"])],
        row_groups=[
            ("total", [k for k, *_r in EXIT_AGE_BANDS]),
            ("total", [k for k, *_r in JOINED_BANDS]),
        ],
        subsets=["lost_contact"],
        notes=[EXIT_NOTE],
    )

    students = _table(
        "students",
        _("学生党员情况"),
        _("党统报表（2017年版）表7"),
        STUDENT_ROWS,
        STUDENT_COLS,
        row_groups=STUDENT_GROUPS,
        subsets=["female", "minority"],
        notes=[STUDENT_NOTE],
    )
    exits_by_misconduct = _table(
        "exits_by_misconduct",
        _("出党情况（二）"),
        _("党统报表（2017年版）表11"),
        MISCONDUCT_ROWS,
        EXIT_COLS,
        col_groups=[("exit_kind", [k for k, _l in EXIT_COLS[1:] if k != "lost_contact"])],
        row_groups=[("total", MISCONDUCT_GROUP)],
        subsets=["lost_contact"],
        notes=[MISCONDUCT_NOTE],
    )
    lost_contact = _table(
        "lost_contact",
        _("失去联系党员"),
        _("党统报表（2017年版）表43"),
        LOST_ROWS,
        LOST_COLS,
        col_groups=[
            ("age", [k for k, *_r in LOST_AGE_BANDS]),
            ("standing", [k for k, *_r in STANDING_BANDS]),
            ("education", [k for k, _l in LOST_EDUCATION]),
            ("lost_for", [k for k, *_r in LOST_FOR_BANDS]),
            ("lost_reason", [r.value for r in LostContactReason]),
        ],
        row_groups=[("total", ["institution"])],
        subsets=["probationary", "female", "minority"],
        notes=[LOST_NOTE],
    )

    opening_count = closing_count = 0
    balance: Counter = Counter()  # per person: opening + increases - decreases
    closing: set[int] = set()
    for p in people:
        pk = p.id
        was = in_party(p, opening, today)
        now = in_party(p, cutoff, today)
        if was:
            change.add("1", "count", pk)
            opening_count += 1
            balance[pk] += 1
        if p.status in IN_PARTY or p.status in LEFT:
            if p.transferred_in_on is None and _in(p.admitted_on, start, cutoff):
                change.add("3", "count", pk)
                change.add("2", "count", pk)
                changes.add("admitted", "count", pk)
                balance[pk] += 1
                _count_new_member(new, p, cutoff, config)
                if p.category == "student":
                    _count_student(students, p, cutoff, rules, new=True)
            if _in(p.transferred_in_on, start, cutoff):
                change.add("7", "count", pk)
                change.add("2", "count", pk)
                changes.add("transferred_in", "count", pk)
                balance[pk] += 1
            for when, row, key, after_suspension in moves_of(p) if p.moves or p.exit_on else ():
                if not _in(when, start, cutoff):
                    continue
                if row == "10":
                    _count_exit(exits, key, p, when)
                    _count_misconduct(exits_by_misconduct, key, p)
                change.add(row, "count", pk)
                changes.add(key, "count", pk)
                if row in INCREASES:
                    change.add("2", "count", pk)
                    if after_suspension:
                        change.add("6", "count", pk)
                    balance[pk] += 1
                else:
                    change.add("9", "count", pk)
                    balance[pk] -= 1
            if _in(p.standing_from, start, cutoff):
                changes.add("converted", "count", pk)
            if (
                p.extension_months
                and p.joined_on
                and _in(add_months(p.joined_on, 12), start, cutoff)
            ):
                changes.add("extended", "count", pk)
            if p.joined_on:
                _count_probation(probation, p, start, cutoff)
        if now:
            change.add("16", "count", pk)
            closing_count += 1
            closing.add(pk)
            _count_member(basic, joined, education, p, cutoff, config)
            if p.category == "student":
                _count_student(students, p, cutoff, rules, new=False)
            if p.lost:
                lost = lost_on_cutoff(p, cutoff, rules)
                if lost:
                    _count_lost(lost_contact, p, lost, cutoff)
        stage = stage_on(p, cutoff)
        if stage:
            _count_candidate(pipeline, stage, p, cutoff)

    increases = change.value("2", "count")
    decreases = change.value("9", "count")
    expected = opening_count + increases - decreases
    change.values[("15", "count")] = expected
    # 应有数 by person: opening + increases - decreases; 17 names whoever the records count
    # differently at the end of the year than their dated events do (C1, C5).
    change.people[("15", "count")] = [pk for pk, n in balance.items() for _i in range(max(n, 0))]
    change.values[("17", "count")] = closing_count - expected
    change.people[("17", "count")] = sorted(
        pk for pk in set(balance) | closing if balance[pk] != (1 if pk in closing else 0)
    )

    for o in orgs:
        if (o.founded_on and o.founded_on > cutoff) or (
            o.dissolved_on and o.dissolved_on <= cutoff
        ):
            continue
        rows = ["count"]
        if o.term_end and o.term_end < cutoff:
            rows.append("term_expired")
        if _in(o.term_start, start, cutoff):
            rows.append("re_elected")
        for r in rows:
            organizations.add(r, "total", o.id)
            if o.kind in ("committee", "general_branch", "branch"):
                organizations.add(r, o.kind, o.id)

    tables = [
        change, basic, joined, education, students, exits, exits_by_misconduct, probation, new,
        changes, pipeline, organizations, lost_contact,
    ]  # fmt: skip
    return Computation(
        root_id=root_id,
        cutoff=cutoff,
        year_start=start,
        tables={t.key: t for t in tables},
        config=config,
    )


def _count_member(basic, joined, education, p: Person, cutoff, config) -> None:
    pk = p.id
    rows = occupation_rows(p.category, config)
    cols = ["total"]
    if probationary_on(p, cutoff):
        cols.append("probationary")
    if p.gender == "2":
        cols.append("female")
    if minority(p.ethnicity):
        cols.append("minority")
    band = age_band(age_on(p.birth_date, cutoff)) if p.birth_date else None
    if band:
        cols.append(band)
    j = joined_band(p.joined_on)
    e = EDUCATION_OF.get(p.education)
    b, jc, ec = basic.people, joined.people, education.people
    for r in rows:
        for c in cols:
            b[(r, c)].append(pk)
        jc[(r, "total")].append(pk)
        if j:
            jc[(r, j)].append(pk)
        ec[(r, "total")].append(pk)
        if e:
            ec[(r, e)].append(pk)


def _count_new_member(new, p: Person, cutoff, config) -> None:
    cols = ["total"]
    if p.gender == "2":
        cols.append("female")
    if minority(p.ethnicity):
        cols.append("minority")
    band = new_age_band(age_on(p.birth_date, cutoff)) if p.birth_date else None
    if band:
        cols.append(band)
    e = EDUCATION_OF.get(p.education)
    if e:
        cols.append(e)
    for r in occupation_rows(p.category, config):
        for c in cols:
            new.add(r, c, p.id)


def _count_candidate(pipeline, stage: str, p: Person, cutoff) -> None:
    cols = ["total"]
    if p.gender == "2":
        cols.append("female")
    if minority(p.ethnicity):
        cols.append("minority")
    if p.birth_date and age_on(p.birth_date, cutoff) <= 35:
        cols.append("age_35")
    e = EDUCATION_OF.get(p.education)
    if e in ("edu_postgraduate", "edu_undergraduate", "edu_college"):
        cols.append("college")
    elif e in ("edu_secondary", "edu_high"):
        cols.append("secondary")
    if p.category == "student":
        cols.append("student")
    for c in cols:
        pipeline.add(stage, c, p.id)
