"""The records the tables are computed from, read in a few queries into plain rows, so the
computation (`tables.compute`) is plain Python over them and a benchmark can feed it a province.

Each person's dated events are derived here, once:
- entry into the organization's count: the 组织关系转入 date when there is one (an increase by
  转入), else the admission date (发展党员) counted per S3 (`admission_counted_on`);
- exit: 除名/自行脱党 and 劝退 on `left_on`, 取消预备党员资格 on its status change (else `left_on`);
  a record whose status says the person left without a date has no dated decrease: the person is
  counted before today and not after, so the year's check (C1, cell 17) names them.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import Q

from engine.calendar import parse_date
from organizations.models import LostContact, Member, MemberStatus, Organization, OrgKind
from procedures.member_development.models import StatusChange, StatusEvent
from workflows.actions import AuditAction
from workflows.archive import EVENT_TABLES
from workflows.models import Case, CaseStatus
from workflows.selectors import step_date

from .config import ADMISSION_BY_APPROVAL, StatisticsConfig

IN_PARTY = (MemberStatus.FULL.value, MemberStatus.PROBATIONARY.value)
# Left the Party (出党) or, for the transfer, left this subtree's rolls (转出组织关系, P7): each a dated
# decrease of the year (`left_on`).
TRANSFERRED_OUT = MemberStatus.TRANSFERRED_OUT.value
LEFT = (
    MemberStatus.REMOVED.value,
    MemberStatus.WITHDRAWN.value,
    MemberStatus.CANCELLED.value,
    TRANSFERRED_OUT,
    MemberStatus.EXPELLED.value,
    MemberStatus.SUSPENDED.value,
    MemberStatus.DECEASED.value,
)
# Table 1 (DT-2017) row of each status event, with the `changes` row it counts in: 恢复党籍 is an
# increase (row 5), the others decreases (出党 10, 停止党籍 11, 死亡 12).
RESTORED = "5"
# Increases among a person's dated moves: 恢复党籍, and 转入 from another part of the university.
INCREASES = (RESTORED, "7")
TRANSFER_IN = "transfer_in"
EVENT_ROWS = {
    StatusEvent.DEATH.value: ("12", "deceased"),
    StatusEvent.SUSPENSION.value: ("11", "suspended"),
    StatusEvent.RESTORATION.value: (RESTORED, "restored"),
    StatusEvent.EXPULSION.value: ("10", "expelled"),
    StatusEvent.REMOVAL.value: ("10", "removed"),
}
DEVELOPMENT = (
    MemberStatus.APPLICANT.value,
    MemberStatus.ACTIVIST.value,
    MemberStatus.DEVELOPMENT_OBJECT.value,
)


class Person(NamedTuple):
    id: int
    name: str
    organization_id: int
    status: str
    gender: str
    ethnicity: str
    education: str
    category: str
    birth_date: dt.date | None
    joined_on: dt.date | None  # 入党日期 (the admission vote)
    standing_from: dt.date | None  # 转正: Party standing from the end of probation
    transferred_in_on: dt.date | None
    extension_months: int | None
    admitted_on: dt.date | None  # the day 发展 counts (S3 setting)
    exit_on: dt.date | None  # the dated decrease (出党), None when the record gives none
    history: tuple  # ((effective_on, to_status), ...) of the development record, in order
    # ((on, table-1 row, changes row, after 停止党籍), ...): the status events after the entry, in
    # date order; a later exit the events do not hold is `exit_on` (`tables.moves_of`)
    moves: tuple = ()
    # a student's level, 入学年份 and 学制 (表7)
    student_level: str = ""
    enrollment_year: int | None = None
    programme_years: int | None = None
    # what the last 开除党籍 or 除名 was for (`Misconduct`, 表11); "" when the record does not say
    misconduct: str = ""
    # ((lost_on, found_on or None, reason), ...): the lost-contact records, in date order (表43)
    lost: tuple = ()


class Org(NamedTuple):
    id: int
    name: str
    kind: str
    parent_id: int | None
    term_start: dt.date | None
    term_end: dt.date | None
    founded_on: dt.date | None
    dissolved_on: dt.date | None


MEMBER_FIELDS = (
    "id",
    "name",
    "organization_id",
    "status",
    "gender",
    "ethnicity",
    "education",
    "person_category",
    "birth_date",
    "joined_on",
    "party_standing_from",
    "transferred_in_on",
    "probation_extension_months",
    "left_on",
    "student_level",
    "enrollment_year",
    "programme_years",
)
# The status events that say what the exit was for (表11).
MISCONDUCT_EVENTS = (StatusEvent.EXPULSION.value, StatusEvent.REMOVAL.value)


def internal_moves(root: Organization) -> dict[int, list]:
    """The moves between branches of the university (P7 `transfer_internal`, accepted by the
    receiving committee: the member's organization changed that day) that cross the edge of the
    subtree at `root`, by member: [(accepted_on, into the subtree)], in date order. A move within
    the subtree changes nothing in its tables; one across its edge is a 转入 or 转出 of the
    subtree on its date, so a member moved after the cut-off counts at the old branch (S1)."""
    university = "/" + root.path.strip("/").split("/")[0] + "/"
    rows = list(
        Case.objects.filter(
            process_id=TRANSFER_IN,
            status=CaseStatus.COMPLETED,
            data__source="internal",
            organization__path__startswith=university,
            subject_member__isnull=False,
        )
        .exclude(data__accepted_on=None)
        .order_by("id")
        .values_list(
            "subject_member_id",
            "data__accepted_on",
            "data__from_organization__id",
            "organization__path",
        )
    )
    paths = dict(Organization.objects.filter(pk__in={r[2] for r in rows}).values_list("id", "path"))
    moves: dict[int, list] = {}
    for member_id, accepted, from_id, to_path in rows:
        was_in = paths.get(from_id, "").startswith(root.path)
        now_in = to_path.startswith(root.path)
        moves.setdefault(member_id, []).append((parse_date(accepted), was_in, now_in))
    for v in moves.values():
        v.sort()
    return moves


def load(root: Organization, config: StatisticsConfig) -> tuple[list[Person], list[Org]]:
    """Every person and organization of the subtree at `root` (S1: a member counts where the
    formal membership is held: the organization of the record, or, for a member moved between
    branches since, the one held on each date (`internal_moves`))."""
    history: dict[int, list] = {}
    misconduct: dict[int, str] = {}
    lost: dict[int, list] = {}
    cancelled_on: dict[int, dt.date] = {}
    admission_cases: dict[int, int] = {}
    events: dict[int, list] = {}
    crossing = internal_moves(root)
    moved_out = [m for m, v in crossing.items() if any(was_in for _d, was_in, _n in v)]
    in_subtree = Q(organization__path__startswith=root.path) | Q(pk__in=moved_out)
    outside = set(
        Member.objects.filter(pk__in=moved_out)
        .exclude(organization__path__startswith=root.path)
        .values_list("pk", flat=True)
    )
    members_q = Member.objects.filter(in_subtree).values("pk")
    for member_id, from_status, to_status, on, case_id, event, why in (
        StatusChange.objects.filter(member__in=members_q)
        .order_by("member_id", "id")
        .values_list(
            "member_id",
            "from_status",
            "to_status",
            "effective_on",
            "case_id",
            "event",
            "misconduct",
        )
        .iterator(chunk_size=5000)
    ):
        if event in MISCONDUCT_EVENTS:
            misconduct[member_id] = why
        if event:
            row, key = EVENT_ROWS[event]
            events.setdefault(member_id, []).append(
                (on, row, key, from_status == MemberStatus.SUSPENDED, to_status)
            )
            continue
        history.setdefault(member_id, []).append((on, to_status))
        if to_status == MemberStatus.CANCELLED:
            cancelled_on[member_id] = on
        if to_status == MemberStatus.PROBATIONARY and case_id and member_id not in admission_cases:
            admission_cases[member_id] = case_id
    for member_id, lost_on, found_on, reason in (
        LostContact.objects.filter(member__in=members_q)
        .order_by("member_id", "lost_on", "id")
        .values_list("member_id", "lost_on", "found_on", "reason")
    ):
        lost.setdefault(member_id, []).append((lost_on, found_on, reason))
    approved = (
        _approval_dates(set(admission_cases.values()))
        if config.admission_counted_on == ADMISSION_BY_APPROVAL
        else {}
    )
    people = []
    for row in (
        Member.objects.filter(in_subtree)
        .order_by("id")
        .values_list(*MEMBER_FIELDS)
        .iterator(chunk_size=5000)
    ):
        (pk, name, org, status, gender, eth, edu, cat, birth, joined, standing, t_in, ext, left,
         level, enrolled, length) = row  # fmt: skip
        admitted = joined
        if pk in admission_cases and admission_cases[pk] in approved:
            admitted = approved[admission_cases[pk]]
        exit_on = None
        if status == MemberStatus.CANCELLED:
            exit_on = cancelled_on.get(pk) or left
        elif status in LEFT:
            exit_on = left
        if pk in outside and status not in IN_PARTY and status not in LEFT:
            continue  # in development elsewhere now: counted where the record is (table 18–20)
        own = sorted(events.get(pk, []), key=lambda m: m[0])
        if own and own[-1][4] == status:
            exit_on = None  # the last event gave the status: its date is the decrease
        moved = crossing.get(pk, [])
        if moved and t_in in {d for d, *_r in moved}:
            t_in = None  # the date of a move within the university, not an entry from outside
        for on, was_in, now_in in moved:
            if was_in != now_in:
                row, key = ("7", "transferred_in") if now_in else ("13", "transferred_out")
                own.append((on, row, key, False, status))
        own.sort(key=lambda m: m[0])
        people.append(
            Person(
                pk, name, org, status, gender, eth, edu, cat, birth, joined, standing, t_in, ext,
                admitted, exit_on, tuple(history.get(pk, ())), tuple(m[:4] for m in own),
                level, enrolled, length, misconduct.get(pk, ""), tuple(lost.get(pk, ())),
            )
        )  # fmt: skip
    orgs = [
        Org(*r)
        for r in Organization.objects.filter(path__startswith=root.path)
        .exclude(kind=OrgKind.PARTY_GROUP)
        .order_by("path")
        .values_list(
            "id",
            "name",
            "kind",
            "parent_id",
            "term_start",
            "term_end",
            "founded_on",
            "dissolved_on",
        )
    ]
    return people, orgs


def _approval_dates(case_ids: set[int]) -> dict[int, dt.date]:
    """The day the higher committee approved each admission (the approve_admission step's event
    date, S3), by case."""
    if not case_ids:
        return {}
    out = {}
    for table in EVENT_TABLES:  # an admission of a closed year is in the archive
        for case_id, data in table.objects.filter(
            case_id__in=case_ids,
            action=AuditAction.TASK_COMPLETED,
            task__element_id="approve_admission",
        ).values_list("case_id", "data"):
            on = step_date("member_development", "approve_admission", (data or {}).get("submitted"))
            if on:
                out[case_id] = on
    return out
