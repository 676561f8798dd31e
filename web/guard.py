"""One guard in front of every page (every path outside /api/, the admin included): what the API's
parsers and middleware refuse, the pages refuse too, with the same rules (`untrusted.text`,
`untrusted.params`) and a page a person can read.

- A body larger than the API's limit (`PARTYFLOW["MAX_BODY_BYTES"]` for uploads, Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE for other forms) is the 413 page, decided from Content-Length
  before a byte of the body is read.
- A query-string or form value with a control or invisible formatting character, longer than its
  limit, or breaking its parameter's rule (an id that is not a number, 1e400 days) is the 400 page
  naming each field and its rule — before any view, so no page can forget it.
- An id in the path beyond bigint is the 404 page (it names nothing).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from untrusted.limits import body_limit
from untrusted.params import FORM_VALUE_MAX, ID_MAX, QUERY_VALUE_MAX, param_problems
from untrusted.text import char_problem


def too_large(request) -> HttpResponse:
    limit = body_limit(request)
    return render(request, "web/413.html", {"limit_mb": round(limit / 1024 / 1024, 1)}, status=413)


def bad_request(request, fields: dict[str, str], message: str = "") -> HttpResponse:
    return render(
        request,
        "web/400.html",
        {"message": message or _("提交的内容不符合要求，请修改后重试："), "fields": fields},
        status=400,
    )


class PageGuardMiddleware:
    """After authentication (the pages it answers show the person's navigation)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        refused = self._refuse(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def _refuse(self, request) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return bad_request(request, {"Content-Length": _("须为整数")})
        if length > body_limit(request):
            return too_large(request)
        problem = char_problem(request.path)
        if problem:
            return bad_request(request, {_("网址"): problem})
        fields = param_problems(
            ((k, v) for k, values in request.GET.lists() for v in values),
            max_length=QUERY_VALUE_MAX,
        )
        if request.method == "POST":
            try:
                posted = [(k, v) for k, values in request.POST.lists() for v in values]
                posted += [(k, f.name or "") for k, f in request.FILES.items()]
            except RequestDataTooBig:
                return too_large(request)
            except TooManyFieldsSent:
                return bad_request(request, {}, _("表单字段过多。"))
            fields.update(
                {
                    k: v
                    for k, v in param_problems(posted, max_length=FORM_VALUE_MAX).items()
                    if k not in fields
                }
            )
        if fields:
            return bad_request(request, fields)
        return None

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        if any(isinstance(v, int) and not 0 <= v <= ID_MAX for v in view_kwargs.values()):
            raise Http404
        return None
