"""The standard's view of every branch (P6): each measurable item of a standard set computed from
the records partyflow keeps, per branch and period, with the records that prove it; the matrix
branch × standard (met / partly / not met / no evidence); the low-satisfaction signal of the yearly
weak-branch identification.

Every threshold comes from the standard set's item (`engine.standards`), every period from the item
(semesters from `PARTYFLOW["SEMESTERS"]`, the academic calendar), the survey rules from the rule
set. The indicators, one function each and what records they read, are in `oversight.indicators`.

Items without an indicator are judgement-only: their evidence is reviewed by people in a P6 round,
and the matrix shows the last round's verdict on them (`round_evidence`) with the documents linked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, Q

from engine.calendar import (
    RECORD_YEARS,
    cn_date,
    parse_date,
    period_code_label,
    period_label,
    today,
)
from engine.errors import ValidationFailed
from engine.i18n import _
from engine.standards import INDICATORS, Item, StandardSet
from organizations.models import Member, MemberStatus, Organization, OrgKind, Role, RoleAssignment
from organizations.selectors import committee_basis
from orglife.models import (
    Attendance,
    DuesPayment,
    Meeting,
    Pairing,
    SatisfactionSurvey,
    TrainingAttendance,
    VolunteerService,
)
from orglife.selectors import away_absence
from procedures.model_branch_evaluation import DECISIONS
from workflows.archive import EVENT_TABLES
from workflows.models import Case, CaseStatus, Document

from .indicators import COMPUTE

STATUS_LABELS = {
    "met": _("达标"),
    "partly": _("部分达标"),
    "not_met": _("未达标"),
    "no_evidence": _("无佐证"),
    "due": _("进行中"),
}
COMMITTEE_ROLES = (Role.BRANCH_SECRETARY, Role.BRANCH_DEPUTY_SECRETARY, Role.BRANCH_COMMITTEE)


@dataclass(frozen=True)
class Span:
    """A period an item is counted per: its code (data, URLs: 2026, 2026-Q1, 2026-05, 2026-spring)
    and its label, the words people read (`engine.calendar.period_label`)."""

    code: str
    label: str
    start: dt.date
    end: dt.date


def parse_year(text) -> int:
    """The evaluation period: a calendar year ("2026"); its semesters are those starting in it."""
    t = str(text or "").strip()
    if len(t) == 4 and t.isdigit() and int(t) in RECORD_YEARS:
        return int(t)
    raise ValidationFailed(
        _("周期须为年份，如 2026。"),
        code="invalid_period",
        fields={"period": [_("须为年份，如 2026")]},
    )


def semesters(year: int) -> list[Span]:
    """The semesters starting in `year`, from the academic calendar (PARTYFLOW["SEMESTERS"])."""
    out = []
    for s in settings.PARTYFLOW["SEMESTERS"]:
        sm, sd = map(int, s["start"].split("-"))
        em, ed = map(int, s["end"].split("-"))
        start = dt.date(year, sm, sd)
        end = dt.date(year + ((em, ed) < (sm, sd)), em, ed)
        label = period_label("semester", year, name=s["label"])
        out.append(Span(f"{year}-{s['code']}", label, start, end))
    return sorted(out, key=lambda p: p.start)


def spans(kind: str, year: int) -> list[Span]:
    if kind == "year":
        return [
            Span(str(year), period_label("year", year), dt.date(year, 1, 1), dt.date(year, 12, 31))
        ]
    if kind == "semester":
        return semesters(year)
    if kind == "quarter":
        return [
            Span(
                f"{year}-Q{q}",
                period_label("quarter", year, q),
                dt.date(year, 3 * q - 2, 1),
                (dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)),
            )
            for q in range(1, 5)
        ]
    return [
        Span(
            f"{year}-{m:02d}",
            period_label("month", year, m),
            dt.date(year, m, 1),
            dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1),
        )
        for m in range(1, 13)
    ]


def span_label(code: str) -> str:
    """The words for a span's code as a round's data keeps it (the periods of an item to improve):
    2026-Q1 → 2026年第一季度, 2026-spring → 2026年春季学期 (`engine.calendar.period_code_label`
    with the academic calendar's semesters)."""
    names = {s["code"]: s["label"] for s in settings.PARTYFLOW["SEMESTERS"]}
    return period_code_label(code, semesters=names)


class Records:
    """Every record the indicators of a subtree need for one year, in a fixed number of queries."""

    def __init__(self, branches: list[Organization], year: int, rules, on: dt.date):
        self.branches, self.year, self.rules, self.on = branches, year, rules, on
        self.start = dt.date(year, 1, 1)
        self.end = max([dt.date(year, 12, 31)] + [s.end for s in semesters(year)])
        paths = [b.path for b in branches]
        by_path = {b.path: b.pk for b in branches}
        subtree = Q(pk__in=[])
        for p in paths:
            subtree |= Q(organization__path__startswith=p)

        def branch_of(path: str):
            return next(
                (by_path[p] for p in sorted(by_path, key=len, reverse=True) if path.startswith(p)),
                None,
            )

        self.members = defaultdict(list)
        for m in (
            Member.objects.filter(
                subtree, status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY]
            )
            .select_related("organization")
            .order_by("id")
        ):
            self.members[branch_of(m.organization.path)].append(m)
        self.meetings = defaultdict(list)
        for m in (
            Meeting.objects.filter(subtree, held_on__range=(self.start, self.end))
            .select_related("organization")
            .annotate(
                n_present=Count("attendance", filter=Q(attendance__present=True)),
                n_due=Count("attendance", filter=~away_absence(from_meeting=True)),
            )
            .order_by("held_on", "id")
        ):
            self.meetings[branch_of(m.organization.path)].append(m)
        self.volunteer = defaultdict(list)
        for v in (
            VolunteerService.objects.filter(subtree, served_on__range=(self.start, self.end))
            .select_related("organization", "member")
            .order_by("served_on", "id")
        ):
            self.volunteer[branch_of(v.organization.path)].append(v)
        self.trainings = defaultdict(list)
        for t in (
            TrainingAttendance.objects.filter(subtree, attended_on__range=(self.start, self.end))
            .select_related("organization", "member")
            .order_by("attended_on", "id")
        ):
            self.trainings[branch_of(t.organization.path)].append(t)
        self.pairings = defaultdict(list)
        for p in (
            Pairing.objects.filter(subtree, started_on__lte=self.end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=self.start))
            .select_related("organization", "member")
            .order_by("started_on", "id")
        ):
            self.pairings[branch_of(p.organization.path)].append(p)
        self.surveys = {}
        # A survey counts for its year, or for the year a P6 round evaluated when the round held it.
        in_year = Q(surveyed_on__range=(self.start, dt.date(year, 12, 31))) | Q(
            case__process_id="model_branch_evaluation", case__data__year=year
        )
        for s in (
            SatisfactionSurvey.objects.filter(subtree)
            .filter(in_year)
            .select_related("organization")
            .order_by("surveyed_on", "id")
        ):
            self.surveys[branch_of(s.organization.path)] = s  # the year's latest
        self.paid = set(
            DuesPayment.objects.filter(
                member__in=[m for ms in self.members.values() for m in ms],
                month__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            ).values_list("member_id", "month")
        )
        self.study = defaultdict(Decimal)
        for member_id, hours in Attendance.objects.filter(
            present=True,
            meeting__held_on__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            meeting__hours__isnull=False,
            meeting__kind__in=sorted(rules.get("orglife.study_kinds")),
            member__in=[m for ms in self.members.values() for m in ms],
        ).values_list("member_id", "meeting__hours"):
            self.study[member_id] += hours
        for t in (t for ts in self.trainings.values() for t in ts if t.attended_on.year == year):
            self.study[t.member_id] += t.hours
        ids = [b.pk for b in branches]
        self.committee_basis = committee_basis(branches, rules)
        at = min(on, dt.date(year, 12, 31))
        self.officers = defaultdict(list)  # branch -> [(role, user id)]
        self.officer_names = {}  # user id -> the member's name (the account's, without one)
        for org_id, role, user_id, member_name, first, last in (
            RoleAssignment.objects.in_force(at)
            .filter(organization_id__in=ids, role__in=COMMITTEE_ROLES)
            .values_list(
                "organization_id",
                "role",
                "user_id",
                "user__member__name",
                "user__first_name",
                "user__last_name",
            )
        ):
            self.officers[org_id].append((role, user_id))
            self.officer_names[user_id] = member_name or f"{last}{first}".strip()
        self.reviews = defaultdict(list)
        self.elections = defaultdict(list)
        for case_id, org_id, process, status, data, completed_at in (
            Case.objects.filter(
                organization_id__in=ids, process_id__in=["democratic_review", "branch_election"]
            )
            .exclude(status=CaseStatus.CANCELLED)
            .order_by("id")
            .values_list("pk", "organization_id", "process_id", "status", "data", "completed_at")
        ):
            if (
                process == "democratic_review"
                and data.get("year") == year
                and status == CaseStatus.COMPLETED
            ):
                self.reviews[org_id].append(
                    {
                        "type": "case",
                        "id": case_id,
                        # the day its results were reported (its last recorded step), else
                        # the day the case closed
                        "date": parse_date(data.get("held_on") or completed_at).isoformat(),
                        "label": str(
                            _("%(year)s民主评议党员") % {"year": period_label("year", year)}
                        ),
                    }
                )
            elif process == "branch_election":
                self.elections[org_id].append({"id": case_id, "data": data})
        # the term each election elected, as its effect recorded it (`record_election_result`;
        # an archived case's in the archive table); only an election held is evidence that the
        # branch renewed its term: the next election's case, opened when the results were
        # approved, has elected no one yet
        ids = [e["id"] for es in self.elections.values() for e in es]
        elected = {}
        for table in EVENT_TABLES:
            elected.update(
                table.objects.filter(
                    case_id__in=ids,
                    action="effect_applied",
                    data__operation="record_election_result",
                ).values_list("case_id", "data__result")
            )
        for org_id, es in self.elections.items():
            held = [
                (e, elected[e["id"]]) for e in es if (elected.get(e["id"]) or {}).get("term_end")
            ]
            self.elections[org_id] = sorted(
                (
                    {
                        "type": "case",
                        "id": e["id"],
                        "label": election_label(result),
                        "held_on": parse_date(result["term_start"]),
                        # the term it elected, and the term it renewed (as it stood when the
                        # case began: `branch_election.check_start`)
                        "term": (parse_date(result["term_start"]), parse_date(result["term_end"])),
                        "renewed": tuple(
                            parse_date(e["data"][k]) if e["data"].get(k) else None
                            for k in ("term_start", "term_end")
                        ),
                    }
                    for e, result in held
                ),
                key=lambda e: e["held_on"],
            )


def election_label(elected: dict) -> str:
    """A P2 election held, by its date and the term it elected (what its `record_election_result`
    effect recorded): 换届选举（2026年12月20日，任期至2029年12月20日）."""
    return str(
        _("换届选举（%(d)s，任期至%(e)s）")
        % {"d": cn_date(elected["term_start"]), "e": cn_date(elected["term_end"])}
    )


def _overall(rows: list[dict], records: list) -> str:
    statuses = [r["status"] for r in rows]
    if statuses and all(s == "met" for s in statuses):
        return "met"
    if not records:
        return "no_evidence"
    return "not_met" if "not_met" in statuses else "due"


def compute(item: Item, branch: Organization, rec: Records) -> dict:
    """One measurable item for one branch and year: status, per-period rows, proving records. The
    item's indicator is computed by the function registered for its code (`oversight.indicators`;
    test_every_registered_indicator_is_computed_for_both_sets keeps them in step)."""
    ind = item.indicator
    rows = COMPUTE[ind.code](ind, branch, rec, spans(ind.period, rec.year))
    records = [r for row in rows for r in row.get("records", [])]
    return {
        "item": item.code,
        "text": item.text,
        "indicator": ind.code,
        "indicator_title": str(INDICATORS[ind.code].title),
        "period_kind": ind.period,
        "threshold": ind.threshold,
        "status": _overall(rows, records),
        "periods": rows,
        "records": records,
    }


def round_evidence(branches: list[Organization], year: int) -> dict[int, dict[str, dict]]:
    """{branch id: {item code: {"status", "documents"}}} from the P6 rounds that evaluated `year`:
    the documents each branch linked per item (self-assessment and completion) and, once the
    college review is final, whether the item was accepted (met) or stayed insufficient (not met).
    Two queries whatever the number of branches and rounds."""
    ids = {b.pk for b in branches}
    linked: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    verdicts: dict[int, dict[str, str]] = defaultdict(dict)
    rounds = Case.objects.filter(process_id="model_branch_evaluation", data__year=year).exclude(
        status=CaseStatus.CANCELLED
    )
    for case_id, data in rounds.order_by("id").values_list("pk", "data"):
        entries = [
            (a["branch"], it)
            for a in data.get("self_assessments") or []
            for st in a.get("standards", [])
            for it in st.get("items", [])
        ]
        entries += [(c["branch"], it) for c in data.get("completions") or [] for it in c["items"]]
        for branch, it in entries:
            if branch in ids and it.get("document_ids"):
                linked[branch][it["item"]] += [(d, case_id) for d in it["document_ids"]]
        done = data.get("reviews_done", 0)
        if done >= 2 or (done == 1 and not data.get("send_back")):
            for branch in set(data.get("branch_ids", [])) & ids:
                short = {i["item"] for i in data.get("insufficient", {}).get(str(branch), [])}
                for item in linked[branch]:
                    verdicts[branch][item] = "not_met" if item in short else "met"
                for item in short:
                    verdicts[branch][item] = "not_met"
    docs = {
        d["pk"]: d
        for d in Document.objects.filter(
            pk__in={d for items in linked.values() for ds in items.values() for d, _c in ds}
        ).values("pk", "filename", "case_id")
    }
    out: dict[int, dict[str, dict]] = defaultdict(dict)
    for branch in ids:
        for item in set(linked[branch]) | set(verdicts[branch]):
            out[branch][item] = {
                "status": verdicts[branch].get(item, "no_evidence"),
                "documents": [
                    {
                        "type": "document",
                        "id": d,
                        "label": docs[d]["filename"],
                        "case": docs[d]["case_id"],  # the case that keeps it, not the round
                        "item": item,
                    }
                    for d in dict.fromkeys(d for d, _round in linked[branch].get(item, []))
                    if d in docs
                ],
            }
    return out


def cell_status(statuses: list[str]) -> str:
    """A standard's status from its items' statuses: met when every item is met; partly met only
    when at least one item is met and another is not; with none met, not met as soon as one item is
    not met, still running (`due`) while the periods are open and nothing failed yet, and without
    evidence when nothing was recorded."""
    if not statuses or all(s == "no_evidence" for s in statuses):
        return "no_evidence"
    if all(s == "met" for s in statuses):
        return "met"
    if "met" in statuses:
        return "partly"
    if "not_met" in statuses:
        return "not_met"
    return "due"


def _cell(standard, results: dict, judged: dict) -> dict:
    """A standard for one branch: its measurable items as computed, its judgement-only items as the
    last P6 round's review left them (accepted / insufficient) with the documents linked."""
    measured = [results[i.code] for i in standard.measurable]
    reviewed = [
        {"item": i.code, "text": i.text, "evidence": i.evidence, **judged.get(i.code, {})}
        for i in standard.items
        if i.indicator is None
    ]
    for r in reviewed:
        r.setdefault("status", "no_evidence")
        r.setdefault("documents", [])
    statuses = [r["status"] for r in measured] + [
        r["status"] for r in reviewed if r["status"] != "no_evidence"
    ]
    status = cell_status(statuses)
    return {
        "standard": standard.code,
        "title": standard.title,
        "status": status,
        "label": str(STATUS_LABELS[status]),
        "items": measured,
        "judgement_only": reviewed,
        "documents": [
            d for i in standard.items for d in judged.get(i.code, {}).get("documents", [])
        ],
    }


def periods_text(item: dict) -> str:
    """A measurable item's periods in words: "2026年春季学期 未达标; 2026年秋季学期 达标"."""
    return "; ".join(f"{p['period_display']} {STATUS_LABELS[p['status']]}" for p in item["periods"])


def records_text(item: dict) -> str:
    """The records that prove a measurable item, each with its date: "2026年7月10日 支部党员大会 …"."""
    return "; ".join(f"{cn_date(r.get('date'))} {r['label']}".strip() for r in item["records"])


def documents_text(item: dict) -> str:
    """The documents a judgement-only item was proved with, by file name."""
    return "; ".join(d["label"] for d in item["documents"])


def branch_indicators(
    branches: list[Organization],
    standard_set: StandardSet,
    *,
    year: int,
    rules,
    on: dt.date | None = None,
) -> dict[int, dict[str, dict]]:
    """{branch id: {item code: computed indicator}} for every measurable item of the set."""
    on = on or today()
    rec = Records(branches, year, rules, on)
    return {
        b.pk: {i.code: compute(i, b, rec) for i in standard_set.items if i.indicator is not None}
        for b in branches
    }


def standards_matrix(
    root: Organization, standard_set: StandardSet, *, year: int, rules, on: dt.date | None = None
) -> dict:
    """Branch × standard for the subtree of `root` and the year, each cell with its items and
    records."""
    branches = list(
        Organization.objects.filter(path__startswith=root.path, kind=OrgKind.BRANCH).order_by(
            "path"
        )
    )
    computed = branch_indicators(branches, standard_set, year=year, rules=rules, on=on)
    judged = round_evidence(branches, year)
    return {
        "standard_set": standard_set.code,
        "title": standard_set.title,
        "period": str(year),
        "standards": [
            {"code": s.code, "title": s.title, "category": c.title}
            for c in standard_set.categories
            for s in c.standards
        ],
        "branches": [
            {
                "organization": b.pk,
                "name": b.name,
                "cells": [_cell(s, computed[b.pk], judged[b.pk]) for s in standard_set.standards],
            }
            for b in branches
        ],
    }


def provide_branch_indicators(
    *, organization: Organization, standard_set: StandardSet, year: int, rules, on=None
) -> dict[str, dict]:
    """The hook P6 reads through `workflows.registry.provider("standards.branch_indicators")`."""
    return branch_indicators([organization], standard_set, year=year, rules=rules, on=on)[
        organization.pk
    ]


def satisfaction_signals(branches: list[Organization], *, rules, year: int) -> dict[int, dict]:
    """Low satisfaction (P4 identification): the year's latest survey below
    `remediation.satisfaction_min`."""
    minimum, grades = (
        rules.get("remediation.satisfaction_min"),
        rules.get("survey.satisfied_grades"),
    )
    latest = {}
    for s in SatisfactionSurvey.objects.filter(
        organization__in=branches, surveyed_on__year=year
    ).order_by("surveyed_on", "id"):
        latest[s.organization_id] = s
    out = {}
    for org_id, s in latest.items():
        if s.ballots < rules.get("survey.min_ballots"):
            continue
        rate = Fraction(sum(s.count(g) for g in grades), s.ballots)
        if rate < minimum:
            out[org_id] = {
                "code": "low_satisfaction",
                "evidence": {
                    "year": year,
                    "survey": s.pk,
                    "surveyed_on": s.surveyed_on,
                    "ballots": s.ballots,
                    "rate": round(float(rate) * 100, 1),
                    "required": round(float(minimum) * 100, 1),
                    "rule": rules.describe("remediation.satisfaction_min"),
                },
            }
    return out


DECISION_LABELS = DECISIONS  # the procedure's, where the decision is made


def evaluation_results(root: Organization, *, on: dt.date | None = None) -> list[dict]:
    """The published P6 results of the branches under `root` (示范点名单 and feedback), newest
    first: each with its round, decision, the title's period (and whether it is in force on `on`)
    or the items to improve. Two queries."""
    on = on or today()
    rounds = list(
        Case.objects.filter(process_id="model_branch_evaluation", status=CaseStatus.COMPLETED)
        .order_by("-completed_at", "-id")
        .values_list("pk", "data")
    )
    ids = {r["branch"] for _pk, data in rounds for r in data.get("results", [])}
    under = dict(
        Organization.objects.filter(pk__in=ids, path__startswith=root.path).values_list(
            "pk", "name"
        )
    )
    rows = []
    for pk, data in rounds:
        for r in data.get("results", []):
            if r["branch"] not in under:
                continue
            title = r.get("title")
            rows.append(
                {
                    "organization": r["branch"],
                    "name": under[r["branch"]],
                    "case": pk,
                    "year": data.get("year"),
                    "standard_set": data.get("standard_set"),
                    "standard_set_title": data.get("standard_set_title"),
                    "decided_on": data.get("decided_on"),
                    "decision": r["decision"],
                    "decision_label": str(DECISION_LABELS[r["decision"]]),
                    "title": title,
                    "in_force": bool(title) and title["from"] <= on.isoformat() <= title["until"],
                    "improve": r.get("improve", []),
                    "comment": r.get("comment", ""),
                }
            )
    return rows
