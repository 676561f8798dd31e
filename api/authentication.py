"""Token authentication that loads, in the same query as the token and the user, what every scoped
request reads: the user's member record (a member's own inbox slot, their own record), their role
assignments in force today with their organizations (slots and scope) and the delegations they hold
now (a delegate's inbox). One round trip where there were three.

Tokens expire after PARTYFLOW["TOKEN_IDLE_SECONDS"] without use. DRF's token has one timestamp,
`created`; it is moved forward when the token is used (at most once a minute, one UPDATE), so it
holds the start of the current idle period. Logout, a password change and deactivation delete the
user's token (`organizations.services.token_revoke_all`, recorded in the record log)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
from rest_framework.authtoken.models import Token

from engine.calendar import today
from organizations.selectors import assignments_json, assignments_prime
from workflows.assignment import delegations_json, delegations_prime

# A used token's idle clock is restarted at most this often: one write a minute, not one a request.
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate_credentials(self, key) -> tuple:
        now, on = timezone.now(), today()
        user = '"authtoken_token"."user_id"'
        try:
            token = (
                self.get_model()
                .objects.select_related("user", "user__member")
                .annotate(
                    pf_roles=assignments_json(user, on), pf_delegations=delegations_json(user, now)
                )
                .get(key=key)
            )
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted.")) from None
        assignments_prime(token.user, token.pf_roles, on)
        delegations_prime(token.user, token.pf_delegations)
        idle = settings.PARTYFLOW.get("TOKEN_IDLE_SECONDS")
        if idle and now - token.created > dt.timedelta(seconds=idle):
            token.delete()
            raise exceptions.AuthenticationFailed(_("登录已过期，请重新登录。")) from None
        if idle and now - token.created > TOUCH_EVERY:
            Token.objects.filter(pk=token.pk).update(created=now)
        return token.user, token
