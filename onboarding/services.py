"""Import of an office's workbook (`onboarding.columns`): the organization tree, the roster, the
committees and their terms, and the development ledger, with the cases already in flight.

All or nothing: every row is read, checked and applied inside one transaction (a savepoint per
row); when any row fails, or for a dry run, the transaction is rolled back, so the preview reports
exactly what the import would do (created / updated / unchanged per row, every error with sheet,
row, column and rule). Idempotent: records are matched on 党组织编码, 学工号 and 公民身份号码, so
the same file twice changes nothing and a corrected file changes what was corrected, each change
with its audit event (`organizations.services.*_import_upsert`).

One workbook is one university (a root organization, `reading.import_root`): 党组织编码 and 学工号
are matched within it only, since two universities of one installation number their branches and
people alike (issue 32); 公民身份号码 is national, matched across the installation, and a person
who is a member of another university is refused (that is a transfer, P7, not a second person).

A ledger row starts its member-development case at the step the person has reached (the BPMN
gateway `gw_imported_stage`), the earlier steps' dates in the case data (every later time rule
counts from them) and in the audit chain as `step_imported` events. Dates that already break a rule
are imported and flagged for the committee (`import_flags`, `import_violation_flagged`). Each branch
with a term gets its election case waiting for the real term-expiry reminder.

The workbook is read streaming (openpyxl read_only): memory does not grow with the file beyond the
report and the organization index.
"""

from __future__ import annotations

from django.db import transaction

from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.audit import record_log_batch
from organizations.models import Organization, Role
from organizations.rules import deployment_rule_set
from organizations.selectors import active_assignments
from untrusted.workbook import open_workbook

from .columns import LEDGER, MEMBERS, OFFICERS, ORGANIZATIONS
from .ledger import _import_ledger
from .reading import Progress, Report, _Context, _find_sheets, import_root
from .roster import _import_members, _import_officers, _import_organizations, _start_elections


class _Rollback(Exception):
    pass


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
    root: Organization | None = None,
) -> Report:
    """Import a workbook (a path or a binary file object) into one university: `root`, or the one
    `reading.import_root` finds (the workbook's root row, the actor's roles, the installation's
    only root). Returns the report; when a row fails and this is not a dry run, nothing is written
    and ValidationFailed (`import_rows_invalid`) carries the report in its details. `actor` None:
    the operator running the CLI (recorded by name)."""
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
        ctx.root = import_root(scope=ctx.scope, org_sheet=found.get(ORGANIZATIONS.key), root=root)
        try:
            # All or nothing, so the record log's events are written in one batch at the end.
            with transaction.atomic(), record_log_batch():
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
