from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.labels import catalog_source, file_labels

TARGET = Path(__file__).resolve().parents[2] / "labels_catalog.py"


class Command(BaseCommand):
    help = (
        "Extract BPMN names and stages and form titles, descriptions and x-labels into "
        "partyflow/labels_catalog.py, the source makemessages reads (--check: fail if it is stale)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="exit non-zero when the file is out of date"
        )

    def handle(self, *args, check=False, **options) -> None:
        found = file_labels(settings.PARTYFLOW["BPMN_DIR"], settings.PARTYFLOW["FORMS_DIR"])
        source = catalog_source(found, root=Path(settings.BASE_DIR))
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if check:
            if current != source:
                raise CommandError(
                    f"{TARGET.name} is out of date: run `partyflow extract-labels`, then makemessages"
                )
            self.stdout.write(f"{TARGET.name} is up to date")
            return
        TARGET.write_text(source, encoding="utf-8")
        labels = source.count("\n    gettext_noop(")
        self.stdout.write(
            f"wrote {TARGET.relative_to(settings.BASE_DIR)}: {labels} labels from {len(found)} files"
        )
