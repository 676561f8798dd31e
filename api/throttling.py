"""Throttles. The rate is read from settings when each request is checked (PARTYFLOW["TOKEN_RATE"]),
so a deployment sets it from the environment and a test overrides it; counts live in the default cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class TokenThrottle(SimpleRateThrottle):
    """Attempts at POST /api/auth/token/ per client address, against password guessing."""

    scope = "auth-token"

    def get_rate(self) -> str:
        return settings.PARTYFLOW["TOKEN_RATE"]

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
