"""Users and their API tokens: a password change or deactivation deletes the user's tokens in the
same transaction (the one DRF import outside api/)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from untrusted.text import name_check

from ..audit import record_append
from ..models import Member
from .record import _changes, _delete, _record, _roles, snapshot

User = get_user_model()


def _user_organization(user) -> int | None:
    return Member.objects.filter(user=user).values_list("organization_id", flat=True).first()


def _check_user_names(fields: dict) -> None:
    for key in ("first_name", "last_name"):
        if fields.get(key):
            fields[key] = name_check(fields[key], field=key)


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None = None,
    password_hash: str | None = None,
    source: dict | None = None,
    organization_id: int | None = None,
    **fields,
) -> User:
    """A login; without a password it cannot log in until one is set. `password_hash`: one already
    hashed (the demo seed hashes its shared password once). `source`: the import row it comes from.
    `organization_id`: the organization the account is made for (a member's branch), so its event
    is in that organization's chain and scope of the record log."""
    username = name_check(username, field="username")
    _check_user_names(fields)
    user = User(username=username, **fields)
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password) if password else user.set_unusable_password()
    user.save()
    _record(
        "user_created",
        actor=actor,
        instance=user,
        label=username,
        organization_id=organization_id,
        data={"after": snapshot(user), "password_set": bool(password or password_hash)},
        source=source,
    )
    return user


@transaction.atomic
def user_update(*, actor, user, password: str | None = None, **fields) -> User:
    """Change a user's fields and/or password. A new password or deactivation ends every session."""
    before, was_active = snapshot(user), user.is_active
    if "username" in fields:
        fields["username"] = name_check(fields["username"], field="username")
    _check_user_names(fields)
    for k, v in fields.items():
        setattr(user, k, v)
    user.save()
    _record(
        "user_updated",
        actor=actor,
        instance=user,
        label=user.get_username(),
        organization_id=_user_organization(user),
        data={"changes": _changes(before, snapshot(user))},
    )
    if was_active and not user.is_active:
        token_revoke_all(actor=actor, user=user, reason="deactivated")
    if password:
        user_password_set(actor=actor, user=user, password=password)
    return user


@transaction.atomic
def user_password_set(*, actor, user, password: str) -> None:
    """The log records that the password changed and by whom, never the password."""
    user.set_password(password)
    user.save(update_fields=["password"])
    _record(
        "user_password_set",
        actor=actor,
        instance=user,
        label=user.get_username(),
        organization_id=_user_organization(user),
        data={},
    )
    token_revoke_all(actor=actor, user=user, reason="password_changed")


def user_deactivate(*, actor, user) -> User:
    return user_update(actor=actor, user=user, is_active=False)


@transaction.atomic
def user_delete(*, actor, user) -> None:
    before, pk, organization_id = snapshot(user), user.pk, _user_organization(user)
    _delete(user)
    record_append(
        actor_roles=_roles(actor),
        action="user_deleted",
        actor=actor,
        entity="user",
        entity_id=pk,
        label=before["username"],
        organization_id=organization_id,
        data={"before": before},
    )


# A user's API token is the key to every scoped read and write: it is issued at login, and deleted at
# logout, at a password change and at deactivation (a stolen token stops working the moment the
# password is changed).
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
        record_append(
            actor_roles=_roles(actor),
            action="token_revoked",
            actor=actor,
            entity="token",
            entity_id=user.pk,
            label=user.get_username(),
            organization_id=_user_organization(user),
            data={"reason": reason},
        )
    return deleted
