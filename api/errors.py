"""The one place errors become HTTP: every error is JSON `{code, message, fields}`."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from engine.errors import DomainError
from workflows.selectors import TaskArchived


def _flatten(detail, prefix="") -> dict:
    fields = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            fields.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif (
        isinstance(detail, list) and detail and all(not isinstance(d, (dict, list)) for d in detail)
    ):
        fields[prefix or "data"] = [str(d) for d in detail]
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            fields.update(_flatten(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        fields[prefix or "data"] = [str(detail)]
    return fields


def exception_handler(exc, context) -> Response | None:
    request = context.get("request")
    if request is not None:
        # An error is JSON whatever the endpoint renders when it succeeds (the HTML report, CSV).
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    if isinstance(exc, TaskArchived):
        # where the archived task is read: its case, archived tasks included
        body = exc.as_dict()
        body["details"] = {
            **exc.details,
            "case_url": reverse("case-detail", args=[exc.details["case"]]),
        }
        return Response(body, status=exc.status)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django answer 500 and log it
    headers = {}
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "validation_failed",
            "message": _("提交的数据不符合要求。"),
            "fields": _flatten(exc.detail),
        }
    elif isinstance(exc, exceptions.ParseError):
        body = {
            "code": "invalid_json",
            "message": _("请求体不是有效的 JSON：%(e)s") % {"e": exc.detail},
            "fields": {},
        }
    elif isinstance(exc, exceptions.NotFound):
        body = {"code": "not_found", "message": _("对象不存在。"), "fields": {}}
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        body = {"code": "not_authenticated", "message": str(exc.detail), "fields": {}}
        exc.status_code = status.HTTP_401_UNAUTHORIZED
        headers["WWW-Authenticate"] = "Token"
    else:
        body = {
            "code": exc.default_code
            if isinstance(exc.detail, (list, dict))
            else getattr(exc.detail, "code", exc.default_code),
            "message": str(exc.detail)
            if not isinstance(exc.detail, (list, dict))
            else str(exc.default_detail),
            "fields": {},
        }
    return Response(body, status=exc.status_code, headers=headers)
