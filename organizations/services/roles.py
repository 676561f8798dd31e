"""Role assignments: who holds which role where, the branch committee's posts, a term's end."""

from __future__ import annotations

from django.db import models, transaction

from engine.errors import ValidationFailed
from engine.i18n import _

from ..models import CommitteePost, Organization, OrgKind, Role, RoleAssignment
from .record import _changes, _delete, _record, snapshot

BRANCH_COMMITTEE_POSTS = {
    Role.BRANCH_SECRETARY: (CommitteePost.SECRETARY,),
    Role.BRANCH_DEPUTY_SECRETARY: (CommitteePost.DEPUTY_SECRETARY,),
    Role.BRANCH_COMMITTEE: (
        CommitteePost.ORGANIZATION,
        CommitteePost.PROPAGANDA,
        CommitteePost.DISCIPLINE,
        CommitteePost.MEMBER,
    ),
}


def _validate_assignment(
    *, role: str, organization: Organization, post: str, term_start, term_end
) -> str:
    """The post the assignment records (the secretary's and deputy's implied), or a 400 naming
    the field."""
    if term_start and term_end and term_end < term_start:
        raise ValidationFailed(
            _("任期结束不能早于开始。"),
            code="invalid_term",
            fields={"term_end": [_("不能早于任期开始")]},
        )
    if role == Role.COMMITTEE_OFFICER and organization.kind != OrgKind.COMMITTEE:
        # A general branch reviews but approves nothing; a branch or Party group has no officers.
        message = _("党委委员/组织员只能在党委任职；%(org)s 是%(kind)s。") % {
            "org": organization.name,
            "kind": organization.get_kind_display(),
        }
        raise ValidationFailed(
            message, code="officer_needs_committee", fields={"organization": [_("须为党委")]}
        )
    allowed = BRANCH_COMMITTEE_POSTS.get(role)
    if role == Role.COMMITTEE_OFFICER and post:
        # A member of the Party committee itself holds one of its posts (党委书记, 副书记, 委员 …: an
        # office's roster of committee officers, imported); an organizer (组织员) holds none.
        allowed = tuple(CommitteePost)
    if allowed is None:
        if post:
            raise ValidationFailed(
                _("只有支部委员会成员有委员职务。"),
                code="post_not_applicable",
                fields={"post": [_("该角色没有委员职务")]},
            )
        return ""
    post = post or (allowed[0] if len(allowed) == 1 else CommitteePost.MEMBER)
    if post not in allowed:
        choices = "、".join(str(CommitteePost(p).label) for p in allowed)
        message = _("%(role)s 不能担任 %(post)s。") % {
            "role": Role(role).label,
            "post": CommitteePost(post).label,
        }
        raise ValidationFailed(
            message,
            code="post_not_for_role",
            fields={"post": [_("取值须为 %(v)s 之一") % {"v": choices}]},
        )
    return post


def _role_label(a: RoleAssignment) -> str:
    return f"{a.user.get_username()} {a.get_role_display()} @ {a.organization.name}"


@transaction.atomic
def _log_role_created(actor, a: RoleAssignment, source: dict | None) -> None:
    """The record-log event of a new role assignment: one form for a single grant and a batch."""
    _record(
        "role_assignment_created",
        actor=actor,
        instance=a,
        label=_role_label(a),
        organization_id=a.organization_id,
        data={"after": snapshot(a)},
        source=source,
    )


def role_assignment_create(
    *,
    actor,
    user,
    role: str,
    organization: Organization,
    term_start=None,
    term_end=None,
    post: str = "",
    source: dict | None = None,
    **fields,
) -> RoleAssignment:
    """Grant `user` the `role` at `organization` for a term; the log records who granted it. A
    branch-committee role records its post (书记, 副书记, 组织委员, 宣传委员, 纪检委员 or 委员).
    `source`: the import row (file, sheet, row) the assignment comes from, if any."""
    post = _validate_assignment(
        role=role, organization=organization, post=post, term_start=term_start, term_end=term_end
    )
    a = RoleAssignment.objects.create(
        user=user,
        role=role,
        organization=organization,
        term_start=term_start,
        term_end=term_end,
        post=post,
        **fields,
    )
    _log_role_created(actor, a, source)
    return a


@transaction.atomic
def role_assignment_update(
    *, actor, assignment: RoleAssignment, source: dict | None = None, **fields
) -> RoleAssignment:
    before = snapshot(assignment)
    for k, v in fields.items():
        setattr(assignment, k, v)
    assignment.post = _validate_assignment(
        role=assignment.role,
        organization=assignment.organization,
        post=assignment.post,
        term_start=assignment.term_start,
        term_end=assignment.term_end,
    )
    assignment.save()
    _record(
        "role_assignment_updated",
        actor=actor,
        instance=assignment,
        label=_role_label(assignment),
        organization_id=assignment.organization_id,
        data={"changes": _changes(before, snapshot(assignment))},
        source=source,
    )
    return assignment


@transaction.atomic
def role_assignment_delete(*, actor, assignment: RoleAssignment) -> None:
    before, pk, label = snapshot(assignment), assignment.pk, _role_label(assignment)
    _delete(assignment)
    assignment.pk = pk
    _record(
        "role_assignment_deleted",
        actor=actor,
        instance=assignment,
        label=label,
        organization_id=assignment.organization_id,
        data={"before": before},
    )


@transaction.atomic
def role_assignments_end(
    *, actor, organization: Organization, roles: list[str], last_day
) -> list[int]:
    """End the terms of `roles` at `organization` still running after `last_day` (a new term begins)."""
    ended = []
    running = RoleAssignment.objects.select_related("user", "organization").filter(
        organization=organization, role__in=roles
    )
    for a in running.filter(models.Q(term_end__isnull=True) | models.Q(term_end__gt=last_day)):
        role_assignment_update(actor=actor, assignment=a, term_end=last_day)
        ended.append(a.pk)
    return ended
