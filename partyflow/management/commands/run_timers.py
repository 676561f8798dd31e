import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from orglife.services import self_lapse_detect
from workflows.services import timers_run


class Command(BaseCommand):
    help = "Fire every due timer and run the daily self-lapse check now (or as of --now, an ISO-8601 moment), then exit."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO-8601 moment to run as (moves the clock; for catching up and tests)")

    def handle(self, *args, now=None, **options):
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO-8601 moment: {now}") from exc
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.timezone.utc)
            import time_machine

            with time_machine.travel(moment, tick=False):
                result, lapse = timers_run(), self_lapse_detect()
        else:
            result, lapse = timers_run(), self_lapse_detect()
        self.stdout.write(f"timers fired: {result['fired']}, failed: {result['failed']}, cases: {result['cases']}")
        self.stdout.write(f"self-lapse cases opened: {len(lapse['opened'])}")
