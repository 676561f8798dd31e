"""partyflow onboarding-template [PATH]: write the blank import workbook from the column mapping
(default: onboarding/templates/partyflow-import-template.xlsx, the file shipped in the
repository)."""

from django.core.management.base import BaseCommand

from onboarding.export import TEMPLATE_PATH, write_template


class Command(BaseCommand):
    help = "Write the onboarding import template (sheets, headers, an example row)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", default=str(TEMPLATE_PATH))

    def handle(self, *args, path, **options) -> None:
        self.stdout.write(str(write_template(path)))
