import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from partyflow.sweep import sweep


class Command(BaseCommand):
    help = (
        "Fire every due timer, raise due reminders, overdue alerts and escalations, run the self-lapse check, "
        "now (or as of --now, an ISO-8601 moment), then exit."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--now", help="ISO-8601 moment to run as (moves the clock; for catching up and tests)"
        )

    def handle(self, *args, now=None, **options) -> None:
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO-8601 moment: {now}") from exc
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            import time_machine

            with time_machine.travel(moment, tick=False):
                result = sweep()
        else:
            result = sweep()
        a = result["alerts"]
        self.stdout.write(
            f"timers fired: {result['fired']}, failed: {result['failed']}, cases: {result['cases']}"
        )
        self.stdout.write(
            f"alerts raised: due soon {a['due_soon']}, overdue {a['overdue']}, escalated {a['escalated']}"
        )
        self.stdout.write(f"self-lapse cases opened: {result['self_lapse_opened']}")
