"""partyflow party-statistics OUT --organization CODE [--cutoff YYYY-MM-DD] [--check]: the
党内统计 tables of the subtree as Excel (the tables' layout, the checks, the settings); with
--check, also print each failed check and the people behind it, and exit 1 when one fails."""

from django.core.management.base import BaseCommand, CommandError

from engine.errors import DomainError
from organizations.selectors import organization_by_code
from oversight.party_statistics.export import statistics_workbook
from oversight.party_statistics.selectors import Statistics, parse_cutoff, statistics_view


class Command(BaseCommand):
    help = "Write an organization subtree's 党内统计 tables as Excel (any cut-off date)."

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
        parser.add_argument("--cutoff", default="", help="YYYY-MM-DD (default: 12-31 of this year)")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, out, organization, cutoff="", check=False, **options) -> None:
        try:
            root = organization_by_code(organization, root=options.get("root") or "")
        except DomainError as e:
            raise CommandError(str(e.message)) from None
        stats = Statistics(root, parse_cutoff(cutoff))
        with open(out, "wb") as f:
            f.write(statistics_workbook(stats))
        self.stdout.write(out)
        if check:
            view = statistics_view(stats)
            for c in view["checks"]:
                names = "、".join(p["name"] for p in c["people"])
                self.stdout.write(f"{c['code']} {c['text']}: {c['left']} ≠ {c['right']} {names}")
            if not view["checks_ok"]:
                raise CommandError(
                    f"{view['checks_failed']} of {view['checks_total']} checks failed"
                )
