"""Writes for Party dues (党费) beyond a single payment record: the yearly assessment of each
member's dues from the declared base (年度核定, DUES-2017 (1)), entered in bulk by the branch or
imported from a payroll workbook; the hardship relief (少交/免交, DUES-2008 Art. 7: the branch
submits, the higher committee approves); and the monthly collection with its 补交 window (DUES-2008
Art. 12). Each write is audited in its transaction; amounts are Decimal, exact to the fen."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from engine.calendar import RECORD_YEARS, office_month, today
from engine.dues import FEN, decimal_amount, monthly_dues
from engine.dues import DuesCategory as Cat
from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.models import Member, MemberStatus, Organization
from organizations.rules import deployment_rule_set
from organizations.selectors import decides_above
from untrusted.workbook import open_workbook
from workflows import audit
from workflows.actions import AuditAction

from .models import DuesAssessment, DuesCategory, DuesPayment, DuesRelief, DuesReliefStatus
from .services import _branch_members, _check_recordable, _dues_branch, dues_record

# Members who pay dues: full and probationary (DUES-2008 Art. 8).
PAYING = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def _year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if year not in RECORD_YEARS:
        raise ValidationFailed(
            _("年度须为 1921 至 9999 之间的年份。"),
            code="invalid_parameter",
            fields={"year": [_("须为 1921 至 9999 之间的年份")]},
        )
    return year


def _assess(*, actor, member: Member, year: int, category: str, base, source: str, rules):
    amount = monthly_dues(rules, category=category, base=base)
    row = DuesAssessment.objects.filter(member=member, year=year).first()
    before = None
    if row is None:
        row = DuesAssessment(member=member, year=year)
    else:
        before = {"category": row.category, "base": str(row.base), "computed": str(row.computed)}
    row.category, row.base, row.rate = category, amount.base, amount.rate
    row.computed, row.rule_set, row.source, row.declared_by = (
        amount.monthly,
        rules.code,
        source,
        actor,
    )
    row.save()
    audit.append(
        action=AuditAction.DUES_ASSESSED,
        actor=actor,
        organization=member.organization,
        data={
            "member": member.pk,
            "year": year,
            "category": category,
            "base": str(amount.base) if amount.base is not None else None,
            "monthly": str(amount.monthly),
            "before": before,
            "source": source,
        },
    )
    return row


@transaction.atomic
def dues_assessments_set(
    *, actor, organization: Organization, year, rows: list[dict], source: str = "entry"
) -> list[DuesAssessment]:
    """Set the year's base and category of several members of a branch at once (the branch's
    年度核定表): every row or none. `rows`: [{"member": id, "category": code, "base": amount}]. A
    member already assessed for the year is re-assessed (DUES-2017 (1) allows a manual re-set);
    an approved relief stays. Errors name the row: `rows[2].base`."""
    _check_recordable(actor, organization)
    year = _year(year)
    rules = deployment_rule_set()
    if not rows:
        raise ValidationFailed(
            _("请至少填写一名党员。"), code="required", fields={"rows": [_("必填")]}
        )
    known = _branch_members(organization, [r.get("member") for r in rows if r.get("member")])
    errors: dict[str, list[str]] = {}
    checked = []
    seen = set()
    for i, r in enumerate(rows):
        member = known.get(r.get("member"))
        if member is None:
            errors[f"rows[{i}].member"] = [str(_("不是本支部党员"))]
            continue
        if member.pk in seen:
            errors[f"rows[{i}].member"] = [str(_("同一党员填写了两次"))]
            continue
        seen.add(member.pk)
        try:
            monthly_dues(rules, category=r.get("category"), base=r.get("base"))
        except ValidationFailed as exc:
            for f, msgs in exc.fields.items():
                errors[f"rows[{i}].{f}"] = msgs
            continue
        checked.append((member, r))
    if errors:
        raise ValidationFailed(
            _("党费基数有 %(n)s 处错误，未保存任何一行。") % {"n": len(errors)},
            code="dues_assessment_invalid",
            fields=errors,
        )
    return [
        _assess(
            actor=actor,
            member=m,
            year=year,
            category=r["category"],
            base=r.get("base"),
            source=source,
            rules=rules,
        )
        for m, r in checked
    ]


# --- payroll import -------------------------------------------------------------------------

# D1: the fixed, regular pay (基础性绩效 only, not 奖励性绩效); D2: what is taken off (DUES-2017 (2)).
PAYROLL_INCOME = ("岗位工资", "薪级工资", "基础性绩效", "津贴补贴")
PAYROLL_DEDUCTIONS = (
    "养老保险",
    "医疗保险",
    "失业保险",
    "职业年金",
    "住房公积金",
    "个人所得税",
)
PAYROLL_IDS = ("学工号", "姓名")
CATEGORY_BY_LABEL = {str(label): code for code, label in DuesCategory.choices}
CATEGORY_BY_PERSON = {"retired": Cat.RETIRED, "student": Cat.STUDENT}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def payroll_rows(organization: Organization, file, *, name: str = "") -> list[dict]:
    """Rows for `dues_assessments_set` from a payroll workbook (its first sheet, headers in row 1):
    the member by 学工号 or by a name unique in the branch, base = 岗位工资 + 薪级工资 + 基础性绩效 +
    津贴补贴 − 养老保险 − 医疗保险 − 失业保险 − 职业年金 − 住房公积金 − 个人所得税 (D1, D2; a missing
    column counts 0), or a 基数 column as given; the category from a 类别 column, else from the
    member's 人员类别 (离退休, 学生; others 在职). Read through `untrusted.workbook`; a bad cell is a
    400 naming its sheet, row and column."""
    wb = open_workbook(file, name=name)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_cell_text(h) for h in next(rows, ())]
        col = {h: i for i, h in enumerate(header) if h}
        if not any(h in col for h in PAYROLL_IDS):
            raise ValidationFailed(
                _("工资表第1行须有“学工号”或“姓名”列。"),
                code="payroll_header",
                fields={"file": [_("缺少“学工号”或“姓名”列")]},
            )
        if "基数" not in col and not any(h in col for h in PAYROLL_INCOME):
            raise ValidationFailed(
                _("工资表第1行须有“基数”列或岗位工资、薪级工资等工资项目列。"),
                code="payroll_header",
                fields={"file": [_("缺少工资项目列")]},
            )
        branch_path = organization.path
        members = list(
            Member.objects.filter(organization__path__startswith=branch_path, status__in=PAYING)
        )
        by_no = {m.staff_or_student_no: m for m in members if m.staff_or_student_no}
        by_name: dict[str, list[Member]] = {}
        for m in members:
            by_name.setdefault(m.name, []).append(m)
        out, errors = [], {}

        def cell(values, h):
            i = col.get(h)
            return values[i] if i is not None and i < len(values) else None

        for n, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            where = f"{ws.title}!{n}"
            no, nm = _cell_text(cell(values, "学工号")), _cell_text(cell(values, "姓名"))
            member = by_no.get(no) if no else None
            if member is None and nm:
                found = by_name.get(nm, [])
                member = found[0] if len(found) == 1 else None
            if member is None:
                errors[f"{where}.姓名"] = [
                    str(_("“%(who)s”不是本支部党员（或重名，请填学工号）") % {"who": no or nm})
                ]
                continue
            try:
                if "基数" in col:
                    base = decimal_amount(_cell_text(cell(values, "基数")) or "0", field="基数")
                else:
                    base = Decimal(0)
                    for h in PAYROLL_INCOME + PAYROLL_DEDUCTIONS:
                        text = _cell_text(cell(values, h))
                        v = decimal_amount(text, field=h) if text else Decimal(0)
                        base += -v if h in PAYROLL_DEDUCTIONS else v
            except ValidationFailed as exc:
                for f, msgs in exc.fields.items():
                    errors[f"{where}.{f}"] = msgs
                continue
            label = _cell_text(cell(values, "类别"))
            category = CATEGORY_BY_LABEL.get(label) or (
                label
                if label in Cat.ALL
                else CATEGORY_BY_PERSON.get(member.person_category, Cat.WORKING)
            )
            if label and category != label and label not in CATEGORY_BY_LABEL:
                errors[f"{where}.类别"] = [str(_("未知的类别"))]
                continue
            if base < 0:
                errors[f"{where}.基数"] = [str(_("扣除后为负数"))]
                continue
            out.append({"member": member.pk, "category": category, "base": base})
        if errors:
            raise ValidationFailed(
                _("工资表有 %(n)s 处错误，未导入任何一行。") % {"n": len(errors)},
                code="payroll_invalid",
                fields=errors,
            )
        return out
    finally:
        wb.close()


def dues_payroll_import(*, actor, organization: Organization, year, file) -> list[DuesAssessment]:
    """The year's bases from a payroll workbook (`payroll_rows`), all rows or none."""
    _check_recordable(actor, organization)
    rows = payroll_rows(organization, file, name=getattr(file, "name", ""))
    return dues_assessments_set(
        actor=actor, organization=organization, year=year, rows=rows, source="payroll"
    )


# --- hardship relief (DUES-2008 Art. 7) -----------------------------------------------------


def _relief_month(value, *, year: int, field: str) -> dt.date:
    """A month of the assessment's year, as an office writes it (`office_month`: 2027-03)."""
    month = office_month(value)
    if month is None:
        raise ValidationFailed(
            _("月份须写作 %(y)s-03 的形式。") % {"y": year},
            code="invalid_month",
            fields={field: [_("格式为 YYYY-MM")]},
        )
    if month.year != year:
        raise ValidationFailed(
            _("减免月份须在 %(y)s 年内。") % {"y": year},
            code="month_outside_year",
            fields={field: [_("须在 %(y)s 年内") % {"y": year}]},
        )
    return month


def dues_relief_checked(
    *, assessment: DuesAssessment, relief: str, reason: str, amount=None, months=None
) -> dict:
    """A branch's application for 少交 (with the reduced monthly amount) or 免交 (DUES-2008
    Art. 7), checked: the kind, the reason, the reduced amount (above 0, below the computed one),
    and the months of the year it covers (`{"from": "2027-03", "until": "2027-12"}`, none: the
    whole year). Returns the values as stored; refused naming the field."""
    if relief not in (DuesRelief.REDUCED, DuesRelief.EXEMPT):
        raise ValidationFailed(
            _("请选择少交或免交。"), code="invalid_choice", fields={"relief": [_("须为少交或免交")]}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("请填写申请理由。"), code="required", fields={"reason": [_("必填")]}
        )
    if relief == DuesRelief.REDUCED:
        if amount in (None, ""):
            raise ValidationFailed(
                _("少交须填写每月金额。"), code="required", fields={"amount": [_("必填")]}
            )
        amount = decimal_amount(amount, field="amount")
        if Decimal(0) < amount < assessment.computed:
            amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
        if not Decimal(0) < amount < assessment.computed:
            raise ValidationFailed(
                _("少交后的金额须大于0且少于按比例应交的 %(c)s 元。") % {"c": assessment.computed},
                code="invalid_amount",
                fields={"amount": [_("须大于0且少于应交金额")]},
            )
    else:
        amount = None
    months = months or {}
    first = months.get("from") and _relief_month(
        months["from"], year=assessment.year, field="months.from"
    )
    last = months.get("until") and _relief_month(
        months["until"], year=assessment.year, field="months.until"
    )
    if first and last and last < first:
        raise ValidationFailed(
            _("截止月份不能早于起始月份。"),
            code="date_out_of_order",
            fields={"months.until": [_("不能早于起始月份")]},
        )
    return {
        "relief": relief,
        "amount": amount,
        "reason": reason[:300],
        "relief_from": first or None,
        "relief_until": last or None,
    }


@transaction.atomic
def dues_relief_request(
    *, actor, assessment: DuesAssessment, relief: str, reason: str, amount=None, months=None
) -> DuesAssessment:
    """The branch submits a member's application for 少交 or 免交 (`dues_relief_checked`) to the
    higher committee; the P-dues relief procedure calls it when its case starts. Until the
    committee approves, the computed amount stays due."""
    assessment = DuesAssessment.objects.select_for_update().get(pk=assessment.pk)
    _check_recordable(actor, _dues_branch(assessment.member))
    v = dues_relief_checked(
        assessment=assessment, relief=relief, reason=reason, amount=amount, months=months
    )
    if assessment.relief_status == DuesReliefStatus.PENDING:
        raise Conflict(
            _("该党员的申请正在等待党委审批。"),
            code="dues_relief_pending",
            fields={"relief": [_("已有待审批的申请")]},
        )
    assessment.relief, assessment.relief_amount = v["relief"], v["amount"]
    assessment.relief_reason = v["reason"]
    assessment.relief_from, assessment.relief_until = v["relief_from"], v["relief_until"]
    assessment.relief_status = DuesReliefStatus.PENDING
    assessment.relief_decided_by, assessment.relief_decided_on, assessment.relief_note = (
        None,
        None,
        "",
    )
    assessment.save()
    audit.append(
        action=AuditAction.DUES_RELIEF_REQUESTED,
        actor=actor,
        organization=assessment.member.organization,
        data={
            "member": assessment.member_id,
            "year": assessment.year,
            "relief": v["relief"],
            "amount": str(v["amount"]) if v["amount"] is not None else None,
            "reason": v["reason"],
            "from": v["relief_from"] and v["relief_from"].strftime("%Y-%m"),
            "until": v["relief_until"] and v["relief_until"].strftime("%Y-%m"),
        },
    )
    return assessment


def dues_relief_branch(assessment: DuesAssessment) -> Organization:
    """The branch that submits the member's relief (his Party group's branch): the case's
    organization, whose higher committee decides."""
    return _dues_branch(assessment.member)


def may_decide_relief(user, branch: Organization) -> bool:
    """The higher committee decides (DUES-2008 Art. 7)."""
    return decides_above(user, branch)


def check_relief_decider(actor, assessment: DuesAssessment) -> None:
    """Refuse, naming the rule, a decision by someone who does not act for the higher committee."""
    if not may_decide_relief(actor, dues_relief_branch(assessment)):
        raise ValidationFailed(
            _("少交、免交党费由上级党委审批。"),
            code="dues_relief_not_committee",
            fields={"approve": [_("须由上级党委审批")]},
        )


@transaction.atomic
def dues_relief_decide(
    *, actor, assessment: DuesAssessment, approve: bool, note: str = ""
) -> DuesAssessment:
    """The committee approves or refuses a pending relief; approved, it is what the member owes."""
    assessment = DuesAssessment.objects.select_for_update().get(pk=assessment.pk)
    check_relief_decider(actor, assessment)
    if assessment.relief_status != DuesReliefStatus.PENDING:
        raise Conflict(
            _("该党员没有待审批的少交或免交申请。"),
            code="dues_relief_not_pending",
            fields={"approve": [_("没有待审批的申请")]},
        )
    assessment.relief_status = DuesReliefStatus.APPROVED if approve else DuesReliefStatus.REFUSED
    assessment.relief_decided_by, assessment.relief_decided_on = actor, today()
    assessment.relief_note = (note or "").strip()[:300]
    assessment.save()
    audit.append(
        action=AuditAction.DUES_RELIEF_DECIDED,
        actor=actor,
        organization=assessment.member.organization,
        data={
            "member": assessment.member_id,
            "year": assessment.year,
            "relief": assessment.relief,
            "approved": bool(approve),
            "note": assessment.relief_note,
        },
    )
    return assessment


# --- monthly collection ---------------------------------------------------------------------


def add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def late_window_start(on: dt.date, rules) -> dt.date:
    """The earliest month that may still be paid on `on` (补交 normally ≤ 6 months, DUES-2008
    Art. 12): with a window of 6, in December the months from June on."""
    return add_months(on.replace(day=1), -rules.get("dues.late_window_months"))


def dues_collect(
    *, actor, member: Member, month: dt.date, paid_on: dt.date | None = None
) -> DuesPayment:
    """The branch records that `member` paid the dues of `month` (its first day), on `paid_on`
    (today by default), at the amount the year's assessment sets. Refused: a month not assessed, an
    approved exemption, a month after this one, or a month before the 补交 window."""
    paid_on = paid_on or today()
    month = month.replace(day=1)
    rules = deployment_rule_set()
    assessment = DuesAssessment.objects.filter(member=member, year=month.year).first()
    if assessment is None:
        raise ValidationFailed(
            _("%(name)s %(year)s 年的党费基数尚未核定。")
            % {"name": member.name, "year": month.year},
            code="dues_not_assessed",
            fields={"month": [_("该年度党费尚未核定")]},
        )
    if assessment.exempt_in(month):
        raise ValidationFailed(
            _("%(name)s %(month)s 经党委批准免交党费。")
            % {"name": member.name, "month": month.strftime("%Y-%m")},
            code="dues_exempt",
            fields={"month": [_("已批准免交")]},
        )
    earliest = late_window_start(paid_on, rules)
    if month < earliest:
        raise ValidationFailed(
            _(
                "%(month)s 的党费已超过补交期限：补交一般不超过 %(n)s 个月，%(on)s 最早可补交 %(earliest)s。"
            )
            % {
                "month": month.strftime("%Y-%m"),
                "n": rules.get("dues.late_window_months"),
                "on": paid_on.isoformat(),
                "earliest": earliest.strftime("%Y-%m"),
            },
            code="dues_late_window_closed",
            fields={"month": [_("超过补交期限")]},
        )
    return dues_record(
        actor=actor, member=member, month=month, amount=assessment.due_in(month), paid_on=paid_on
    )
