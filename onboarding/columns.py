"""The workbook an office fills in to adopt partyflow: its sheets, their Chinese column headers (as
the national Party-member information system and university ledgers name them) and how each cell
is read. One mapping for import, export and the shipped template (`partyflow onboarding-template`),
so the three cannot drift apart.

Cells are read leniently the way offices type them: dates as 2024-09-01, 2024/9/1, 2024.09.01,
20240901, 2024年9月1日 or an Excel date cell; choices as the national code or its label (男 / 1,
汉族 / 汉 / 01); yes/no as 是/否. A header may carry a leading * (required) or a note in brackets.
Columns not in the mapping are ignored and reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from engine.calendar import OFFICE_DATE_FORMS, office_date
from organizations.codes import (
    Degree,
    Education,
    Ethnicity,
    Gender,
    LostContactReason,
    Misconduct,
    PersonCategory,
    StudentLevel,
)
from organizations.models import BranchKind, CommitteePost, MemberStatus, OrgKind


class CellError(ValueError):
    """A cell that cannot be read: `code` names the rule, the message says what is expected."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code, self.message = code, message


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = "text"  # text | date | bool | int | choice | list
    required: bool = False
    choices: type[models.TextChoices] | None = None
    aliases: tuple[str, ...] = ()
    extra_labels: dict = field(default_factory=dict)  # more labels a choice is written as → value
    example: object = ""

    def read(self, value) -> object:
        """The cell's value as stored (None for an empty optional cell); CellError when
        unreadable."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise CellError("required", _("必填"))
            return (
                None
                if self.kind in ("date", "int")
                else ([] if self.kind == "list" else (False if self.kind == "bool" else ""))
            )
        return READERS[self.kind](self, value)

    def write(self, value) -> object:
        """The value as an office would read it in the exported workbook."""
        if value is None or value == "":
            return None
        if self.kind == "choice":
            return str(self.choices(value).label)
        if self.kind == "bool":
            return "是" if value else "否"
        if self.kind == "list":
            return "、".join(value)
        return value


def read_date(col: Column, value) -> dt.date:
    day = office_date(value)
    if day is None:
        raise CellError("invalid_date", _("日期应为 %(forms)s") % {"forms": OFFICE_DATE_FORMS})
    return day


YES = {"是", "y", "yes", "true", "1", "√", "流动党员"}
NO = {"否", "n", "no", "false", "0", "×", ""}


def read_bool(col: Column, value) -> bool:
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError("invalid_yes_no", _("应为 是 或 否"))


def read_int(col: Column, value) -> int:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise CellError("invalid_number", _("应为整数")) from None
    if number != int(number) or number < 0:
        raise CellError("invalid_number", _("应为非负整数"))
    return int(number)


def read_text(col: Column, value) -> str:
    if isinstance(value, float) and value == int(value):
        value = int(value)  # 学工号 typed as a number
    return str(value).strip()


_LOOKUPS: dict[tuple[int, str | None], dict[str, str]] = {}


def choice_lookup(col: Column) -> dict[str, str]:
    """Value and label (lower-cased) → value; built once per column and language (a column is a
    module constant: its labels are translated once, not on every cell)."""
    key = (id(col), get_language())
    if key not in _LOOKUPS:
        _LOOKUPS[key] = _choice_table(col)
    return _LOOKUPS[key]


def _choice_table(col: Column) -> dict[str, str]:
    table = {}
    for value, label in col.choices.choices:
        table[value.lower()] = value
        table[str(label).lower()] = value
    if col.choices is Ethnicity:  # 汉 for 汉族; 1 for 01
        for value, label in col.choices.choices:
            table[str(label).removesuffix("族").lower()] = value
            table[str(int(value))] = value
    table.update({k.lower(): v for k, v in col.extra_labels.items()})
    return table


def read_choice(col: Column, value) -> str:
    text = read_text(col, value).lower()
    found = choice_lookup(col).get(text)
    if found is None:
        labels = "、".join(str(label) for _v, label in col.choices.choices)
        raise CellError("invalid_choice", _("应为以下之一：%(labels)s") % {"labels": labels})
    return found


def read_list(col: Column, value) -> list[str]:
    return [p for p in re.split(r"[、,，;；\s]+", read_text(col, value)) if p]


READERS = {
    "text": read_text,
    "date": read_date,
    "bool": read_bool,
    "int": read_int,
    "choice": read_choice,
    "list": read_list,
}


class StatusOnRoster(models.TextChoices):
    """党籍状态 on the roster: members, and members who left by 除名 or 开除党籍 (with 出党日期, and
    what for: 违纪行为, 党统 表11)."""

    FULL = MemberStatus.FULL.value, _("正式党员")
    PROBATIONARY = MemberStatus.PROBATIONARY.value, _("预备党员")
    REMOVED = MemberStatus.REMOVED.value, _("除名/自行脱党")
    EXPELLED = MemberStatus.EXPELLED.value, _("开除党籍")


class LedgerStage(models.TextChoices):
    """当前发展阶段 in a development ledger."""

    APPLICANT = MemberStatus.APPLICANT.value, _("入党申请人")
    ACTIVIST = MemberStatus.ACTIVIST.value, _("入党积极分子")
    DEVELOPMENT_OBJECT = MemberStatus.DEVELOPMENT_OBJECT.value, _("发展对象")
    PROBATIONARY = MemberStatus.PROBATIONARY.value, _("预备党员")
    FULL = MemberStatus.FULL.value, _("正式党员")


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    columns: tuple[Column, ...]
    names: tuple[str, ...] = ()  # other sheet names accepted

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


def normalize_header(text) -> str:
    """'*公民身份号码（18位）' → '公民身份号码'."""
    text = str(text or "").strip().lstrip("*＊").strip()
    return re.sub(r"[（(].*?[)）]$", "", text).strip()


ORGANIZATIONS = Sheet(
    "organizations",
    "党组织",
    (
        Column("党组织编码", "code", required=True, example="1001"),
        Column(
            "党组织名称", "name", required=True, aliases=("党组织全称",), example="示范大学委员会"
        ),
        Column(
            "组织类别",
            "kind",
            "choice",
            required=True,
            choices=OrgKind,
            extra_labels={"党总支部": "general_branch"},
            example="党委",
        ),
        Column(
            "支部类型",
            "branch_kind",
            "choice",
            choices=BranchKind,
            extra_labels={
                "教工": "teaching",
                "学生": "student",
                "机关": "admin",
                "离退休": "retired",
            },
        ),
        Column("上级党组织编码", "parent_code"),
        Column("具有审批权限", "has_approval_authority", "bool", example="是"),
        Column("成立日期", "founded_on", "date", example="1952-10-01"),
        Column("本届任期开始", "term_start", "date", aliases=("任期开始", "换届时间")),
        Column("本届任期届满", "term_end", "date", aliases=("任期届满",)),
        # Since when the branch keeps its dues in partyflow (self-lapse by dues reads it); without
        # it, the branch's first dues record sets it.
        Column("党费在本系统记录起始日期", "dues_tracked_since", "date", aliases=("党费记录起始",)),
    ),
    names=("organizations", "党组织信息"),
)

MEMBERS = Sheet(
    "members",
    "党员",
    (
        Column("学工号", "staff_or_student_no", required=True, example="T0001"),
        Column("姓名", "name", required=True, example="张三"),
        Column("性别", "gender", "choice", choices=Gender, example="男"),
        Column("民族", "ethnicity", "choice", choices=Ethnicity, example="汉族"),
        Column("籍贯", "native_place", example="江苏南京"),
        Column(
            "公民身份号码",
            "id_number",
            aliases=("身份证号码", "身份证号"),
            example="11010519491231002X",
        ),
        Column("出生日期", "birth_date", "date", example="1949-12-31"),
        Column(
            "学历",
            "education",
            "choice",
            choices=Education,
            extra_labels={"博士": "11", "硕士": "14", "本科": "20", "专科": "30"},
        ),
        Column("学位", "degree", "choice", choices=Degree),
        Column(
            "人员类别",
            "person_category",
            "choice",
            choices=PersonCategory,
            extra_labels={"离休": "retired", "退休": "retired", "教师": "staff"},
        ),
        # A student's level, 入学年份 and 学制: 党统 表7 counts students by level and grade.
        Column(
            "学生层次",
            "student_level",
            "choice",
            choices=StudentLevel,
            aliases=("学生类别", "培养层次"),
            extra_labels={
                "博士研究生": "postgraduate",
                "硕士研究生": "postgraduate",
                "本科生": "undergraduate",
                "本科": "undergraduate",
                "专科生": "college",
                "专科": "college",
                "高职": "college",
                "中专": "secondary",
            },
        ),
        Column("入学年份", "enrollment_year", "int"),
        Column("学制（年）", "programme_years", "int", aliases=("学制",)),
        Column("所在党支部编码", "organization_code", required=True, example="1001010101"),
        Column("所在党支部", "organization_name"),
        Column(
            "党籍状态",
            "status",
            "choice",
            required=True,
            choices=StatusOnRoster,
            extra_labels={
                "正式": "full",
                "预备": "probationary",
                "除名": "removed",
                "自行脱党": "removed",
                "开除": "expelled",
            },
            example="正式党员",
        ),
        # 除名 or 开除党籍: the day it was decided, and what for (the 违纪行为 or 具体表现 of 党统
        # 表11: `organizations.codes.Misconduct`); refused for anyone else.
        Column("出党日期", "left_on", "date", aliases=("除名日期", "开除党籍日期")),
        Column(
            "违纪行为",
            "misconduct",
            "choice",
            choices=Misconduct,
            aliases=("违纪行为或具体表现", "具体表现"),
            extra_labels={"违反干部选拔任用规定": "cadre_selection"},
        ),
        Column("入党日期", "joined_on", "date", aliases=("加入党组织日期",), example="1970-07-01"),
        Column(
            "转正日期",
            "party_standing_from",
            "date",
            aliases=("转为正式党员日期",),
            example="1971-07-01",
        ),
        Column("入党时所在支部", "joined_branch_name", aliases=("入党时所在党支部",)),
        Column(
            "延长预备期（月）",
            "probation_extension_months",
            "int",
            aliases=("延长预备期", "延长预备期时间"),
        ),
        Column("党内职务", "party_post"),
        Column("手机号码", "phone", aliases=("手机", "联系电话")),
        Column("工作岗位", "job_post"),
        Column("是否流动党员", "is_floating", "bool", aliases=("流动党员",)),
        Column("组织关系转入时间", "transferred_in_on", "date", aliases=("组织关系转入日期",)),
        # An open lost contact (失去联系党员, 党统 表43): the day of the last contact and why; the
        # import writes the same `LostContact` record the branch writes (`member_contact_lost`).
        Column("失去联系日期", "lost_on", "date", aliases=("失联日期",)),
        Column(
            "失去联系情形",
            "lost_reason",
            "choice",
            choices=LostContactReason,
            aliases=("失去联系具体情形", "失联情形"),
        ),
    ),
    names=("members", "党员花名册", "党员信息"),
)

OFFICERS = Sheet(
    "officers",
    "班子成员",
    (
        Column("党组织编码", "organization_code", required=True, example="1001010101"),
        Column("党组织名称", "organization_name"),
        Column("学工号", "staff_or_student_no", required=True, example="T0001"),
        Column("姓名", "name"),
        Column(
            "职务",
            "post",
            "choice",
            required=True,
            choices=CommitteePost,
            extra_labels={
                "支部书记": "secretary",
                "支部副书记": "deputy_secretary",
                "支委": "member",
                "支部委员": "member",
            },
            example="书记",
        ),
        Column("任期开始", "term_start", "date"),
        Column("任期届满", "term_end", "date"),
    ),
    names=("officers", "委员会成员", "班子"),
)

LEDGER = Sheet(
    "ledger",
    "发展党员台账",
    (
        Column("学工号", "staff_or_student_no", required=True, example="S2023001"),
        Column("姓名", "name", required=True, example="李四"),
        Column("性别", "gender", "choice", choices=Gender),
        Column("民族", "ethnicity", "choice", choices=Ethnicity),
        Column("籍贯", "native_place"),
        Column("公民身份号码", "id_number", aliases=("身份证号码", "身份证号")),
        Column("出生日期", "birth_date", "date", example="2004-05-01"),
        Column(
            "人员类别",
            "person_category",
            "choice",
            choices=PersonCategory,
            extra_labels={"教师": "staff"},
        ),
        Column(
            "所在党支部编码",
            "organization_code",
            required=True,
            aliases=("联系党支部编码",),
            example="1001010102",
        ),
        Column("所在党支部", "organization_name", aliases=("联系党支部名称",)),
        Column(
            "申请入党日期",
            "application_date",
            "date",
            required=True,
            aliases=("提交书面申请书时间",),
            example="2025-03-01",
        ),
        Column("谈话日期", "talk_date", "date", example="2025-03-15"),
        Column(
            "确定积极分子日期",
            "activist_date",
            "date",
            aliases=("确定为入党积极分子时间", "确定入党积极分子日期"),
        ),
        Column("培养联系人", "contacts", "list", aliases=("培养联系人学工号",)),
        Column("确定发展对象日期", "designation_date", "date", aliases=("确定为发展对象时间",)),
        Column("入党介绍人", "introducers", "list", aliases=("入党介绍人学工号",)),
        Column("政审日期", "political_review_date", "date", aliases=("政审",)),
        Column("培训开始日期", "training_start", "date"),
        Column("培训结束日期", "training_end", "date"),
        Column("培训学时", "training_hours", "int"),
        Column("支部大会日期", "admission_vote_date", "date", aliases=("接收预备党员日期",)),
        Column("党委谈话日期", "committee_talk_date", "date"),
        Column("党委审批日期", "admission_decision_date", "date"),
        Column("转正日期", "conversion_date", "date", aliases=("转为正式党员日期",)),
        Column(
            "当前发展阶段",
            "stage",
            "choice",
            required=True,
            choices=LedgerStage,
            extra_labels={
                "申请人": "applicant",
                "积极分子": "activist",
                "预备": "probationary",
                "正式": "full",
            },
            example="入党申请人",
        ),
    ),
    names=("ledger", "发展党员", "发展党员信息"),
)

SHEETS = (ORGANIZATIONS, MEMBERS, OFFICERS, LEDGER)


def header_index(sheet: Sheet, headers) -> tuple[dict[str, int], list[str]]:
    """{field: column index} for the headers found, and the headers not in the mapping."""
    by_name = {}
    for col in sheet.columns:
        for name in (col.header, *col.aliases):
            by_name[normalize_header(name)] = col.field
    found, unknown = {}, []
    for i, h in enumerate(headers):
        name = normalize_header(h)
        if not name:
            continue
        if name in by_name and by_name[name] not in found:
            found[by_name[name]] = i
        else:
            unknown.append(str(h))
    return found, unknown
