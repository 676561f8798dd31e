"""Writes to user accounts and their API tokens, each with its audit event. A user's token is the
key to every scoped read and write: it is issued at login, and deleted at logout, at a password
change and at deactivation (a stolen token stops working the moment the password is changed)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from workflows.audit import append as audit

User = get_user_model()


def token_issue(*, user) -> Token:
    """The user's token after a successful login, its idle clock restarted."""
    token, created = Token.objects.get_or_create(user=user)
    if not created:
        Token.objects.filter(pk=token.pk).update(created=timezone.now())
    return token


@transaction.atomic
def token_revoke_all(*, actor, user, reason: str) -> int:
    """Delete every token of `user`; `reason`: logout | password_changed | deactivated."""
    deleted, _detail = Token.objects.filter(user=user).delete()
    if deleted:
        audit(
            action="token_revoked",
            actor=actor,
            data={"user": user.get_username(), "reason": reason},
        )
    return deleted


@transaction.atomic
def user_create(*, actor, password: str | None = None, **fields) -> User:
    user = User(**fields)
    user.set_password(password) if password else user.set_unusable_password()
    user.save()
    audit(
        action="user_created",
        actor=actor,
        data={"user": user.get_username(), **{k: v for k, v in fields.items() if k != "username"}},
    )
    return user


@transaction.atomic
def user_update(*, actor, user, password: str | None = None, **fields) -> User:
    """Change a user's fields and/or password. A new password or deactivation ends every session."""
    was_active = user.is_active
    before = {k: getattr(user, k) for k in fields}
    for key, value in fields.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
    user.save()
    audit(
        action="user_updated",
        actor=actor,
        data={
            "user": user.get_username(),
            "before": before,
            "after": fields,
            "password_changed": bool(password),
        },
    )
    if password:
        token_revoke_all(actor=actor, user=user, reason="password_changed")
    elif was_active and not user.is_active:
        token_revoke_all(actor=actor, user=user, reason="deactivated")
    return user
