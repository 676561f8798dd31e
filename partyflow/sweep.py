"""One sweep without a broker (`partyflow run-timers`, the demo's in-process loop): fire the due
timers, raise reminders, overdue alerts and escalations, and run the daily self-lapse check (it
opens at most one case per member, so running it more often changes nothing). With Celery, beat
schedules each of them separately (settings.CELERY_BEAT_SCHEDULE)."""

from notifications import services as notification_services
from procedures import self_lapse
from workflows import services as workflow_services


def sweep() -> dict:
    result = workflow_services.timers_run()
    result["alerts"] = notification_services.alerts_raise()
    result["self_lapse_opened"] = len(self_lapse.self_lapse_detect()["opened"])
    return result
