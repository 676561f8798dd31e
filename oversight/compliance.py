"""P5 compliance: for every branch and period (month, quarter, year), each obligation and whether it
is met, due (its period still open) or missed (its period closed unmet), with the records that prove it.

Frequencies and thresholds come from the rule set (`orglife.*`): the university standards (heart-to-
heart talks twice a year, 8 sessions at 90% attendance, 32/56 study hours) differ from the national
rules. Records are the meeting, attendance and dues rows of `orglife`. A handful of queries for a
whole subtree, whatever the number of branches.

Obligations that do not apply to a branch are left out of its rows: the committee meeting where the
branch has no committee (`organizations.selectors.committee_basis`), the Party group meeting where
it has no Party group.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q

from engine.calendar import RECORD_YEARS, month_label, period_label, today
from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.models import Member, MemberStatus, Organization, OrgKind, Role, RoleAssignment
from organizations.selectors import committee_basis
from orglife.models import Attendance, DuesPayment, Meeting, MeetingKind
from orglife.selectors import away_absence

ORDER = {"month": 0, "quarter": 1, "year": 2}
STATUS_LABELS = {
    "met": _("已完成"),
    "due": _("待完成"),
    "at_risk": _("有风险"),
    "missed": _("未完成"),
    "not_applicable": _("不适用"),
}


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    year: int
    index: int  # month 1-12, quarter 1-4, 1 for a year

    @classmethod
    def parse(cls, text) -> Period:
        """ "2026", "2026-Q2" or "2026-05"."""
        t = str(text or "").strip().upper()
        try:
            year, _sep, rest = t.partition("-")
            if len(year) == 4 and year.isdigit() and int(year) in RECORD_YEARS:
                if not rest:
                    return cls("year", int(year), 1)
                if rest.startswith("Q") and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 4:
                    return cls("quarter", int(year), int(rest[1:]))
                if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
                    return cls("month", int(year), int(rest))
        except ValueError:
            pass
        raise ValidationFailed(
            _("周期格式应为 2026、2026-Q2 或 2026-05。"),
            code="invalid_period",
            fields={"period": [_("格式应为 2026、2026-Q2 或 2026-05")]},
        )

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        return cls(
            kind,
            day.year,
            {"month": day.month, "quarter": (day.month - 1) // 3 + 1, "year": 1}[kind],
        )

    @property
    def start(self) -> dt.date:
        month = {"month": self.index, "quarter": 3 * self.index - 2, "year": 1}[self.kind]
        return dt.date(self.year, month, 1)

    @property
    def end(self) -> dt.date:
        last = {"month": self.index, "quarter": 3 * self.index, "year": 12}[self.kind]
        nxt = dt.date(self.year + (last == 12), last % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    def within(self, kind: str) -> list[Period]:
        """The periods of `kind` inside this one (kind no coarser), or the one of `kind` containing it."""
        if ORDER[kind] >= ORDER[self.kind]:
            return [Period.containing(kind, self.start)]
        out, day = [], self.start
        while day <= self.end:
            p = Period.containing(kind, day)
            out.append(p)
            day = p.end + dt.timedelta(days=1)
        return out

    @property
    def label(self) -> str:
        """The period in words (2026年度, 2026年第三季度, 2026年7月); `str()` is its code."""
        return period_label(self.kind, self.year, self.index)

    def __str__(self):
        return {
            "year": f"{self.year}",
            "quarter": f"{self.year}-Q{self.index}",
            "month": f"{self.year}-{self.index:02d}",
        }[self.kind]


def _status(ok: bool, period: Period, on: dt.date) -> str:
    return "met" if ok else ("missed" if period.end < on else "due")


def _overall(statuses: list[str]) -> str:
    for status in ("missed", "at_risk", "due", "met"):
        if status in statuses:
            return status
    return "not_applicable"


def _existed(branch, period: Period) -> bool:
    """Whether the branch existed during some of `period` (between founding and dissolution)."""
    before = branch.founded_on is not None and period.end < branch.founded_on
    after = branch.dissolved_on is not None and period.start > branch.dissolved_on
    return not (before or after)


def _counted(branch, period: Period) -> bool:
    """Whether `period` counts for the branch: it existed for the whole of it. No period that
    began before the branch was founded or ended after it was dissolved is held against it (a
    branch founded in March is not short of a full year's sessions that year)."""
    started = branch.founded_on is None or branch.founded_on <= period.start
    lasted = branch.dissolved_on is None or branch.dissolved_on >= period.end
    return started and lasted


# Meeting obligations: (code, meeting kind, rule name, label)
MEETING_OBLIGATIONS = [
    ("general_meeting", "general_meeting", "orglife.general_meeting", _("支部党员大会")),
    ("committee_meeting", "committee_meeting", "orglife.committee_meeting", _("支委会")),
    ("party_group_meeting", "party_group_meeting", "orglife.party_group_meeting", _("党小组会")),
    ("party_lesson", "party_lesson", "orglife.party_lesson", _("党课")),
    ("themed_party_day", "themed_party_day", "orglife.themed_party_day", _("主题党日")),
    (
        "organizational_life_meeting",
        "organizational_life_meeting",
        "orglife.organizational_life_meeting",
        _("组织生活会"),
    ),
    (
        "democratic_review",
        "democratic_review_meeting",
        "orglife.democratic_review",
        _("民主评议党员"),
    ),
    ("heart_to_heart_talk", "heart_to_heart_talk", "orglife.heart_to_heart_talk", _("谈心谈话")),
]
OTHER_LABELS = {
    "sessions": _("组织生活次数和出勤率"),
    "dues": _("按月交纳党费"),
    "study_hours": _("党员学习学时"),
}
# Obligations counted per member rather than per branch: each member talked with N times a year.
PER_MEMBER = {"heart_to_heart_talk"}
OBLIGATION_LABELS = {**{code: label for code, _k, _r, label in MEETING_OBLIGATIONS}, **OTHER_LABELS}


def _record(m) -> dict:
    return {
        "id": m.pk,
        "kind": m.kind,
        "held_on": m.held_on.isoformat(),
        "title": m.title,
        "present": m.n_present,
        "due": m.n_due,
    }


class _Records:
    """Every record a subtree's table needs, for one year, in five queries."""

    def __init__(self, root: Organization, year: int, rules, on: dt.date, committee_on=None):
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        self.branches = list(
            Organization.objects.filter(path__startswith=root.path, kind=OrgKind.BRANCH).order_by(
                "path"
            )
        )
        ids = {b.pk for b in self.branches}

        def branch_of(path: str):
            return next(
                (int(p) for p in reversed(path.strip("/").split("/")) if int(p) in ids), None
            )

        self.meetings = defaultdict(list)  # branch id -> [meeting]
        for m in (
            Meeting.objects.filter(
                organization__path__startswith=root.path, held_on__range=(start, end)
            )
            .annotate(
                n_present=Count("attendance", filter=Q(attendance__present=True)),
                n_due=Count("attendance", filter=~away_absence(from_meeting=True)),
            )
            .select_related("organization")
            .order_by("held_on", "id")
        ):
            b = branch_of(m.organization.path)
            if b is not None:
                self.meetings[b].append(m)
        self.members = defaultdict(list)
        for mem in (
            Member.objects.filter(
                organization__path__startswith=root.path,
                status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY],
            )
            .select_related("organization")
            .order_by("id")
        ):
            b = branch_of(mem.organization.path)
            if b is not None:
                self.members[b].append(mem)
        self.committee_basis = committee_basis(self.branches, rules)
        # Who was present at committee meetings (the quorum counts committee members) and at talks
        # (counted per member): one query for both.
        self.present_users = defaultdict(set)  # committee meeting id -> user ids present
        self.talks = defaultdict(list)  # member id -> dates of the talks they took part in
        for meeting_id, kind, member_id, user_id, held_on in Attendance.objects.filter(
            present=True,
            meeting__held_on__range=(start, end),
            meeting__kind__in=["committee_meeting", "heart_to_heart_talk"],
            meeting__organization__path__startswith=root.path,
        ).values_list(
            "meeting_id", "meeting__kind", "member_id", "member__user_id", "meeting__held_on"
        ):
            if kind == "committee_meeting" and user_id:
                self.present_users[meeting_id].add(user_id)
            elif kind == "heart_to_heart_talk":
                self.talks[member_id].append(held_on)
        self.paid = set(
            DuesPayment.objects.filter(
                member__organization__path__startswith=root.path, month__range=(start, end)
            ).values_list("member_id", "month")
        )
        self.hours = defaultdict(Decimal)
        for member_id, hours in Attendance.objects.filter(
            present=True,
            meeting__held_on__range=(start, end),
            meeting__hours__isnull=False,
            meeting__kind__in=sorted(rules.get("orglife.study_kinds")),
            meeting__organization__path__startswith=root.path,
        ).values_list("member_id", "meeting__hours"):
            self.hours[member_id] += hours
        # branch -> user ids holding a committee post at the end of the period reported (or
        # today, before it ends): a committee elected after the period does not change it
        self.committee = defaultdict(set)
        self.officer_users = set()
        for org_id, user_id in (
            RoleAssignment.objects.in_force(committee_on or on)
            .filter(
                organization_id__in=ids,
                role__in=[
                    Role.BRANCH_SECRETARY,
                    Role.BRANCH_DEPUTY_SECRETARY,
                    Role.BRANCH_COMMITTEE,
                ],
            )
            .values_list("organization_id", "user_id")
        ):
            self.committee[org_id].add(user_id)
            self.officer_users.add(user_id)
        self.groups = set(
            Organization.objects.filter(
                path__startswith=root.path, kind=OrgKind.PARTY_GROUP
            ).values_list("parent_id", flat=True)
        )


def _meeting_obligation(
    code, kind, rule, label, meetings, period, rules, on, *, counts=None, branch=None
):
    freq = rules.get(rule)
    rows = []
    for sub in period.within(freq.per):
        if branch is not None and not _counted(branch, sub):
            continue
        held = [
            m
            for m in meetings
            if m.kind == kind
            and sub.start <= m.held_on <= sub.end
            and (counts is None or counts(m))
        ]
        rows.append(
            {
                "period": str(sub),
                "status": _status(len(held) >= freq.times, sub, on),
                "count": len(held),
                "required": freq.times,
                "records": [_record(m) for m in held],
            }
        )
    return _obligation(code, label, rule, rules, rows)


def _obligation(code, label, rule, rules, rows, frequency=None) -> dict:
    """One obligation of a branch as the report shows it: the rule set's wording of `rule`, how
    often (the rule's frequency unless `frequency`), its periods and the worst of their statuses."""
    return {
        "code": code,
        "label": str(label),
        "rule": rules.describe(rule),
        "frequency": str(rules.get(rule) if frequency is None else frequency),
        "status": _overall([r["status"] for r in rows]),
        "periods": rows,
    }


def _per_member_obligation(code, rule, label, members, dates_of, period, rules, on, branch) -> dict:
    """An obligation each member must meet (heart-to-heart talks: every member talked with at least
    N times a year, XYTC §4-7): met when no member falls short."""
    freq = rules.get(rule)
    rows = []
    for sub in period.within(freq.per):
        if not _counted(branch, sub):
            continue
        short = []
        for m in members:
            n = sum(1 for d in dates_of(m.pk) if sub.start <= d <= sub.end)
            if n < freq.times:
                short.append({"member": m.pk, "name": m.name, "count": n, "required": freq.times})
        rows.append(
            {
                "period": str(sub),
                "status": _status(not short, sub, on),
                "members": len(members),
                "met": len(members) - len(short),
                "required": freq.times,
                "short": short,
            }
        )
    return _obligation(code, label, rule, rules, rows, frequency=_("每名党员%(f)s") % {"f": freq})


def _sessions_at_risk(
    sub: Period,
    on: dt.date,
    held: int,
    present: int,
    due: int,
    required: int,
    members: int,
    minimum,
) -> bool:
    """An open period whose attendance can no longer reach the minimum: even if every session still
    required were held with all `members` present, the period's rate would stay below it."""
    if sub.end < on or not due:
        return False
    remaining = max(required - held, 1)
    return Fraction(present + remaining * members, due + remaining * members) < minimum


def _branch_row(branch, rec: _Records, period: Period, rules, on: dt.date) -> dict:
    meetings = rec.meetings[branch.pk]
    has_committee = rec.committee_basis[branch.pk].has_committee
    committee = rec.committee[branch.pk]
    quorum = rules.get("orglife.committee_quorum")
    obligations = []
    for code, kind, rule, label in MEETING_OBLIGATIONS:
        if code == "committee_meeting" and not has_committee:
            continue
        if code == "party_group_meeting" and branch.pk not in rec.groups:
            continue
        if code in PER_MEMBER:
            obligations.append(
                _per_member_obligation(
                    code,
                    rule,
                    label,
                    rec.members[branch.pk],
                    lambda mid: rec.talks.get(mid, []),
                    period,
                    rules,
                    on,
                    branch,
                )
            )
            continue
        # A committee meeting counts only with more than half of the committee's members present
        # (BRANCH-2018 Art. 12); others present (members invited) do not count towards it.
        counts = (
            (lambda m: Fraction(len(rec.present_users[m.pk] & committee)) > quorum * len(committee))
            if code == "committee_meeting"
            else None
        )
        obligations.append(
            _meeting_obligation(
                code, kind, rule, label, meetings, period, rules, on, counts=counts, branch=branch
            )
        )

    # Organizational-life sessions: at least N a year with the year's attendance at least the minimum (JSNU).
    freq, minimum, kinds = (
        rules.get("orglife.sessions"),
        rules.get("orglife.sessions_attendance_min"),
        rules.get("orglife.session_kinds"),
    )
    rows = []
    for sub in period.within(freq.per):
        if not _counted(branch, sub):
            continue
        held = [m for m in meetings if m.kind in kinds and sub.start <= m.held_on <= sub.end]
        present, due = sum(m.n_present for m in held), sum(m.n_due for m in held)
        rate = Fraction(present, due) if due else Fraction(0)
        status = _status(len(held) >= freq.times and due > 0 and rate >= minimum, sub, on)
        n_members = len(rec.members[branch.pk])
        if status == "due" and _sessions_at_risk(
            sub, on, len(held), present, due, freq.times, n_members, minimum
        ):
            status = "at_risk"
        rows.append(
            {
                "period": str(sub),
                "status": status,
                "count": len(held),
                "required": freq.times,
                "attendance": round(float(rate) * 100, 1),
                "attendance_required": float(minimum * 100),
                "present": present,
                "due": due,
                "records": [_record(m) for m in held],
            }
        )
    obligations.append(
        _obligation("sessions", OTHER_LABELS["sessions"], "orglife.sessions", rules, rows)
    )

    # Dues: every member, every month (XYTC §5-6).
    freq, members = rules.get("orglife.dues"), rec.members[branch.pk]
    rows = []
    for sub in period.within(freq.per):
        if not _counted(branch, sub):
            continue
        months = [p.start for p in sub.within("month") if _counted(branch, p)]
        unpaid = [
            {
                "member": m.pk,
                "name": m.name,
                "months": [
                    str(Period.containing("month", mo))
                    for mo in months
                    if (m.pk, mo) not in rec.paid
                ],
                "months_display": [month_label(mo) for mo in months if (m.pk, mo) not in rec.paid],
            }
            for m in members
        ]
        unpaid = [u for u in unpaid if u["months"]]
        rows.append(
            {
                "period": str(sub),
                "status": _status(not unpaid, sub, on),
                "members": len(members),
                "paid": len(members) - len(unpaid),
                "unpaid": unpaid,
            }
        )
    obligations.append(_obligation("dues", OTHER_LABELS["dues"], "orglife.dues", rules, rows))

    # Study hours: per member per year; secretaries and committee members need more (XYTC §5-4).
    year = Period("year", period.year, 1)
    need, need_officer = rules.get("orglife.study_hours"), rules.get("orglife.study_hours_officers")
    short = []
    for m in members:
        required = need_officer if m.user_id and m.user_id in rec.committee[branch.pk] else need
        if rec.hours[m.pk] < required:
            short.append(
                {
                    "member": m.pk,
                    "name": m.name,
                    "hours": float(rec.hours[m.pk]),
                    "required": required,
                }
            )
    obligations.append(
        _obligation(
            "study_hours",
            OTHER_LABELS["study_hours"],
            "orglife.study_hours",
            rules,
            [
                {
                    "period": str(year),
                    "status": _status(not short, year, on),
                    "members": len(members),
                    "short": short,
                }
            ],
            frequency=_("每名党员每年%(n)s学时（书记、支委%(m)s学时）")
            % {"n": need, "m": need_officer},
        )
    )
    if not _counted(branch, year):  # a year the branch did not exist for in full
        obligations[-1].update(status="not_applicable", periods=[])
    return {
        "organization": branch.pk,
        "name": branch.name,
        "period": str(period),
        "obligations": obligations,
    }


def compliance_table(
    root: Organization, period: Period, *, rules, on: dt.date | None = None
) -> list[dict]:
    """Per branch under `root`, per obligation: met / due / missed for `period`, with the proving records.
    Yearly obligations asked for a month or quarter are shown for the year that contains it."""
    on = on or today()
    rec = _Records(root, period.year, rules, on, committee_on=min(on, period.end))
    return [
        _with_labels(_branch_row(b, rec, period, rules, on))
        for b in rec.branches
        if _existed(b, period)
    ]


def _with_labels(row: dict) -> dict:
    """Each status, meeting kind and period with its label beside it, for people to read."""

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("period"), str):
                node["period_display"] = Period.parse(node["period"]).label
            if isinstance(node.get("status"), str) and node["status"] in STATUS_LABELS:
                node["status_display"] = str(STATUS_LABELS[node["status"]])
            if isinstance(node.get("kind"), str) and node["kind"] in MeetingKind.values:
                node["kind_display"] = str(MeetingKind(node["kind"]).label)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(row)
    return row


def compliance_by_month(
    root: Organization, months: list[Period], *, rules, on: dt.date | None = None
) -> list[dict]:
    """The trend of the heat map: for each month, per obligation, how many branches met it among
    those judged (met, partly, missed, not met or without evidence; a month still running and an
    obligation that does not apply are left out), each obligation in the month its period closes. One year's records are read once (five queries a
    year), whatever the number of months and branches; a month is judged as the heat map judges
    `?period=<month>`."""
    on = on or today()
    records: dict[int, _Records] = {}
    out = []
    for month in months:
        rec = records.get(month.year)
        if rec is None:
            rec = records[month.year] = _Records(
                root, month.year, rules, on, committee_on=min(on, dt.date(month.year, 12, 31))
            )
        met: dict[str, int] = defaultdict(int)
        judged: dict[str, int] = defaultdict(int)
        for b in rec.branches:
            if not _existed(b, month) or month.start > on:
                continue
            for ob in _branch_row(b, rec, month, rules, on)["obligations"]:
                # an obligation counts in the month its period closes: a monthly one every month,
                # a quarterly one in the quarter's last month, a yearly one in December
                ends = [Period.parse(p["period"]).end for p in ob.get("periods") or []]
                if not ends or not all(month.start <= e <= month.end for e in ends):
                    continue
                if ob["status"] in ("not_applicable", "due"):
                    continue
                judged[ob["code"]] += 1
                met[ob["code"]] += ob["status"] == "met"
        out.append({"period": month, "met": dict(met), "judged": dict(judged)})
    return out
