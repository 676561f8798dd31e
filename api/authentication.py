"""Token authentication that also loads the user's member record in the same query: every scoped
request needs it (a member's own inbox slot, their own record), so it costs no extra round trip."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate_credentials(self, key) -> tuple:
        try:
            token = self.get_model().objects.select_related("user", "user__member").get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted.")) from None
        return token.user, token
