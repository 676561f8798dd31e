"""`partyflow status`: what an operator checks first: timers due, late, failed; workers seen; up to
which day working days can be computed (the readiness check `calendar`). Always exits 0: a report."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Min
from django.utils import timezone

from partyflow.health import CheckFailed, check_calendar
from workflows.models import Timer, TimerStatus

LATE_AFTER = dt.timedelta(minutes=2)  # a sweep runs every minute: more than two behind is late


def calendar_line() -> str:
    try:
        result = check_calendar()
    except CheckFailed as exc:
        return f"calendar: ERROR {exc}"
    except Exception as exc:  # a broken holiday file: say so, do not crash the status report
        return f"calendar: ERROR {type(exc).__name__}: {exc}"
    if "warning" in result:
        return f"calendar: WARNING {result['warning']}"
    return f"calendar: working days can be computed up to {result['last_covered_day']}"


class Command(BaseCommand):
    help = "Print timers due, late and failed, the oldest late timer, and the Celery workers that answer."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-workers", action="store_true", help="do not ask the broker which workers are up"
        )

    def handle(self, *args, no_workers=False, **options) -> None:
        now = timezone.now()
        waiting = Timer.objects.filter(status=TimerStatus.WAITING)
        due = waiting.filter(due_at__lte=now)
        late = waiting.filter(due_at__lte=now - LATE_AFTER)
        failed = Timer.objects.filter(status=TimerStatus.FAILED)
        oldest = late.aggregate(m=Min("due_at"))["m"]
        w = self.stdout.write
        w(f"timers waiting: {waiting.count()}")
        w(f"timers due now: {due.count()}")
        w(f"timers late (> {int(LATE_AFTER.total_seconds() // 60)} min past due): {late.count()}")
        w(
            f"oldest late timer: {oldest.isoformat() if oldest else '-'}"
            + (f" ({now - oldest} ago)" if oldest else "")
        )
        w(f"timers failed: {failed.count()}")
        for t in failed.select_related("case").order_by("-id")[:10]:
            w(f"  case {t.case_id} {t.element_id} due {t.due_at.isoformat()}: {t.error[:200]}")
        w(calendar_line())
        if no_workers or not settings.CELERY_BROKER_URL:
            w(
                "workers: no broker configured (timers run in-process in the demo or by `partyflow run-timers`)"
                if not settings.CELERY_BROKER_URL
                else "workers: not asked"
            )
            return
        # Celery only when a broker is configured: no Celery import otherwise.
        from partyflow.celery import app

        try:
            replies = app.control.ping(timeout=1.0) or []
        except Exception as exc:  # the broker is down: say so, do not crash the status page
            w(f"workers: broker unreachable ({exc})")
            return
        names = sorted(name for reply in replies for name in reply)
        w(f"workers seen: {len(names)}" + (f" ({', '.join(names)})" if names else ""))
