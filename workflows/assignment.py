"""BPMN lanes name role codes; a lane resolves against the case's organization to one slot.

lane                 who holds it                                     where
branch_secretary     the branch secretary                             the case's organization
branch_committee     secretary, deputy and committee members          the case's organization
approving_committee  officers of the committee with approval authority nearest ancestor-or-self with it
org_department       the organization department                      the root of the tree
member               one member personally (a multi-instance task      the case's organization
                     over members; the item `assignee_member` is the
                     member's id): slot `member@<member id>`

A branch lane in a multi-instance task over branches (the item `assignee_branch` is a branch id in
the case organization's subtree, e.g. each branch's self-assessment in a P6 round opened by a
committee) resolves to that branch instead of the case's organization. BPMN ids are unique in a
file, so a second multi-instance over branches in one process names its item
`assignee_branch_<suffix>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from engine.calendar import today
from engine.errors import BpmnError, Forbidden
from engine.i18n import _
from organizations.jsonrows import db_datetime, instances, json_rows
from organizations.models import Member, Organization, Role, RoleAssignment
from organizations.selectors import active_assignments, approving_committee_of, root_of

from .models import Delegation

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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


# A personal step is one person's or one branch's own (a multi-instance item names them): a member's
# self-assessment (slot member@<id>), a branch's task in a round opened above it (a branch lane
# resolved to `assignee_branch`, not to the case's organization). Nobody claims it: it is never in a
# queue, and every holder of its slot has it as their own.
PERSONAL_TASK = Q(slot__startswith="member@") | (
    Q(lane__in=("branch_secretary", "branch_committee"))
    & ~Q(assignee_organization_id=F("case_organization_id"))
)


def is_personal(*, slot: str, lane: str, assignee_organization_id, case_organization_id) -> bool:
    """`PERSONAL_TASK` for a row already read (the inbox's rows, a task page)."""
    return slot.startswith("member@") or (
        lane in ("branch_secretary", "branch_committee")
        and assignee_organization_id != case_organization_id
    )


def slot(lane: str, ref: int) -> str:
    """An inbox slot: <lane>@<organization id>, or member@<member id> for a member's own tasks."""
    return f"{lane}@{ref}"


def parse_slot(value: str) -> tuple[str, int]:
    """(lane, organization id — or member id for the `member` lane) of a slot."""
    lane, _sep, ref = value.partition("@")
    return lane, int(ref)


def task_slot(lane: str, org: Organization, data: dict) -> str:
    """The inbox slot of a task: the lane at its organization, or one member's own slot."""
    if lane == "member":
        member_id = data.get("assignee_member")
        if not isinstance(member_id, int):
            raise BpmnError(
                _("党员本人的任务须指明党员（assignee_member）。"),
                code="member_lane_without_member",
                element_id=lane,
            )
        return slot("member", member_id)
    return slot(lane, org.pk)


def resolve_lane(
    lane: str | None, case_org: Organization, data: dict | None = None
) -> Organization:
    # The most specific item first: a suffixed one belongs to the task at hand.
    items = sorted((data or {}).items(), reverse=True)
    branch_id = next(
        (v for k, v in items if k == "assignee_branch" or k.startswith("assignee_branch_")), None
    )
    if lane in ("branch_secretary", "branch_committee") and isinstance(branch_id, int):
        branch = Organization.objects.filter(pk=branch_id, path__startswith=case_org.path).first()
        if branch is None:
            raise BpmnError(
                _("任务指定的党支部不在本流程的组织范围内。"),
                code="assignee_branch_out_of_scope",
                element_id=lane,
            )
        return branch
    if lane in ("branch_secretary", "branch_committee", "member"):
        return case_org
    if lane == "approving_committee":
        org = approving_committee_of(case_org)
        if org is None:
            raise BpmnError(
                _("%(org)s 没有具有审批权限的上级党委。") % {"org": case_org.name},
                code="no_approving_committee",
            )
        return org
    if lane == "org_department":
        return root_of(case_org)
    raise BpmnError(
        _("未知的泳道（角色）：%(lane)s") % {"lane": lane}, code="unknown_lane", element_id=lane
    )


def user_slots(user) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    slots = set()
    for a in active_assignments(user):
        for lane in ROLE_LANES.get(a.role, ()):
            slots.add(slot(lane, a.organization_id))
    member_id = _member_id(user)
    if member_id:
        slots.add(slot("member", member_id))
    return sorted(slots)


def _member_id(user) -> int | None:
    """The user's member record id: from the relation when it is loaded (token authentication
    selects it with the user), else one query, cached on the user object."""
    from django.core.exceptions import ObjectDoesNotExist

    if "member" in user._state.fields_cache:
        try:
            return user.member.pk
        except ObjectDoesNotExist:
            return None
    cache_key = "_pf_member_id"
    if not hasattr(user, cache_key):
        setattr(
            user, cache_key, Member.objects.filter(user=user).values_list("pk", flat=True).first()
        )
    return getattr(user, cache_key)


# Lanes held by the same body in an organization: a delegate must belong to the holder's body.
LANE_BODIES = {
    "branch_secretary": "branch",
    "branch_committee": "branch",
    "approving_committee": "committee",
    "org_department": "org_department",
}


def active_delegations(user, now=None) -> list:
    """Delegations the user holds now (as the delegate), cached on the user object for the request."""
    from django.utils import timezone

    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_pf_delegations", None)
    if cached is not None and now is None:
        return cached
    at = now or timezone.now()
    rows = list(
        Delegation.objects.filter(
            delegate=user, revoked_at__isnull=True, starts_at__lte=at, ends_at__gt=at
        ).select_related("delegator")
    )
    if now is None:
        user._pf_delegations = rows
    return rows


def delegations_json(outer_user_id: str, now) -> RawSQL:
    """The delegations the user holds at `now`, with their delegators (no password), as one JSON
    column for the query that loads the user (`outer_user_id`: that query's SQL for the user id);
    `active_delegations` then costs no query (`delegations_prime`)."""
    at = db_datetime(now)
    return json_rows(
        Delegation,
        related={"delegator": ("id", "username", "first_name", "last_name", "email", "is_active")},
        where=f"t.delegate_id = {outer_user_id} AND t.revoked_at IS NULL"
        " AND t.starts_at <= %s AND t.ends_at > %s",
        params=(at, at),
    )


def delegations_prime(user, rows) -> None:
    """Keep the rows of `delegations_json` as the user's delegations for this request."""
    found = instances(Delegation, rows, related=("delegator",))
    found.sort(key=lambda d: -d.pk)  # Delegation's ordering
    user._pf_delegations = found


def delegation_covers(d, task) -> bool:
    return (
        task.slot in d.slots
        and (not d.task_id or d.task_id == task.pk)
        and (not d.process_id or d.process_id == task.process_id)
    )


def delegated_task_q(user) -> Q:
    """Tasks the user may act on as a delegate now: for each delegation, the delegator's slots
    (narrowed to one process or one task), unclaimed or held by the delegate or the delegator."""
    q = Q(pk__in=[])
    for d in active_delegations(user):
        cond = Q(slot__in=d.slots) & (
            Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claimed_by=d.delegator_id)
        )
        if d.task_id:
            cond &= Q(pk=d.task_id)
        if d.process_id:
            cond &= Q(process_id=d.process_id)
        q |= cond
    return q


def acting_for(user, task) -> User | None:
    """None when the task is in the user's own slots; the holder they act for under a delegation;
    raises Forbidden otherwise."""

    if task.slot in user_slots(user):
        return None
    for d in active_delegations(user):
        if delegation_covers(d, task):
            return d.delegator
    raise Forbidden(_("您不是该任务的办理人。"), code="not_task_holder")


def user_roles_snapshot(user) -> list[dict]:
    """The roles a user holds now."""
    return [{"role": a.role, "organization": a.organization_id} for a in active_assignments(user)]


def acting_roles(
    user, *, task=None, organization: Organization | None = None, on_behalf_of=None
) -> list[dict]:
    """The role(s) in which `user` acts, as recorded in an audit event — not every role they hold.

    On a task: the role giving its lane at the task's organization (the first in ROLE_LANES order:
    a secretary acting in the committee's lane acts as secretary), the member lane as the member
    themself, or — under a delegation — the lane's role `on_behalf_of` the holder. Otherwise
    (starting or cancelling a case, an upload): the roles at `organization` or above it, which
    give authority over it."""
    if task is not None:
        org_id = task.assignee_organization_id
        if task.lane == "member":
            return [{"role": "member", "organization": task.case_organization_id}]
        if on_behalf_of is not None:
            return [
                {
                    "lane": task.lane,
                    "organization": org_id,
                    "on_behalf_of": on_behalf_of.get_username(),
                }
            ]
        held = {a.role for a in active_assignments(user) if a.organization_id == org_id}
        return [
            {"role": str(r), "organization": org_id}
            for r, lanes in ROLE_LANES.items()
            if task.lane in lanes and r in held
        ][:1]
    if organization is None:
        return user_roles_snapshot(user)
    above = set(organization.ancestors_and_self_ids())
    return [
        {"role": a.role, "organization": a.organization_id}
        for a in active_assignments(user)
        if a.organization_id in above
    ]


# What a holder list shows and a notification needs of a user (the rest is loaded if read).
_HOLDER_FIELDS = ("id", "username", "first_name", "last_name", "email", "is_active")


def slot_holders(slots, on=None) -> dict[str, list]:
    """Who holds each slot now: {slot: [users]}. A lane at an organization: the users with an active
    role there whose lanes include it (one query); a member's own slot: that member's user (one more).
    Users are built from the rows with the fields in `_HOLDER_FIELDS` (no model per assignment)."""
    User = get_user_model()
    db = RoleAssignment.objects.db
    users: dict[int, object] = {}

    def user(values):
        if values[0] not in users:
            users[values[0]] = User.from_db(db, _HOLDER_FIELDS, values)
        return users[values[0]]

    wanted: dict[tuple[str, int], str] = {}
    for s in set(slots):
        wanted[parse_slot(s)] = s
    out: dict[str, list] = {s: [] for s in wanted.values()}
    members = {ref: s for (lane, ref), s in wanted.items() if lane == "member"}
    if members:
        for member_id, *values in Member.objects.filter(
            pk__in=members, user__isnull=False, user__is_active=True
        ).values_list("pk", *(f"user__{f}" for f in _HOLDER_FIELDS)):
            out[members[member_id]].append(user(values))
    lanes = {key: s for key, s in wanted.items() if key[0] != "member"}
    if not lanes:
        return out
    on = on or today()
    roles = [
        r for r, role_lanes in ROLE_LANES.items() if any(lane in role_lanes for lane, _o in lanes)
    ]
    rows = (
        RoleAssignment.objects.in_force(on)
        .filter(
            organization_id__in={o for _l, o in lanes},
            role__in=roles,
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("role", "organization_id", *(f"user__{f}" for f in _HOLDER_FIELDS))
    )
    for role, organization_id, *values in rows:
        for lane in ROLE_LANES.get(role, ()):
            s = lanes.get((lane, organization_id))
            if s is not None:
                holder = user(values)
                if holder not in out[s]:
                    out[s].append(holder)
    return out
