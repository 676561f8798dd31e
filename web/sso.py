"""Campus sign-on beside the password login (issue 30): CAS (django-cas-ng) and LDAP
(django-auth-ldap). Which methods are on is PARTYFLOW["AUTH_METHODS"] (env PARTYFLOW_AUTH_METHODS).

Both match the campus identity (工号/学号, the CAS user or the LDAP uid) to the member whose 学工号
(`Member.staff_or_student_no`) it is, and sign in that member's user: an identity with no member, or
a member with no user, is never given an account — the request is marked and the login answers the
page "你的账号尚未在党务系统登记，请联系组织部". Neither backend writes to the user (no profile sync,
no group mirroring): people and their accounts are changed only by the organization department
through the audited services. The session user is loaded as the password login loads it (roles and
delegations in one query, web.backends.ModelBackend.get_user).

学工号 is unique per university (root organization), not per installation (issue 32): a campus
server vouches for its own university's numbers, so with several universities in one installation
PARTYFLOW["SSO_ROOT"] (env PARTYFLOW_SSO_ROOT, the root's 党组织编码) names whose people it signs
in; without it a number that two universities use signs in no one (never the wrong person).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django_auth_ldap.backend import LDAPBackend as _LDAPBackend
from django_cas_ng.backends import CASBackend as _CASBackend

from .backends import ModelBackend

UNREGISTERED = "partyflow_unregistered"


def methods() -> set[str]:
    return set(settings.PARTYFLOW["AUTH_METHODS"])


def user_for_campus_id(campus_id: str):  # noqa: ANN201  (the user model or None)
    """The active user of the member whose 学工号 is `campus_id` at the sign-on's university
    (PARTYFLOW["SSO_ROOT"]), or None, also when the number is another university's as well and
    no university is configured."""
    campus_id = (campus_id or "").strip()
    if not campus_id:
        return None
    users = get_user_model()._default_manager.filter(
        member__staff_or_student_no=campus_id, is_active=True
    )
    if settings.PARTYFLOW.get("SSO_ROOT"):
        users = users.filter(
            member__root__code=settings.PARTYFLOW["SSO_ROOT"], member__root__parent__isnull=True
        )
    found = list(users[:2])
    return found[0] if len(found) == 1 else None


def mark_unregistered(request, campus_id: str) -> None:
    if request is not None:
        setattr(getattr(request, "_request", request), UNREGISTERED, campus_id)


class CASBackend(_CASBackend):
    """The CAS user is the 学工号. Only consulted with a ticket (django-cas-ng's login view)."""

    get_user = ModelBackend.get_user

    def authenticate(self, request, ticket=None, service=None, **kwargs):  # noqa: ANN201
        if ticket is None or "cas" not in methods():
            return None
        self._campus_id = None
        user = super().authenticate(request, ticket=ticket, service=service)
        if user is None and self._campus_id:
            mark_unregistered(request, self._campus_id)
        return user

    def clean_username(self, username: str) -> str:
        # Called once the ticket is valid: the campus identity CAS vouches for. django-cas-ng then
        # loads the user by CAS_LOCAL_NAME_FIELD ("pk"): the user `user_for_campus_id` finds (one
        # home for the rule, the university included), "0" (no one) when it finds none.
        self._campus_id = username.strip()
        user = user_for_campus_id(self._campus_id)
        return str(user.pk) if user is not None else "0"

    def user_can_authenticate(self, user) -> bool:
        return user is not None and user.is_active


class LDAPBackend(_LDAPBackend):
    """The LDAP uid is the 学工号: bound with the password typed in the login form."""

    get_user = ModelBackend.get_user
    user_can_authenticate = ModelBackend.user_can_authenticate

    def authenticate(self, request, username=None, password=None, **kwargs):  # noqa: ANN201
        if "ldap" not in methods() or not username or not password:
            return None
        self._request = request
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username, ldap_user):  # noqa: ANN201  (django-auth-ldap's)
        # Reached only after the directory accepted the password.
        user = user_for_campus_id(username)
        if user is None:
            mark_unregistered(self._request, username)
            # an unsaved user marked built: AUTH_LDAP_NO_NEW_USERS refuses it, nothing is written
            return get_user_model()(username=username), True
        return user, False
