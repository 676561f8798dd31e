"""The pages' session login: loading the signed-in user (once a request) also loads their member
record, their role assignments in force today and the delegations they hold now, in the same query
(`organizations.jsonrows`): every page reads them for the navigation, the inbox and the scope."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import backends, get_user_model
from django.db import connection
from django.utils import timezone

from engine.calendar import today
from organizations.selectors import assignments_json, assignments_prime
from workflows.assignment import delegations_json, delegations_prime


class ModelBackend(backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):  # noqa: ANN201
        """The password login. With "password" not among PARTYFLOW["AUTH_METHODS"] (campus sign-on
        only) it stays open for the break-glass accounts: superusers and the usernames of
        PARTYFLOW["BREAK_GLASS_USERS"]."""
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or "password" in settings.PARTYFLOW["AUTH_METHODS"]:
            return user
        if user.is_superuser or user.get_username() in settings.PARTYFLOW["BREAK_GLASS_USERS"]:
            return user
        return None

    def get_user(self, user_id):  # noqa: ANN201  (Django's signature)
        User = get_user_model()
        quote = connection.ops.quote_name
        outer = f"{quote(User._meta.db_table)}.{quote(User._meta.pk.column)}"
        now, on = timezone.now(), today()
        try:
            user = (
                User._default_manager.select_related("member")
                .annotate(
                    pf_roles=assignments_json(outer, on),
                    pf_delegations=delegations_json(outer, now),
                )
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        assignments_prime(user, user.pf_roles, on)
        delegations_prime(user, user.pf_delegations)
        return user


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password is tried: a locked account or address is refused
    (the failure still counts). Authentication without a request (a command, a test client's
    `login()`) has no address to lock and is left to the next backend. The API's token endpoint
    passes DRF's request: the lockout is marked on Django's request under it, where the lockout
    middleware looks (a 429 `login_locked`, not DRF's "wrong password" 400)."""

    def authenticate(self, request, username=None, password=None, **kwargs):  # noqa: ANN201
        if request is None:
            return None
        request = getattr(request, "_request", request)
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            request.axes_locked_out = True
            raise
