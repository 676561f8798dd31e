"""The organization tree: create, update, delete, dues tracking, and the setup warnings of
BRANCH-2018 Art. 4-5 and XYTC §1 (values from the rule set)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.rules import deployment_rule_set
from untrusted.text import name_check

from ..audit import root_of_path
from ..models import CODE_RULE, ROOT_CODE_RULE, MemberStatus, Organization, OrgKind
from ..selectors import branch_members, full_members_with_rights
from .record import _changes, _delete, _record, snapshot

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


def _check_code(org: Organization) -> None:
    """党组织编码 is unique within the organization's root (the university), a root's own code among
    the roots (issue 32): a clash is refused naming the field and the organization holding it, not
    left to the database's constraint."""
    if not org.code:
        return
    if org.parent_id is None:
        holders = Organization.objects.filter(parent__isnull=True, code=org.code)
        rule = ROOT_CODE_RULE
    else:
        holders = Organization.objects.filter(root_id=org.root_id, code=org.code)
        rule = CODE_RULE
    holder = holders.exclude(pk=org.pk).first() if org.pk else holders.first()
    if holder is not None:
        raise ValidationFailed(
            _("党组织编码 %(c)s 已属于“%(name)s”（%(rule)s）。")
            % {"c": org.code, "name": holder.name, "rule": rule},
            code="organization_code_taken",
            fields={"code": [rule]},
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
    if parent is not None:
        org.root_id = root_of_path(parent.path)
    _validate_org(org)
    _check_code(org)
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    if parent is None:
        org.root_id = org.pk  # a root is its own root
    org.save(update_fields=["path", "root"])
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
        new_root = (
            root_of_path(organization.parent.path) if organization.parent else organization.pk
        )
        if new_root != root_of_path(organization.path):
            # 党组织编码 and 学工号 are unique per root: a subtree moved to another university
            # would carry its numbers into a numbering it was never checked against.
            raise ValidationFailed(
                _("不能把组织移到另一个根组织（高校）之下；跨校的党员请办理组织关系转接。"),
                code="organization_root_change",
                fields={"parent": [_("须在同一根组织（高校）之内")]},
            )
    if "code" in fields:
        _check_code(organization)
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
