"""Writes to organizational-life records (P5): `meeting_record`, `dues_record`, and the Excel import
of a year's records that imports everything or nothing. Each write is audited in its transaction."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from engine.calendar import today
from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.models import Member, Organization
from workflows.audit import append as audit

from .models import Attendance, DuesPayment, Meeting, MeetingKind
from .selectors import organizations_recordable


def _check_recordable(actor, organization: Organization):
    """The branch secretary/committee keeps the records (`actor=None`: an operator's command)."""
    if actor is not None and not organizations_recordable(actor).filter(pk=organization.pk).exists():
        raise ValidationFailed(_("您不能为该组织记录组织生活或党费。"), code="organization_not_in_scope",
                               fields={"organization": [_("不在您的管理范围内")]})
    if organization.kind not in ("branch", "party_group"):
        raise ValidationFailed(_("组织生活和党费记录属于党支部或党小组。"), code="organization_not_branch",
                               fields={"organization": [_("须为党支部或党小组")]})


def _branch_members(organization: Organization, ids) -> dict[int, Member]:
    branch_path = organization.path
    if organization.kind == "party_group" and organization.parent_id:
        branch_path = organization.parent.path
    return {m.pk: m for m in Member.objects.filter(pk__in=list(ids), organization__path__startswith=branch_path)}


def _not_future(value: dt.date, field: str):
    if value > today():
        raise ValidationFailed(_("日期不能晚于今天。"), code="date_in_future", fields={field: [_("不能晚于今天")]})


@transaction.atomic
def meeting_record(*, actor, organization: Organization, kind: str, held_on: dt.date, attendees: list[int],
                   absentees: list[dict] | None = None, title: str = "", hours=None, evidence: str = "", notes: str = "") -> Meeting:
    """Record a held meeting with who attended and who was absent and why (P5; the self-lapse rule of
    CONST Art. 9 reads these rows). `absentees`: [{"member": id, "reason": text}]."""
    _check_recordable(actor, organization)
    absentees = absentees or []
    if kind not in MeetingKind.values:
        raise ValidationFailed(_("未知的会议类型：%(k)s") % {"k": kind}, code="invalid_choice", fields={"kind": [_("未知的类型")]})
    _not_future(held_on, "held_on")
    if kind == MeetingKind.STUDY_SESSION and (hours is None or Decimal(hours) <= 0):
        raise ValidationFailed(_("学习教育须填写学时。"), code="required", fields={"hours": [_("须大于0")]})
    if hours is not None and Decimal(hours) < 0:
        raise ValidationFailed(_("学时不能为负数。"), code="invalid_hours", fields={"hours": [_("不能为负数")]})
    if not attendees and not absentees:
        raise ValidationFailed(_("请填写出席人员。"), code="required", fields={"attendees": [_("必填")]})
    absent_ids = [a.get("member") for a in absentees]
    known = _branch_members(organization, [*attendees, *absent_ids])
    for i, mid in enumerate(attendees):
        if mid not in known:
            raise ValidationFailed(_("党员 %(id)s 不是本支部党员。") % {"id": mid}, code="member_not_in_branch", fields={f"attendees.{i}": [_("不是本支部党员")]})
    for i, a in enumerate(absentees):
        if a.get("member") not in known:
            raise ValidationFailed(_("党员 %(id)s 不是本支部党员。") % {"id": a.get("member")}, code="member_not_in_branch", fields={f"absentees.{i}.member": [_("不是本支部党员")]})
        if not str(a.get("reason") or "").strip():
            raise ValidationFailed(_("缺席人员须写明原因。"), code="absence_reason_required", fields={f"absentees.{i}.reason": [_("必填")]})
    everyone = [*attendees, *absent_ids]
    if len(set(everyone)) != len(everyone):
        dup = next(m for m in everyone if everyone.count(m) > 1)
        raise ValidationFailed(_("党员 %(name)s 重复出现在出席或缺席名单中。") % {"name": known[dup].name}, code="member_listed_twice",
                               fields={"attendees": [_("同一党员只能出现一次")]})
    meeting = Meeting.objects.create(organization=organization, kind=kind, held_on=held_on, title=title, hours=hours,
                                     evidence=evidence, notes=notes, recorded_by=actor)
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member_id=m, present=True) for m in attendees]
        + [Attendance(meeting=meeting, member_id=a["member"], present=False, absence_reason=str(a["reason"]).strip()) for a in absentees])
    audit(action="meeting_recorded", actor=actor, organization=organization, data={
        "meeting": meeting.pk, "kind": kind, "held_on": held_on, "title": title, "hours": hours,
        "attendees": attendees, "absentees": absentees, "evidence": evidence})
    return meeting


def _month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


@transaction.atomic
def dues_record(*, actor, member: Member, month: dt.date, amount, paid_on: dt.date) -> DuesPayment:
    """Record one member's dues for one month (XYTC §5-6: dues are paid monthly)."""
    _check_recordable(actor, member.organization if member.organization.kind == "branch" else member.organization.parent or member.organization)
    month = _month_start(month)
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("金额须为数字。"), code="invalid_amount", fields={"amount": [_("须为数字")]}) from None
    if amount <= 0:
        raise ValidationFailed(_("金额须大于0。"), code="invalid_amount", fields={"amount": [_("须大于0")]})
    _not_future(paid_on, "paid_on")
    if month > _month_start(today()):
        raise ValidationFailed(_("所属月份不能晚于本月。"), code="month_in_future", fields={"month": [_("不能晚于本月")]})
    if DuesPayment.objects.filter(member=member, month=month).exists():
        raise Conflict(_("%(name)s %(month)s 的党费已记录。") % {"name": member.name, "month": month.strftime("%Y-%m")},
                       code="dues_already_recorded", fields={"month": [_("该月党费已记录")]})
    payment = DuesPayment.objects.create(member=member, month=month, amount=amount, paid_on=paid_on, recorded_by=actor)
    audit(action="dues_recorded", actor=actor, organization=member.organization, data={
        "member": member.pk, "month": month.strftime("%Y-%m"), "amount": str(amount), "paid_on": paid_on})
    return payment


def _resolve_member(organization: Organization, value, by_name: dict, by_id: dict):
    """A member of the branch by id or by a name unique in the branch; (member, error message)."""
    text = str(value if value is not None else "").strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if text.isdigit() and int(text) in by_id:
        return by_id[int(text)], None
    found = by_name.get(text, [])
    if len(found) == 1:
        return found[0], None
    if len(found) > 1:
        return None, _("本支部有 %(n)s 名党员叫“%(name)s”，请填写党员编号。") % {"n": len(found), "name": text}
    return None, _("“%(name)s”不是本支部党员。") % {"name": text}


@transaction.atomic
def orglife_import(*, actor, organization: Organization, file) -> dict:
    """Import a year's dues and attendance from an Excel workbook (see `orglife.importing`) into
    `organization` (a branch). Every row is checked by the same services as a single record; when any
    row is wrong nothing is imported and the error lists each wrong row (sheet, row, column, why)."""
    from .importing import RowError, parse_workbook

    _check_recordable(actor, organization)
    parsed = parse_workbook(file)
    errors = list(parsed.errors)
    members = list(Member.objects.filter(organization__path__startswith=organization.path))
    by_id, by_name = {m.pk: m for m in members}, {}
    for m in members:
        by_name.setdefault(m.name, []).append(m)

    counts = {"meetings": 0, "attendance": 0, "dues": 0}
    for rec in parsed.dues:
        member, problem = _resolve_member(organization, rec["member"], by_name, by_id)
        if problem:
            errors.append(RowError("党费", rec["row"], "党员", problem))
            continue
        if rec["month"] is None or rec["paid_on"] is None:
            continue
        try:
            with transaction.atomic():
                dues_record(actor=actor, member=member, month=rec["month"], amount=rec["amount"], paid_on=rec["paid_on"])
            counts["dues"] += 1
        except (ValidationFailed, Conflict) as e:
            column = {"amount": "金额", "month": "月份", "paid_on": "缴纳日期"}.get(next(iter(e.fields), ""), "")
            errors.append(RowError("党费", rec["row"], column, e.message))

    meetings: dict[tuple, list[dict]] = {}
    for rec in parsed.attendance:
        member, problem = _resolve_member(organization, rec["member"], by_name, by_id)
        if problem:
            errors.append(RowError("组织生活", rec["row"], "党员", problem))
            continue
        rec["member_id"] = member.pk
        if None not in (rec["held_on"], rec["kind"], rec["present"]):
            meetings.setdefault((rec["held_on"], rec["kind"], rec["title"]), []).append(rec)
    for (held_on, kind, title), rows in meetings.items():
        hours = next((r["hours"] for r in rows if r["hours"] not in (None, "")), None)
        try:
            with transaction.atomic():
                meeting_record(actor=actor, organization=organization, kind=kind, held_on=held_on, title=title, hours=hours,
                               evidence=next((r["evidence"] for r in rows if r["evidence"]), ""),
                               attendees=[r["member_id"] for r in rows if r["present"]],
                               absentees=[{"member": r["member_id"], "reason": r["reason"]} for r in rows if not r["present"]])
            counts["meetings"] += 1
            counts["attendance"] += len(rows)
        except ValidationFailed as e:
            key = next(iter(e.fields), "")
            row = rows[0]["row"]
            if key.startswith("absentees."):
                row = [r for r in rows if not r["present"]][int(key.split(".")[1])]["row"]
            elif key.startswith("attendees."):
                row = [r for r in rows if r["present"]][int(key.split(".")[1])]["row"]
            column = {"hours": "学时", "held_on": "日期", "kind": "类型"}.get(key, "缺席原因" if key.endswith("reason") else "党员")
            errors.append(RowError("组织生活", row, column, e.message))

    if errors:
        # Raising leaves this atomic block: every record written above is rolled back.
        errors.sort(key=lambda e: (e.sheet, e.row))
        fields: dict[str, list] = {}
        for e in errors:
            fields.setdefault(f"{e.sheet}!{e.row}" if e.row else "file", []).append(f"{e.column}: {e.message}" if e.column else e.message)
        raise ValidationFailed(_("导入失败：%(n)s 处错误，未导入任何记录。") % {"n": len(errors)}, code="import_rows_invalid",
                               fields=fields, rows=[e.as_dict() for e in errors])
    return counts
