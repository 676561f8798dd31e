"""Writes to organizational-life records (P5): `meeting_record`, `dues_record`, and the Excel import
of a year's records that imports everything or nothing. Each write is audited in its transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Generator
from decimal import Decimal, InvalidOperation

from django.db import transaction

from engine.calendar import not_in_future, today
from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.models import Member, Organization
from organizations.rules import deployment_rule_set
from organizations.services import organization_dues_tracking_start
from untrusted.uploads import IMAGE_TYPES, upload_read
from workflows import audit

from .models import (
    Attendance,
    DuesPayment,
    Meeting,
    MeetingFile,
    MeetingFileKind,
    MeetingKind,
    Pairing,
    PartnerKind,
    SatisfactionGrade,
    SatisfactionSurvey,
    TrainingAttendance,
    TrainingKind,
    VolunteerService,
)
from .selectors import organizations_recordable


def _check_recordable(actor, organization: Organization):
    """The branch secretary/committee keeps the records (`actor=None`: an operator's command)."""
    if (
        actor is not None
        and not organizations_recordable(actor).filter(pk=organization.pk).exists()
    ):
        raise ValidationFailed(
            _("您不能为该组织记录组织生活或党费。"),
            code="organization_not_in_scope",
            fields={"organization": [_("不在您的管理范围内")]},
        )
    if organization.kind not in ("branch", "party_group"):
        raise ValidationFailed(
            _("组织生活和党费记录属于党支部或党小组。"),
            code="organization_not_branch",
            fields={"organization": [_("须为党支部或党小组")]},
        )


def _branch_members(organization: Organization, ids) -> dict[int, Member]:
    branch_path = organization.path
    if organization.kind == "party_group" and organization.parent_id:
        branch_path = organization.parent.path
    return {
        m.pk: m
        for m in Member.objects.filter(pk__in=list(ids), organization__path__startswith=branch_path)
    }


@transaction.atomic
def meeting_record(
    *,
    actor,
    organization: Organization,
    kind: str,
    held_on: dt.date,
    attendees: list[int],
    absentees: list[dict] | None = None,
    title: str = "",
    hours=None,
    evidence: str = "",
    notes: str = "",
    starts_at: dt.time | None = None,
    ends_at: dt.time | None = None,
    place: str = "",
    chair: int | None = None,
    recorder: int | None = None,
    nonvoting_attendees: str = "",
    content: str = "",
    resolutions: str = "",
    lecturer: int | None = None,
) -> Meeting:
    """Record a held meeting with who attended and who was absent and why (P5; the self-lapse rule of
    CONST Art. 9 reads these rows). `absentees`: [{"member": id, "reason": text}]. The minutes' fields
    (time, place, chair and recorder — members of the branch —, who sat in, content, resolutions)
    are optional; they fill the printed 三会一课 record."""
    _check_recordable(actor, organization)
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise ValidationFailed(
            _("结束时间不能早于开始时间。"),
            code="meeting_time_order",
            fields={"ends_at": [_("不能早于开始时间")]},
        )
    absentees = absentees or []
    if kind not in MeetingKind.values:
        raise ValidationFailed(
            _("未知的会议类型：%(k)s") % {"k": kind},
            code="invalid_choice",
            fields={"kind": [_("未知的类型")]},
        )
    not_in_future(held_on, field="held_on")
    if kind == MeetingKind.STUDY_SESSION and (hours is None or Decimal(hours) <= 0):
        raise ValidationFailed(
            _("学习教育须填写学时。"), code="required", fields={"hours": [_("须大于0")]}
        )
    if hours is not None and Decimal(hours) < 0:
        raise ValidationFailed(
            _("学时不能为负数。"), code="invalid_hours", fields={"hours": [_("不能为负数")]}
        )
    if not attendees and not absentees:
        raise ValidationFailed(
            _("请填写出席人员。"), code="required", fields={"attendees": [_("必填")]}
        )
    absent_ids = [a.get("member") for a in absentees]
    known = _branch_members(organization, [*attendees, *absent_ids])
    for i, mid in enumerate(attendees):
        if mid not in known:
            raise _not_in_branch(mid, f"attendees.{i}")
    for i, a in enumerate(absentees):
        if a.get("member") not in known:
            raise _not_in_branch(a.get("member"), f"absentees.{i}.member")
        if not str(a.get("reason") or "").strip():
            raise ValidationFailed(
                _("缺席人员须写明原因。"),
                code="absence_reason_required",
                fields={f"absentees.{i}.reason": [_("必填")]},
            )
    officers = _branch_members(organization, [m for m in (chair, recorder) if m is not None])
    for field, mid in (("chair", chair), ("recorder", recorder)):
        if mid is not None and mid not in officers:
            raise _not_in_branch(mid, field)
    everyone = [*attendees, *absent_ids]
    if len(set(everyone)) != len(everyone):
        dup = next(m for m in everyone if everyone.count(m) > 1)
        raise ValidationFailed(
            _("党员 %(name)s 重复出现在出席或缺席名单中。") % {"name": known[dup].name},
            code="member_listed_twice",
            fields={"attendees": [_("同一党员只能出现一次")]},
        )
    if lecturer is not None:
        _branch_member(organization, lecturer, "lecturer")
    meeting = Meeting.objects.create(
        organization=organization,
        kind=kind,
        held_on=held_on,
        title=title,
        hours=hours,
        evidence=evidence,
        notes=notes,
        recorded_by=actor,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        chair_id=chair,
        recorder_id=recorder,
        nonvoting_attendees=nonvoting_attendees,
        content=content,
        resolutions=resolutions,
        lecturer_id=lecturer,
    )
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member_id=m, present=True) for m in attendees]
        + [
            Attendance(
                meeting=meeting,
                member_id=a["member"],
                present=False,
                absence_reason=str(a["reason"]).strip(),
            )
            for a in absentees
        ]
    )
    audit.append(
        action="meeting_recorded",
        actor=actor,
        organization=organization,
        data={
            "meeting": meeting.pk,
            "kind": kind,
            "held_on": held_on,
            "title": title,
            "hours": hours,
            "attendees": attendees,
            "absentees": absentees,
            "evidence": evidence,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "chair": chair,
            "recorder": recorder,
            "nonvoting_attendees": nonvoting_attendees,
            "content": content,
            "resolutions": resolutions,
            "lecturer": lecturer,
        },
    )
    return meeting


MEETING_FILES_MAX = 20  # photos and sign-in sheets per meeting


def meeting_file_upload(*, actor, meeting: Meeting, kind: str, file) -> MeetingFile:
    """Attach a photo or a sign-in sheet to a recorded meeting: an image (PNG or JPEG, sniffed from
    its content by `untrusted.uploads`, no larger than the upload limit), at most MEETING_FILES_MAX
    per meeting; by those who keep the branch's records. Audited in the same transaction."""
    _check_recordable(actor, meeting.organization)
    if kind not in MeetingFileKind.values:
        raise ValidationFailed(
            _("未知的附件类别：%(k)s") % {"k": kind},
            code="invalid_choice",
            fields={"kind": [_("须为会议照片或签到表")]},
        )
    upload = upload_read(file, accepted=IMAGE_TYPES, accepted_text=str(_("PNG、JPEG 图片")))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.files.count() >= MEETING_FILES_MAX:
            raise ValidationFailed(
                _("每次会议最多上传 %(n)s 个照片或签到表。") % {"n": MEETING_FILES_MAX},
                code="meeting_files_too_many",
                fields={"file": [_("最多 %(n)s 个") % {"n": MEETING_FILES_MAX}]},
            )
        row = MeetingFile.objects.create(
            meeting=meeting,
            kind=kind,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            content=upload.content,
            uploaded_by=actor,
        )
        audit.append(
            action="meeting_file_uploaded",
            actor=actor,
            organization=meeting.organization,
            data={
                "meeting": meeting.pk,
                "file": row.pk,
                "kind": kind,
                "filename": row.filename,
                "content_type": row.content_type,
                "size": row.size,
                "sha256": row.sha256,
            },
        )
    return row


def _branch_member(organization: Organization, member_id, field: str = "member") -> Member:
    member = _branch_members(organization, [member_id]).get(member_id)
    if member is None:
        raise _not_in_branch(member_id, field)
    return member


def _not_in_branch(member_id, field: str) -> ValidationFailed:
    """The refusal of a member id that is no member of the branch the record is for."""
    return ValidationFailed(
        _("党员 %(id)s 不是本支部党员。") % {"id": member_id},
        code="member_not_in_branch",
        fields={field: [_("不是本支部党员")]},
    )


def _required(value: str, field: str, message) -> str:
    """`value` without its surrounding blanks; a blank one is refused naming `field`."""
    text = value.strip()
    if not text:
        raise ValidationFailed(message, code="required", fields={field: [_("必填")]})
    return text


def _positive(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal(0)
    if number <= 0:
        raise ValidationFailed(
            _("须为大于0的数。"), code="invalid_hours", fields={field: [_("须大于0")]}
        )
    return number


@transaction.atomic
def volunteer_service_record(
    *,
    actor,
    organization: Organization,
    member: int,
    served_on: dt.date,
    hours,
    activity: str,
    evidence: str = "",
) -> VolunteerService:
    """A member's volunteer service (JSNU 作用发挥明显 2: each member at least once a quarter)."""
    _check_recordable(actor, organization)
    person = _branch_member(organization, member)
    not_in_future(served_on, field="served_on")
    activity = _required(activity, "activity", _("请填写活动名称。"))
    row = VolunteerService.objects.create(
        organization=organization,
        member=person,
        served_on=served_on,
        hours=_positive(hours, "hours"),
        activity=activity,
        evidence=evidence,
        recorded_by=actor,
    )
    audit.append(
        action="volunteer_service_recorded",
        actor=actor,
        organization=organization,
        data={
            "record": row.pk,
            "member": person.pk,
            "served_on": served_on,
            "hours": str(row.hours),
            "activity": row.activity,
        },
    )
    return row


@transaction.atomic
def training_record(
    *,
    actor,
    organization: Organization,
    member: int,
    attended_on: dt.date,
    kind: str,
    title: str,
    hours,
    evidence: str = "",
) -> TrainingAttendance:
    """A member's (usually the secretary's) attendance at a training (JSNU: the secretary each
    semester; XYTC §2-3)."""
    _check_recordable(actor, organization)
    person = _branch_member(organization, member)
    not_in_future(attended_on, field="attended_on")
    if kind not in TrainingKind.values:
        raise ValidationFailed(
            _("未知的培训类型：%(k)s") % {"k": kind},
            code="invalid_choice",
            fields={"kind": [_("未知的类型")]},
        )
    title = _required(title, "title", _("请填写培训名称。"))
    row = TrainingAttendance.objects.create(
        organization=organization,
        member=person,
        attended_on=attended_on,
        kind=kind,
        title=title,
        hours=_positive(hours, "hours"),
        evidence=evidence,
        recorded_by=actor,
    )
    audit.append(
        action="training_recorded",
        actor=actor,
        organization=organization,
        data={
            "record": row.pk,
            "member": person.pk,
            "attended_on": attended_on,
            "kind": kind,
            "title": row.title,
            "hours": str(row.hours),
        },
    )
    return row


@transaction.atomic
def pairing_record(
    *,
    actor,
    organization: Organization,
    member: int,
    partner_name: str,
    partner_kind: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    notes: str = "",
) -> Pairing:
    """A committee member paired with a teacher or student (JSNU 宗旨意识牢固 2: each with at
    least 2)."""
    _check_recordable(actor, organization)
    person = _branch_member(organization, member)
    not_in_future(started_on, field="started_on")
    if partner_kind not in PartnerKind.values:
        raise ValidationFailed(
            _("联系对象须为教师或学生。"),
            code="invalid_choice",
            fields={"partner_kind": [_("未知的类型")]},
        )
    partner_name = _required(partner_name, "partner_name", _("请填写联系对象。"))
    if ended_on is not None and ended_on < started_on:
        raise ValidationFailed(
            _("结束日期不能早于开始日期。"),
            code="invalid_period",
            fields={"ended_on": [_("不能早于开始日期")]},
        )
    row = Pairing.objects.create(
        organization=organization,
        member=person,
        partner_name=partner_name,
        partner_kind=partner_kind,
        started_on=started_on,
        ended_on=ended_on,
        notes=notes,
        recorded_by=actor,
    )
    audit.append(
        action="pairing_recorded",
        actor=actor,
        organization=organization,
        data={
            "record": row.pk,
            "member": person.pk,
            "partner_name": row.partner_name,
            "partner_kind": partner_kind,
            "started_on": started_on,
            "ended_on": ended_on,
        },
    )
    return row


def satisfaction_tallies_check(*, tallies: dict, rules, field: str = "tallies") -> dict[str, int]:
    """Counts per satisfaction grade, non-negative, at least `survey.min_ballots` in all; else a
    400 naming `field`."""
    if not isinstance(tallies, dict):
        raise ValidationFailed(
            _("票数须按等次填写。"), code="invalid_tally", fields={field: [_("须为对象")]}
        )
    unknown = sorted(set(tallies) - set(SatisfactionGrade.values))
    if unknown:
        raise ValidationFailed(
            _("未知的等次：%(g)s") % {"g": ", ".join(unknown)},
            code="invalid_tally",
            fields={f"{field}.{unknown[0]}": [_("未知的等次")]},
        )
    counts = {}
    for grade in SatisfactionGrade.values:
        value = tallies.get(grade, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationFailed(
                _("各等次票数须为非负整数。"),
                code="invalid_tally",
                fields={f"{field}.{grade}": [_("须为非负整数")]},
            )
        counts[grade] = value
    minimum = rules.get("survey.min_ballots")
    if sum(counts.values()) < minimum:
        raise ValidationFailed(
            _("有效票 %(n)s 张，少于 %(min)s 张（%(rule)s）。")
            % {
                "n": sum(counts.values()),
                "min": minimum,
                "rule": rules.describe("survey.min_ballots"),
            },
            code="survey_too_few_ballots",
            fields={field: [_("有效票过少")]},
        )
    return counts


@transaction.atomic
def satisfaction_survey_record(
    *,
    actor,
    organization: Organization,
    surveyed_on: dt.date,
    tallies: dict,
    rules,
    title: str = "",
    case=None,
) -> SatisfactionSurvey:
    """The anonymous result of a satisfaction survey of a branch (JSNU 服务业绩好·群众满意度高 2):
    counts per grade only, never who answered what. Fewer ballots than `survey.min_ballots` are
    refused (a handful of answers would tell who gave them), as the democratic measurement keeps
    its voters apart from their ratings. With `case`: recorded by the evaluation round."""
    if case is None:
        _check_recordable(actor, organization)
    elif organization.kind != "branch":
        raise ValidationFailed(
            _("满意度测评针对党支部。"),
            code="organization_not_branch",
            fields={"organization": [_("须为党支部")]},
        )
    not_in_future(surveyed_on, field="surveyed_on")
    counts = satisfaction_tallies_check(tallies=tallies, rules=rules)
    row = SatisfactionSurvey.objects.create(
        organization=organization,
        surveyed_on=surveyed_on,
        title=title,
        case=case,
        recorded_by=actor,
        **counts,
    )
    audit.append(
        action="satisfaction_survey_recorded",
        actor=actor,
        organization=organization,
        data={
            "case": case.pk if case else None,
            "record": row.pk,
            "surveyed_on": surveyed_on,
            "title": title,
            "tallies": counts,
        },
    )
    return row


def _month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def _dues_branch(member: Member) -> Organization:
    org = member.organization
    return org if org.kind == "branch" else org.parent or org


@transaction.atomic
def dues_record(*, actor, member: Member, month: dt.date, amount, paid_on: dt.date) -> DuesPayment:
    """Record one member's dues for one month (XYTC §5-6: dues are paid monthly). The branch's
    first dues record starts its dues tracking from that month
    (`organization_dues_tracking_start`)."""
    branch = _dues_branch(member)
    _check_recordable(actor, branch)
    month = _month_start(month)
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("金额须为数字。"), code="invalid_amount", fields={"amount": [_("须为数字")]}
        ) from None
    if amount <= 0:
        raise ValidationFailed(
            _("金额须大于0。"), code="invalid_amount", fields={"amount": [_("须大于0")]}
        )
    not_in_future(paid_on, field="paid_on")
    if month > _month_start(today()):
        raise ValidationFailed(
            _("所属月份不能晚于本月。"),
            code="month_in_future",
            fields={"month": [_("不能晚于本月")]},
        )
    if DuesPayment.objects.filter(member=member, month=month).exists():
        raise Conflict(
            _("%(name)s %(month)s 的党费已记录。")
            % {"name": member.name, "month": month.strftime("%Y-%m")},
            code="dues_already_recorded",
            fields={"month": [_("该月党费已记录")]},
        )
    payment = DuesPayment.objects.create(
        member=member, month=month, amount=amount, paid_on=paid_on, recorded_by=actor
    )
    if branch.dues_tracked_since is None and branch.kind == "branch":
        organization_dues_tracking_start(actor=actor, organization=branch, month=month)
    audit.append(
        action="dues_recorded",
        actor=actor,
        organization=member.organization,
        data={
            "member": member.pk,
            "month": month.strftime("%Y-%m"),
            "amount": str(amount),
            "paid_on": paid_on,
        },
    )
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
        return None, _("本支部有 %(n)s 名党员叫“%(name)s”，请填写党员编号。") % {
            "n": len(found),
            "name": text,
        }
    return None, _("“%(name)s”不是本支部党员。") % {"name": text}


def _import_survey(actor, organization, rec: dict, sheet: str, errors: list, counts: dict) -> None:
    """One row of the 满意度测评 sheet: one survey's tallies (`satisfaction_survey_record`)."""
    # Like orglife_import: openpyxl is loaded only when importing.
    from .importing import RowError, record_column

    tallies = {g: rec[g] for g in SatisfactionGrade.values}
    if rec.get("surveyed_on") is None or None in tallies.values():
        return  # already reported by the parser
    try:
        with transaction.atomic():
            satisfaction_survey_record(
                actor=actor,
                organization=organization,
                surveyed_on=rec["surveyed_on"],
                tallies=tallies,
                rules=deployment_rule_set(),
                title=rec.get("title") or "",
            )
        counts["satisfaction_survey"] += 1
    except ValidationFailed as e:
        key = next(iter(e.fields), "")
        column = "满意" if key.startswith("tallies") else record_column("satisfaction_survey", key)
        errors.append(RowError(sheet, rec["row"], column, e.message))


def orglife_import(*, actor, organization: Organization, file) -> dict:
    """Import a year's dues and attendance from an Excel workbook (see `orglife.importing`) into
    `organization` (a branch). Every row is checked by the same services as a single record; when any
    row is wrong nothing is imported and the error lists each wrong row (sheet, row, column, why)."""
    steps = orglife_import_steps(actor=actor, organization=organization, file=file)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


IMPORT_PROGRESS_EVERY = 100  # rows between two progress reports of `orglife_import_steps`


def orglife_import_steps(
    *, actor, organization: Organization, file
) -> Generator[tuple[int, int], None, dict]:
    """`orglife_import` one step at a time, for a page that shows its progress: yields (rows done,
    rows in the workbook) after reading the workbook and every IMPORT_PROGRESS_EVERY rows, and
    returns the counts. The whole import is one transaction that stays open across the yields (the
    caller iterates in one thread); closing the generator early rolls everything back."""
    with transaction.atomic():
        return (yield from _import_rows(actor=actor, organization=organization, file=file))


def _import_rows(
    *, actor, organization: Organization, file
) -> Generator[tuple[int, int], None, dict]:
    from .importing import RECORD_SHEETS, RowError, parse_workbook, record_column

    _check_recordable(actor, organization)
    parsed = parse_workbook(file)
    total = (
        len(parsed.dues)
        + len(parsed.attendance)
        + sum(len(rows) for rows in parsed.records.values())
    )
    done = 0
    yield done, total

    def tick(n: int = 1):  # noqa: ANN202 - a generator of progress reports
        nonlocal done
        before, done = done, done + n
        if before // IMPORT_PROGRESS_EVERY != done // IMPORT_PROGRESS_EVERY:
            yield done, total

    errors = list(parsed.errors)
    members = list(Member.objects.filter(organization__path__startswith=organization.path))
    by_id, by_name = {m.pk: m for m in members}, {}
    for m in members:
        by_name.setdefault(m.name, []).append(m)

    counts = {"meetings": 0, "attendance": 0, "dues": 0}
    months = [rec["month"] for rec in parsed.dues if rec["month"] is not None]
    if months and organization.kind == "branch" and organization.dues_tracked_since is None:
        # The earliest imported month, not the first row's: the rows come in any order.
        organization_dues_tracking_start(actor=actor, organization=organization, month=min(months))
    for rec in parsed.dues:
        yield from tick()
        member, problem = _resolve_member(organization, rec["member"], by_name, by_id)
        if problem:
            errors.append(RowError("党费", rec["row"], "党员", problem))
            continue
        if rec["month"] is None or rec["paid_on"] is None:
            continue
        try:
            with transaction.atomic():
                dues_record(
                    actor=actor,
                    member=member,
                    month=rec["month"],
                    amount=rec["amount"],
                    paid_on=rec["paid_on"],
                )
            counts["dues"] += 1
        except (ValidationFailed, Conflict) as e:
            column = {"amount": "金额", "month": "月份", "paid_on": "缴纳日期"}.get(
                next(iter(e.fields), ""), ""
            )
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
    yield from tick(len(parsed.attendance) - sum(len(rows) for rows in meetings.values()))
    for (held_on, kind, title), rows in meetings.items():
        yield from tick(len(rows))
        hours = next((r["hours"] for r in rows if r["hours"] not in (None, "")), None)
        try:
            with transaction.atomic():
                meeting_record(
                    actor=actor,
                    organization=organization,
                    kind=kind,
                    held_on=held_on,
                    title=title,
                    hours=hours,
                    evidence=next((r["evidence"] for r in rows if r["evidence"]), ""),
                    attendees=[r["member_id"] for r in rows if r["present"]],
                    absentees=[
                        {"member": r["member_id"], "reason": r["reason"]}
                        for r in rows
                        if not r["present"]
                    ],
                )
            counts["meetings"] += 1
            counts["attendance"] += len(rows)
        except ValidationFailed as e:
            key = next(iter(e.fields), "")
            row = rows[0]["row"]
            if key.startswith("absentees."):
                row = [r for r in rows if not r["present"]][int(key.split(".")[1])]["row"]
            elif key.startswith("attendees."):
                row = [r for r in rows if r["present"]][int(key.split(".")[1])]["row"]
            column = {"hours": "学时", "held_on": "日期", "kind": "类型"}.get(
                key, "缺席原因" if key.endswith("reason") else "党员"
            )
            errors.append(RowError("组织生活", row, column, e.message))

    # The records of the branch standards (P6), each row through its service like a single record.
    writers = {
        "volunteer_service": volunteer_service_record,
        "training": training_record,
        "pairing": pairing_record,
    }
    for kind, rows in parsed.records.items():
        sheet = RECORD_SHEETS[kind][0][0]
        counts[kind] = 0
        for rec in rows:
            yield from tick()
            if kind == "satisfaction_survey":
                _import_survey(actor, organization, rec, sheet, errors, counts)
                continue
            member, problem = _resolve_member(organization, rec["member"], by_name, by_id)
            if problem:
                errors.append(RowError(sheet, rec["row"], "党员", problem))
                continue
            if any(rec.get(k) is None for k in RECORD_SHEETS[kind][2]):
                continue  # a date or choice the parser could not read: already reported
            values = {
                k: v
                for k, v in rec.items()
                if k not in ("row", "member") and not (k == "ended_on" and v is None)
            }
            try:
                with transaction.atomic():
                    writers[kind](
                        actor=actor, organization=organization, member=member.pk, **values
                    )
                counts[kind] += 1
            except ValidationFailed as e:
                column = record_column(kind, next(iter(e.fields), ""))
                errors.append(RowError(sheet, rec["row"], column, e.message))

    if errors:
        # Raising leaves this atomic block: every record written above is rolled back.
        errors.sort(key=lambda e: (e.sheet, e.row))
        fields: dict[str, list] = {}
        for e in errors:
            fields.setdefault(f"{e.sheet}!{e.row}" if e.row else "file", []).append(
                f"{e.column}: {e.message}" if e.column else e.message
            )
        raise ValidationFailed(
            _("导入失败：%(n)s 处错误，未导入任何记录。") % {"n": len(errors)},
            code="import_rows_invalid",
            fields=fields,
            rows=[e.as_dict() for e in errors],
        )
    return counts
