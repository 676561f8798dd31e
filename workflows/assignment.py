"""BPMN lanes name role codes; a lane resolves against the case's organization to one slot.

lane                 who holds it                                     where
branch_secretary     the branch secretary                             the case's organization
branch_committee     secretary, deputy and committee members          the case's organization
approving_committee  officers of the committee with approval authority nearest ancestor-or-self with it
org_department       the organization department                      the root of the tree
member               one member personally (a multi-instance task      the case's organization
                     over members; the item `assignee_member` is the
                     member's id): slot `member@<member id>`
"""
from __future__ import annotations

from engine.errors import BpmnError
from engine.i18n import _
from organizations.models import Organization, Role, RoleAssignment
from organizations.selectors import active_assignments, approving_committee_of, root_of

LANES = ("branch_secretary", "branch_committee", "approving_committee", "org_department", "member")

ROLE_LANES = {
    Role.BRANCH_SECRETARY: ("branch_secretary", "branch_committee"),
    Role.BRANCH_DEPUTY_SECRETARY: ("branch_committee",),
    Role.BRANCH_COMMITTEE: ("branch_committee",),
    Role.COMMITTEE_OFFICER: ("approving_committee",),
    Role.ORG_DEPARTMENT: ("org_department",),
}

LANE_LABELS = {
    "branch_secretary": _("支部书记"),
    "branch_committee": _("支部委员会"),
    "approving_committee": _("上级党委"),
    "org_department": _("组织部"),
    "member": _("党员本人"),
}


def slot(lane: str, org_id: int) -> str:
    return f"{lane}@{org_id}"


def task_slot(lane: str, org: Organization, data: dict) -> str:
    """The inbox slot of a task: the lane at its organization, or one member's own slot."""
    if lane == "member":
        member_id = data.get("assignee_member")
        if not isinstance(member_id, int):
            raise BpmnError(_("党员本人的任务须指明党员（assignee_member）。"), code="member_lane_without_member", element_id=lane)
        return f"member@{member_id}"
    return slot(lane, org.pk)


def resolve_lane(lane: str | None, case_org: Organization) -> Organization:
    if lane in ("branch_secretary", "branch_committee", "member"):
        return case_org
    if lane == "approving_committee":
        org = approving_committee_of(case_org)
        if org is None:
            raise BpmnError(_("%(org)s 没有具有审批权限的上级党委。") % {"org": case_org.name}, code="no_approving_committee")
        return org
    if lane == "org_department":
        return root_of(case_org)
    raise BpmnError(_("未知的泳道（角色）：%(lane)s") % {"lane": lane}, code="unknown_lane", element_id=lane)


def user_slots(user) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    slots = set()
    for a in active_assignments(user):
        for lane in ROLE_LANES.get(a.role, ()):
            slots.add(slot(lane, a.organization_id))
    cache_key = "_pf_member_slot"
    if not hasattr(user, cache_key):
        from organizations.models import Member

        member_id = Member.objects.filter(user=user).values_list("pk", flat=True).first()
        setattr(user, cache_key, f"member@{member_id}" if member_id else None)
    if getattr(user, cache_key):
        slots.add(getattr(user, cache_key))
    return sorted(slots)


def user_roles_snapshot(user) -> list[dict]:
    """The roles a user holds now, as recorded in each audit event."""
    return [{"role": a.role, "organization": a.organization_id} for a in active_assignments(user)]


def slot_holders(slots, on=None) -> dict[str, list]:
    """Who holds each slot now: {slot: [users]} (users with an active role whose lanes include the
    slot's lane at the slot's organization), in one query."""
    from django.db.models import Q

    from engine.calendar import today

    wanted: dict[tuple[str, int], str] = {}
    for s in set(slots):
        lane, _sep, org = s.partition("@")
        if org.isdigit():
            wanted[(lane, int(org))] = s
    out: dict[str, list] = {s: [] for s in wanted.values()}
    if not wanted:
        return out
    on = on or today()
    roles = [r for r, lanes in ROLE_LANES.items() if any(lane in lanes for lane, _o in wanted)]
    rows = (RoleAssignment.objects.filter(organization_id__in={o for _l, o in wanted}, role__in=roles, user__is_active=True)
            .filter(Q(term_start__isnull=True) | Q(term_start__lte=on)).filter(Q(term_end__isnull=True) | Q(term_end__gte=on))
            .select_related("user").order_by("user_id"))
    for a in rows:
        for lane in ROLE_LANES.get(a.role, ()):
            s = wanted.get((lane, a.organization_id))
            if s is not None and a.user not in out[s]:
                out[s].append(a.user)
    return out
