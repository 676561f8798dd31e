"""partyflow import-orglife FILE --organization ID [--user USERNAME]: import a year's dues and
attendance from an Excel workbook; prints the row-by-row errors and imports nothing when any row is
wrong (exit status 1)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from engine.errors import DomainError
from organizations.models import Organization
from orglife.services import orglife_import


class Command(BaseCommand):
    help = (
        "Import a year's dues and attendance of a branch from an Excel workbook (all rows or none)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--organization", type=int, required=True, help="the branch's id")
        parser.add_argument(
            "--user", help="record as this user (checked like the API); default: the operator"
        )

    def handle(self, *args, file, organization, user=None, **options) -> None:
        org = Organization.objects.filter(pk=organization).first()
        if org is None:
            raise CommandError(f"organization {organization} does not exist")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"user {user} does not exist")
        try:
            with open(file, "rb") as fh:
                counts = orglife_import(actor=actor, organization=org, file=fh)
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except DomainError as e:
            for row in e.details.get("rows", []):
                self.stderr.write(f"{row['sheet']}!{row['row']} {row['column']}: {row['message']}")
            raise CommandError(str(e.message)) from None
        self.stdout.write(
            f"imported {counts['meetings']} meetings ({counts['attendance']} attendance rows), {counts['dues']} dues payments"
        )
