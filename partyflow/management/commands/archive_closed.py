import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from workflows.services.archive import DEFAULT_BATCH, cases_archive_closed, closed_before


class Command(BaseCommand):
    help = (
        "Move the tasks, timers and audit events of the cases closed (completed or cancelled) "
        "before 1 January of --before YEAR (China Standard Time) to the archive tables, --batch "
        "cases a transaction. Running cases are never moved; safe to stop and to run again. The "
        "case page, history, audit report, API and verify-audit read the archive; the inbox and "
        "the dashboards do not (docs/scaling.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--before", type=int, required=True, help="archive cases closed before this year"
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            help=f"cases a transaction ({DEFAULT_BATCH})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count the cases that would move, move nothing"
        )

    def handle(self, *args, before, batch, dry_run=False, **options) -> None:
        this_year = dt.date.today().year
        if not 1900 < before <= this_year:
            raise CommandError(f"--before: a year up to this one ({this_year}), not {before}")
        if batch < 1:
            raise CommandError(f"--batch: at least 1 case a transaction, not {batch}")
        if dry_run:
            self.stdout.write(
                f"cases closed before {before} to archive: {closed_before(before).count()}"
            )
            return

        def progress(run) -> None:
            self.stdout.write(
                f"batch {run.batches}: {run.cases} case(s) so far, "
                f"{run.rows['tasks']} task(s), {run.rows['events']} event(s), "
                f"{run.rows['timers']} timer(s)"
            )

        run = cases_archive_closed(before=before, batch=batch, log=progress)
        self.stdout.write(
            f"archived cases closed before {before}: {run.cases} case(s) in {run.batches} "
            f"batch(es); {run.rows['tasks']} task(s), {run.rows['events']} event(s), "
            f"{run.rows['timers']} timer(s) moved"
        )
