"""partyflow export-workbook OUT.xlsx --organization CODE [--statistics]: the subtree in the
import's format (importing it back changes nothing), or with --statistics the 党内统计 tables
(`partyflow party-statistics`, called by name: onboarding does not import the reports)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from onboarding.export import export_workbook
from organizations.models import Organization


class Command(BaseCommand):
    help = "Export an organization subtree as an onboarding workbook, or its 党内统计 figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out")
        parser.add_argument(
            "--organization", required=True, help="党组织编码 of the subtree's root"
        )
        parser.add_argument("--statistics", action="store_true")

    def handle(self, *args, out, organization, statistics=False, **options) -> None:
        root = Organization.objects.filter(code=organization).first()
        if root is None:
            raise CommandError(f"organization code {organization} does not exist")
        if statistics:
            call_command("party_statistics", out, organization=organization, stdout=self.stdout)
            return
        export_workbook(out, root=root)
        self.stdout.write(out)
