"""Reads: each branch's committee term, and the identification of weak branches (P4 step 1) with the
evidence for every signal. Thresholds come from the rule set."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q, QuerySet

from engine.calendar import today
from engine.i18n import _
from organizations.models import (
    CommitteePost,
    Organization,
    OrgKind,
    Role,
    RoleAssignment,
)
from organizations.rules import deployment_rule_set
from organizations.selectors import committee_basis, scope_q
from orglife.selectors import dues_not_judged
from procedures.weak_branch_remediation.models import WeakBranchListing

from .standards import satisfaction_signals

SIGNAL_LABELS = {
    "secretary_vacant": _("书记空缺"),
    "committee_incomplete": _("班子不健全"),
    "term_overdue": _("超期未换届"),
    "organizational_life_missed": _("组织生活不正常"),
    "democratic_review_missing": _("未开展民主评议"),
    "low_satisfaction": _("群众满意度低"),
}
# Obligations whose miss in the last full year is the "organizational life missed" signal (P5).
ORGANIZATIONAL_LIFE = (
    "general_meeting",
    "committee_meeting",
    "party_group_meeting",
    "party_lesson",
    "themed_party_day",
    "organizational_life_meeting",
    "sessions",
)
COMMITTEE_ROLES = (Role.BRANCH_SECRETARY, Role.BRANCH_DEPUTY_SECRETARY, Role.BRANCH_COMMITTEE)
# The post of an assignment recorded before posts were (the secretary's and deputy's are implied).
IMPLIED_POSTS = {
    Role.BRANCH_SECRETARY: CommitteePost.SECRETARY,
    Role.BRANCH_DEPUTY_SECRETARY: CommitteePost.DEPUTY_SECRETARY,
}


def branches_under(org: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(path__startswith=org.path, kind=OrgKind.BRANCH).order_by(
        "path"
    )


def branch_terms(org: Organization, *, on: dt.date | None = None) -> list[dict]:
    """Every branch in the subtree with its committee term and whether it is overdue (BRANCH-2018
    Art. 21), and since when it keeps its dues in partyflow: `dues_judged` is false where the
    self-lapse check cannot judge its members on dues today (`orglife.selectors.dues_not_judged`)."""
    on = on or today()
    branches = list(branches_under(org))
    unjudged = {
        r["organization"]
        for r in dues_not_judged(
            branches, on=on, months=deployment_rule_set().get("self_lapse.months")
        )
    }
    rows = []
    for b in branches:
        overdue = b.term_end is not None and b.term_end < on
        rows.append(
            {
                "organization": b.pk,
                "name": b.name,
                "term_start": b.term_start,
                "term_end": b.term_end,
                "overdue": overdue,
                "days_overdue": (on - b.term_end).days if overdue else 0,
                "days_left": (b.term_end - on).days if b.term_end and not overdue else None,
                "dues_tracked_since": b.dues_tracked_since,
                "dues_judged": b.pk not in unjudged,
            }
        )
    return rows


def branch_signals(branches: list[Organization], *, rules, on: dt.date) -> dict[int, list[dict]]:
    """{branch id: [signal]} for the organization-data signals; each signal names its evidence.
    Three queries whatever the number of branches."""
    ids = [b.pk for b in branches]
    terms = {b.pk: b.term_start for b in branches}
    officers, elected = defaultdict(list), defaultdict(list)
    for a in (
        RoleAssignment.objects.begun_by(on)
        .filter(organization_id__in=ids, role__in=COMMITTEE_ROLES)
        .select_related("user")
        .order_by("organization_id", "role", "id")
    ):
        active = a.in_force_on(on)
        if active:
            holder = {
                "role": a.role,
                "role_display": str(a.get_role_display()),
                "post": a.post,
                "post_display": str(a.get_post_display()),
                "user": a.user.get_username(),
                "term_end": a.term_end,
            }
            officers[a.organization_id].append(holder)
        # The seats elected for the current term: the assignments that began with it.
        if terms[a.organization_id] is not None and a.term_start == terms[a.organization_id]:
            elected[a.organization_id].append((a, active))
    last_secretary = {}
    for a in RoleAssignment.objects.filter(
        organization_id__in=ids, role=Role.BRANCH_SECRETARY, term_end__lt=on
    ).order_by("term_end"):
        last_secretary[a.organization_id] = a.term_end
    basis = committee_basis(branches, rules)
    committee_min = rules.get("branch.committee_size_min")
    out = {}
    for b in branches:
        signals, held = [], officers[b.pk]
        if not any(o["role"] == Role.BRANCH_SECRETARY for o in held):
            signals.append(
                {
                    "code": "secretary_vacant",
                    "evidence": {
                        "secretary": None,
                        "last_secretary_term_end": last_secretary.get(b.pk),
                    },
                }
            )
        seats = len({a.user_id for a, _active in elected[b.pk]})
        # A branch with a committee (`committee_basis`): fewer holders than seats elected for the
        # term, or fewer than a committee needs. Without one, a vacant secretary is
        # `secretary_vacant`.
        if basis[b.pk].has_committee and (len(held) < seats or len(held) < committee_min):
            signals.append(
                {
                    "code": "committee_incomplete",
                    "evidence": {
                        "full_members": basis[b.pk].full_members,
                        "committee_members": len(held),
                        "seats": seats,
                        "required": max(seats, committee_min),
                        "rule": rules.describe("branch.committee_size_min"),
                        "holders": held,
                        "empty_posts": _empty_posts(elected[b.pk], held),
                    },
                }
            )
        if b.term_end is not None and b.term_end < on:
            signals.append(
                {
                    "code": "term_overdue",
                    "evidence": {
                        "term_start": b.term_start,
                        "term_end": b.term_end,
                        "days_overdue": (on - b.term_end).days,
                    },
                }
            )
        for s in signals:
            s["label"] = str(SIGNAL_LABELS[s["code"]])
        out[b.pk] = signals
    return out


def _empty_posts(elected: list, held: list[dict]) -> list[dict]:
    """The posts elected for the term whose holder has left and that nobody holds now (书记,
    组织委员 …; a seat without a named post is 委员)."""
    held_posts = {h["post"] for h in held if h["post"]}
    out = []
    for a, active in elected:
        post = a.post or IMPLIED_POSTS.get(a.role, CommitteePost.MEMBER)
        if not active and (post == CommitteePost.MEMBER or post not in held_posts):
            out.append(
                {
                    "post": str(post),
                    "post_display": str(CommitteePost(post).label),
                    "last_holder": a.user.get_username(),
                    "left_on": a.term_end,
                }
            )
    return out


def records_signals(org: Organization, *, rules, on: dt.date) -> dict[int, list[dict]]:
    """{branch id: [signal]} from the P5 records of the last full year: organizational life missed
    (which obligations, in which periods) and no democratic review."""
    from .compliance import Period, compliance_table

    year = Period("year", on.year - 1, 1)
    out = defaultdict(list)
    for row in compliance_table(org, year, rules=rules, on=on):
        missed = {ob["code"]: ob for ob in row["obligations"] if ob["status"] == "missed"}
        life = [
            {
                "obligation": code,
                "label": missed[code]["label"],
                "frequency": missed[code]["frequency"],
                "missed": [p["period"] for p in missed[code]["periods"] if p["status"] == "missed"],
            }
            for code in ORGANIZATIONAL_LIFE
            if code in missed
        ]
        if life:
            out[row["organization"]].append(
                {
                    "code": "organizational_life_missed",
                    "evidence": {"year": year.year, "obligations": life},
                }
            )
        if "democratic_review" in missed:
            out[row["organization"]].append(
                {
                    "code": "democratic_review_missing",
                    "evidence": {
                        "year": year.year,
                        "records": missed["democratic_review"]["periods"][0]["records"],
                    },
                }
            )
    return out


def weak_branch_identification(
    org: Organization, *, rules, on: dt.date | None = None
) -> list[dict]:
    """P4 step 1 (排查): the branches in the subtree with at least one signal, each with its evidence,
    and whether the branch is already on the weak-branch list."""
    on = on or today()
    # Only branches that exist on `on`: founded by then and not dissolved.
    branches = list(
        branches_under(org)
        .filter(Q(founded_on__isnull=True) | Q(founded_on__lte=on))
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=on))
    )
    signals = branch_signals(branches, rules=rules, on=on)
    # Low satisfaction (< remediation.satisfaction_min in last year's survey), from the P6 surveys.
    for branch_id, signal in satisfaction_signals(branches, rules=rules, year=on.year - 1).items():
        label = str(SIGNAL_LABELS[signal["code"]])
        signals.setdefault(branch_id, []).append({**signal, "label": label})
    for branch_id, extra in records_signals(org, rules=rules, on=on).items():
        if branch_id not in signals:
            continue
        for s in extra:
            s["label"] = str(SIGNAL_LABELS[s["code"]])
        signals.setdefault(branch_id, []).extend(extra)
    listed = set(
        WeakBranchListing.objects.filter(organization__in=branches, status="listed").values_list(
            "organization_id", flat=True
        )
    )
    return [
        {
            "organization": b.pk,
            "name": b.name,
            "path": b.path,
            "listed": b.pk in listed,
            "signals": signals[b.pk],
        }
        for b in branches
        if signals[b.pk]
    ]


def weak_branches(user, *, organization: Organization | None = None) -> QuerySet[WeakBranchListing]:
    qs = WeakBranchListing.objects.filter(scope_q(user)).select_related("organization")
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    return qs
