"""Reads over organizational-life records, scoped like everything else: higher levels read their
subtree; the branch secretary, deputy and committee of a branch also write its records."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from organizations.models import MemberAway, Organization, Role
from organizations.selectors import active_assignments, scope_q, subtrees_q

from .models import (
    Attendance,
    DuesAssessment,
    DuesPayment,
    DuesRelief,
    DuesReliefStatus,
    Meeting,
    MeetingFile,
    Pairing,
    SatisfactionSurvey,
    TrainingAttendance,
    VolunteerService,
)

# Roles that keep a branch's records (the branch committee's work, BRANCH-2018 Art. 12).
RECORD_ROLES = {Role.BRANCH_SECRETARY, Role.BRANCH_DEPUTY_SECRETARY, Role.BRANCH_COMMITTEE}


def organizations_recordable(user) -> QuerySet[Organization]:
    """Branches and Party groups whose records the user keeps."""
    qs = Organization.objects.filter(kind__in=["branch", "party_group"])
    if user is not None and user.is_superuser:
        return qs
    paths = {a.organization.path for a in active_assignments(user) if a.role in RECORD_ROLES}
    return qs.filter(subtrees_q(paths, "path"))


def _in_organization(qs, organization, field):
    """`qs` limited to the subtree of organization `organization` (an id); an unknown id matches nothing."""
    if not organization:
        return qs
    path = (
        Organization.objects.filter(pk=organization).values_list("path", flat=True).first() or "-"
    )
    return qs.filter(**{f"{field}__startswith": path})


def meetings_visible(user, *, organization=None, kind=None, year=None) -> QuerySet[Meeting]:
    qs = (
        Meeting.objects.filter(scope_q(user))
        .select_related("organization", "chair", "recorder")
        .prefetch_related(
            Prefetch(
                "attendance",
                queryset=Attendance.objects.select_related("member").order_by("member_id"),
            ),
            Prefetch(
                "files",
                queryset=MeetingFile.objects.defer("content").select_related("uploaded_by"),
            ),
        )
    )
    qs = _in_organization(qs, organization, "organization__path")
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(held_on__year=year)
    return qs.order_by("-held_on", "-id")


def meeting_file_for_user(user, meeting_id, file_id) -> MeetingFile | None:
    """A photo or sign-in sheet of a meeting the user may read (with its bytes), else None."""
    return (
        MeetingFile.objects.filter(
            pk=file_id, meeting_id=meeting_id, meeting__in=Meeting.objects.filter(scope_q(user))
        )
        .select_related("meeting")
        .first()
    )


def dues_visible(user, *, organization=None, member=None, year=None) -> QuerySet[DuesPayment]:
    qs = DuesPayment.objects.filter(scope_q(user, "member__organization__path")).select_related(
        "member"
    )
    qs = _in_organization(qs, organization, "member__organization__path")
    if member:
        qs = qs.filter(member_id=member)
    if year:
        qs = qs.filter(month__year=year)
    return qs.order_by("member_id", "month")


def _records_visible(
    model, date_field: str, user, *, organization=None, member=None, year=None
) -> QuerySet:
    """Records of a branch (volunteer service, training, pairing, surveys) scoped like meetings."""
    qs = model.objects.filter(scope_q(user)).select_related("organization")
    if hasattr(model, "member"):
        qs = qs.select_related("member")
        if member:
            qs = qs.filter(member_id=member)
    qs = _in_organization(qs, organization, "organization__path")
    if year:
        qs = qs.filter(**{f"{date_field}__year": year})
    return qs.order_by(f"-{date_field}", "-id")


def volunteer_services_visible(user, **filters) -> QuerySet[VolunteerService]:
    return _records_visible(VolunteerService, "served_on", user, **filters)


def trainings_visible(user, **filters) -> QuerySet[TrainingAttendance]:
    return _records_visible(TrainingAttendance, "attended_on", user, **filters)


def pairings_visible(user, **filters) -> QuerySet[Pairing]:
    return _records_visible(Pairing, "started_on", user, **filters)


def satisfaction_surveys_visible(
    user, *, organization=None, year=None
) -> QuerySet[SatisfactionSurvey]:
    return _records_visible(
        SatisfactionSurvey, "surveyed_on", user, organization=organization, year=year
    )


def _months_before(on, count):
    """The `count` complete calendar months before the month of `on`, oldest first (first days)."""
    import datetime as dt

    y, m = on.year, on.month
    out = []
    for _ in range(count):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(dt.date(y, m, 1))
    return out[::-1]


def dues_not_judged(branches, *, on, months: int) -> list[dict]:
    """The branches whose members the self-lapse check by dues (CONST Art. 9) cannot judge on `on`:
    the branch does not keep its dues in partyflow since before the `months` complete months
    before `on` (`dues_tracked_since` unset or inside the window), so a missing payment there is a
    gap in the records, not a fact. Each with its id, name and dues start (None: never recorded)."""
    start = _months_before(on, months)[0]
    return [
        {"organization": b.pk, "name": b.name, "dues_tracked_since": b.dues_tracked_since}
        for b in branches
        if b.dues_tracked_since is None or b.dues_tracked_since > start
    ]


def lapse_grounds(members, *, on, months: int, since: dict | None = None) -> dict[int, list[dict]]:
    """Self-lapse grounds (CONST Art. 9, XYTC §5-7) of each member, over the `months` complete
    months before `on`: {member id: [ground, …]}, only members with at least one ground.

    - attendance: in every one of those months the records list the member absent from the branch's
      organizational life and present at none (a month in which no meeting listed the member does
      not count against them: nothing was missed);
    - dues: no dues payment recorded for any of those months (a month of a year exempted by the
      committee counts as paid), where the branch keeps its dues in
      partyflow since before the window (`dues_tracked_since`; months before the member joined do
      not count, so a new member is not caught).
    `members` come with `organization` and `organization__parent` selected.
    `since` ({member id: date}): a member's earlier self-lapse case closed on a window reaching that
    date; only a full new window after it counts again.
    Each ground lists the months and the records behind it, for the secretary to judge."""
    window = _months_before(on, months)
    start, ids = window[0], [m.pk for m in members]
    if not ids:
        return {}
    rows = (
        Attendance.objects.filter(
            member_id__in=ids, meeting__held_on__gte=start, meeting__held_on__lt=on.replace(day=1)
        )
        .exclude(away_absence())
        .select_related("meeting")
        .order_by("meeting__held_on", "meeting_id")
    )
    attended, absences = {}, {}
    for a in rows:
        month = a.meeting.held_on.replace(day=1)
        if a.present:
            attended.setdefault(a.member_id, set()).add(month)
        else:
            absences.setdefault(a.member_id, []).append(a)
    paid = {}
    for member_id, month in DuesPayment.objects.filter(
        member_id__in=ids, month__gte=start, month__lt=on.replace(day=1)
    ).values_list("member_id", "month"):
        paid.setdefault(member_id, set()).add(month)
    # A month the committee exempted (免交, DUES-2008 Art. 7) is not owed (D11): it
    # counts as paid.
    for a in DuesAssessment.objects.filter(
        member_id__in=ids,
        year__in={m.year for m in window},
        relief=DuesRelief.EXEMPT,
        relief_status=DuesReliefStatus.APPROVED,
    ).only("member_id", "year", "relief", "relief_status", "relief_from", "relief_until"):
        paid.setdefault(a.member_id, set()).update(
            m for m in window if m.year == a.year and a.exempt_in(m)
        )
    out = {}
    for member in members:
        if since and member.pk in since and start <= since[member.pk]:
            continue
        grounds = []
        missed = {
            a.meeting.held_on.replace(day=1) for a in absences.get(member.pk, [])
        } - attended.get(member.pk, set())
        if all(month in missed for month in window):
            grounds.append(
                {
                    "kind": "attendance",
                    "months": [m.strftime("%Y-%m") for m in window],
                    "records": [
                        {
                            "meeting": a.meeting_id,
                            "held_on": a.meeting.held_on.isoformat(),
                            "kind": a.meeting.kind,
                            "title": a.meeting.title,
                            "absence_reason": a.absence_reason,
                        }
                        for a in absences[member.pk]
                    ],
                }
            )
        joined = member.joined_on.replace(day=1) if member.joined_on else None
        # Dues count only where the branch keeps its dues in partyflow for the whole window
        # (`Organization.dues_tracked_since`): then a missing payment is a fact, even when the whole
        # branch stopped paying; before, it is only a gap in the records.
        org = member.organization
        branch = org if org.kind == "branch" else org.parent
        kept_from = branch.dues_tracked_since if branch is not None else None
        unpaid = not (paid.get(member.pk, set()) & set(window))
        tracked = kept_from is not None and kept_from <= start
        if tracked and (joined is None or joined <= start) and unpaid:
            last = (
                DuesPayment.objects.filter(member=member, month__lt=start)
                .order_by("-month")
                .values_list("month", flat=True)
                .first()
            )
            grounds.append(
                {
                    "kind": "dues",
                    "months": [m.strftime("%Y-%m") for m in window],
                    "records": [{"last_paid_month": last.strftime("%Y-%m") if last else None}],
                }
            )
        if grounds:
            out[member.pk] = grounds
    return out


def away_absence(from_meeting: bool = False) -> Q:
    """An attendance row listing a member absent on a day he was registered mobile or abroad
    (`MemberAway`): not an absence from organizational life. The mobile member attends at the
    place he moved to (CARD-1994; EDU-2019 Art. 32), the member abroad resumes on his return
    (EDU-2019 Art. 34). The one predicate every attendance rate and absentee count excludes:
    on `Attendance`, or on `Meeting` rows through their `attendance` (`from_meeting`)."""
    row = "attendance__" if from_meeting else ""
    held_on = OuterRef("held_on" if from_meeting else "meeting__held_on")
    away = MemberAway.objects.on(held_on).filter(member_id=OuterRef(f"{row}member_id"))
    return Q(**{f"{row}present": False}) & Q(Exists(away))
