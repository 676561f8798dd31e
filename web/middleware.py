"""The pages speak Chinese unless the person chose otherwise with the language switch (its cookie);
the browser's Accept-Language is not asked (the API still follows it, for clients)."""

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation


class WorkplaceLanguageMiddleware:
    """After LocaleMiddleware: for pages (not /api/) without the language cookie, zh-hans."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        if (
            not request.path.startswith("/api/")
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
