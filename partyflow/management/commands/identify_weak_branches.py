"""`partyflow identify-weak-branches`: the yearly identification (P4 step 1) run by hand."""

from django.core.management.base import BaseCommand

from oversight.services import identification_yearly


class Command(BaseCommand):
    help = "Identify weak branches in every tree and open the committees' designation tasks."

    def handle(self, *args, **options) -> None:
        for result in identification_yearly():
            self.stdout.write(
                f"flagged: {len(result['findings'])}, designation tasks opened: {len(result['opened'])}"
            )
