from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partyflow.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup into DIR (new or empty): pg_dump (custom format) taken in one "
        "snapshot, the files the settings point at, and manifest.json with their SHA-256 hashes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dir", type=Path)

    def handle(self, *args, dir: Path, **options) -> None:
        try:
            manifest = backup(dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        c = manifest["counts"]
        dump = manifest["files"][0]
        self.stdout.write(
            f"backup written to {dir}: database {manifest['database']} ({dump['size']} bytes, "
            f"sha256 {dump['sha256'][:12]}…), {c['cases']} case(s), {c['tasks']} task(s), "
            f"{c['documents']} document(s), {len(manifest['files']) - 1} other file(s)"
        )
