"""JSON logs with a request id, the user and the case, and no personal data (issue 30).

- `RequestLogMiddleware` (first in MIDDLEWARE) gives each request an id — the caller's
  `X-Request-ID` when it is a plain token (a proxy's), else a new one — returns it in the
  `X-Request-ID` response header, keeps it in a context variable for every line logged while the
  request runs, and writes one line per request: method, path (never the query string, which can
  carry names searched for), status, duration, user id, case id or task id where the URL names one.
- `ContextFilter` adds request_id, user_id and case_id to every record (null outside a request).
- `PersonalDataFilter` masks 公民身份号码 and mobile numbers in every message and argument, whoever
  logs them, so a line that quotes a form or an error cannot carry them; names and ids stay (a user
  id, not the user's name, is what the request line logs).

The JSON itself is python-json-logger's formatter (settings.LOGGING).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.utils.functional import empty

log = logging.getLogger("partyflow.request")

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "partyflow_request", default=None
)

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# 18-character resident ID (17 digits + digit or X), and mainland mobile numbers (1[3-9] + 9 digits,
# optionally +86), not inside a longer run of digits (ids, timestamps stay readable).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")


def mask_personal_data(text: str) -> str:
    """ID numbers keep their first 6 digits (the region) and nothing else; phones keep nothing."""
    text = ID_NUMBER.sub(lambda m: m.group(0)[:6] + "*" * 12, text)
    return PHONE.sub("[phone]", text)


def current() -> dict:
    return _context.get() or {}


def set_case(case_id: int | None) -> None:
    """A view or service that learns the case while the request runs (a task's case) names it."""
    ctx = _context.get()
    if ctx is not None and case_id is not None:
        ctx["case_id"] = case_id


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        record.request_id = ctx.get("request_id")
        request = ctx.get("request")
        record.user_id = ctx.get("user_id") or (_loaded_user_id(request) if request else None)
        record.case_id = ctx.get("case_id")
        return True


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to the formatter to report
            return True
        masked = mask_personal_data(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


def _loaded_user_id(request) -> int | None:
    """The user id if authentication already ran (the session's lazy user or DRF's token user);
    never a query of its own."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


def _ids_from_url(request) -> dict:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {}
    kwargs = match.kwargs
    route = match.route or ""
    ids = {}
    if "case_id" in kwargs:
        ids["case_id"] = kwargs["case_id"]
    elif route.startswith("api/cases/") and "pk" in kwargs:
        ids["case_id"] = kwargs["pk"]
    if "task_id" in kwargs:
        ids["task_id"] = kwargs["task_id"]
    elif route.startswith("api/tasks/") and "pk" in kwargs:
        ids["task_id"] = kwargs["pk"]
    return {k: _as_int(v) for k, v in ids.items()}


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        ctx = {"request_id": request_id, "user_id": None, "case_id": None, "request": request}
        token = _context.set(ctx)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            ids = _ids_from_url(request)
            ctx["user_id"] = _loaded_user_id(request)
            if ctx["case_id"] is None:
                ctx["case_id"] = ids.get("case_id")
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "task_id": ids.get("task_id"),
                },
            )
            return response
        finally:
            _context.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        # Lines logged by the view itself already carry the case named in its URL.
        ctx = _context.get()
        if ctx is not None:
            ctx["case_id"] = _ids_from_url(request).get("case_id")
        return None
