"""Health for load balancers and monitoring (issue 30).

- `/healthz`: the process answers (no database, no broker): 200 `{"status": "ok"}`.
- `/readyz`: the database answers, the Celery broker answers (when one is configured), every
  migration is applied and the working-day calendar covers today: 200 `{"status": "ok"}`, else 503
  `{"status": "unavailable"}` with Retry-After. A check may pass with a `warning` (the calendar
  ends within the horizon): still 200.

An anonymous caller learns only the status; a staff user's session (the organization department's
IT account, a superuser) also gets each check with its error, so a monitor can show why. The checks
are written here rather than taken from django-health-check: its views print every check's details
to anyone, and it has no check for "migrations current" in the release we can install; the checks
themselves are three calls to Django and kombu.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from engine.calendar import CalendarCoverage, calendar_coverage

log = logging.getLogger("partyflow.health")

# Seconds a broker connection may take before readiness says the broker is down.
BROKER_TIMEOUT = 3.0
_migrations_current = False  # once true in a process, it stays true (its code does not change)


def check_database(alias: str = DEFAULT_DB_ALIAS) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations(alias: str = DEFAULT_DB_ALIAS) -> None:
    global _migrations_current
    if _migrations_current:
        return
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        raise RuntimeError(f"{len(plan)} migration(s) not applied: {names}")
    _migrations_current = True


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if not url:
        return  # no broker configured: timers run in-process (the demo), nothing to check
    with Connection(url, connect_timeout=BROKER_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)


class CheckFailed(Exception):
    """A check's failure with details to show beside its error (`details`: JSON values)."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.details = details


def calendar_status(coverage: CalendarCoverage, horizon_days: int) -> str:
    """What IT reads about the working-day calendar (readyz, `partyflow status`, `partyflow
    calendar`): ok, or which year is missing, from when, and what to install."""
    last = coverage.last_day.isoformat() if coverage.last_day else "none"
    year = coverage.missing_year
    todo = (
        f"install the {year} holiday file (PARTYFLOW_HOLIDAYS_FILE, check it with "
        f"`partyflow calendar --check FILE`; docs/operations.md, Each December)"
    )
    if not coverage.covers_today:
        return f"no holiday data for {year}: working days cannot be computed today (last covered day {last}); {todo}"
    if not coverage.covers_horizon:
        return (
            f"holiday data ends {last}, within {horizon_days} days: from {year}-01-01 working days "
            f"cannot be computed; {todo}"
        )
    return f"ok: working days can be computed up to {last} (horizon {horizon_days} days)"


def check_calendar() -> dict:
    """Error when today has no holiday data (every working-day deadline fails); a warning when the
    data ends within the horizon (PARTYFLOW["CALENDAR_HORIZON_DAYS"]). A broken holiday file is an
    error (it answers for no year)."""
    horizon = settings.PARTYFLOW["CALENDAR_HORIZON_DAYS"]
    coverage = calendar_coverage(horizon)
    last = coverage.last_day.isoformat() if coverage.last_day else None
    if not coverage.covers_today:
        raise CheckFailed(calendar_status(coverage, horizon), last_covered_day=last)
    result: dict = {"last_covered_day": last}
    if not coverage.covers_horizon:
        result["warning"] = calendar_status(coverage, horizon)
    return result


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "calendar": check_calendar,
}


def run_checks() -> dict[str, dict]:
    """Each check with ok and, when it failed, its error; a check may add details (the calendar's
    last covered day) and a `warning` that leaves it ok. Migrations are not read when the database
    is down (their error would only repeat the database's)."""
    results: dict[str, dict] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "database unavailable"}
            continue
        started = time.monotonic()
        try:
            results[name] = {"ok": True, **(check() or {})}
            if "warning" in results[name]:
                log.warning("readiness check %s warns: %s", name, results[name]["warning"])
        except CheckFailed as exc:
            results[name] = {"ok": False, "error": str(exc), **exc.details}
            log.warning("readiness check %s failed: %s", name, exc)
        except Exception as exc:  # a check's failure is its answer, whatever the exception
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            log.warning("readiness check %s failed: %s", name, exc)
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return results


def _may_see_details(request) -> bool:
    # Only a session already loaded: an anonymous probe carries no cookie and costs no query.
    user = getattr(request, "user", None)
    try:
        return bool(user and user.is_authenticated and user.is_staff)
    except Exception:  # the session's user cannot be read (database down): no details
        return False


@never_cache
@require_GET
def healthz(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request) -> JsonResponse:
    results = run_checks()
    ready = all(r["ok"] for r in results.values())
    body: dict = {"status": "ok" if ready else "unavailable"}
    if _may_see_details(request):
        body["checks"] = results
    response = JsonResponse(body, status=200 if ready else 503)
    if not ready:
        response["Retry-After"] = str(settings.PARTYFLOW["RETRY_AFTER_SECONDS"])
    return response
