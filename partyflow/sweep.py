"""One sweep without a broker (`partyflow run-timers`, the demo's in-process loop): the jobs of
settings.CELERY_BEAT_SCHEDULE — the one list of periodic jobs — run in this process.

A job on an interval (due timers, reminders and overdue alerts, the self-lapse check) runs at every
sweep: each does only what is due, once (a timer fires once, an alert is raised once per task and
kind, a member gets at most one self-lapse case), so running it more often than beat would changes
nothing. A job on a crontab (the daily compliance reminders, the yearly identification of weak
branches) runs when one of its moments has come since the previous sweep; for a process's first
sweep (`partyflow run-timers`), within the PARTYFLOW["DEMO_TIMER_INTERVAL"] seconds before now.

A beat entry's task is imported by its name, which is its dotted path (every job declares
`@shared_task(name=<module>.<function>)`), and called here, not sent to a worker."""

import datetime as dt

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from workflows.services import timers_run

# A beat job that runs otherwise here: beat's timer sweep hands the due cases to the workers in
# batches; without workers the same batches are fired in this process, which says what fired.
IN_PROCESS = {"workflows.tasks.sweep_timers": timers_run}


def sweep(*, since: dt.datetime | None = None) -> dict:
    """Run each job of the beat schedule that is due (see the module): every interval job, and each
    crontab job with a moment in (`since`, now]. `since`: the previous sweep's moment (None: now less
    PARTYFLOW["DEMO_TIMER_INTERVAL"]). Returns each job's result by its beat entry's name, in the
    schedule's order; a job not due is absent."""
    now = timezone.now()
    if since is None:
        since = now - dt.timedelta(seconds=settings.PARTYFLOW["DEMO_TIMER_INTERVAL"])
    due = [
        (name, entry)
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if not isinstance(entry["schedule"], crontab) or entry["schedule"].is_due(since).is_due
    ]
    results = {}
    for name, entry in due:
        job = IN_PROCESS.get(entry["task"]) or import_string(entry["task"])
        results[name] = job(*entry.get("args", ()), **entry.get("kwargs", {}))
    return results


# How a job's result reads in `partyflow run-timers` and the demo's log, by beat entry; a job not
# named here reads as its name and result.
SUMMARIES = {
    "sweep-due-timers": "timers fired: {fired}, failed: {failed}, cases: {cases}",
    "raise-task-alerts": "alerts raised: due soon {due_soon}, overdue {overdue}, escalated {escalated}",
    "detect-self-lapse": (
        "self-lapse cases opened: {opened}; branches not judged on dues (no dues start date): "
        "{not_judged} ({not_judged_names})"
    ),
    "compliance-reminders": "compliance reminders opened: {}",
    "send-due-deliveries": "deliveries due and queued: {}",
    "compose-digests": "daily digests of {day}: {recipients} recipients, {deliveries} deliveries",
    "identify-weak-branches": "weak-branch identification, cases opened: {}",
}


def summary(results: dict) -> list[str]:
    """One line for each job a sweep ran (`sweep`'s result), in the order they ran."""
    lines = []
    for name, result in results.items():
        line = SUMMARIES.get(name)
        if line is None:
            lines.append(f"{name}: {result}")
        elif isinstance(result, dict):
            lines.append(line.format(**result))
        else:
            lines.append(line.format(result))
    return lines
