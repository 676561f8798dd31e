"""What every sheet of the import shares: the report (created / updated / unchanged per row,
every error with sheet, row, column and rule), the import's context, the streaming row reader and
the savepoint each row is applied in."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from engine.calendar import not_in_future
from engine.errors import DomainError, ValidationFailed
from engine.i18n import _
from organizations.models import Organization

from .columns import SHEETS, CellError, Sheet, header_index

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
