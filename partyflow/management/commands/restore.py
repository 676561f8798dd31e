from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partyflow.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `partyflow backup` into the empty database of DATABASE_URL, "
        "after checking every SHA-256 of its manifest; then check the counts, every document's "
        "bytes, every case's audit chain and the record log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", type=Path)

    def handle(self, *args, dir: Path, **options) -> None:
        try:
            report = restore(dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        c = report.counts
        self.stdout.write(
            f"restored from {dir}: {c['cases']} case(s), {c['tasks']} task(s), "
            f"{report.documents_checked} document(s) matching their SHA-256; audit chains verified: "
            f"{report.cases_verified} case(s), {report.audit_events} event(s), 0 broken; record "
            f"log verified: {report.record_log_events} event(s), ok"
        )
        for path in report.files_restored:
            self.stdout.write(f"file restored: {path}")
        self.stdout.write(
            "next: `partyflow migrate` (a backup of an older release), then start the services"
        )
