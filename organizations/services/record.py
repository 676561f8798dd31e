"""What every write shares: the snapshot before and after, the record-log event naming the actor
and their roles, the delete that refuses what is still referenced."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import ProtectedError

from engine.errors import Conflict
from engine.i18n import _

from ..audit import record_append, root_of_path
from ..models import Organization
from ..selectors import active_assignments

SECRET_FIELDS = {"password"}


def snapshot(instance: models.Model) -> dict:
    """The row's fields as the audit log keeps them (foreign keys by id; never a password hash)."""
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname not in SECRET_FIELDS
    }


def _roles(actor) -> list[dict]:
    return (
        [{"role": a.role, "organization": a.organization_id} for a in active_assignments(actor)]
        if actor
        else []
    )


def _changes(before: dict, after: dict) -> dict:
    return {
        k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v
    }


# A write that an import (onboarding) makes is logged under its own name, with the file, sheet and
# row it came from (`source`): an auditor tells an adopted record from one entered by hand.
IMPORTED_ACTIONS = {
    "organization_created": "organization_imported",
    "organization_updated": "organization_import_updated",
    "member_created": "member_imported",
    "member_updated": "member_import_updated",
    "member_contact_lost": "member_contact_lost_imported",
    "user_created": "user_imported",
    "role_assignment_created": "role_assignment_imported",
    "role_assignment_updated": "role_assignment_import_updated",
}


def _record(
    action: str,
    *,
    actor,
    instance: models.Model,
    label,
    organization_id,
    data: dict,
    source: dict | None = None,
    roles: list[dict] | None = None,
    organization: Organization | None = None,
) -> None:
    """`roles`: the actor's roles (`_roles`) when the caller has them already (a batch);
    `organization`: the one `organization_id` names when the caller holds it loaded and the
    instance does not (an account made for a member: its chain without a lookup)."""
    if source is not None:
        action, data = IMPORTED_ACTIONS[action], {**data, "source": source}
    record_append(
        actor_roles=_roles(actor) if roles is None else roles,
        action=action,
        actor=actor,
        entity=instance._meta.model_name,
        entity_id=instance.pk,
        label=label,
        organization_id=organization_id,
        data=data,
        chain=_chain(instance, organization_id, organization),
    )


def _chain(instance: models.Model, organization_id, organization=None) -> int | None:
    """The event's chain from the organization the write already holds (an organization's own
    path, also after its deletion; a member's or role's organization when loaded, or the one the
    caller passes); None: look it up."""
    org = (
        instance
        if isinstance(instance, Organization)
        else organization or instance._state.fields_cache.get("organization")
    )
    if org is None or org.pk != organization_id or not org.path:
        return None
    return root_of_path(org.path)


def _delete(instance: models.Model) -> None:
    """Something the history refers to (audit events, cases, documents) is kept: 409, not a 500."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError:
        raise Conflict(
            _("该记录已被流程或审计记录引用，不能删除；请改为停用。"), code="in_use"
        ) from None
