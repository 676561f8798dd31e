"""Answers for people and programs when the service cannot do its work right now.

- The database unavailable (down, restarting, failing over) or a wait over its bound (PostgreSQL's
  `lock_timeout` / `statement_timeout`, settings PARTYFLOW["LOCK_TIMEOUT_MS"] and
  ["STATEMENT_TIMEOUT_MS"]): 503 with Retry-After (PARTYFLOW["RETRY_AFTER_SECONDS"]), one rule for
  the API (JSON `database_unavailable`) and the pages (the Chinese 503 page). Django closes the
  broken connection at the end of the request and the next one connects afresh
  (`CONN_HEALTH_CHECKS`), so service resumes on its own.
- Too many failed logins (django-axes, AXES_LOCKOUT_CALLABLE): 429 with Retry-After, the Chinese
  lockout page, or JSON `login_locked` under /api/.
"""

from __future__ import annotations

import logging

from axes.helpers import get_cool_off
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from api.middleware import error_response
from web.lockout import failure_limit

log = logging.getLogger("partyflow")

DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Connection refused or lost, or a lock/statement wait cancelled at its bound."""
    return isinstance(exc, DATABASE_ERRORS)


def database_unavailable(request) -> HttpResponse:
    """The 503 answer. The page is rendered without the request: its context processors would
    query the database that just failed."""
    retry = str(settings.PARTYFLOW["RETRY_AFTER_SECONDS"])
    if request.path.startswith("/api/"):
        return error_response(
            503,
            "database_unavailable",
            _("数据库暂时不可用，请稍后重试。"),
            headers={"Retry-After": retry},
        )
    body = render_to_string("web/503.html", {"retry_after": retry})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = retry
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request, exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        log.warning("database unavailable: %s", exception)
        return database_unavailable(request)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    retry = str(int(cool_off.total_seconds())) if cool_off else None
    headers = {"Retry-After": retry} if retry else {}
    if request.path.startswith("/api/"):
        return error_response(
            429,
            "login_locked",
            _("登录失败次数过多，该账户或地址已被锁定，请稍后再试或联系组织部解除锁定。"),
            headers=headers,
        )
    response = render(
        request,
        "web/locked_out.html",
        {"failure_limit": failure_limit(request, credentials), "minutes": minutes},
        status=429,
    )
    for key, value in headers.items():
        response[key] = value
    return response
