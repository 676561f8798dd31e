"""Reads over Party dues: the branch's monthly collection sheet, each member's paid-through month
(党费交至, what transfers and the self-lapse check read) and the remittance summary of a college or
the university by month. Scoped like every other read: out of scope answers not found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from engine.calendar import today
from engine.i18n import _
from organizations.models import Member, Organization
from organizations.rules import deployment_rule_set
from organizations.selectors import organization_in_scope, scope_q

from .dues_services import PAYING, add_months, late_window_start
from .models import DuesAssessment, DuesPayment, DuesRelief, DuesReliefStatus
from .selectors import organizations_recordable

ZERO = Decimal("0.00")


def dues_paid_through(member_ids) -> dict[int, dt.date | None]:
    """Each member's paid-through month (党费交至): the last month of the unbroken run of months
    paid, or exempt by an approved relief, that starts at the member's first recorded payment; None
    when nothing is recorded. Two queries whatever the number of members."""
    ids = list(member_ids)
    paid: dict[int, set] = {}
    for mid, month in DuesPayment.objects.filter(member_id__in=ids).values_list(
        "member_id", "month"
    ):
        paid.setdefault(mid, set()).add(month)
    exempt: dict[int, list] = {}
    for a in DuesAssessment.objects.filter(
        member_id__in=ids, relief=DuesRelief.EXEMPT, relief_status=DuesReliefStatus.APPROVED
    ).only("member_id", "year", "relief", "relief_status", "relief_from", "relief_until"):
        exempt.setdefault(a.member_id, []).append(a)

    def exempt_in(mid, month) -> bool:
        return any(a.year == month.year and a.exempt_in(month) for a in exempt.get(mid, ()))

    out = {}
    for mid in ids:
        months = paid.get(mid)
        if not months:
            out[mid] = None
            continue
        month = min(months)
        last = max(months)
        while True:
            nxt = add_months(month, 1)
            if nxt in months or (nxt <= last and exempt_in(mid, nxt)):
                month = nxt
                continue
            if exempt_in(mid, nxt) and nxt <= today().replace(day=1):
                month = nxt
                continue
            break
        out[mid] = month
    return out


def member_paid_through(member: Member) -> dt.date | None:
    return dues_paid_through([member.pk])[member.pk]


def _branch_for(user, organization_id) -> Organization:
    """A branch whose dues the user may read (its subtree in scope), else not found."""
    return organization_in_scope(user, organization_id)


def dues_collection(user, *, organization_id, month: dt.date) -> dict:
    """The collection sheet of one branch for one month: each paying member (full or
    probationary, the branch's Party groups included) with the year's assessment, the amount due,
    the payment (a 补交 when paid in a later month) and whether the branch may tick it now, the
    paid-through month; the totals; `recordable` when the user keeps the branch's records."""
    branch = _branch_for(user, organization_id)
    month = month.replace(day=1)
    rules = deployment_rule_set()
    now = today()
    earliest = late_window_start(now, rules)
    members = list(
        Member.objects.filter(
            organization__path__startswith=branch.path, status__in=PAYING
        ).order_by("name", "id")
    )
    ids = [m.pk for m in members]
    assessments = {
        a.member_id: a for a in DuesAssessment.objects.filter(member_id__in=ids, year=month.year)
    }
    payments = {p.member_id: p for p in DuesPayment.objects.filter(member_id__in=ids, month=month)}
    through = dues_paid_through(ids)
    recordable = organizations_recordable(user).filter(pk=branch.pk).exists()
    rows, due_total, paid_total, paid_count = [], ZERO, ZERO, 0
    for m in members:
        a, p = assessments.get(m.pk), payments.get(m.pk)
        due = a.due_in(month) if a is not None else None
        if due is not None and not a.exempt_in(month):
            due_total += due
        if p is not None:
            paid_total += p.amount
            paid_count += 1
        if p is not None:
            state, why = "paid", ""
        elif a is None:
            state, why = "not_assessed", _("未核定")
        elif a.exempt_in(month):
            state, why = "exempt", _("免交")
        elif month > now.replace(day=1):
            state, why = "future", _("未到期")
        elif month < earliest:
            state, why = "closed", _("超过补交期限")
        else:
            state, why = "due", ""
        rows.append(
            {
                "member": m,
                "assessment": a,
                "due": due,
                "payment": p,
                "late": p is not None and p.paid_on.replace(day=1) > month,
                "state": state,
                "why": why,
                "can_tick": recordable and state == "due",
                "paid_through": through.get(m.pk),
            }
        )
    return {
        "branch": branch,
        "month": month,
        "rows": rows,
        "due_total": due_total,
        "paid_total": paid_total,
        "paid_count": paid_count,
        "owing_count": sum(1 for r in rows if r["state"] in ("due", "closed")),
        "recordable": recordable,
        "window_from": earliest,
        "window_months": rules.get("dues.late_window_months"),
    }


def dues_assessment_sheet(user, *, organization_id, year: int) -> dict:
    """The branch's 年度核定表 for `year`: each paying member with the assessment, if any."""
    branch = _branch_for(user, organization_id)
    members = list(
        Member.objects.filter(
            organization__path__startswith=branch.path, status__in=PAYING
        ).order_by("name", "id")
    )
    assessments = {
        a.member_id: a
        for a in DuesAssessment.objects.filter(member__in=members, year=year).select_related(
            "relief_decided_by"
        )
    }
    return {
        "branch": branch,
        "year": year,
        "rows": [{"member": m, "assessment": assessments.get(m.pk)} for m in members],
        "recordable": organizations_recordable(user).filter(pk=branch.pk).exists(),
    }


def dues_reliefs_pending(user, *, ids=None) -> list[DuesAssessment]:
    """Relief applications waiting for a committee, in the user's scope (those they may decide are
    the ones `dues_services.may_decide_relief` allows); `ids` limits them to those assessments."""
    qs = DuesAssessment.objects.filter(
        scope_q(user, "member__organization__path"),
        relief_status=DuesReliefStatus.PENDING,
    )
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return list(
        qs.select_related(
            "member", "member__organization", "member__organization__parent"
        ).order_by("member__organization__path", "member__name")
    )


def dues_remittance(user, *, organization_id, year: int) -> dict:
    """The remittance summary of a college's committee or the university (any organization in
    scope) for `year`: for each branch below it, by month (所属月份), the dues collected, the number
    of members who paid and the amount due (应收: each assessment's `due_in` that month, so an
    approved relief reduces exactly its months); totals by month and for the year. Three queries."""
    org = organization_in_scope(user, organization_id)
    branches = list(
        Organization.objects.filter(path__startswith=org.path, kind="branch")
        .select_related("parent")
        .order_by("path")
    )
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    paths = [(b.path, b) for b in branches]

    def branch_of(path: str):
        for p, b in paths:
            if path.startswith(p):
                return b
        return None

    collected: dict[tuple, list] = {}
    for path, month, amount in DuesPayment.objects.filter(
        Q(member__organization__path__startswith=org.path), month__year=year
    ).values_list("member__organization__path", "month", "amount"):
        b = branch_of(path)
        if b is None:
            continue
        cell = collected.setdefault((b.pk, month), [ZERO, 0])
        cell[0] += amount
        cell[1] += 1
    # what each branch owes for each month: each assessment's `due_in` (a relief reduces exactly
    # the months it covers, an exemption makes them 0)
    due: dict[tuple, Decimal] = {}
    for a in DuesAssessment.objects.filter(
        member__organization__path__startswith=org.path,
        member__status__in=PAYING,
        year=year,
    ).select_related("member__organization"):
        b = branch_of(a.member.organization.path)
        if b is None:
            continue
        for m in months:
            due[(b.pk, m)] = due.get((b.pk, m), ZERO) + a.due_in(m)
    rows = []
    month_totals = [[ZERO, 0, ZERO] for _ in months]
    for b in branches:
        cells = []
        for i, m in enumerate(months):
            amount, count = collected.get((b.pk, m), [ZERO, 0])
            owed = due.get((b.pk, m), ZERO)
            cells.append({"month": m, "amount": amount, "count": count, "due": owed})
            month_totals[i][0] += amount
            month_totals[i][1] += count
            month_totals[i][2] += owed
        rows.append(
            {
                "branch": b,
                "college": b.parent.name if b.parent_id and b.parent_id != org.pk else "",
                "year_due": sum((c["due"] for c in cells), ZERO),
                "cells": cells,
                "year_total": sum((c["amount"] for c in cells), ZERO),
            }
        )
    return {
        "organization": org,
        "year": year,
        "months": months,
        "rows": rows,
        "month_totals": [
            {"month": m, "amount": t[0], "count": t[1], "due": t[2]}
            for m, t in zip(months, month_totals, strict=True)
        ],
        "year_due": sum((t[2] for t in month_totals), ZERO),
        "year_total": sum((t[0] for t in month_totals), ZERO),
    }


def dues_rules() -> dict:
    """The dues rules of the deployment's rule set as the dues pages show them: the rule set, and
    each `dues.*` rule with its value, source and whether it is a local or unverified setting (a
    university sets its own in a rule set derived from the national one)."""
    rules = deployment_rule_set()
    return {
        "code": rules.code,
        "title": rules.title,
        "rules": [
            {"name": name, **shown}
            for name, shown in rules.as_dict().items()
            if name.startswith("dues.")
        ],
    }
