"""Reads over the organization tree that every scoped endpoint shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from engine.calendar import today
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.i18n import _
from organizations.rules import deployment_rule_set

from .audit import verify_records
from .jsonrows import db_date, instances, json_rows
from .models import (
    CODE_RULE,
    AwayKind,
    Member,
    MemberAway,
    MemberStatus,
    Organization,
    RecordEvent,
    Role,
    RoleAssignment,
)

# Roles that see the subtree of the organization they are held in (read scope).
SCOPE_ROLES = {
    Role.BRANCH_SECRETARY,
    Role.BRANCH_DEPUTY_SECRETARY,
    Role.BRANCH_COMMITTEE,
    Role.COMMITTEE_OFFICER,
    Role.ORG_DEPARTMENT,
    Role.AUDITOR,
}


# Where a request keeps the user's assignments: (the day they are for, the rows).
_ASSIGNMENTS_CACHE = "_pf_active_assignments"


def active_assignments(user, on: dt.date | None = None) -> list[RoleAssignment]:
    """The user's role assignments whose term covers `on` (today in China Standard Time by default)."""
    if user is None or not user.is_authenticated:
        return []
    on = on or today()
    cached = getattr(user, _ASSIGNMENTS_CACHE, None)
    if cached is not None and cached[0] == on:
        return cached[1]
    rows = [
        a
        for a in RoleAssignment.objects.filter(user=user).select_related("organization")
        if a.in_force_on(on)
    ]
    setattr(user, _ASSIGNMENTS_CACHE, (on, rows))
    return rows


def assignments_json(outer_user_id: str, on: dt.date) -> RawSQL:
    """The user's role assignments in force on `on`, with their organizations, as one JSON column
    for the query that loads the user (`outer_user_id`: that query's SQL for the user id); the
    request's `active_assignments` then costs no query (`assignments_prime`)."""
    day = db_date(on)
    return json_rows(
        RoleAssignment,
        related={"organization": None},
        where=f"t.user_id = {outer_user_id} AND (t.term_start IS NULL OR t.term_start <= %s)"
        " AND (t.term_end IS NULL OR t.term_end >= %s)",
        params=(day, day),
    )


def assignments_prime(user, rows, on: dt.date) -> None:
    """Keep the rows of `assignments_json` as the user's assignments on `on` for this request."""
    found = instances(RoleAssignment, rows, related=("organization",))
    found.sort(key=lambda a: a.pk)  # RoleAssignment's ordering (user, id)
    setattr(user, _ASSIGNMENTS_CACHE, (on, found))


def is_org_department(user) -> bool:
    return bool(
        user
        and (
            user.is_superuser
            or any(a.role == Role.ORG_DEPARTMENT for a in active_assignments(user))
        )
    )


def scope_paths(user) -> list[str] | None:
    """Path prefixes of the subtrees the user may read; None means everything (superuser)."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    return sorted({a.organization.path for a in active_assignments(user) if a.role in SCOPE_ROLES})


def subtrees_q(paths, field: str = "organization__path") -> Q:
    """A filter limiting `field` (an organization path) to the subtrees at `paths` (none: nothing)."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def scope_q(user, field: str = "organization__path") -> Q:
    """A filter limiting `field` (an organization path) to the user's subtrees."""
    paths = scope_paths(user)
    return Q() if paths is None else subtrees_q(paths, field)


def organizations_visible(user) -> QuerySet[Organization]:
    """A user sees the subtrees where they hold a role, the ancestors of those, and their own branch."""
    qs = Organization.objects.all()
    paths = scope_paths(user)
    if paths is None:
        return qs
    ids = set()
    for a in active_assignments(user):
        ids.update(a.organization.ancestors_and_self_ids())
    member = getattr(user, "member", None) if user and user.is_authenticated else None
    if member is not None:
        ids.update(member.organization.ancestors_and_self_ids())
    return qs.filter(scope_q(user, "path") | Q(pk__in=ids))


def organizations_manageable(user) -> QuerySet[Organization]:
    """Organizations where the user may start procedures: the subtrees of roles that act (not auditors)."""
    if user is not None and user.is_superuser:
        return Organization.objects.all()
    paths = {
        a.organization.path
        for a in active_assignments(user)
        if a.role in SCOPE_ROLES and a.role != Role.AUDITOR
    }
    return Organization.objects.filter(subtrees_q(paths, "path"))


def root_organization(key: int | str) -> Organization:
    """The root organization (a university) with the id `key` (an int) or the 党组织编码 `key` (a
    root's code is unique among the roots); NotFound otherwise. Whether the caller may act in it
    is the caller's check."""
    qs = Organization.objects.filter(parent__isnull=True)
    found = qs.filter(pk=key).first() if isinstance(key, int) else qs.filter(code=key).first()
    if found is None:
        raise NotFound(_("组织不存在。"), code="organization_not_found")
    return found


def organization_by_code(code: str, *, root: str = "") -> Organization:
    """The organization with the 党组织编码 `code` (the operator's commands name organizations so):
    within the university whose root has the code `root` when given; else a root with that code
    (a root's code is unique among the roots), or the one organization that has it. 党组织编码 is
    unique per university, not per installation (issue 32): a code two universities use, with no
    `root`, is refused naming the rule, never resolved to either."""
    qs = Organization.objects.filter(code=code)
    if root:
        qs = qs.filter(root__code=root, root__parent__isnull=True)
    found = qs.filter(parent__isnull=True).first() if not root else None
    if found is None:
        several = list(qs[:2])
        if len(several) > 1:
            raise ValidationFailed(
                _("党组织编码 %(c)s 在多所高校中都有（%(rule)s）：请同时指定根组织的编码。")
                % {"c": code, "rule": CODE_RULE},
                code="organization_code_ambiguous",
                fields={"root": [_("请指定根组织")]},
            )
        found = several[0] if several else None
    if found is None:
        raise NotFound(_("党组织编码 %(c)s 不存在") % {"c": code}, code="organization_not_found")
    return found


def members_visible(user) -> QuerySet[Member]:
    qs = Member.objects.select_related("organization")
    q = scope_q(user)
    member = getattr(user, "member", None) if user and user.is_authenticated else None
    if member is not None:
        q |= Q(pk=member.pk)
    return qs.filter(q)


def approving_committee_of(org: Organization) -> Organization | None:
    """The nearest ancestor-or-self with approval authority (具有审批权限的基层党委)."""
    ids = org.ancestors_and_self_ids()
    found = {o.id: o for o in Organization.objects.filter(pk__in=ids, has_approval_authority=True)}
    for oid in reversed(ids):
        if oid in found:
            return found[oid]
    return None


def decides_above(user, org: Organization) -> bool:
    """Whether `user` acts for the higher committee of `org`: a committee officer or the
    organization department of its approving committee or above (a superuser too). The rule for
    what the committee approves or records over a branch (relief from dues, a member's status
    events)."""
    if user is not None and user.is_superuser:
        return True
    committee = approving_committee_of(org)
    if committee is None:
        return False
    return any(
        a.role in (Role.COMMITTEE_OFFICER, Role.ORG_DEPARTMENT)
        and committee.path.startswith(a.organization.path)
        for a in active_assignments(user)
    )


def approving_committees_of(orgs: list[Organization]) -> dict[int, Organization]:
    """`approving_committee_of` for many organizations with one query: {organization id: committee}."""
    ids = {oid for org in orgs for oid in org.ancestors_and_self_ids()}
    found = {o.id: o for o in Organization.objects.filter(pk__in=ids, has_approval_authority=True)}
    out = {}
    for org in orgs:
        committee = next(
            (found[oid] for oid in reversed(org.ancestors_and_self_ids()) if oid in found), None
        )
        if committee is not None:
            out[org.pk] = committee
    return out


def root_of(org: Organization) -> Organization:
    ids = org.ancestors_and_self_ids()
    return Organization.objects.get(pk=ids[0]) if ids and ids[0] != org.pk else org


def full_members_with_rights(org: Organization) -> QuerySet[Member]:
    """Members who may vote, elect, stand or introduce: full members with rights intact, in the branch
    and its Party groups."""
    return Member.objects.filter(
        organization__path__startswith=org.path, status=MemberStatus.FULL, rights_suspended=False
    )


class CommitteeBasis(NamedTuple):
    full_members: int  # full members with rights intact, the branch's Party groups counted
    has_committee: bool


def committee_basis(branches: Iterable[Organization], rules) -> dict[int, CommitteeBasis]:
    """{branch id: whether the branch has a committee (支委会), with the count it rests on}, for
    every branch given, in one query.

    The one definition of "has a branch committee" (P2, P4 identification, P5 compliance, P6
    standards): at least `branch.committee_min_full_members` (7, BRANCH-2018 Art. 5) full members
    whose rights are not suspended, counted in the branch and its Party groups, as P2 counts the
    voters of the general meeting (`full_members_with_rights`). Below that the branch has only a
    secretary and the general meeting does the committee's work."""
    branches = list(branches)
    ids = {b.pk for b in branches}
    counts = dict.fromkeys(ids, 0)
    rows = (
        Member.objects.filter(
            subtrees_q([b.path for b in branches]),
            status=MemberStatus.FULL,
            rights_suspended=False,
        )
        .order_by()
        .values_list("organization__path")
        .annotate(n=Count("pk"))
    )
    for path, n in rows:
        # The member's branch: the nearest of the given branches on the organization's path.
        branch = next((int(p) for p in reversed(path.strip("/").split("/")) if int(p) in ids), None)
        if branch is not None:
            counts[branch] += n
    least = rules.get("branch.committee_min_full_members")
    return {pk: CommitteeBasis(n, n >= least) for pk, n in counts.items()}


def branch_members(org: Organization) -> QuerySet[Member]:
    return Member.objects.filter(organization__path__startswith=org.path).order_by("id")


def reapplication_barred_until(person) -> dt.date | None:
    """The day before which `person` may not apply to join again, or None (DISPOSAL-2024: a person
    advised to withdraw or struck off may not rejoin for `disposal.rejoin_ban`, 5 years).

    `person` is a Member, or an ID-card number: every member record with that number counts, so a
    new application under a new record is caught too."""

    if isinstance(person, Member):
        q = Q(pk=person.pk) | (Q(id_number=person.id_number) if person.id_number else Q(pk__in=[]))
    else:
        if not person:
            return None
        q = Q(id_number=str(person))
    left = (
        Member.objects.filter(
            q, status__in=[MemberStatus.REMOVED, MemberStatus.WITHDRAWN], left_on__isnull=False
        )
        .order_by("-left_on")
        .values_list("left_on", flat=True)
        .first()
    )
    if left is None:
        return None
    until = deployment_rule_set().get("disposal.rejoin_ban").add_to(left)
    return until if until > today() else None


def organization_in_scope(user, organization_id) -> Organization:
    """An organization whose subtree the user may read; anything else is not found."""
    try:
        return Organization.objects.filter(scope_q(user, "path")).get(pk=int(organization_id))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("组织不存在。"), code="organization_not_found") from None


def record_log(
    user, *, entity: str | None = None, entity_id: int | None = None, limit: int = 500
) -> dict:
    """The organization-level audit log for the organization department (others: Forbidden): the
    newest `limit` events (of one record when `entity`/`entity_id` are given), each with the name of
    the organization concerned, and the verification of the whole chain."""
    if not is_org_department(user):
        raise Forbidden(_("只有组织部可以查看审计日志。"), code="record_log_not_allowed")
    qs = RecordEvent.objects.order_by("-id")
    if entity:
        qs = qs.filter(entity=entity)
    if entity_id is not None:
        qs = qs.filter(entity_id=entity_id)
    events = list(qs[:limit])
    names = dict(
        Organization.objects.filter(
            pk__in={e.organization_id for e in events if e.organization_id}
        ).values_list("pk", "name")
    )
    for e in events:
        e.organization_name = names.get(e.organization_id, "")
    return {"verification": verify_records().as_dict(), "events": events}


def away_labels(member_ids, *, on: dt.date) -> dict[int, str]:
    """{member id: what the roster says of a member registered mobile or abroad on `on`}, e.g.
    "流动党员（上海市浦东新区）"; members not away are absent. One query."""
    return {
        a.member_id: away_label(a)
        for a in MemberAway.objects.on(on).filter(member_id__in=list(member_ids))
    }


def away_label(away: MemberAway) -> str:
    return f"{away.get_kind_display()}（{away.place}）"


def away_prefetch(on: dt.date) -> Prefetch:
    """Members' registrations in force on `on` as `member.away_now` (a list), for `member_away`."""
    return Prefetch("away_periods", queryset=MemberAway.objects.on(on), to_attr="away_now")


def away_history(member: Member) -> list[MemberAway]:
    """The member's registrations away, newest first, each with its 活动证 checks (oldest first)
    as `card_checks.all()`: two queries."""
    return list(
        MemberAway.objects.filter(member=member)
        .prefetch_related("card_checks")
        .order_by("-started_on", "-id")
    )


def mobile_card_checks(organization: Organization, year: int) -> list[dict]:
    """The yearly check of the 活动证 (FORM-2006: with the democratic review) for `year`: each
    mobile member of the branch (its Party groups included) registered at some time in the year,
    with his checks dated in it (an empty list: not checked). Two queries."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    periods = (
        MemberAway.objects.filter(
            member__organization__path__startswith=organization.path,
            kind=AwayKind.MOBILE,
            started_on__lte=last,
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .select_related("member")
        .prefetch_related("card_checks")
        .order_by("member__name", "started_on")
    )
    return [
        {
            "member": {"id": p.member_id, "name": p.member.name},
            "card_no": p.card_no,
            "checked_on": [
                c.checked_on.isoformat()
                for c in p.card_checks.all()
                if first <= c.checked_on <= last
            ],
        }
        for p in periods
    ]


def member_away(member: Member) -> str:
    """`away_labels` of one member today: from `away_prefetch` when the query had it."""
    periods = getattr(member, "away_now", None)
    if periods is None:
        return away_labels([member.pk], on=today()).get(member.pk, "")
    return away_label(periods[0]) if periods else ""
