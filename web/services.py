"""Writes of the workplace's own records (saved filters), each with its actor and an audit event."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from organizations.models import Organization, Role
from organizations.selectors import active_assignments
from untrusted.text import name_check
from workflows import audit

from .filters import clean_query, filter_query_problems
from .models import FilterPage, SavedFilter
from .reports import saved_filters_visible

# Who may share a filter with a role (an office), and with which roles.
SHARING_ROLES = {Role.ORG_DEPARTMENT, Role.COMMITTEE_OFFICER}


def sharing_offices(user) -> list[Organization]:
    """The organizations whose office the user speaks for: where they are org department or officer."""
    return [a.organization for a in active_assignments(user) if a.role in SHARING_ROLES]


def saved_filter_create(
    *,
    actor,
    name: str,
    page: str,
    query: str,
    shared_role: str = "",
    shared_organization: Organization | None = None,
) -> SavedFilter:
    name = name_check(name, field="name")
    if not name:
        raise ValidationFailed(_("请填写筛选名称。"), code="required", fields={"name": [_("必填")]})
    if len(name) > 60:
        raise ValidationFailed(
            _("筛选名称不能超过 60 个字。"),
            code="too_long",
            fields={"name": [_("不能超过 60 个字")]},
        )
    if page not in FilterPage.values:
        raise ValidationFailed(
            _("未知的页面。"), code="invalid_choice", fields={"page": [_("未知的页面")]}
        )
    if shared_role:
        if shared_role not in Role.values:
            raise ValidationFailed(
                _("未知的角色。"), code="invalid_choice", fields={"shared_role": [_("未知的角色")]}
            )
        if shared_organization is None or shared_organization.pk not in {
            o.pk for o in sharing_offices(actor)
        }:
            raise Forbidden(
                _("只有组织部或党委组织员可以把筛选共享给角色。"), code="sharing_not_allowed"
            )
    else:
        shared_organization = None
    problems = filter_query_problems(page, query)
    if problems:
        raise ValidationFailed(
            _("筛选条件有误：%(problems)s") % {"problems": "；".join(problems.values())},
            code="invalid_filter",
            fields={f"query.{k}": [v] for k, v in problems.items()},
        )
    try:
        with transaction.atomic():
            saved = SavedFilter.objects.create(
                owner=actor,
                name=name,
                page=page,
                query=clean_query(page, query),
                shared_role=shared_role,
                shared_organization=shared_organization,
            )
    except IntegrityError:
        raise Conflict(
            _("已有同名的筛选：%(name)s") % {"name": name},
            code="saved_filter_exists",
            fields={"name": [_("名称已存在")]},
        ) from None
    audit.append(
        action="saved_filter_created",
        actor=actor,
        organization=shared_organization,
        data={
            "saved_filter": saved.pk,
            "name": name,
            "page": page,
            "query": saved.query,
            "shared_role": shared_role,
        },
    )
    return saved


def saved_filter_delete(*, actor, saved_filter_id: int) -> None:
    saved = SavedFilter.objects.filter(pk=saved_filter_id, owner=actor).first()
    if saved is None:
        raise NotFound(_("筛选不存在。"), code="saved_filter_not_found")
    audit.append(
        action="saved_filter_deleted",
        actor=actor,
        organization=saved.shared_organization,
        data={"saved_filter": saved.pk, "name": saved.name, "page": saved.page},
    )
    saved.delete()


def _shared_with(actor, saved_filter_id: int) -> SavedFilter:
    """A filter another person shared with one of the actor's roles; else not found."""
    saved = (
        saved_filters_visible(actor)
        .exclude(owner=actor)
        .filter(pk=saved_filter_id)
        .select_related("shared_organization")
        .first()
    )
    if saved is None:
        raise NotFound(_("筛选不存在。"), code="saved_filter_not_found")
    return saved


def saved_filter_hide(*, actor, saved_filter_id: int, hidden: bool = True) -> SavedFilter:
    """Hide (or show again) a filter shared with the actor, on the actor's pages only."""
    saved = _shared_with(actor, saved_filter_id)
    if hidden:
        saved.hidden_by.add(actor)
    else:
        saved.hidden_by.remove(actor)
    audit.append(
        action="saved_filter_hidden" if hidden else "saved_filter_shown",
        actor=actor,
        organization=saved.shared_organization,
        data={"saved_filter": saved.pk, "name": saved.name, "page": saved.page},
    )
    return saved
