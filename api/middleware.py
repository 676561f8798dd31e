"""Answers under /api/ that no view gets to give: every one is JSON `{code, message, fields}`.

- a query parameter with a control character (NUL cannot reach PostgreSQL): 400 naming it;
- a body over the size limit: 413 (Django would answer its HTML 400 page);
- (the database unavailable, or a wait over its bound: 503 with `Retry-After`, one rule for the API
  and the pages in `partyflow/middleware.py`.)
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from django.utils.translation import gettext as _

from untrusted.limits import body_limit

from .parsers import has_control_chars


def error_response(
    status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None
) -> JsonResponse:
    response = JsonResponse(
        {"code": code, "message": str(message), "fields": fields or {}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def too_large(limit: int) -> JsonResponse:
    return error_response(
        413,
        "request_too_large",
        _("请求体超过 %(n)s 字节的上限。") % {"n": limit},
        {"body": [_("过大")]},
    )


class ApiErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            refused = self._refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _refuse(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(
                400,
                "invalid_content_length",
                _("Content-Length 无效。"),
                {"Content-Length": [_("须为整数")]},
            )
        if length > body_limit(request):
            return too_large(body_limit(request))
        bad = sorted(
            {k for k, values in request.GET.lists() for v in [k, *values] if has_control_chars(v)}
        )
        if bad:
            return error_response(
                400,
                "invalid_characters",
                _("查询参数含有不允许的控制字符（如 NUL）。"),
                {k: [_("不能包含控制字符")] for k in bad},
            )
        return None

    def process_exception(self, request, exception) -> JsonResponse | None:
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, RequestDataTooBig):
            return too_large(body_limit(request))
        if isinstance(exception, SuspiciousOperation):
            return error_response(400, "bad_request", _("请求无效。"))
        return None
