"""One sweep without a broker (`partyflow run-timers`, the demo's in-process loop): fire the due
timers, then raise reminders, overdue alerts and escalations. With Celery, beat schedules the two
separately (settings.CELERY_BEAT_SCHEDULE)."""


def sweep() -> dict:
    from notifications.services import alerts_raise
    from workflows.services import timers_run

    result = timers_run()
    result["alerts"] = alerts_raise()
    return result
