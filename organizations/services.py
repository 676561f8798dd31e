"""Writes to the organization tree, members and role assignments, with the branch-setup rules of
BRANCH-2018 Art. 4-5 and XYTC §1 (values from the rule set)."""
from __future__ import annotations

from django.db import transaction

from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.rules import deployment_rule_set

from .models import Member, Organization, OrgKind, RoleAssignment

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
    org = Organization(parent=parent, name=name, kind=kind, **fields)
    _validate_org(org)
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


@transaction.atomic
def organization_update(*, actor=None, organization: Organization, **fields) -> Organization:
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
    return Member.objects.create(organization=organization, name=name, **fields)


def member_update(*, actor=None, member: Member, **fields) -> Member:
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
