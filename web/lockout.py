"""Failed logins (django-axes): how many lock an account or an address.

One number for the web login and the API: N from PARTYFLOW["TOKEN_RATE"] ("N/period"), the attempts
the token endpoint allows an address per period; N failures lock the account and the address for
AXES_COOLOFF_TIME, or until the organization department lifts the lock (组织管理 → 登录锁定)."""

from django.conf import settings


def failure_limit(request=None, credentials=None) -> int:
    """Read when each attempt is checked, so a test or deployment that changes the rate moves both."""
    return int(settings.PARTYFLOW["TOKEN_RATE"].split("/", 1)[0])
