"""Writes to users, the organization tree, members and role assignments, with the branch-setup
rules of BRANCH-2018 Art. 4-5 and XYTC §1 (values from the rule set).

Every write names its actor (None: the system, an operator's command or the demo seed) and appends
an event to the organization-level audit log (`organizations.audit`) in its transaction: who, when,
what, before and after. Who granted whom a role (the organization department, auditors) is there.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from rest_framework.authtoken.models import Token

from engine.calendar import not_in_future
from engine.errors import Conflict, ValidationFailed
from engine.i18n import _
from organizations.rules import deployment_rule_set
from untrusted.text import name_check

from .audit import record_append
from .idcard import id_number_check
from .models import (
    BRANCH_COMMITTEE_ROLES,
    CommitteePost,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    Role,
    RoleAssignment,
)
from .selectors import active_assignments, branch_members, full_members_with_rights

User = get_user_model()
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
) -> None:
    if source is not None:
        action, data = IMPORTED_ACTIONS[action], {**data, "source": source}
    record_append(
        actor_roles=_roles(actor),
        action=action,
        actor=actor,
        entity=instance._meta.model_name,
        entity_id=instance.pk,
        label=label,
        organization_id=organization_id,
        data=data,
    )


def _delete(instance: models.Model) -> None:
    """Something the history refers to (audit events, cases, documents) is kept: 409, not a 500."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError:
        raise Conflict(
            _("该记录已被流程或审计记录引用，不能删除；请改为停用。"), code="in_use"
        ) from None


# Which kinds may sit under which (None: a root).
ALLOWED_PARENTS = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.PARTY_GROUP: {OrgKind.BRANCH},
}


def _validate_org(org: Organization):
    org.name = name_check(org.name)  # no control or invisible formatting character (untrusted.text)
    parent_kind = org.parent.kind if org.parent_id else None
    if parent_kind not in ALLOWED_PARENTS[org.kind]:
        raise ValidationFailed(
            _("%(kind)s 不能设在 %(parent)s 之下。")
            % {
                "kind": org.get_kind_display(),
                "parent": org.parent.get_kind_display() if org.parent_id else _("顶层"),
            },
            code="invalid_parent",
            fields={"parent": [_("上级组织类型不允许")]},
        )
    if org.kind == OrgKind.GENERAL_BRANCH and org.has_approval_authority:
        raise ValidationFailed(
            _("党总支可以审查但不能审批发展党员。"),
            code="general_branch_cannot_approve",
            fields={"has_approval_authority": [_("党总支不具有审批权限")]},
        )
    if org.kind in (OrgKind.BRANCH, OrgKind.PARTY_GROUP) and org.has_approval_authority:
        raise ValidationFailed(
            _("只有基层党委具有审批权限。"),
            code="only_committee_approves",
            fields={"has_approval_authority": [_("只有党委具有审批权限")]},
        )
    if org.kind == OrgKind.BRANCH and not org.branch_kind:
        raise ValidationFailed(
            _("请选择支部类型。"), code="required", fields={"branch_kind": [_("必填")]}
        )
    cap = deployment_rule_set().get("branch.joint_max_departments")
    if org.kind == OrgKind.BRANCH and org.branch_kind == "joint" and org.departments > cap:
        raise ValidationFailed(
            _("联合党支部覆盖单位不超过 %(cap)s 个（XYTC §1）。") % {"cap": cap},
            code="joint_branch_too_wide",
            fields={"departments": [_("联合党支部覆盖单位不超过 %(cap)s 个") % {"cap": cap}]},
        )
    if org.term_start and org.term_end and org.term_end <= org.term_start:
        raise ValidationFailed(
            _("任期届满日期须晚于开始日期。"),
            code="invalid_term",
            fields={"term_end": [_("须晚于任期开始")]},
        )
    if org.founded_on and org.dissolved_on and org.dissolved_on < org.founded_on:
        raise ValidationFailed(
            _("撤销日期不能早于成立日期。"),
            code="invalid_dissolution",
            fields={"dissolved_on": [_("不能早于成立日期")]},
        )


@transaction.atomic
def organization_create(
    *,
    actor,
    parent: Organization | None,
    name: str,
    kind: str,
    source: dict | None = None,
    **fields,
) -> Organization:
    """`source`: the import row (file, sheet, row) the organization comes from, if any."""
    if "code" in fields:  # unique when present; no code is none, not ""
        fields["code"] = (fields["code"] or "").strip() or None
    org = Organization(parent=parent, name=name, kind=kind, **fields)
    _validate_org(org)
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    _record(
        "organization_created",
        actor=actor,
        instance=org,
        label=org.name,
        organization_id=org.pk,
        data={"after": snapshot(org)},
        source=source,
    )
    return org


@transaction.atomic
def organization_update(
    *, actor, organization: Organization, source: dict | None = None, **fields
) -> Organization:
    if "code" in fields:
        fields["code"] = (fields["code"] or "").strip() or None
    before = snapshot(organization)
    moved = "parent" in fields and fields["parent"] != organization.parent
    for k, v in fields.items():
        setattr(organization, k, v)
    _validate_org(organization)
    if moved:
        if organization.parent and organization.parent.path.startswith(organization.path):
            raise ValidationFailed(
                _("不能把组织移到它自己的下级组织之下。"),
                code="invalid_parent",
                fields={"parent": [_("不能是自身或下级")]},
            )
        old = organization.path
        organization.path = (
            f"{organization.parent.path if organization.parent else '/'}{organization.pk}/"
        )
        for child in Organization.objects.filter(path__startswith=old).exclude(pk=organization.pk):
            child.path = organization.path + child.path[len(old) :]
            child.save(update_fields=["path"])
    organization.save()
    _record(
        "organization_updated",
        actor=actor,
        instance=organization,
        label=organization.name,
        organization_id=organization.pk,
        data={"changes": _changes(before, snapshot(organization))},
        source=source,
    )
    return organization


@transaction.atomic
def organization_dues_tracking_start(*, actor, organization: Organization, month: dt.date) -> bool:
    """From `month` (its first day) the branch keeps its dues in partyflow
    (`Organization.dues_tracked_since`, what the self-lapse check by dues reads, CONST Art. 9): set
    by the branch's first dues record or an import's earliest month, never moved once set (the
    organization department corrects it through `organization_update`). Locks the branch row and
    writes the change with its audit event in the caller's transaction; `organization` is updated
    in place. True when this call set it."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.dues_tracked_since is None:
        before = snapshot(locked)
        locked.dues_tracked_since = month.replace(day=1)
        locked.save(update_fields=["dues_tracked_since"])
        _record(
            "organization_updated",
            actor=actor,
            instance=locked,
            label=locked.name,
            organization_id=locked.pk,
            data={"changes": _changes(before, snapshot(locked)), "reason": "dues_recorded"},
        )
        organization.dues_tracked_since = locked.dues_tracked_since
        return True
    organization.dues_tracked_since = locked.dues_tracked_since
    return False


@transaction.atomic
def organization_delete(*, actor, organization: Organization) -> None:
    """Only an empty organization: no sub-organization, member or case."""
    if (
        organization.children.exists()
        or organization.members.exists()
        or organization.cases.exists()
    ):
        raise ValidationFailed(
            _("组织下还有下级组织、党员或流程，不能删除。"), code="organization_in_use"
        )
    before, pk = snapshot(organization), organization.pk
    _delete(organization)
    organization.pk = pk
    _record(
        "organization_deleted",
        actor=actor,
        instance=organization,
        label=organization.name,
        organization_id=pk,
        data={"before": before},
    )


def organization_setup_warnings(org: Organization) -> list[dict]:
    """Branch-setup checks that warn rather than block (BRANCH-2018 Art. 4-5, XYTC §1)."""
    rules, warnings = deployment_rule_set(), []
    # Party members only (full and probationary): activists, applicants and people who left are not
    # members of the branch or the group.
    party = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
    if org.kind == OrgKind.BRANCH:
        full = full_members_with_rights(org).count()
        total = branch_members(org).filter(status__in=party).count()
        if full < rules.get("branch.min_full_members"):
            warnings.append(
                {
                    "code": "too_few_full_members",
                    "message": str(
                        _("正式党员少于 %(n)s 人，应与其他单位成立联合党支部。")
                        % {"n": rules.get("branch.min_full_members")}
                    ),
                }
            )
        if total > rules.get("branch.max_members_warning"):
            warnings.append(
                {
                    "code": "branch_too_large",
                    "message": str(
                        _("党员超过 %(n)s 人，宜分设党支部。")
                        % {"n": rules.get("branch.max_members_warning")}
                    ),
                }
            )
    if org.kind == OrgKind.PARTY_GROUP:
        total = org.members.filter(status__in=party).count()
        full = org.members.filter(status=MemberStatus.FULL).count()
        if total < rules.get("party_group.min_members") or full < rules.get(
            "party_group.min_full_members"
        ):
            warnings.append(
                {
                    "code": "party_group_too_small",
                    "message": str(
                        _("党小组至少 %(n)s 名党员，其中至少 %(f)s 名正式党员。")
                        % {
                            "n": rules.get("party_group.min_members"),
                            "f": rules.get("party_group.min_full_members"),
                        }
                    ),
                }
            )
    return warnings


def _validate_member(member: Member) -> None:
    member.name = name_check(member.name)  # no control or invisible formatting character
    if member.organization.kind not in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        raise ValidationFailed(
            _("党员须编入党支部或党小组。"),
            code="member_needs_branch",
            fields={"organization": [_("须为党支部或党小组")]},
        )
    # Struck off (除名/自行脱党) or advised to withdraw (劝退): the date starts the 5-year ban
    # (DISPOSAL-2024), also for people removed before partyflow was in use.
    left_statuses = (MemberStatus.REMOVED, MemberStatus.WITHDRAWN)
    if member.left_on and member.status not in left_statuses:
        raise ValidationFailed(
            _("只有除名、自行脱党或劝退的人员才有除名或劝退日期。"),
            code="left_on_needs_left_status",
            fields={"left_on": [_("状态须为除名/自行脱党或劝退")]},
        )
    if member.left_on:
        not_in_future(member.left_on, field="left_on")


def _check_personal_fields(fields: dict, *, birth_date) -> None:
    """The ID number, when given, is checked against its rules and the birth date; an empty 学工号
    is stored as none (it is unique when present)."""
    if fields.get("id_number"):
        fields["id_number"] = fields["id_number"].strip().upper()
        id_number_check(fields["id_number"], birth_date=birth_date)
    if "staff_or_student_no" in fields:
        fields["staff_or_student_no"] = (fields["staff_or_student_no"] or "").strip() or None


@transaction.atomic
def member_create(
    *, actor, organization: Organization, name: str, source: dict | None = None, **fields
) -> Member:
    """`source`: the import row (file, sheet, row) the member comes from, if any."""
    _check_personal_fields(fields, birth_date=fields.get("birth_date"))
    member = Member(organization=organization, name=name, **fields)
    _validate_member(member)
    member.save()
    _record(
        "member_created",
        actor=actor,
        instance=member,
        label=member.name,
        organization_id=member.organization_id,
        data={"after": snapshot(member)},
        source=source,
    )
    return member


@transaction.atomic
def member_update(*, actor, member: Member, source: dict | None = None, **fields) -> Member:
    if "id_number" in fields or ("birth_date" in fields and member.id_number):
        fields.setdefault("id_number", member.id_number)
        _check_personal_fields(fields, birth_date=fields.get("birth_date", member.birth_date))
    elif "staff_or_student_no" in fields:
        _check_personal_fields(fields, birth_date=None)
    before = snapshot(member)
    for k, v in fields.items():
        setattr(member, k, v)
    _validate_member(member)
    member.save()
    _record(
        "member_updated",
        actor=actor,
        instance=member,
        label=member.name,
        organization_id=member.organization_id,
        data={"changes": _changes(before, snapshot(member))},
        source=source,
    )
    return member


@transaction.atomic
def member_delete(*, actor, member: Member) -> None:
    before, pk = snapshot(member), member.pk
    _delete(member)
    member.pk = pk
    _record(
        "member_deleted",
        actor=actor,
        instance=member,
        label=member.name,
        organization_id=member.organization_id,
        data={"before": before},
    )


# The branch-committee roles and the posts each may hold (BRANCH-2018 Art. 19-20): the secretary and
# the deputy hold their own post; a committee member holds one of the others.
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
    _record(
        "role_assignment_created",
        actor=actor,
        instance=a,
        label=_role_label(a),
        organization_id=a.organization_id,
        data={"after": snapshot(a)},
        source=source,
    )
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
    **fields,
) -> User:
    """A login; without a password it cannot log in until one is set. `password_hash`: one already
    hashed (the demo seed hashes its shared password once). `source`: the import row it comes from."""
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
        organization_id=None,
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
    record_append(
        actor_roles=_roles(actor),
        action="user_updated",
        actor=actor,
        entity="user",
        entity_id=user.pk,
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
    record_append(
        actor_roles=_roles(actor),
        action="user_password_set",
        actor=actor,
        entity="user",
        entity_id=user.pk,
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


# --- import (onboarding): upserts through the services above, each write in the record log -------


def _import_changes(obj: models.Model, values: dict) -> dict:
    """{field: [before, after]} for each value that differs from the object's."""
    out = {}
    for name, after in values.items():
        before = getattr(obj, name)
        if isinstance(before, models.Model) or isinstance(after, models.Model):
            before, after = getattr(before, "pk", before), getattr(after, "pk", after)
        if before != after:
            out[name] = [before, after]
    return out


def _import_upsert(instance, values: dict, *, create, update) -> tuple:
    """One import row's write: `create(values)` when nothing matched, else `update(changed values)`
    with only what differs. Returns (instance, "created" | "updated" | "unchanged", changes)."""
    if instance is None:
        return create(dict(values)), "created", {}
    changes = _import_changes(instance, values)
    if not changes:
        return instance, "unchanged", {}
    update({k: values[k] for k in changes})
    return instance, "updated", changes


def organization_import_upsert(
    *, actor, organization: Organization | None, values: dict, source: dict
) -> tuple[Organization, str, dict]:
    """Create the organization of an import row, or bring an existing one (matched on its code) to
    the row's values. Returns (organization, "created" | "updated" | "unchanged", changes); the
    record log names the import's `source` (file, sheet, row) on each write."""
    return _import_upsert(
        organization,
        values,
        create=lambda v: organization_create(
            actor=actor,
            parent=v.pop("parent"),
            name=v.pop("name"),
            kind=v.pop("kind"),
            source=source,
            **v,
        ),
        update=lambda changed: organization_update(
            actor=actor, organization=organization, source=source, **changed
        ),
    )


def member_import_upsert(
    *, actor, member: Member | None, values: dict, source: dict
) -> tuple[Member, str, dict]:
    """Create the member of an import row or update the one matched on 学工号 / 公民身份号码. The ID
    number is checked (length, birth date inside it, checksum). Returns (member, action, changes);
    the record log names the import's `source` on each write."""
    if values.get("id_number"):
        id_number_check(values["id_number"], birth_date=values.get("birth_date"))
    return _import_upsert(
        member,
        values,
        create=lambda v: member_create(
            actor=actor, organization=v.pop("organization"), name=v.pop("name"), source=source, **v
        ),
        update=lambda changed: member_update(actor=actor, member=member, source=source, **changed),
    )


# The role that holds a committee post, by the kind of organization (BRANCH-2018 Art. 19-20).
POST_ROLES = {
    CommitteePost.SECRETARY: Role.BRANCH_SECRETARY,
    CommitteePost.DEPUTY_SECRETARY: Role.BRANCH_DEPUTY_SECRETARY,
}


def officer_role_for(organization: Organization, post: str) -> str:
    """The role a committee post is held in: an officer of a Party committee; the secretary, deputy
    or a committee member of a branch, a general branch or a Party group (a general branch has no
    committee officers: it reviews, it approves nothing)."""
    if organization.kind == OrgKind.COMMITTEE:
        return Role.COMMITTEE_OFFICER
    return POST_ROLES.get(post, Role.BRANCH_COMMITTEE)


def officer_import_upsert(
    *,
    actor,
    member: Member,
    organization: Organization,
    post: str,
    term_start,
    term_end,
    source: dict,
) -> tuple[RoleAssignment, str, dict]:
    """Give `member` the committee post at `organization` for the term: the member's user account
    is created when missing (username 学工号, the member's name as its name, no password until the
    organization department sets one; an account without a name gets the member's), the role assignment is matched on (user, organization, role, post). Returns
    (assignment, action, changes)."""
    if term_start and term_end and term_end < term_start:
        raise ValidationFailed(
            _("任期结束不能早于开始。"),
            code="invalid_term",
            fields={"term_end": [_("不能早于任期开始")]},
        )
    role = officer_role_for(organization, post)
    if (
        role in BRANCH_COMMITTEE_ROLES
        and organization.term_end
        and (term_end is None or term_end >= organization.term_end)
    ):
        # A branch committee serves past its term's end until the next election's results end
        # its roles (P2 `record_election_result`, BRANCH-2018 Art. 21): only an officer who left
        # before the term's end has an end of their own.
        term_end = None
    user = member.user
    if user is None:
        username = member.staff_or_student_no or f"member{member.pk}"
        user = User.objects.filter(username=username).first()
        if user is not None and Member.objects.filter(user=user).exclude(pk=member.pk).exists():
            raise ValidationFailed(
                _("账号 %(u)s 已属于另一名党员。") % {"u": username},
                code="username_taken",
                fields={"staff_or_student_no": [_("账号已属于另一名党员")]},
            )
        if user is None:
            user = user_create(
                actor=actor, username=username, source=source, first_name=member.name[:150]
            )
        member_update(actor=actor, member=member, source=source, user=user)
    if not user.get_full_name() and member.name:
        # An account created by an earlier import showed its 学工号 where people read a name.
        user = user_update(actor=actor, user=user, first_name=member.name[:150], last_name="")
    existing = (
        RoleAssignment.objects.filter(user=user, organization=organization, role=role, post=post)
        .order_by("-id")
        .first()
    )
    values = {"term_start": term_start, "term_end": term_end}
    if existing is None:
        a = role_assignment_create(
            actor=actor,
            user=user,
            organization=organization,
            role=role,
            post=post,
            source=source,
            **values,
        )
        return a, "created", {}
    changes = _import_changes(existing, values)
    if not changes:
        return existing, "unchanged", {}
    role_assignment_update(
        actor=actor, assignment=existing, source=source, **{k: values[k] for k in changes}
    )
    return existing, "updated", changes
