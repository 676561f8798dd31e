"""The indicators of the standard sets (P6), one function each, registered by indicator code
(`@indicator("code")`) the way procedures register their checks; `oversight.standards.compute`
dispatches to them. Each takes the item's indicator (thresholds), the branch, the year's records
(`oversight.standards.Records`) and the periods the item is counted per, and returns one row per
period: its status and the records that prove it.

Indicators and the records they read:

  term_on_time            the term in force at the period's end: P2 elections held, else the branch
  committee_complete      committee role assignments vs full members (branch.committee_* rules)
  org_life_sessions       orglife meetings of `orglife.session_kinds` with their attendance rows
  meetings_held           orglife meetings of the given kinds (Party lesson / seminar, themed day)
  secretary_training      orglife training records of the branch secretary
  secretary_party_lesson  orglife Party lessons whose lecturer is the secretary
  committee_pairing       orglife pairing records of each committee member
  volunteer_service       orglife volunteer-service records of each member
  study_hours             attendance at study kinds (hours) + training hours of each member
  dues_paid               orglife dues payments, every member every month
  democratic_review_held  a completed P3 case for the year, or a democratic-review meeting record
  satisfaction            the year's latest satisfaction survey tallies (orglife)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from engine.calendar import cn_date, month_label
from engine.i18n import _
from engine.standards import Indicator
from organizations.models import BRANCH_COMMITTEE_ROLES, Member, Organization, Role

if TYPE_CHECKING:  # standards imports this module to dispatch: the types only, not a cycle
    from .standards import Records, Span

Compute = Callable[[Indicator, Organization, "Records", "list[Span]"], list[dict]]
# Indicator code -> its function; `engine.standards.INDICATORS` lists the codes a set may use.
COMPUTE: dict[str, Compute] = {}


def indicator(code: str) -> Callable[[Compute], Compute]:
    """Register the function that computes indicator `code`."""

    def register(fn: Compute) -> Compute:
        COMPUTE[code] = fn
        return fn

    return register


def _within(p: Span, day: dt.date) -> bool:
    return p.start <= day <= p.end


def _meeting_ref(m) -> dict:
    return {
        "type": "meeting",
        "id": m.pk,
        "date": m.held_on.isoformat(),
        "kind": m.kind,
        # the kind, then the title unless it already opens with the kind (主题党日：…)
        "label": m.title
        if m.title.startswith(m.get_kind_display())
        else f"{m.get_kind_display()} {m.title}".strip(),
        "present": m.n_present,
        "due": m.n_due,
    }


def _member_ref(kind: str, row, day: dt.date, label: str) -> dict:
    """A record of what one member did (a training, a pairing, volunteering): the matrix's cell
    links it to the member's record (`member`)."""
    return {
        "type": kind,
        "id": row.pk,
        "member": row.member_id,
        "date": day.isoformat(),
        "label": label,
    }


def _period_rows(periods: list[Span], on: dt.date, counted) -> list[dict]:
    """[{period, status, count, records…}] with `counted(span) -> (ok, detail dict)`."""
    rows = []
    for p in periods:
        ok, detail = counted(p)
        rows.append(
            {
                "period": p.code,
                "period_display": p.label,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "status": "met" if ok else ("due" if p.end >= on else "not_met"),
                **detail,
            }
        )
    return rows


def _secretary_members(rec: Records, branch) -> list[Member]:
    users = {u for role, u in rec.officers[branch.pk] if role == Role.BRANCH_SECRETARY}
    return [m for m in rec.members[branch.pk] if m.user_id in users]


def _committee_members(rec: Records, branch) -> list[Member]:
    users = {u for _r, u in rec.officers[branch.pk]}
    return [m for m in rec.members[branch.pk] if m.user_id in users]


@indicator("meetings_held")
def meetings_held(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """At least `min` meetings of the given `kinds` per period (a Party lesson or theory
    seminar, a themed Party day … per semester: JSNU, source 001), from the orglife meetings."""
    meetings = rec.meetings[branch.pk]
    kinds, need = set(ind.param("kinds")), ind.param("min")

    def counted(p):
        held = [m for m in meetings if m.kind in kinds and _within(p, m.held_on)]
        return len(held) >= need, {
            "count": len(held),
            "required": need,
            "records": [_meeting_ref(m) for m in held],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("org_life_sessions")
def org_life_sessions(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """At least `min_sessions` organizational-life sessions (`orglife.session_kinds`) with the
    attendance of their rows at least `min_attendance` (8 a year at 90%: JSNU)."""
    rules = rec.rules
    meetings = rec.meetings[branch.pk]
    need, minimum, kinds = (
        ind.param("min_sessions"),
        ind.param("min_attendance"),
        rules.get("orglife.session_kinds"),
    )

    def counted(p):
        held = [m for m in meetings if m.kind in kinds and _within(p, m.held_on)]
        present, due = sum(m.n_present for m in held), sum(m.n_due for m in held)
        rate = Fraction(present, due) if due else Fraction(0)
        return len(held) >= need and due > 0 and rate >= minimum, {
            "count": len(held),
            "required": need,
            "attendance": round(float(rate) * 100, 1),
            "attendance_required": round(float(minimum) * 100, 1),
            "records": [_meeting_ref(m) for m in held],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("secretary_training")
def secretary_training(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """The branch secretary attends at least `min` trainings per period (one a semester: JSNU),
    from the orglife training records of the secretary in office."""
    need, secretaries = ind.param("min"), {m.pk for m in _secretary_members(rec, branch)}

    def counted(p):
        done = [
            t
            for t in rec.trainings[branch.pk]
            if t.member_id in secretaries and _within(p, t.attended_on)
        ]
        return bool(secretaries) and len(done) >= need, {
            "count": len(done),
            "required": need,
            "records": [
                _member_ref("training", t, t.attended_on, f"{t.member.name} {t.title}")
                for t in done
            ],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("secretary_party_lesson")
def secretary_party_lesson(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """The branch secretary gives at least `min` Party lessons (one a year: JSNU, XYTC §4-3):
    orglife Party lessons whose lecturer is the secretary."""
    meetings = rec.meetings[branch.pk]
    need, secretaries = ind.param("min"), {m.pk for m in _secretary_members(rec, branch)}

    def counted(p):
        given = [
            m
            for m in meetings
            if m.kind == "party_lesson" and m.lecturer_id in secretaries and _within(p, m.held_on)
        ]
        return len(given) >= need, {
            "count": len(given),
            "required": need,
            "records": [_meeting_ref(m) for m in given],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("committee_pairing")
def committee_pairing(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """Each committee member is paired with at least `min_per_member` teachers or students
    (JSNU): the orglife pairing records running in the period."""
    need, committee = ind.param("min_per_member"), _committee_members(rec, branch)

    def counted(p):
        short, refs = [], []
        for m in committee:
            mine = [
                x
                for x in rec.pairings[branch.pk]
                if x.member_id == m.pk
                and x.started_on <= p.end
                and (x.ended_on is None or x.ended_on >= p.start)
            ]
            refs += [
                _member_ref(
                    "pairing",
                    x,
                    x.started_on,
                    f"{m.name} ↔ {x.partner_name}（{x.get_partner_kind_display()}）",
                )
                for x in mine
            ]
            if len(mine) < need:
                short.append({"member": m.pk, "name": m.name, "count": len(mine), "required": need})
        return bool(committee) and not short, {"short": short, "records": refs}

    return _period_rows(periods, rec.on, counted)


@indicator("volunteer_service")
def volunteer_service(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """Each member does volunteer service at least `min_per_member` times a period (once a
    quarter: JSNU), from the orglife volunteer-service records."""
    members = rec.members[branch.pk]
    need = ind.param("min_per_member")

    def counted(p):
        done = [v for v in rec.volunteer[branch.pk] if _within(p, v.served_on)]
        per = defaultdict(int)
        for v in done:
            per[v.member_id] += 1
        short = [
            {"member": m.pk, "name": m.name, "count": per[m.pk], "required": need}
            for m in members
            if per[m.pk] < need
        ]
        return bool(members) and not short, {
            "short": short,
            "records": [
                _member_ref("volunteer_service", v, v.served_on, f"{v.member.name} {v.activity}")
                for v in done
            ],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("study_hours")
def study_hours(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """Each member studies at least `hours` a year, secretaries and committee members
    `hours_officers` (32 / 56: XYTC §5-4): attendance at `orglife.study_kinds` plus training hours."""
    members = rec.members[branch.pk]
    need, need_officer = ind.param("hours"), ind.param("hours_officers")
    officers = {m.pk for m in _committee_members(rec, branch)}

    def counted(p):
        short = [
            {
                "member": m.pk,
                "name": m.name,
                "hours": float(rec.study[m.pk]),
                "required": need_officer if m.pk in officers else need,
            }
            for m in members
            if rec.study[m.pk] < (need_officer if m.pk in officers else need)
        ]
        return bool(members) and not short, {
            "short": short,
            "records": [
                {
                    "type": "study_hours",
                    "id": m.pk,
                    "label": f"{m.name} {float(rec.study[m.pk])}",
                }
                for m in members
                if rec.study[m.pk]
            ],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("dues_paid")
def dues_paid(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """Every member pays dues every month of the year up to the period's end (XYTC §5-6), from
    the orglife dues payments."""
    on = rec.on
    year = rec.year
    members = rec.members[branch.pk]

    def counted(p):
        months = [
            dt.date(year, mo, 1) for mo in range(1, 13) if dt.date(year, mo, 1) <= min(p.end, on)
        ]
        unpaid = [
            {
                "member": m.pk,
                "name": m.name,
                "months": [mo.strftime("%Y-%m") for mo in months if (m.pk, mo) not in rec.paid],
                "months_display": [month_label(mo) for mo in months if (m.pk, mo) not in rec.paid],
            }
            for m in members
        ]
        unpaid = [u for u in unpaid if u["months"]]
        paid = []
        for m in members:
            n = len({(m.pk, mo) for mo in months} & rec.paid)
            paid.append({"type": "dues", "id": m.pk, "label": f"{m.name} {n}/{len(months)}"})
        return bool(members) and not unpaid, {
            "unpaid": unpaid,
            "records": paid if rec.paid & {(m.pk, mo) for m in members for mo in months} else [],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("democratic_review_held")
def democratic_review_held(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """A democratic review held in the year (P3, BRANCH-2018): a completed P3 case, or a
    democratic-review meeting record."""
    meetings = rec.meetings[branch.pk]

    def counted(p):
        refs = list(rec.reviews[branch.pk])
        refs += [
            _meeting_ref(m)
            for m in meetings
            if m.kind == "democratic_review_meeting" and _within(p, m.held_on)
        ]
        return bool(refs), {"records": refs}

    return _period_rows(periods, rec.on, counted)


def term_in_force(branch: Organization, elections: list[dict], day: dt.date) -> tuple:
    """(term_start, term_end) of the branch's committee on `day`, from its records: the term the
    last election held by then elected; before its first recorded election, the term that
    election renewed; with no election recorded, the term on the branch's record."""
    held = [e for e in elections if e["held_on"] <= day]
    if held:
        return held[-1]["term"]
    if elections:
        return elections[0]["renewed"]
    return branch.term_start, branch.term_end


@indicator("term_on_time")
def term_on_time(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """The committee's term in force at the period's end (or today) has not ended by then,
    BRANCH-2018 Art. 21. Its records: that term and the P2 elections held by the period's end (an
    election not held yet, or held later, proves nothing of the period)."""
    on = rec.on
    elections = rec.elections[branch.pk]

    def counted(p):
        day = min(p.end, on)
        term_start, term_end = term_in_force(branch, elections, day)
        refs = [
            {"type": e["type"], "id": e["id"], "label": e["label"]}
            for e in elections
            if e["held_on"] <= p.end
        ]
        if term_end is not None:
            refs.insert(
                0,
                {
                    "type": "organization",
                    "id": branch.pk,
                    "label": str(
                        _("任期 %(s)s至%(e)s")
                        % {"s": cn_date(term_start) or "—", "e": cn_date(term_end)}
                    ),
                },
            )
        ok = term_end is not None and term_end >= day
        return ok, {
            "term_start": term_start.isoformat() if term_start else None,
            "term_end": term_end.isoformat() if term_end else None,
            "records": refs,
        }

    return _period_rows(periods, rec.on, counted)


@indicator("committee_complete")
def committee_complete(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """A secretary in office, and a committee of at least `branch.committee_size_min` where the
    branch has a committee (`organizations.selectors.committee_basis`), BRANCH-2018 Art. 5."""
    rules = rec.rules
    full, needs_committee = rec.committee_basis[branch.pk]

    def counted(p):
        held = rec.officers[branch.pk]
        has_secretary = any(r == Role.BRANCH_SECRETARY for r, _u in held)
        required = rules.get("branch.committee_size_min") if needs_committee else 1
        return has_secretary and len(held) >= required, {
            "count": len(held),
            "required": required,
            "full_members": full,
            # who holds which post, by name, the secretary first
            "records": [
                {
                    "type": "role",
                    "id": u,
                    "label": f"{Role(r).label} {rec.officer_names[u]}".strip(),
                }
                for r, u in sorted(held, key=lambda h: BRANCH_COMMITTEE_ROLES.index(h[0]))
            ],
        }

    return _period_rows(periods, rec.on, counted)


@indicator("satisfaction")
def satisfaction(
    ind: Indicator, branch: Organization, rec: Records, periods: list[Span]
) -> list[dict]:
    """Satisfaction of members and staff at least `min_rate` (90%: JSNU) in the year's latest
    survey with at least `survey.min_ballots` ballots; grades `survey.satisfied_grades` count."""
    rules = rec.rules
    minimum, grades = ind.param("min_rate"), rules.get("survey.satisfied_grades")

    def counted(p):
        s = rec.surveys.get(branch.pk)
        if s is None or s.ballots < rules.get("survey.min_ballots"):
            return False, {"records": []}
        rate = Fraction(sum(s.count(g) for g in grades), s.ballots)
        return rate >= minimum, {
            "rate": round(float(rate) * 100, 1),
            "required": round(float(minimum) * 100, 1),
            "ballots": s.ballots,
            "records": [
                {
                    "type": "satisfaction_survey",
                    "id": s.pk,
                    "case": s.case_id,
                    "date": s.surveyed_on.isoformat(),
                    "label": s.title or str(_("满意度测评")),
                }
            ],
        }

    return _period_rows(periods, rec.on, counted)
