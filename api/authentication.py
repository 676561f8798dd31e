"""Token authentication that loads, in one statement, what every scoped request reads: the token,
its user, the user's member record (a member's own inbox slot, their own record), their role
assignments in force today with their organizations (slots and scope) and the delegations they hold
now (a delegate's inbox). One round trip where there were three.

The statement is written once per process from the models' fields (`organizations.jsonrows`) and
its rows converted as the ORM converts them: compiling the same query through the ORM costs more
than the round trips it saves.

Tokens expire after PARTYFLOW["TOKEN_IDLE_SECONDS"] without use. DRF's token has one timestamp,
`created`; it is moved forward when the token is used (at most once a minute, one UPDATE), so it
holds the start of the current idle period. Logout, a password change and deactivation delete the
user's token (`organizations.services.token_revoke_all`, recorded in the record log)."""

import datetime as dt
import functools
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
from rest_framework.authtoken.models import Token

from engine.calendar import today
from organizations.jsonrows import from_row, select_list, width
from organizations.models import Member
from organizations.selectors import assignments_json, assignments_prime
from workflows.assignment import delegations_json, delegations_prime
from workflows.replica import bookkeeping

# A used token's idle clock is restarted at most this often: one write a minute, not one a request.
TOUCH_EVERY = dt.timedelta(minutes=1)


@functools.cache
def _statement(vendor: str, roles_sql: str, delegations_sql: str) -> str:
    quote, User = connection.ops.quote_name, get_user_model()
    member_user = quote(Member._meta.get_field("user").column)
    return (
        f"SELECT {select_list(Token, 't')}, {select_list(User, 'u')}, {select_list(Member, 'm')},"
        f" ({roles_sql}), ({delegations_sql})"
        f" FROM {quote(Token._meta.db_table)} t"
        f" INNER JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = t.user_id"
        f" LEFT JOIN {quote(Member._meta.db_table)} m ON m.{member_user} = u.{quote(User._meta.pk.column)}"
        " WHERE t.key = %s"
    )


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def token_with_user(key: str, *, now, on) -> Token | None:
    """The token with its user loaded, the user's member record, assignments on `on` and
    delegations at `now` kept for the request; None when no token has that key."""
    User = get_user_model()
    user_id = "u." + connection.ops.quote_name(User._meta.pk.column)
    roles, delegations = assignments_json(user_id, on), delegations_json(user_id, now)
    with connection.cursor() as cursor:
        cursor.execute(
            _statement(connection.vendor, roles.sql, delegations.sql),
            [*roles.params, *delegations.params, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    a, b = width(Token), width(Token) + width(User)
    c = b + width(Member)
    token, user = from_row(Token, row[:a]), from_row(User, row[a:b])
    member = from_row(Member, row[b:c]) if row[b] is not None else None
    # Loaded, as select_related would leave it (None: the user has no member record).
    User._meta.get_field("member").set_cached_value(user, member)
    if member is not None:
        Member._meta.get_field("user").set_cached_value(member, user)
    token.user = user
    assignments_prime(user, _json(row[c]), on)
    delegations_prime(user, _json(row[c + 1]))
    return token


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate_credentials(self, key) -> tuple:
        now, on = timezone.now(), today()
        token = token_with_user(key, now=now, on=on)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        idle = settings.PARTYFLOW.get("TOKEN_IDLE_SECONDS")
        if idle and now - token.created > dt.timedelta(seconds=idle):
            token.delete()
            raise exceptions.AuthenticationFailed(_("登录已过期，请重新登录。"))
        if idle and now - token.created > TOUCH_EVERY:
            with bookkeeping():  # not the person's change: their reports may still read the replica
                Token.objects.filter(pk=token.pk).update(created=now)
        return token.user, token
