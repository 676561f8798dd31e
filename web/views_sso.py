"""The sign-on pages (issue 30): CAS login and logout through django-cas-ng, the page for a campus
identity not registered in partyflow, and a logout that also ends the CAS session."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django_cas_ng import views as cas_views

from . import sso

CAS_BACKEND = "web.sso.CASBackend"


def unregistered(request, campus_id: str) -> HttpResponse:
    """403: the campus identity signed in, but no member of partyflow has it as 学工号."""
    return render(
        request,
        "web/unregistered.html",
        {"campus_id": campus_id, "cas_on": "cas" in sso.methods()},
        status=403,
    )


class CASLoginView(cas_views.LoginView):
    """To the CAS server, and back with a ticket that the CAS server validates."""

    def get(self, request) -> HttpResponse:
        if "cas" not in sso.methods():
            raise Http404
        try:
            return super().get(request)
        except PermissionDenied:
            campus_id = getattr(request, sso.UNREGISTERED, None)
            if campus_id:
                return unregistered(request, campus_id)
            return render(request, "web/cas_failed.html", status=403)

    def post(self, request) -> HttpResponse:
        raise Http404  # CAS single sign-out callbacks are not taken (the logout below ends both)


class CASLogoutView(cas_views.LogoutView):
    def get(self, request) -> HttpResponse:
        if "cas" not in sso.methods():
            raise Http404
        return super().get(request)


class LogoutView(auth_views.LogoutView):
    """Logout; a person who came through CAS is logged out of the CAS server as well."""

    def post(self, request, *args, **kwargs) -> HttpResponse:
        if request.session.get(BACKEND_SESSION_KEY) == CAS_BACKEND and "cas" in sso.methods():
            return redirect("web:cas_logout")  # logs out here, then at the CAS server
        return super().post(request, *args, **kwargs)
