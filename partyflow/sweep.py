"""One sweep without a broker (`partyflow run-timers`, the demo's in-process loop): fire the due
timers, raise reminders, overdue alerts and escalations, and run the daily self-lapse check (it
opens at most one case per member, so running it more often changes nothing). With Celery, beat
schedules each of them separately (settings.CELERY_BEAT_SCHEDULE)."""


def sweep() -> dict:
    from notifications.services import alerts_raise
    from orglife.services import self_lapse_detect
    from workflows.services import timers_run

    result = timers_run()
    result["alerts"] = alerts_raise()
    result["self_lapse_opened"] = len(self_lapse_detect()["opened"])
    return result
