from django.core.management.base import BaseCommand, CommandError

from organizations.audit import verify_records
from workflows.audit import verify_all, verify_case
from workflows.models import Case


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain of one case (--case ID) or of every case and the record log; "
        "report the first event altered, deleted or inserted out of order."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--case", type=int, help="the case id (default: every case)")

    def handle(self, *args, case=None, **options) -> None:
        if case is not None and not Case.objects.filter(pk=case).exists():
            raise CommandError(f"no case {case}")
        results = [verify_case(case)] if case is not None else list(verify_all())
        bad = [r for r in results if not r.ok]
        for r in bad:
            self.stdout.write(
                f"case {r.case_id}: {r.problem} at event {r.first_bad_event} (seq {r.first_bad_seq}): {r.reason}"
            )
        self.stdout.write(
            f"audit chains verified: {len(results)} case(s), {sum(r.events for r in results)} event(s), {len(bad)} broken"
        )
        records = verify_records() if case is None else None
        if records is not None:
            state = (
                "ok"
                if records.ok
                else f"{records.problem} at seq {records.first_bad_seq}: {records.reason}"
            )
            self.stdout.write(
                f"record log (users, roles, organizations, members) verified: {records.events} event(s), {state}"
            )
        if bad or (records is not None and not records.ok):
            raise CommandError("audit verification failed")
