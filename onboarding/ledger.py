"""The import's development ledger: each row's member-development case started at the step the
person has reached, the earlier steps' dates in its data and history, dates that break a rule
flagged for the committee."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import islice

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from engine.calendar import today
from engine.errors import DomainError
from engine.i18n import _
from organizations.models import Member, MemberStatus, OrgKind
from organizations.services import member_create_many, member_import_build, member_import_upsert
from procedures.member_development import procedure as member_development
from procedures.member_development.services import member_status_changes
from workflows.services import case_start, cases_history_import, cases_start_many

from .columns import Sheet
from .reading import _apply, _Context, _fail, _header_of, _not_future, _rows
from .roster import _branch, _identity, _Known, _running_case

# The ledger's dates in the order the steps happen: (field, BPMN task id, its name, the status
# reached).
LEDGER_STEPS = (
    ("application_date", "submit_application", "递交入党申请书", MemberStatus.APPLICANT),
    ("talk_date", "talk_with_applicant", "派人谈话", None),
    ("activist_date", "select_activist", "确定入党积极分子", MemberStatus.ACTIVIST),
    (
        "designation_date",
        "designate_development_object",
        "确定发展对象",
        MemberStatus.DEVELOPMENT_OBJECT,
    ),
    ("political_review_date", "political_review", "政治审查", None),
    ("training_end", "centralized_training", "集中培训", None),
    ("admission_vote_date", "admission_vote", "支部大会讨论接收预备党员", None),
    ("committee_talk_date", "committee_talk", "上级党委派人谈话", None),
    ("admission_decision_date", "approve_admission", "上级党委审批", MemberStatus.PROBATIONARY),
    ("conversion_date", "approve_conversion", "上级党委审批转正", MemberStatus.FULL),
)
# What the case keeps of its ledger row (for export): the dates no form of the case records.
LEDGER_RECORD = (
    "political_review_date",
    "training_start",
    "training_end",
    "training_hours",
    "committee_talk_date",
)
# Dates a running case is compared on when the same ledger is imported again.
CASE_DATES = (
    "application_date",
    "talk_date",
    "activist_date",
    "designation_date",
    "admission_vote_date",
    "admission_decision_date",
)


def ledger_position(values: dict) -> tuple[str, str]:
    """(the status the person has reached, the step their case starts at) from the dates
    recorded."""
    if values.get("conversion_date"):
        return MemberStatus.FULL, ""
    if values.get("admission_decision_date"):
        return MemberStatus.PROBATIONARY, "probation"
    if values.get("admission_vote_date"):
        return MemberStatus.DEVELOPMENT_OBJECT, "admission_approval" if values.get(
            "committee_talk_date"
        ) else "committee_talk"
    if values.get("designation_date"):
        return MemberStatus.DEVELOPMENT_OBJECT, "introducers"
    if values.get("activist_date"):
        return MemberStatus.ACTIVIST, "cultivation" if values.get("contacts") else "contacts"
    if values.get("talk_date"):
        return MemberStatus.APPLICANT, "activist_selection"
    return MemberStatus.APPLICANT, "talk"


# Ledger rows' cases are started this many at a time (`_start_cases`).
LEDGER_BATCH = 200


def _import_ledger(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    """Rows are read LEDGER_BATCH at a time: the members they name (the person, the 联系人 and
    介绍人) looked up in one query each, the batch's cases started together."""
    pending: list[_LedgerCase] = []
    rows = _rows(ctx, sheet, ws, progress)
    while batch := list(islice(rows, LEDGER_BATCH)):
        known = _Known.of(batch, ctx.root)
        numbers = {no for _n, v, _p in batch for no in (*v["contacts"], *v["introducers"])}
        # 联系人 and 介绍人 are named by 学工号: members of this university (issue 32).
        people = dict(
            ctx.members()
            .filter(staff_or_student_no__in=numbers)
            .values_list("staff_or_student_no", "pk")
        )
        new = _NewMembers()
        for n, values, _present in batch:
            if new.rows and new.needed_by(values, known):
                new.insert(ctx, sheet, pending, known, people)
            _apply(
                ctx,
                sheet,
                n,
                lambda n=n, values=values, known=known, people=people, new=new: _ledger_row(
                    ctx, sheet, n, values, pending, known, people, new
                ),
            )
        new.insert(ctx, sheet, pending, known, people)
        _start_cases(ctx, sheet, pending)


@dataclass
class _NewMembers:
    """The batch's new applicants, checked and built by their rows (`member_import_build`) and
    inserted together (`member_create_many`, each logged as imported with its row, as
    `member_import_upsert` logs it) before their cases start: one statement instead of a
    savepoint, an INSERT and a release per row. Inserted earlier when a row is about to write
    (a member it matched, a finished development), or names one of them as 联系人 or 介绍人, so
    the record log and the lookups see the same order as row by row."""

    rows: list = field(default_factory=list)  # (row, member built, source)

    def needed_by(self, values: dict, known: _Known) -> bool:
        id_number = (values.get("id_number") or "").upper()
        return (
            values["stage"] == MemberStatus.FULL
            or values.get("staff_or_student_no") in known.by_no
            or (id_number and id_number in known.by_id)
            or bool(
                {*values["contacts"], *values["introducers"]}
                & {m.staff_or_student_no for _n, m, _s in self.rows}
            )
        )

    def insert(self, ctx: _Context, sheet: Sheet, pending: list, known: _Known, people) -> None:
        """Outside any row's savepoint; when a uniqueness the checks missed refuses the batch,
        each row alone, so the report names the row in conflict (and its case is not started)."""
        batch = self.rows[:]
        self.rows.clear()
        if not batch:
            return
        try:
            with transaction.atomic():
                member_create_many(
                    actor=ctx.actor,
                    members=[m for _n, m, _s in batch],
                    sources=[s for *_, s in batch],
                )
        except IntegrityError:
            for n, member, source in batch:
                member.pk, member._state.adding = None, True
                _apply(
                    ctx,
                    sheet,
                    n,
                    lambda member=member, source=source: member_create_many(
                        actor=ctx.actor, members=[member], sources=[source]
                    ),
                )
                if member.pk is None:
                    ctx.report.undo(sheet, n)
                    pending[:] = [item for item in pending if item.n != n]
        for _n, member, _source in batch:
            if member.pk is not None:
                _written(member, known, people)


def _ledger_dates_in_order(ctx, sheet, n, values) -> None:
    _not_future(
        ctx, sheet, n, values, [f for f, *_rest in LEDGER_STEPS] + ["birth_date", "training_start"]
    )
    last = None
    for f in (
        "application_date",
        "talk_date",
        "activist_date",
        "designation_date",
        "admission_vote_date",
        "committee_talk_date",
        "admission_decision_date",
        "conversion_date",
    ):
        if values.get(f):
            if last and values[f] < values[last]:
                _fail(
                    ctx,
                    sheet,
                    n,
                    f,
                    "date_order",
                    _("不能早于%(col)s %(d)s")
                    % {"col": _header_of(sheet, last), "d": values[last].isoformat()},
                )
            last = f
    for later, earlier in (
        ("designation_date", "activist_date"),
        ("admission_vote_date", "designation_date"),
        ("admission_decision_date", "admission_vote_date"),
        ("conversion_date", "admission_decision_date"),
    ):
        if values.get(later) and not values.get(earlier):
            _fail(
                ctx,
                sheet,
                n,
                earlier,
                "required",
                _("已填%(later)s，须填%(col)s")
                % {"later": _header_of(sheet, later), "col": _header_of(sheet, earlier)},
            )
    if (
        values.get("training_start")
        and values.get("training_end")
        and values["training_end"] < values["training_start"]
    ):
        _fail(ctx, sheet, n, "training_end", "date_order", _("不能早于培训开始日期"))


def ledger_flags(values: dict, rules, *, birth_date: dt.date | None) -> list[dict]:
    """The rules the recorded dates already break: imported and flagged, not refused (DEV-2014)."""
    flags = []

    def flag(code, column, message):
        flags.append({"code": code, "column": column, "message": str(message)})

    applied = values["application_date"]
    if birth_date and applied < birth_date + relativedelta(years=rules.get("development.min_age")):
        flag(
            "applicant_under_age",
            "申请入党日期",
            _("申请入党时未满 %(n)s 岁（DEV-2014 第5条）")
            % {"n": rules.get("development.min_age")},
        )
    if values.get("talk_date") and values["talk_date"] > rules.get(
        "development.talk_within"
    ).add_to(applied):
        flag(
            "talk_late",
            "谈话日期",
            _("谈话晚于收到申请书后 %(w)s（DEV-2014 第7条）")
            % {"w": rules.get("development.talk_within")},
        )
    if values.get("designation_date"):
        earliest = rules.get("development.activist_min_period").add_to(values["activist_date"])
        if values["designation_date"] < earliest:
            flag(
                "designation_too_early",
                "确定发展对象日期",
                _("确定为发展对象时培养考察不满一年（DEV-2014 第13条），最早应为 %(d)s")
                % {"d": earliest.isoformat()},
            )
    if values.get("admission_vote_date"):
        ceiling = rules.get("development.approval_max").add_to(values["admission_vote_date"])
        decided = values.get("admission_decision_date")
        if (decided or today()) > ceiling:
            flag(
                "approval_beyond_max",
                "党委审批日期",
                _("支部大会后超过 %(m)s 未审批（DEV-2014 第28条），最晚应为 %(d)s")
                % {"m": rules.get("development.approval_max"), "d": ceiling.isoformat()},
            )
    return flags


def _people(ctx, sheet, n, field_name, numbers, found: dict) -> list[int]:
    """The members named by their 学工号 (`found`: 学工号 → id of those the batch names)."""
    missing = [no for no in numbers if no not in found]
    if missing:
        _fail(
            ctx,
            sheet,
            n,
            field_name,
            "unknown_member",
            _("学工号 %(no)s 不在党员名单中") % {"no": "、".join(missing)},
        )
    return [found[no] for no in numbers]


def _ledger_row(
    ctx: _Context,
    sheet: Sheet,
    n: int,
    values: dict,
    pending: list,
    known: _Known,
    people: dict,
    new: _NewMembers,
) -> None:
    branch = _branch(ctx, sheet, n, values)
    if branch.kind != OrgKind.BRANCH:
        _fail(
            ctx,
            sheet,
            n,
            "organization_code",
            "development_needs_branch",
            _("发展党员须由党支部进行"),
        )
    _ledger_dates_in_order(ctx, sheet, n, values)
    status, stage = ledger_position(values)
    if values["stage"] != status:
        _fail(
            ctx,
            sheet,
            n,
            "stage",
            "stage_mismatch",
            _("按所填日期，当前阶段应为“%(s)s”") % {"s": MemberStatus(status).label},
        )
    contacts = _people(ctx, sheet, n, "contacts", values["contacts"], people)
    introducers = _people(ctx, sheet, n, "introducers", values["introducers"], people)
    member = _identity(ctx, sheet, n, values, known)
    source = {**ctx.source, "sheet": sheet.title, "row": n}
    identity = {
        "organization": branch,
        "staff_or_student_no": values["staff_or_student_no"],
        "name": values["name"],
        **{
            f: values[f]
            for f in (
                "gender",
                "ethnicity",
                "native_place",
                "id_number",
                "birth_date",
                "person_category",
            )
            if values.get(f)
        },
    }
    if status == MemberStatus.FULL:  # development finished: the roster record, no case
        identity.update(
            status=MemberStatus.FULL,
            joined_on=values["admission_vote_date"],
            party_standing_from=values["conversion_date"],
        )
        member, action, changes = member_import_upsert(
            actor=ctx.actor, member=member, values=identity, source=source
        )
        _written(member, known, people)
        ctx.report.done(sheet, n, action, member.staff_or_student_no, member.name, changes)
        return
    running = (
        _running_case(member_development.PROCESS, organization=branch, subject_member=member)
        if member
        else None
    )
    if running is not None:
        differs = [
            f
            for f in CASE_DATES
            if (values[f].isoformat() if values.get(f) else None) != running.data.get(f)
        ]
        if differs:
            _fail(
                ctx,
                sheet,
                n,
                differs[0],
                "ledger_case_differs",
                _(
                    "与进行中的发展党员流程（编号 %(id)s）记录的日期不同；"
                    "进行中流程的记录须在流程中更正"
                )
                % {"id": running.pk},
            )
        member, action, changes = member_import_upsert(
            actor=ctx.actor, member=member, values=identity, source=source
        )
        _written(member, known, people)
        ctx.report.done(sheet, n, action, member.staff_or_student_no, member.name, changes)
        return
    if member is not None and member.status == MemberStatus.FULL:
        _fail(
            ctx,
            sheet,
            n,
            "stage",
            "already_member",
            _("%(name)s 已是正式党员") % {"name": member.name},
        )
    if member is None:
        identity["status"] = MemberStatus.APPLICANT
        member = member_import_build(values=identity)  # inserted with the batch's new ones
    else:
        member, _action, changes = member_import_upsert(
            actor=ctx.actor, member=member, values=identity, source=source
        )
        _written(member, known, people)
    flags = ledger_flags(values, ctx.rules, birth_date=member.birth_date)
    data = _case_data(ctx, values, stage, contacts, introducers, flags, source)
    statuses = [
        (
            reached,
            values["admission_vote_date"] if reached == MemberStatus.PROBATIONARY else values[f],
        )
        for f, _task, _name, reached in LEDGER_STEPS
        if reached is not None and values.get(f)
    ]
    pending.append(
        _LedgerCase(
            n=n,
            branch=branch,
            member=member,
            data=data,
            history=_history(values, contacts, introducers),
            statuses=statuses,
            flags=flags,
            source=source,
        )
    )
    if member.pk is None:
        new.rows.append((n, member, source))
    ctx.report.done(sheet, n, "created", member.staff_or_student_no, member.name)


def _written(member: Member, known: _Known, people: dict) -> None:
    """The batch's lookups see the member as the row left it (a later row may name him)."""
    known.refresh(member)
    if member.staff_or_student_no:
        people[member.staff_or_student_no] = member.pk


@dataclass
class _LedgerCase:
    """A ledger row's case, checked, its member written, to be started with its batch."""

    n: int
    branch: object
    member: Member
    data: dict
    history: list
    statuses: list  # (status reached, from date), in the order the steps happened
    flags: list
    source: dict


def _start_cases(ctx: _Context, sheet: Sheet, pending: list) -> None:
    """Start the batch's cases at once (`cases_start_many`, their histories and flags with
    `cases_history_import`, the statuses reached with `member_status_changes`); when the batch is
    refused, each row alone, so the report names the row."""
    batch = pending[:]
    pending.clear()
    if not batch:
        return
    try:
        with transaction.atomic():
            cases = cases_start_many(
                actor=ctx.actor,
                process_id=member_development.PROCESS,
                starts=[
                    {
                        "organization": item.branch,
                        "subject_member": item.member,
                        "data": {k: v for k, v in item.data.items() if k != "imported"},
                        "imported": item.data["imported"],
                    }
                    for item in batch
                ],
            )
            _adopt(ctx, list(zip(batch, cases, strict=True)))
    except (DomainError, IntegrityError):
        for item in batch:
            ctx.report.undo(sheet, item.n)
            _apply(ctx, sheet, item.n, lambda item=item: _start_one(ctx, sheet, item))
        return
    _report_cases(ctx, sheet, list(zip(batch, cases, strict=True)))


def _start_one(ctx: _Context, sheet: Sheet, item: _LedgerCase) -> None:
    data = dict(item.data)
    case = case_start(
        actor=ctx.actor,
        process_id=member_development.PROCESS,
        organization=item.branch,
        subject_member=item.member,
        data=data,
        imported=data.pop("imported"),
    )
    _adopt(ctx, [(item, case)])
    _report_cases(ctx, sheet, [(item, case)])
    ctx.report.done(sheet, item.n, "created", item.member.staff_or_student_no, item.member.name)


def _adopt(ctx: _Context, started: list) -> None:
    """The started cases' recorded history and flags in their audit chains, the statuses reached
    in the members' records."""
    cases_history_import(
        actor=ctx.actor,
        imports=[
            {"case": case, "steps": item.history, "source": item.source, "flags": item.flags}
            for item, case in started
        ],
    )
    member_status_changes(
        actor=ctx.actor,
        changes=[
            {"case": case, "member_id": item.member.pk, "status": reached, "on": on, "note": "导入"}
            for item, case in started
            for reached, on in item.statuses
        ],
    )


def _report_cases(ctx: _Context, sheet: Sheet, started: list) -> None:
    for item, case in started:
        if item.flags:
            ctx.report.flags.append(
                {
                    "sheet": sheet.title,
                    "row": item.n,
                    "case": case.pk,
                    "member": item.member.name,
                    "flags": item.flags,
                }
            )
        ctx.report.cases.append(
            {
                "sheet": sheet.title,
                "row": item.n,
                "process": member_development.PROCESS,
                "case": case.pk,
                "member": item.member.name,
                "imported_stage": item.data["imported_stage"],
                "action": "created",
            }
        )


def _case_data(ctx, values, stage, contacts, introducers, flags, source) -> dict:
    data = {
        "imported_stage": stage,
        "obligations_from": today().isoformat(),
        "import_flags": flags,
        "imported": {
            "by": source["operator"],
            "at": timezone.now().isoformat(),
            "file": source["file"],
            "row": source["row"],
            "ledger": {
                f: (v.isoformat() if isinstance(v, dt.date) else v)
                for f, v in values.items()
                if f in LEDGER_RECORD and v not in (None, "", [])
            },
        },
    }
    for f in (
        "application_date",
        "talk_date",
        "activist_date",
        "designation_date",
        "admission_vote_date",
        "admission_decision_date",
    ):
        if values.get(f):
            data[f] = values[f].isoformat()
    if contacts:
        data["contacts"] = contacts
    if introducers:
        data["introducers"] = introducers
    if values.get("admission_vote_date"):
        data["probation_end"] = (
            ctx.rules.get("development.probation").add_to(values["admission_vote_date"]).isoformat()
        )
    if stage == "probation":
        data["admitted"] = True
    return data


def _history(values, contacts, introducers) -> list[dict]:
    steps = []
    for f, task, name, _reached in LEDGER_STEPS:
        if values.get(f):
            step = {"element_id": task, "name": name, "date": values[f].isoformat()}
            if task == "centralized_training":
                step["data"] = {
                    "start_date": values["training_start"].isoformat()
                    if values.get("training_start")
                    else None,
                    "class_hours": values.get("training_hours"),
                }
            steps.append(step)
        if f == "activist_date" and contacts:
            steps.append(
                {
                    "element_id": "appoint_contacts",
                    "name": "指定培养联系人",
                    "date": None,
                    "data": {"contacts": contacts},
                }
            )
        if f == "designation_date" and introducers:
            steps.append(
                {
                    "element_id": "assign_introducers",
                    "name": "确定入党介绍人",
                    "date": None,
                    "data": {"introducers": introducers},
                }
            )
    return steps
