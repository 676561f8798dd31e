"""partyflow export-workbook OUT.xlsx --organization CODE [--statistics]: the subtree in the
import's format (importing it back changes nothing), or with --statistics the 党内统计 tables
(`partyflow party-statistics`, called by name: onboarding does not import the reports)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from engine.errors import DomainError
from onboarding.export import export_workbook
from organizations.selectors import organization_by_code


class Command(BaseCommand):
    help = "Export an organization subtree as an onboarding workbook, or its 党内统计 figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out")
        parser.add_argument(
            "--organization", required=True, help="党组织编码 of the subtree's root"
        )
        parser.add_argument(
            "--root",
            default="",
            help="党组织编码 of its university's root (when two universities use the code)",
        )
        parser.add_argument("--statistics", action="store_true")

    def handle(self, *args, out, organization, statistics=False, **options) -> None:
        try:
            root = organization_by_code(organization, root=options.get("root") or "")
        except DomainError as e:
            raise CommandError(str(e.message)) from None
        if statistics:
            call_command(
                "party_statistics",
                out,
                organization=organization,
                root=options.get("root") or "",
                stdout=self.stdout,
            )
            return
        export_workbook(out, root=root)
        self.stdout.write(out)
