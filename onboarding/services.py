"""Import of an office's workbook (`onboarding.columns`): the organization tree, the roster, the
committees and their terms, and the development ledger, with the cases already in flight.

All or nothing: every row is read, checked and applied inside one transaction (a savepoint per
row); when any row fails, or for a dry run, the transaction is rolled back, so the preview reports
exactly what the import would do (created / updated / unchanged per row, every error with sheet,
row, column and rule). Idempotent: records are matched on 党组织编码, 学工号 and 公民身份号码, so
the same file twice changes nothing and a corrected file changes what was corrected, each change
with its audit event (`organizations.services.*_import_upsert`).

A ledger row starts its member-development case at the step the person has reached (the BPMN
gateway `gw_imported_stage`), the earlier steps' dates in the case data (every later time rule
counts from them) and in the audit chain as `step_imported` events. Dates that already break a rule
are imported and flagged for the committee (`import_flags`, `import_violation_flagged`). Each branch
with a term gets its election case waiting for the real term-expiry reminder.

The workbook is read streaming (openpyxl read_only): memory does not grow with the file beyond the
report and the organization index.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from engine.calendar import Duration, not_in_future, today
from engine.errors import DomainError, ValidationFailed
from engine.i18n import _
from organizations.idcard import id_number_check
from organizations.models import Member, MemberStatus, Organization, OrgKind, Role
from organizations.rules import branch_term_end, deployment_rule_set
from organizations.selectors import active_assignments
from organizations.services import (
    member_import_upsert,
    officer_import_upsert,
    organization_import_upsert,
)
from procedures import branch_election
from procedures.member_development import procedure as member_development
from procedures.member_development.services import member_status_change
from untrusted.workbook import open_workbook
from workflows import registry
from workflows.models import Case, CaseStatus
from workflows.services import case_flag, case_history_import, case_start

from .columns import (
    LEDGER,
    MEMBERS,
    OFFICERS,
    ORGANIZATIONS,
    SHEETS,
    CellError,
    Sheet,
    header_index,
)

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 250


@dataclass
class Report:
    dry_run: bool
    source: str = ""
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    unknown_columns: list[dict] = field(default_factory=list)
    missing_sheets: list[str] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet: Sheet, row: int, column: str, code: str, message) -> None:
        self.errors.append(
            {
                "sheet": sheet.title,
                "row": row,
                "column": column,
                "code": code,
                "message": str(message),
            }
        )

    def done(
        self, sheet: Sheet, row: int, action: str, key: str, label: str, changes: dict | None = None
    ) -> None:
        self.counts[sheet.key][action] += 1
        entry = {"sheet": sheet.title, "row": row, "action": action, "key": key, "label": label}
        if changes:
            entry["changes"] = {
                k: ["***", "***"] if k in ("id_number", "phone") else v for k, v in changes.items()
            }
        self.rows.append(entry)

    def as_dict(self) -> dict:
        counts = {
            s.key: {
                "sheet": s.title,
                **{a: self.counts[s.key].get(a, 0) for a in ("created", "updated", "unchanged")},
                "errors": sum(1 for e in self.errors if e["sheet"] == s.title),
            }
            for s in SHEETS
        }
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "source": self.source,
            "counts": counts,
            "cases": self.cases,
            "flags": self.flags,
            "unknown_columns": self.unknown_columns,
            "missing_sheets": self.missing_sheets,
            "errors": self.errors,
            "rows": self.rows,
        }


class _Rollback(Exception):
    pass


class _RowFailed(Exception):
    pass


@dataclass
class _Context:
    actor: object
    report: Report
    source: dict
    scope: list[str] | None  # organization path prefixes the actor administers; None: all
    rules: object = None
    orgs: dict = field(default_factory=dict)  # code → Organization, as imported or looked up
    elections: list = field(default_factory=list)
    # (sheet, column, value) → the row it was first seen on: one person per 学工号 and ID number
    # in a sheet (a few bytes per row).
    seen: dict = field(default_factory=dict)

    def in_scope(self, org: Organization) -> bool:
        return self.scope is None or any(org.path.startswith(p) for p in self.scope)

    def org_by_code(self, code: str) -> Organization | None:
        if code not in self.orgs:
            self.orgs[code] = Organization.objects.filter(code=code).first()
        org = self.orgs[code]
        return org if org is not None and self.in_scope(org) else None


def import_scope(actor) -> list[str] | None:
    """Whom an import may touch: the subtrees where the actor holds the organization department's
    role (None: everything, for a superuser or the operator's own CLI run)."""
    if actor is None or actor.is_superuser:
        return None
    return sorted(
        {a.organization.path for a in active_assignments(actor) if a.role == Role.ORG_DEPARTMENT}
    )


def onboarding_import(
    *,
    actor,
    file,
    dry_run: bool = False,
    source_name: str = "",
    operator: str = "",
    progress: Progress | None = None,
) -> Report:
    """Import a workbook (a path or a binary file object). Returns the report; when a row fails and
    this is not a dry run, nothing is written and ValidationFailed (`import_rows_invalid`) carries
    the report in its details. `actor` None: the operator running the CLI (recorded by name)."""
    report = Report(dry_run=dry_run, source=source_name)
    # Limits checked before and while unpacking; a broken or hostile file is a 400 naming it.
    workbook = open_workbook(file, name=source_name)
    ctx = _Context(
        actor=actor,
        report=report,
        scope=import_scope(actor),
        rules=deployment_rule_set(),
        source={
            "via": "import",
            "file": source_name,
            "operator": actor.get_username() if actor is not None else (operator or "system"),
        },
    )
    try:
        found = _find_sheets(workbook, report)
        try:
            with transaction.atomic():
                for sheet, handler in (
                    (ORGANIZATIONS, _import_organizations),
                    (MEMBERS, _import_members),
                    (OFFICERS, _import_officers),
                    (LEDGER, _import_ledger),
                ):
                    if sheet.key in found:
                        handler(ctx, sheet, found[sheet.key], progress)
                _start_elections(ctx)
                if dry_run or report.errors:
                    raise _Rollback
        except _Rollback:
            pass
    finally:
        workbook.close()
    if report.errors and not dry_run:
        raise ValidationFailed(
            _("导入文件有 %(n)s 处错误，未导入任何数据。") % {"n": len(report.errors)},
            code="import_rows_invalid",
            fields={"file": [_("%(n)s 处错误，见逐行报告") % {"n": len(report.errors)}]},
            report=report.as_dict(),
        )
    return report


def _find_sheets(workbook, report: Report) -> dict:
    names = {name.strip(): name for name in workbook.sheetnames}
    found = {}
    for sheet in SHEETS:
        for candidate in (sheet.title, *sheet.names):
            if candidate in names:
                found[sheet.key] = workbook[names[candidate]]
                break
        else:
            report.missing_sheets.append(sheet.title)
    if not found:
        raise ValidationFailed(
            _("工作簿中没有可导入的工作表（%(names)s）。")
            % {"names": "、".join(s.title for s in SHEETS)},
            code="import_no_sheets",
            fields={"file": [_("缺少工作表")]},
        )
    return found


def _rows(ctx: _Context, sheet: Sheet, ws, progress: Progress | None):
    """Yield (row number, {field: value}, fields present) for each non-empty row; cell errors are
    reported and the row skipped. A missing required column is reported once and the sheet
    skipped."""
    rows = ws.iter_rows(values_only=True)
    headers = next(rows, None) or ()
    index, unknown = header_index(sheet, headers)
    ctx.report.unknown_columns += [{"sheet": sheet.title, "column": h} for h in unknown]
    missing = [c for c in sheet.columns if c.required and c.field not in index]
    for col in missing:
        ctx.report.error(
            sheet, 1, col.header, "missing_column", _("缺少必填列“%(c)s”") % {"c": col.header}
        )
    if missing:
        return
    total = max((ws.max_row or 1) - 1, 0)  # 0: unknown (a file written without its dimension)
    n = 1
    for n, raw in enumerate(rows, start=2):
        if progress and n % PROGRESS_EVERY == 0:
            progress(sheet.title, n - 1, total)
        if not any(v not in (None, "") for v in raw):
            continue
        values, present, ok = {}, set(), True
        for col in sheet.columns:
            i = index.get(col.field)
            cell = raw[i] if i is not None and i < len(raw) else None
            try:
                values[col.field] = col.read(cell)
            except CellError as exc:
                ctx.report.error(sheet, n, col.header, exc.code, exc.message)
                ok = False
            if i is not None and cell not in (None, ""):
                present.add(col.field)
        if ok:
            yield n, values, present
    if progress:
        progress(sheet.title, n - 1, n - 1)


def _apply(ctx: _Context, sheet: Sheet, n: int, work: Callable[[], None]) -> None:
    """Run one row's writes in a savepoint; a domain error becomes the row's error, naming the
    column."""
    try:
        with transaction.atomic():
            work()
    except _RowFailed:
        pass
    except DomainError as exc:
        columns = [_header_of(sheet, f) for f in exc.fields] or [""]
        ctx.report.error(sheet, n, columns[0], exc.code, exc.message)
    except IntegrityError:  # a uniqueness the checks above missed: the row's savepoint is undone
        ctx.report.error(
            sheet,
            n,
            "",
            "conflict",
            _("与已有记录冲突（学工号、公民身份号码、党组织编码或账号重复）"),
        )


def _header_of(sheet: Sheet, field_name: str) -> str:
    name = field_name.rsplit(".", 1)[-1]
    return next((c.header for c in sheet.columns if c.field == name), name)


def _fail(ctx: _Context, sheet: Sheet, n: int, field_name: str, code: str, message):
    ctx.report.error(sheet, n, _header_of(sheet, field_name), code, message)
    raise _RowFailed


def _not_future(ctx, sheet, n, values, fields) -> None:
    for f in fields:
        if values.get(f):
            try:
                not_in_future(values[f], field=f)
            except ValidationFailed as exc:
                _fail(ctx, sheet, n, f, exc.code, exc.message)


def _unknown_org(ctx, sheet, n, field_name, code):
    _fail(
        ctx,
        sheet,
        n,
        field_name,
        "unknown_organization",
        _("党组织编码 %(c)s 不存在") % {"c": code},
    )


# --- organizations ---------------------------------------------------------------------------

ORG_FIELDS = (
    "name",
    "kind",
    "branch_kind",
    "has_approval_authority",
    "founded_on",
    "term_start",
    "term_end",
    "dues_tracked_since",
)


def _import_organizations(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    """Parents before children, whatever the order of the rows (the sheet is small: read whole)."""
    rows = list(_rows(ctx, sheet, ws, progress))
    codes = defaultdict(list)
    for n, values, _present in rows:
        codes[values["code"]].append(n)
    for code, ns in codes.items():
        for n in ns[1:]:
            ctx.report.error(
                sheet,
                n,
                _header_of(sheet, "code"),
                "duplicate_code",
                _("党组织编码 %(c)s 与第 %(r)s 行重复") % {"c": code, "r": ns[0]},
            )
    pending, done = [r for r in rows if codes[r[1]["code"]][0] == r[0]], set()
    while pending:
        ready = [
            r
            for r in pending
            if not r[1]["parent_code"]
            or r[1]["parent_code"] not in codes
            or r[1]["parent_code"] in done
        ]
        if not ready:  # a cycle: report each remaining row
            for n, _values, _present in pending:
                ctx.report.error(
                    sheet,
                    n,
                    _header_of(sheet, "parent_code"),
                    "parent_cycle",
                    _("上级党组织编码形成循环"),
                )
            return
        for n, values, present in ready:
            _apply(
                ctx,
                sheet,
                n,
                lambda n=n, values=values, present=present: _organization_row(
                    ctx, sheet, n, values, present
                ),
            )
            done.add(values["code"])
        pending = [r for r in pending if r[1]["code"] not in done]
    if progress:
        progress(sheet.title, len(rows), len(rows))


def _organization_row(ctx: _Context, sheet: Sheet, n: int, values: dict, present: set) -> None:
    code, parent = values["code"], None
    if values["parent_code"]:
        parent = ctx.org_by_code(values["parent_code"])
        if parent is None:
            _unknown_org(ctx, sheet, n, "parent_code", values["parent_code"])
    _not_future(ctx, sheet, n, values, ["founded_on", "term_start", "dues_tracked_since"])
    existing = Organization.objects.filter(code=code).first()
    if (
        existing is None
    ):  # adopting an organization created before it had a code: same name, same parent
        existing = Organization.objects.filter(
            parent=parent, name=values["name"], code__isnull=True
        ).first()
    if existing is not None and not ctx.in_scope(existing):
        _fail(
            ctx,
            sheet,
            n,
            "code",
            "organization_code_unavailable",
            _("党组织编码 %(c)s 不可用") % {"c": code},
        )
    if existing is None and (parent is None and ctx.scope is not None):
        _fail(
            ctx,
            sheet,
            n,
            "parent_code",
            "required",
            _("只能在您管理的党组织之下建立党组织，请填写上级党组织编码"),
        )
    wanted = {
        "code": code,
        "parent": parent,
        **{f: values[f] for f in ORG_FIELDS if f in present or f == "name" or f == "kind"},
    }
    if values["kind"] == OrgKind.BRANCH and values.get("term_start") and not values.get("term_end"):
        # Only the term start: the term ends after the rule set's term (BRANCH-2018 Art. 21).
        wanted["term_end"] = branch_term_end(values["term_start"])
    if existing is not None and existing.parent_id is None and parent is None:
        wanted.pop("parent")
    org, action, changes = organization_import_upsert(
        actor=ctx.actor,
        organization=existing,
        values=wanted,
        source={**ctx.source, "sheet": sheet.title, "row": n},
    )
    ctx.orgs[code] = org
    ctx.report.done(sheet, n, action, code, org.name, changes)
    if org.kind == OrgKind.BRANCH and org.term_end:
        ctx.elections.append((n, org))


def _running_case(process_id: str, *, organization, subject_member=None) -> Case | None:
    """The running case `case_start` would refuse a second of: the same subject key."""
    key = registry.running_key(
        process_id, organization=organization, subject_member=subject_member, data={}
    )
    if key is None:
        return None
    return Case.objects.filter(subject_key=key, status=CaseStatus.RUNNING).first()


def _start_elections(ctx: _Context) -> None:
    """Each branch with a term waits for its real term-expiry reminder in a P2 election case."""
    for n, org in ctx.elections:
        running = _running_case(branch_election.PROCESS, organization=org)
        entry = {
            "sheet": ORGANIZATIONS.title,
            "row": n,
            "process": branch_election.PROCESS,
            "organization": org.pk,
            "organization_name": org.name,
            "term_end": org.term_end.isoformat(),
        }
        if running is not None:
            same = running.data.get("term_end") == org.term_end.isoformat()
            ctx.report.cases.append(
                {
                    **entry,
                    "case": running.pk,
                    "action": "unchanged" if same else "kept",
                    **(
                        {}
                        if same
                        else {
                            "note": str(
                                _("进行中的换届流程按原任期届满日期 %(d)s 提醒")
                                % {"d": running.data.get("term_end")}
                            )
                        }
                    ),
                }
            )
            continue
        try:
            with transaction.atomic():
                case = case_start(
                    actor=ctx.actor,
                    process_id=branch_election.PROCESS,
                    organization=org,
                    data={"term_end": org.term_end.isoformat()},
                )
        except DomainError as exc:
            ctx.report.error(
                ORGANIZATIONS, n, _header_of(ORGANIZATIONS, "term_end"), exc.code, exc.message
            )
            continue
        ctx.report.cases.append({**entry, "case": case.pk, "action": "created"})


# --- members ---------------------------------------------------------------------------------

MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "education",
    "degree",
    "person_category",
    "status",
    "joined_on",
    "party_standing_from",
    "joined_branch_name",
    "probation_extension_months",
    "party_post",
    "phone",
    "job_post",
    "is_floating",
    "transferred_in_on",
)


def _branch(ctx, sheet, n, values) -> Organization:
    org = ctx.org_by_code(values["organization_code"])
    if org is None:
        _unknown_org(ctx, sheet, n, "organization_code", values["organization_code"])
    if org.kind not in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        _fail(
            ctx,
            sheet,
            n,
            "organization_code",
            "member_needs_branch",
            _("%(name)s 不是党支部或党小组") % {"name": org.name},
        )
    return org


def _identity(ctx, sheet, n, values) -> Member | None:
    """The member the row is about, matched on 学工号 or 公民身份号码 (both must agree); the birth
    date is taken from the ID number when not given, and checked against it when given."""
    if values.get("id_number"):
        values["id_number"] = values["id_number"].upper()
        try:
            born = id_number_check(values["id_number"], birth_date=values.get("birth_date"))
        except ValidationFailed as exc:
            _fail(ctx, sheet, n, "id_number", exc.code, exc.message)
        values["birth_date"] = values.get("birth_date") or born
    for f in ("staff_or_student_no", "id_number"):
        if values.get(f):
            first = ctx.seen.setdefault((sheet.key, f, values[f]), n)
            if first != n:
                _fail(ctx, sheet, n, f, "duplicate_in_file", _("与第 %(r)s 行重复") % {"r": first})
    q = Q(staff_or_student_no=values["staff_or_student_no"]) | (
        Q(id_number=values["id_number"]) if values.get("id_number") else Q(pk__in=[])
    )
    found = list(Member.objects.select_related("organization").filter(q)[:3])
    by_no = next((m for m in found if m.staff_or_student_no == values["staff_or_student_no"]), None)
    by_id = next(
        (m for m in found if values.get("id_number") and m.id_number == values["id_number"]), None
    )
    if by_no and by_id and by_no.pk != by_id.pk:
        _fail(
            ctx,
            sheet,
            n,
            "id_number",
            "identity_conflict",
            _("学工号与公民身份号码分别属于不同的人（%(a)s、%(b)s）")
            % {"a": by_no.name, "b": by_id.name},
        )
    member = by_no or by_id
    if member is not None and not ctx.in_scope(member.organization):
        _fail(
            ctx,
            sheet,
            n,
            "staff_or_student_no",
            "member_unavailable",
            _("学工号或公民身份号码已被使用"),
        )
    return member


def _import_members(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    for n, values, present in _rows(ctx, sheet, ws, progress):
        _apply(
            ctx,
            sheet,
            n,
            lambda n=n, values=values, present=present: _member_row(ctx, sheet, n, values, present),
        )


def _member_row(ctx: _Context, sheet: Sheet, n: int, values: dict, present: set) -> None:
    branch = _branch(ctx, sheet, n, values)
    _not_future(
        ctx,
        sheet,
        n,
        values,
        ["birth_date", "joined_on", "party_standing_from", "transferred_in_on"],
    )
    joined, converted = values.get("joined_on"), values.get("party_standing_from")
    if joined and converted and converted < joined:
        _fail(
            ctx,
            sheet,
            n,
            "party_standing_from",
            "conversion_before_joining",
            _("转正日期 %(c)s 早于入党日期 %(j)s")
            % {"c": converted.isoformat(), "j": joined.isoformat()},
        )
    if values["status"] == MemberStatus.PROBATIONARY:
        if converted:
            _fail(
                ctx, sheet, n, "status", "probationary_but_converted", _("预备党员不应有转正日期")
            )
        if not joined:
            _fail(ctx, sheet, n, "joined_on", "required", _("预备党员须填入党日期"))
        end = ctx.rules.get("development.probation").add_to(joined)
        if values.get("probation_extension_months"):
            end = _add_months(end, values["probation_extension_months"])
        latest = ctx.rules.get("development.extension_max").add_to(end)
        if latest < today():
            _fail(
                ctx,
                sheet,
                n,
                "status",
                "probation_long_over",
                _("预备期已于 %(e)s 届满，至今未转正（最晚应于 %(l)s 前讨论转正或取消资格）")
                % {"e": end.isoformat(), "l": latest.isoformat()},
            )
    elif not joined:
        _fail(ctx, sheet, n, "joined_on", "required", _("正式党员须填入党日期"))
    member = _identity(ctx, sheet, n, values)
    wanted = {
        "organization": branch,
        **{
            f: values[f]
            for f in MEMBER_FIELDS
            if f in present or f in ("name", "status", "birth_date")
        },
    }
    wanted["staff_or_student_no"] = values["staff_or_student_no"]
    if wanted.get("birth_date") is None:
        wanted.pop("birth_date")
    member, action, changes = member_import_upsert(
        actor=ctx.actor,
        member=member,
        values=wanted,
        source={**ctx.source, "sheet": sheet.title, "row": n},
    )
    ctx.report.done(sheet, n, action, member.staff_or_student_no, member.name, changes)


def _add_months(day: dt.date, months: int) -> dt.date:
    return Duration(months=months).add_to(day)


# --- officers and terms ----------------------------------------------------------------------


def _import_officers(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    for n, values, _present in _rows(ctx, sheet, ws, progress):
        _apply(ctx, sheet, n, lambda n=n, values=values: _officer_row(ctx, sheet, n, values))


def _officer_row(ctx: _Context, sheet: Sheet, n: int, values: dict) -> None:
    org = ctx.org_by_code(values["organization_code"])
    if org is None:
        _unknown_org(ctx, sheet, n, "organization_code", values["organization_code"])
    member = (
        Member.objects.select_related("organization", "user")
        .filter(staff_or_student_no=values["staff_or_student_no"])
        .first()
    )
    if member is None or not ctx.in_scope(member.organization):
        _fail(
            ctx,
            sheet,
            n,
            "staff_or_student_no",
            "unknown_member",
            _("学工号 %(no)s 不在党员名单中") % {"no": values["staff_or_student_no"]},
        )
    if values.get("name") and values["name"] != member.name:
        _fail(
            ctx,
            sheet,
            n,
            "name",
            "name_mismatch",
            _("学工号 %(no)s 是 %(name)s")
            % {"no": values["staff_or_student_no"], "name": member.name},
        )
    start, end = values.get("term_start") or org.term_start, values.get("term_end") or org.term_end
    assignment, action, changes = officer_import_upsert(
        actor=ctx.actor,
        member=member,
        organization=org,
        post=values["post"],
        term_start=start,
        term_end=end,
        source={**ctx.source, "sheet": sheet.title, "row": n},
    )
    ctx.report.done(
        sheet,
        n,
        action,
        f"{org.code}/{member.staff_or_student_no}/{values['post']}",
        f"{org.name} {assignment.get_post_display()} {member.name}",
        changes,
    )


# --- development ledger ----------------------------------------------------------------------

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


def _import_ledger(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    for n, values, _present in _rows(ctx, sheet, ws, progress):
        _apply(ctx, sheet, n, lambda n=n, values=values: _ledger_row(ctx, sheet, n, values))


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


def _people(ctx, sheet, n, field_name, numbers) -> list[int]:
    found = dict(
        Member.objects.filter(staff_or_student_no__in=numbers).values_list(
            "staff_or_student_no", "pk"
        )
    )
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


def _ledger_row(ctx: _Context, sheet: Sheet, n: int, values: dict) -> None:
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
    contacts = _people(ctx, sheet, n, "contacts", values["contacts"])
    introducers = _people(ctx, sheet, n, "introducers", values["introducers"])
    member = _identity(ctx, sheet, n, values)
    source = {**ctx.source, "sheet": sheet.title, "row": n}
    identity = {
        "organization": branch,
        "staff_or_student_no": values["staff_or_student_no"],
        "name": values["name"],
        **{
            f: values[f]
            for f in ("gender", "ethnicity", "id_number", "birth_date", "person_category")
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
    member, _action, changes = member_import_upsert(
        actor=ctx.actor, member=member, values=identity, source=source
    )
    flags = ledger_flags(values, ctx.rules, birth_date=member.birth_date)
    data = _case_data(ctx, values, stage, contacts, introducers, flags, source)
    case = case_start(
        actor=ctx.actor,
        process_id=member_development.PROCESS,
        organization=branch,
        subject_member=member,
        data=data,
        imported=data.pop("imported"),
    )
    case_history_import(
        actor=ctx.actor, case=case, steps=_history(values, contacts, introducers), source=source
    )
    for f, _task, _name, reached in LEDGER_STEPS:
        if reached is not None and values.get(f):
            on = (
                values["admission_vote_date"] if reached == MemberStatus.PROBATIONARY else values[f]
            )
            member_status_change(
                actor=ctx.actor, case=case, member_id=member.pk, status=reached, on=on, note="导入"
            )
    if flags:
        case_flag(actor=ctx.actor, case=case, flags=flags, source=source)
        ctx.report.flags.append(
            {"sheet": sheet.title, "row": n, "case": case.pk, "member": member.name, "flags": flags}
        )
    ctx.report.cases.append(
        {
            "sheet": sheet.title,
            "row": n,
            "process": member_development.PROCESS,
            "case": case.pk,
            "member": member.name,
            "imported_stage": stage,
            "action": "created",
        }
    )
    ctx.report.done(sheet, n, "created", member.staff_or_student_no, member.name)


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
