import sys

from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path

from partyflow.health import healthz, readyz
from partyflow.middleware import database_unavailable, is_database_unavailable


def not_found(request, exception=None) -> HttpResponse:
    """JSON for the API, the HTML page for people (both the same for missing and out of scope)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": "对象不存在。", "fields": {}}, status=404
        )
    return render(request, "web/404.html", status=404)


def server_error(request) -> HttpResponse:
    """Django's 500 handler. The database failing in a middleware (the session saved on the way
    out) reaches here rather than a view's exception hook: the same 503 as there."""
    if is_database_unavailable(sys.exception()):
        return database_unavailable(request)
    return JsonResponse(
        {"code": "server_error", "message": "服务器内部错误，请稍后重试。", "fields": {}},
        status=500,
    )


handler404 = not_found
handler500 = server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]
