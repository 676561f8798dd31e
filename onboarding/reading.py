"""What every sheet of the import shares: the report (created / updated / unchanged per row,
every error with sheet, row, column and rule), the import's context, the streaming row reader and
the savepoint each row is applied in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from engine.calendar import not_in_future
from engine.errors import DomainError, NotFound, ValidationFailed
from engine.i18n import _
from organizations.audit import root_of_path
from organizations.models import Member, Organization

from .columns import ORGANIZATIONS, SHEETS, CellError, Sheet, header_index

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

    def undo(self, sheet: Sheet, row: int) -> None:
        """Take back what `done` reported for the row (a batched insert retried row by row)."""
        for i in range(len(self.rows) - 1, -1, -1):
            entry = self.rows[i]
            if entry["sheet"] == sheet.title and entry["row"] == row:
                self.counts[sheet.key][entry["action"]] -= 1
                del self.rows[i]
                return

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


class _RowFailed(Exception):
    pass


@dataclass
class _Context:
    actor: object
    report: Report
    source: dict
    scope: list[str] | None  # organization path prefixes the actor administers; None: all
    rules: object = None
    # The root organization (the university) the workbook is about (`import_root`): its 党组织编码
    # and 学工号 are matched within it, never another university's (issue 32). None until a new
    # university's root row is imported.
    root: Organization | None = None
    orgs: dict = field(default_factory=dict)  # code → Organization, as imported or looked up
    elections: list = field(default_factory=list)
    # (sheet, column, value) → the row it was first seen on: one person per 学工号 and ID number
    # in a sheet (a few bytes per row).
    seen: dict = field(default_factory=dict)

    def in_scope(self, org: Organization) -> bool:
        return self.scope is None or any(org.path.startswith(p) for p in self.scope)

    def set_root(self, root: Organization) -> None:
        """The import's university, once its root row is imported (a new one: created now)."""
        if self.root is None or self.root.pk != root.pk:
            self.root, self.orgs = root, {}

    def members(self) -> QuerySet[Member]:
        """The members of the import's university (none before a new one's root row)."""
        return Member.objects.filter(root=self.root) if self.root else Member.objects.none()

    def org_by_code(self, code: str) -> Organization | None:
        """The organization of this university with the 党组织编码, in the actor's scope."""
        if code not in self.orgs:
            self.orgs[code] = (
                Organization.objects.filter(root=self.root, code=code).first()
                if self.root is not None
                else None
            )
        org = self.orgs[code]
        return org if org is not None and self.in_scope(org) else None


def _top_codes(ws) -> list[str]:
    """The 党组织编码 of the organization sheet's rows without 上级党组织编码 (a root's row), read
    ahead of the import (the sheet is small); unreadable cells are left to the import's report."""
    if ws is None:
        return []
    rows = ws.iter_rows(values_only=True)
    index, _unknown = header_index(ORGANIZATIONS, next(rows, None) or ())
    if "code" not in index:
        return []
    col = {c.field: c for c in ORGANIZATIONS.columns}
    codes = []
    for raw in rows:
        try:
            code = col["code"].read(raw[index["code"]] if index["code"] < len(raw) else None)
            i = index.get("parent_code")
            parent = col["parent_code"].read(raw[i] if i is not None and i < len(raw) else None)
        except CellError:
            continue
        if code and not parent and code not in codes:
            codes.append(code)
    return codes


def import_root(
    *, scope: list[str] | None, org_sheet, root: Organization | None = None
) -> Organization | None:
    """The root organization the workbook is about (None: a new university its root row creates).

    党组织编码 and 学工号 are unique per root organization (a university), not per installation
    (issue 32), so every code and number of an import is matched within one university, decided
    before any row is read: `root` when the caller names it (the CLI's --root, the API's `root`);
    else the organization sheet's row without 上级党组织编码 (a root's code is unique among the
    roots; an unknown one is a new university the import creates); else the one university of
    the actor's organization-department roles; else, for a superuser or the operator, the
    installation's only root. A workbook with two root rows, or one that fits none of these, is
    refused before anything is written."""
    tops = _top_codes(org_sheet)
    if len(tops) > 1:
        raise ValidationFailed(
            _(
                "一个工作簿只能导入一所高校（一个根组织），党组织工作表中有 %(n)s 个没有上级党组织编码的组织：%(c)s。"
            )
            % {"n": len(tops), "c": "、".join(tops)},
            code="import_several_roots",
            fields={"file": [_("只能有一个根组织")]},
        )
    if tops:
        found = Organization.objects.filter(parent__isnull=True, code=tops[0]).first()
        if root is not None and (found is None or found.pk != root.pk):
            raise ValidationFailed(
                _("工作簿的根组织（党组织编码 %(c)s）不是所指定的 %(name)s。")
                % {"c": tops[0], "name": root.name},
                code="import_root_mismatch",
                fields={"root": [_("与工作簿的根组织不同")]},
            )
        return found
    if scope is not None:
        roots = {root_of_path(p) for p in scope}
    if root is not None:
        if scope is not None and root.pk not in roots:  # answered like one that does not exist
            raise NotFound(_("组织不存在。"), code="organization_not_found")
        return root
    if scope is None:
        roots = set(Organization.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    if len(roots) == 1:
        return Organization.objects.get(pk=roots.pop())
    raise ValidationFailed(
        _(
            "无法确定导入哪一所高校（根组织）的数据：请在党组织工作表中填写根组织一行，或指定根组织。"
        ),
        code="import_root_unknown",
        fields={"root": [_("请指定根组织")]},
    )


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


def _apply(
    ctx: _Context, sheet: Sheet, n: int, work: Callable[[], None], *, savepoint: bool = True
) -> None:
    """Run one row's writes in a savepoint; a domain error becomes the row's error, naming the
    column. `savepoint=False` for a row whose only write is one service call, which is atomic
    itself (its own savepoint undoes it when it fails): two statements less per row."""
    try:
        with transaction.atomic() if savepoint else nullcontext():
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
            _("与已有记录冲突（同一高校内学工号或党组织编码重复，或账号重复）"),
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
