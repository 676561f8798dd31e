"""Writes to the organization tree, members and role assignments, with the branch-setup rules of
BRANCH-2018 Art. 4-5 and XYTC §1 (values from the rule set)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models, transaction

from engine.errors import ValidationFailed
from engine.i18n import _
from partyflow.rules import deployment_rule_set

from .idcard import id_number_check
from .models import CommitteePost, Member, Organization, OrgKind, Role, RoleAssignment

# Which kinds may sit under which (None: a root).
ALLOWED_PARENTS = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.PARTY_GROUP: {OrgKind.BRANCH},
}


def _validate_org(org: Organization):
    parent_kind = org.parent.kind if org.parent_id else None
    if parent_kind not in ALLOWED_PARENTS[org.kind]:
        raise ValidationFailed(_("%(kind)s 不能设在 %(parent)s 之下。") % {"kind": org.get_kind_display(), "parent": org.parent.get_kind_display() if org.parent_id else _("顶层")},
                               code="invalid_parent", fields={"parent": [_("上级组织类型不允许")]})
    if org.kind == OrgKind.GENERAL_BRANCH and org.has_approval_authority:
        raise ValidationFailed(_("党总支可以审查但不能审批发展党员。"), code="general_branch_cannot_approve",
                               fields={"has_approval_authority": [_("党总支不具有审批权限")]})
    if org.kind in (OrgKind.BRANCH, OrgKind.PARTY_GROUP) and org.has_approval_authority:
        raise ValidationFailed(_("只有基层党委具有审批权限。"), code="only_committee_approves",
                               fields={"has_approval_authority": [_("只有党委具有审批权限")]})
    if org.kind == OrgKind.BRANCH and not org.branch_kind:
        raise ValidationFailed(_("请选择支部类型。"), code="required", fields={"branch_kind": [_("必填")]})
    cap = deployment_rule_set().get("branch.joint_max_departments")
    if org.kind == OrgKind.BRANCH and org.branch_kind == "joint" and org.departments > cap:
        raise ValidationFailed(_("联合党支部覆盖单位不超过 %(cap)s 个（XYTC §1）。") % {"cap": cap}, code="joint_branch_too_wide",
                               fields={"departments": [_("联合党支部覆盖单位不超过 %(cap)s 个") % {"cap": cap}]})
    if org.term_start and org.term_end and org.term_end <= org.term_start:
        raise ValidationFailed(_("任期届满日期须晚于开始日期。"), code="invalid_term", fields={"term_end": [_("须晚于任期开始")]})


@transaction.atomic
def organization_create(*, actor=None, parent: Organization | None, name: str, kind: str, **fields) -> Organization:
    if "code" in fields:  # unique when present; no code is none, not ""
        fields["code"] = (fields["code"] or "").strip() or None
    org = Organization(parent=parent, name=name, kind=kind, **fields)
    _validate_org(org)
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


@transaction.atomic
def organization_update(*, actor=None, organization: Organization, **fields) -> Organization:
    if "code" in fields:
        fields["code"] = (fields["code"] or "").strip() or None
    moved = "parent" in fields and fields["parent"] != organization.parent
    for k, v in fields.items():
        setattr(organization, k, v)
    _validate_org(organization)
    if moved:
        if organization.parent and organization.parent.path.startswith(organization.path):
            raise ValidationFailed(_("不能把组织移到它自己的下级组织之下。"), code="invalid_parent", fields={"parent": [_("不能是自身或下级")]})
        old = organization.path
        organization.path = f"{organization.parent.path if organization.parent else '/'}{organization.pk}/"
        for child in Organization.objects.filter(path__startswith=old).exclude(pk=organization.pk):
            child.path = organization.path + child.path[len(old):]
            child.save(update_fields=["path"])
    organization.save()
    return organization


def organization_setup_warnings(org: Organization) -> list[dict]:
    """Branch-setup checks that warn rather than block (BRANCH-2018 Art. 4-5, XYTC §1)."""
    from .selectors import branch_members, full_members_with_rights

    rules, warnings = deployment_rule_set(), []
    if org.kind == OrgKind.BRANCH:
        full = full_members_with_rights(org).count()
        total = branch_members(org).count()
        if full < rules.get("branch.min_full_members"):
            warnings.append({"code": "too_few_full_members", "message": str(_("正式党员少于 %(n)s 人，应与其他单位成立联合党支部。") % {"n": rules.get("branch.min_full_members")})})
        if total > rules.get("branch.max_members_warning"):
            warnings.append({"code": "branch_too_large", "message": str(_("党员超过 %(n)s 人，宜分设党支部。") % {"n": rules.get("branch.max_members_warning")})})
    if org.kind == OrgKind.PARTY_GROUP:
        total = org.members.count()
        full = org.members.filter(status="full").count()
        if total < rules.get("party_group.min_members") or full < rules.get("party_group.min_full_members"):
            warnings.append({"code": "party_group_too_small", "message": str(_("党小组至少 %(n)s 名党员，其中至少 %(f)s 名正式党员。") % {"n": rules.get("party_group.min_members"), "f": rules.get("party_group.min_full_members")})})
    return warnings


def member_create(*, actor=None, organization: Organization, name: str, **fields) -> Member:
    if organization.kind not in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        raise ValidationFailed(_("党员须编入党支部或党小组。"), code="member_needs_branch", fields={"organization": [_("须为党支部或党小组")]})
    _check_personal_fields(fields, birth_date=fields.get("birth_date"))
    return Member.objects.create(organization=organization, name=name, **fields)


def _check_personal_fields(fields: dict, *, birth_date) -> None:
    """The ID number, when given, is checked against its rules and the birth date; an empty 学工号
    is stored as none (it is unique when present)."""
    if fields.get("id_number"):
        fields["id_number"] = fields["id_number"].strip().upper()
        id_number_check(fields["id_number"], birth_date=birth_date)
    if "staff_or_student_no" in fields:
        fields["staff_or_student_no"] = (fields["staff_or_student_no"] or "").strip() or None


def member_update(*, actor=None, member: Member, **fields) -> Member:
    if "id_number" in fields or ("birth_date" in fields and member.id_number):
        fields.setdefault("id_number", member.id_number)
        _check_personal_fields(fields, birth_date=fields.get("birth_date", member.birth_date))
    elif "staff_or_student_no" in fields:
        _check_personal_fields(fields, birth_date=None)
    for k, v in fields.items():
        setattr(member, k, v)
    if member.organization.kind not in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        raise ValidationFailed(_("党员须编入党支部或党小组。"), code="member_needs_branch", fields={"organization": [_("须为党支部或党小组")]})
    member.save()
    return member


def role_assignment_create(*, actor=None, user, role: str, organization: Organization, term_start=None, term_end=None) -> RoleAssignment:
    if term_start and term_end and term_end < term_start:
        raise ValidationFailed(_("任期结束不能早于开始。"), code="invalid_term", fields={"term_end": [_("不能早于任期开始")]})
    return RoleAssignment.objects.create(user=user, role=role, organization=organization, term_start=term_start, term_end=term_end)


# --- import (onboarding): upserts with an audit event per change ------------------------------

def _import_audit(*, action: str, actor, organization: Organization, data: dict) -> None:
    # Function-local and upward (workflows is above organizations): the only audit log today is
    # workflows.audit; issue 14 brings an organization-level audit log here, and the lead
    # reconciles these calls with it at merge.
    from workflows.audit import append

    append(action=action, actor=actor, organization=organization, data=data)


def _changes(obj, values: dict) -> dict:
    """{field: [before, after]} for each value that differs from the object's."""
    out = {}
    for field, after in values.items():
        before = getattr(obj, field)
        if isinstance(before, models.Model) or isinstance(after, models.Model):
            before, after = getattr(before, "pk", before), getattr(after, "pk", after)
        if before != after:
            out[field] = [before, after]
    return out


def organization_import_upsert(*, actor, organization: Organization | None, values: dict, source: dict) -> tuple[Organization, str, dict]:
    """Create the organization of an import row, or bring an existing one (matched on its code) to
    the row's values. Returns (organization, "created" | "updated" | "unchanged", changes);
    writes an audit event when anything changed, with the import's `source` (file, sheet, row)."""
    if organization is None:
        values = dict(values)
        org = organization_create(actor=actor, parent=values.pop("parent"), name=values.pop("name"), kind=values.pop("kind"), **values)
        _import_audit(action="organization_imported", actor=actor, organization=org, data={**source, "values": values | {"name": org.name, "kind": org.kind}})
        return org, "created", {}
    changes = _changes(organization, values)
    if not changes:
        return organization, "unchanged", {}
    organization_update(actor=actor, organization=organization, **{k: values[k] for k in changes})
    _import_audit(action="organization_import_updated", actor=actor, organization=organization, data={**source, "changes": changes})
    return organization, "updated", changes


def member_import_upsert(*, actor, member: Member | None, values: dict, source: dict) -> tuple[Member, str, dict]:
    """Create the member of an import row or update the one matched on 学工号 / 公民身份号码. The ID
    number is checked (length, birth date inside it, checksum). Returns (member, action, changes)
    and writes an audit event per created or changed record; personal data (ID number, phone) is
    recorded as changed, not its values."""
    if values.get("id_number"):
        id_number_check(values["id_number"], birth_date=values.get("birth_date"))
    if member is None:
        values = dict(values)
        member = member_create(actor=actor, organization=values.pop("organization"), name=values.pop("name"), **values)
        _import_audit(action="member_imported", actor=actor, organization=member.organization,
                      data={**source, "member": member.pk, "name": member.name, "staff_or_student_no": member.staff_or_student_no})
        return member, "created", {}
    changes = _changes(member, values)
    if not changes:
        return member, "unchanged", {}
    member_update(actor=actor, member=member, **{k: values[k] for k in changes})
    shown = {k: (["***", "***"] if k in PERSONAL_FIELDS else v) for k, v in changes.items()}
    _import_audit(action="member_import_updated", actor=actor, organization=member.organization,
                  data={**source, "member": member.pk, "name": member.name, "changes": shown})
    return member, "updated", changes


PERSONAL_FIELDS = {"id_number", "phone"}

# The role that holds a committee post, by the kind of organization (BRANCH-2018 Art. 19-20).
POST_ROLES = {
    CommitteePost.SECRETARY: Role.BRANCH_SECRETARY,
    CommitteePost.DEPUTY_SECRETARY: Role.BRANCH_DEPUTY_SECRETARY,
}


def officer_role_for(organization: Organization, post: str) -> str:
    """The role a committee post is held in: a branch's secretary, deputy or committee member; an
    officer of a (general) committee."""
    if organization.kind in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        return POST_ROLES.get(post, Role.BRANCH_COMMITTEE)
    return Role.COMMITTEE_OFFICER


def officer_import_upsert(*, actor, member: Member, organization: Organization, post: str, term_start, term_end,
                          source: dict) -> tuple[RoleAssignment, str, dict]:
    """Give `member` the committee post at `organization` for the term: the member's user account
    is created when missing (username 学工号, no password until the organization department sets
    one), the role assignment is matched on (user, organization, role, post). Returns
    (assignment, action, changes)."""
    if term_start and term_end and term_end < term_start:
        raise ValidationFailed(_("任期结束不能早于开始。"), code="invalid_term", fields={"term_end": [_("不能早于任期开始")]})
    role = officer_role_for(organization, post)
    user = member.user
    if user is None:
        username = member.staff_or_student_no or f"member{member.pk}"
        user = get_user_model().objects.filter(username=username).first()
        if user is not None and Member.objects.filter(user=user).exclude(pk=member.pk).exists():
            raise ValidationFailed(_("账号 %(u)s 已属于另一名党员。") % {"u": username}, code="username_taken",
                                   fields={"staff_or_student_no": [_("账号已属于另一名党员")]})
        if user is None:
            user = get_user_model()(username=username)
            user.set_unusable_password()
            user.save()
            _import_audit(action="user_imported", actor=actor, organization=member.organization,
                          data={**source, "user": user.get_username(), "member": member.pk})
        member.user = user
        member.save(update_fields=["user"])
    existing = RoleAssignment.objects.filter(user=user, organization=organization, role=role, post=post).order_by("-id").first()
    values = {"term_start": term_start, "term_end": term_end}
    if existing is None:
        a = RoleAssignment.objects.create(user=user, organization=organization, role=role, post=post, **values)
        _import_audit(action="role_assignment_imported", actor=actor, organization=organization,
                      data={**source, "user": user.get_username(), "role": role, "post": post, **values})
        return a, "created", {}
    changes = _changes(existing, values)
    if not changes:
        return existing, "unchanged", {}
    for k in changes:
        setattr(existing, k, values[k])
    existing.save(update_fields=list(changes))
    _import_audit(action="role_assignment_import_updated", actor=actor, organization=organization,
                  data={**source, "user": user.get_username(), "role": role, "post": post, "changes": changes})
    return existing, "updated", changes
