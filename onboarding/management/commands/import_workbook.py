"""partyflow import FILE.xlsx [--dry-run] [--as USER] [--root CODE]: adopt an office's workbook (organizations,
members, officers and terms, development ledger). A progress bar goes to stderr; the summary to
stdout. Any failing row: the row-by-row errors are printed, nothing is written, exit status 1."""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from engine.errors import DomainError
from onboarding.services import onboarding_import
from organizations.selectors import root_organization


class ProgressBar:
    """One line on stderr per sheet, redrawn in place: 党员  12000/30000 [####------] 40%."""

    def __init__(self, stream, width: int = 30):
        self.stream, self.width, self.current = stream, width, None

    def __call__(self, sheet: str, done: int, total: int) -> None:
        if self.current is not None and sheet != self.current:
            self.stream.write("\n")
        self.current = sheet
        if not total:  # the file does not say how many rows it has
            self.stream.write(f"\r{sheet:<8} {done:>7} rows")
            self.stream.flush()
            return
        share = done / total
        filled = int(self.width * share)
        self.stream.write(
            f"\r{sheet:<8} {done:>7}/{total:<7} "
            f"[{'#' * filled}{'-' * (self.width - filled)}] {share:4.0%}"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.current is not None:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Import an onboarding workbook (all rows or none); --dry-run previews row by row."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report; write nothing"
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            help="import as this user (scoped like the API); default: the operator",
        )
        parser.add_argument(
            "--rows", action="store_true", help="print every row's action, not only the summary"
        )
        parser.add_argument(
            "--root",
            default="",
            help="党组织编码 of the university (root organization) imported into, when the"
            " workbook has no root row and the installation has several",
        )

    def handle(
        self, *args, file, dry_run=False, as_user=None, rows=False, root="", **options
    ) -> None:
        actor = None
        try:
            university = root_organization(root) if root else None
        except DomainError as e:
            raise CommandError(f"--root {root}: {e.message}") from None
        if as_user:
            actor = get_user_model().objects.filter(username=as_user).first()
            if actor is None:
                raise CommandError(f"user {as_user} does not exist")
        bar = ProgressBar(getattr(self.stderr, "_out", sys.stderr))
        try:
            with open(file, "rb") as fh:
                report = onboarding_import(
                    actor=actor,
                    file=fh,
                    dry_run=dry_run,
                    source_name=file,
                    operator=getpass.getuser(),
                    progress=bar,
                    root=university,
                )
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except DomainError as e:
            bar.close()
            for err in e.details.get("report", {}).get("errors", []):
                self.stderr.write(
                    f"{err['sheet']}!{err['row']} {err['column']}: {err['message']} [{err['code']}]"
                )
            raise CommandError(str(e.message)) from None
        bar.close()
        self._print(report.as_dict(), rows)
        if dry_run and not report.ok:
            raise CommandError(f"{len(report.errors)} errors; nothing would be imported")

    def _print(self, body: dict, rows: bool) -> None:
        head = "DRY RUN: would import" if body["dry_run"] else "imported"
        self.stdout.write(head)
        for counts in body["counts"].values():
            self.stdout.write(
                f"  {counts['sheet']}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['errors']} errors"
            )
        started = [c for c in body["cases"] if c["action"] == "created"]
        self.stdout.write(
            f"  cases started: {len(started)}; flagged for the committee: {len(body['flags'])}"
        )
        for col in body["unknown_columns"]:
            self.stdout.write(f"  ignored column: {col['sheet']} / {col['column']}")
        for name in body["missing_sheets"]:
            self.stdout.write(f"  sheet not in the workbook: {name}")
        for err in body["errors"]:
            self.stdout.write(
                f"  ERROR {err['sheet']}!{err['row']} {err['column']}: "
                f"{err['message']} [{err['code']}]"
            )
        for f in body["flags"]:
            for flag in f["flags"]:
                self.stdout.write(
                    f"  FLAG {f['sheet']}!{f['row']} {f['member']} (case {f['case']}): "
                    f"{flag['message']}"
                )
        if rows:
            for r in body["rows"]:
                self.stdout.write(
                    f"  {r['sheet']}!{r['row']} {r['action']}: {r['key']} {r['label']}"
                )
