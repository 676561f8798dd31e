from django.core.management.base import BaseCommand, CommandError

from organizations.audit import verify_record_chains
from organizations.models import Organization
from workflows.audit import verify_all, verify_case
from workflows.models import Case


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain of one case (--case ID) or of every case, and the record log's "
        "chains (one per root organization; --root ID for one); report the first event altered, "
        "deleted or inserted out of order in each."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--case", type=int, help="the case id (default: every case)")
        parser.add_argument(
            "--root",
            type=int,
            help="only the record-log chain of this root organization (no case chains)",
        )

    def handle(self, *args, case=None, root=None, **options) -> None:
        if case is not None and not Case.objects.filter(pk=case).exists():
            raise CommandError(f"no case {case}")
        if root is not None:
            if not Organization.objects.filter(pk=root, parent__isnull=True).exists():
                raise CommandError(f"no root organization {root}")
            self._records(root)
            return
        results = [verify_case(case)] if case is not None else list(verify_all())
        bad = [r for r in results if not r.ok]
        for r in bad:
            self.stdout.write(
                f"case {r.case_id}: {r.problem} at event {r.first_bad_event} (seq {r.first_bad_seq}): {r.reason}"
            )
        self.stdout.write(
            f"audit chains verified: {len(results)} case(s), {sum(r.events for r in results)} event(s), {len(bad)} broken"
        )
        chains_ok = self._records(None, fail=False) if case is None else True
        if bad or not chains_ok:
            raise CommandError("audit verification failed")

    def _records(self, root: int | None, *, fail: bool = True) -> bool:
        """One line per chain of the record log (users, roles, organizations, members)."""
        chains = verify_record_chains(root)
        for r in chains:
            name = f"root {r.chain} {r.chain_name}" if r.chain else str(r.chain_name)
            state = "ok" if r.ok else f"{r.problem} at seq {r.first_bad_seq}: {r.reason}"
            self.stdout.write(f"record log chain {r.chain} ({name}): {r.events} event(s), {state}")
        broken = [r for r in chains if not r.ok]
        self.stdout.write(
            "record log (users, roles, organizations, members) verified: "
            f"{len(chains)} chain(s), {sum(r.events for r in chains)} event(s), {len(broken)} broken"
        )
        if broken and fail:
            raise CommandError("audit verification failed")
        return not broken
