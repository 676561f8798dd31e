import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from partyflow.sweep import summary, sweep


class Command(BaseCommand):
    help = (
        "Run the jobs of the beat schedule (CELERY_BEAT_SCHEDULE) once, in this process: due timers, "
        "reminders, overdue alerts and escalations, the self-lapse check, and a daily or yearly job "
        "when its moment has come; now (or as of --now, an ISO-8601 moment), then exit."
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
        for line in summary(result):
            self.stdout.write(line)
