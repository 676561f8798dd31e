"""Reads for P1 member development: the recurring obligations of a case, the member's development
read model and the pipeline report of an organization subtree (党内统计)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from engine.calendar import Duration, last_day_before, parse_date
from engine.calendar import today as cst_today
from engine.errors import NotFound
from engine.i18n import _
from engine.loader import user_task_property
from engine.rules import get_rule_set
from organizations.models import Member, MemberStatus
from organizations.selectors import members_visible
from workflows.actions import AuditAction
from workflows.archive import case_events
from workflows.display import iso_cst, lane_label, rule_set_label
from workflows.models import Case, CaseStatus, Task, TaskStatus
from workflows.selectors import case_evidence, event_date

from .models import ObligationKind, ObligationRecord, Phase, StatusChange

PROCESS = "member_development"
# Each user task's step of the 25 (DEV-2014), from its `step` property in the BPMN: the diagram is
# the one place that numbers the steps.
STEPS = {
    task: int(step)
    for task, step in user_task_property(
        settings.PARTYFLOW["BPMN_DIR"] / f"{PROCESS}.bpmn", "step"
    ).items()
}
STEPS_TOTAL = max(STEPS.values())
# The day each step took place: the form field that holds it (a meeting's date, the day a decision
# was taken), registered with `workflows.registry.event_date_fields` and read through
# `workflows.selectors.event_date` by the member's page, the 纪实表, the case history and the API.
STEP_DATES = {
    "submit_application": "application_date",
    "talk_with_applicant": "talk_date",
    "supervise_overdue_talk": "supervised_on",
    "select_activist": "decision_date",
    "file_activist": "filed_date",
    "appoint_contacts": "decision_date",
    "cultivation_review": "review_date",
    "designate_development_object": "designation_date",
    "file_development_object": "decision_date",
    "assign_introducers": "decision_date",
    "political_review": "concluded_on",
    "centralized_training": "end_date",
    "branch_committee_review": "decision_date",
    "pre_review": "prereview_date",
    "fill_application_form": "filled_date",
    "admission_vote": "meeting_date",
    "committee_talk": "talk_date",
    "approve_admission": "decision_date",
    "file_admission": "filed_date",
    "place_in_group": "placed_on",
    "take_oath": "oath_date",
    "probation_review": "review_date",
    "conversion_application": "application_date",
    "conversion_vote": "meeting_date",
    "approve_conversion": "decision_date",
    "archive_file": "archived_on",
}
# What falls due in each phase, and the rule giving its interval.
PHASE_OBLIGATIONS = {
    Phase.ACTIVIST: [
        (ObligationKind.INSPECTION, "development.inspection_interval"),
        (ObligationKind.THOUGHT_REPORT, "development.thought_report_interval"),
    ],
    Phase.PROBATIONARY: [(ObligationKind.THOUGHT_REPORT, "development.thought_report_interval")],
}


def _times(d: Duration, n: int) -> Duration:
    return Duration(
        years=d.years * n, months=d.months * n, days=d.days * n, working_days=d.working_days * n
    )


def conversion_date(data: dict) -> dt.date | None:
    """转正日期, from which Party standing counts (DEV-2014 Art. 34): the day probation ends (one
    year from the admission vote, or as extended), not the day of the vote or of its approval. None
    until the conversion is approved."""
    if data.get("decision") == "convert" and data.get("approved") and data.get("probation_end"):
        return parse_date(data["probation_end"])
    return None


def phase_windows(
    data: dict, *, closed_on: dt.date | None = None
) -> list[tuple[str, dt.date, dt.date | None]]:
    """(phase, start, end) from the case data: the activist phase runs from the activist date to the
    designation as development object; probation from the admission vote to the end of probation
    (as extended). An open end is None; a finished case closes every phase on `closed_on`. What
    falls due after a phase's end day belongs to no phase, however late the end was recorded."""
    windows = []
    if data.get("activist_date"):
        end = data.get("designation_date")
        windows.append(
            (
                Phase.ACTIVIST,
                parse_date(data["activist_date"]),
                parse_date(end) if end else closed_on,
            )
        )
    if data.get("admitted") and data.get("admission_vote_date"):
        end = parse_date(data["probation_end"])
        windows.append(
            (
                Phase.PROBATIONARY,
                parse_date(data["admission_vote_date"]),
                min(end, closed_on) if closed_on else end,
            )
        )
    return windows


def expected_obligations(
    data: dict, rules, *, on: dt.date, closed_on: dt.date | None = None
) -> list[dict]:
    """Every obligation due up to `on`, and the next one of each kind still to come (its due date is
    what the read model shows as next due). Pure: computed from the rule set, no query."""
    due = []
    # A case adopted from a ledger (onboarding) is tracked from its import: what fell due before
    # lives in the office's paper records, not here.
    tracked_from = parse_date(data["obligations_from"]) if data.get("obligations_from") else None
    for phase, start, end in phase_windows(data, closed_on=closed_on):
        for kind, rule_name in PHASE_OBLIGATIONS[phase]:
            interval, n = rules.get(rule_name), 1
            while True:
                due_on = _times(interval, n).add_to(start)
                if end is not None and due_on > end:
                    break
                if tracked_from is None or due_on >= tracked_from:
                    due.append({"phase": str(phase), "kind": str(kind), "seq": n, "due_on": due_on})
                if due_on > on:
                    break
                n += 1
    return sorted(due, key=lambda o: (o["due_on"], o["kind"]))


OBLIGATION_STATUS = {"submitted": _("已提交"), "overdue": _("已逾期"), "pending": _("未到期")}


def case_obligations(case: Case, *, on: dt.date | None = None) -> list[dict]:
    """The case's obligations with what was submitted: status submitted, overdue or pending."""
    on = on or cst_today()
    closed_on = (
        case.completed_at.date()
        if case.status != CaseStatus.RUNNING and case.completed_at
        else None
    )
    expected = expected_obligations(
        case.data, get_rule_set(case.rule_set), on=on, closed_on=closed_on
    )
    records = {(r.phase, r.kind, r.seq): r for r in ObligationRecord.objects.filter(case=case)}
    out = []
    for o in expected:
        r = records.get((o["phase"], o["kind"], o["seq"]))
        status = "submitted" if r else ("overdue" if o["due_on"] < on else "pending")
        out.append(
            {
                **o,
                "status": status,
                "status_display": str(OBLIGATION_STATUS[status]),
                "label": str(ObligationKind(o["kind"]).label),
                "kind_display": str(ObligationKind(o["kind"]).label),
                "phase_display": str(Phase(o["phase"]).label),
                "submitted_on": r.submitted_on if r else None,
                "record": r.record if r else None,
                "id": r.pk if r else None,
            }
        )
    return out


def overdue_obligations(case: Case, *, on: dt.date | None = None) -> list[dict]:
    return [o for o in case_obligations(case, on=on) if o["status"] == "overdue"]


def member_for_user(user, member_id) -> Member:
    """A member in the user's scope, else not found (exactly like a missing one)."""
    try:
        return members_visible(user).get(pk=int(member_id))
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("党员不存在。"), code="member_not_found") from None


def development_case_of(member: Member) -> Case | None:
    return (
        Case.objects.filter(process_id=PROCESS, subject_member=member)
        .select_related("organization")
        .defer("state")
        .order_by("-id")
        .first()
    )


def _evidence(case: Case) -> list[dict]:
    """The case's evidence (workflows.selectors.case_evidence) with each record's P1 step number."""
    return [{**item, "step": STEPS.get(item["element_id"])} for item in case_evidence(case)]


def steps_done(case: Case) -> list[dict]:
    """Each step the case went through, in order: the day it took place (`on`, from its form's
    event date or its ledger date when imported), the moment it was entered (`entered_at`) and
    whether it was imported. One query."""
    out = []
    for e in case_events(
        case,
        Q(action=AuditAction.TASK_COMPLETED, task__isnull=False)
        | Q(action=AuditAction.STEP_IMPORTED),
    ):
        element_id = e.task.element_id if e.task_id else e.data.get("element_id", "")
        out.append(
            {
                "element_id": element_id,
                "step": STEPS.get(element_id),
                "on": event_date(case.process_id, e),
                "entered_at": e.created_at,
                "imported": e.action == AuditAction.STEP_IMPORTED,
                "by": e.actor_name,
            }
        )
    return out


def _status_label(code: str) -> str:
    return str(MemberStatus(code).label) if code in MemberStatus.values else code


def member_development(user, member_id) -> dict:
    """`GET /api/members/{id}/development/`: stage, step n of 25, next due date, overdue items, the
    obligations, the status history and the evidence. A member outside scope is not found."""
    member = member_for_user(user, member_id)
    case = development_case_of(member)
    history = [
        {
            "from": c.from_status,
            "from_display": _status_label(c.from_status),
            "to": c.to_status,
            "to_display": _status_label(c.to_status),
            "on": c.effective_on,
            "case": c.case_id,
            "note": c.note,
            # a status event the committee recorded: what, why, who decided, the document
            "event": c.event,
            "event_display": c.get_event_display() if c.event else "",
            "reason": c.reason,
            "decided_by": c.decided_by,
            "document_no": c.document_no,
            "misconduct": c.misconduct,
            "misconduct_display": c.get_misconduct_display() if c.misconduct else "",
        }
        for c in StatusChange.objects.filter(member=member).order_by("effective_on", "id")
    ]
    out = {
        "member": {
            "id": member.pk,
            "name": member.name,
            "status": member.status,
            "status_label": member.get_status_display(),
            # the roster fields the 纪实表 prints, so the page reads as the printed form does
            "gender_label": member.get_gender_display(),
            "ethnicity_label": member.get_ethnicity_display(),
            "native_place": member.native_place,
            "birth_date": member.birth_date,
            "education_label": member.get_education_display(),
            "joined_on": member.joined_on,
            "party_standing_from": member.party_standing_from,
            # a student's level, 入学年份 and 学制 (党统 表7)
            "student_level": member.student_level,
            "student_level_label": member.get_student_level_display(),
            "enrollment_year": member.enrollment_year,
            "programme_years": member.programme_years,
        },
        "status_history": history,
        # 失去联系 and 恢复联系, as the branch recorded them (党统 表43)
        "lost_contacts": [
            {
                "lost_on": lc.lost_on,
                "reason": lc.reason,
                "reason_display": lc.get_reason_display(),
                "note": lc.note,
                "found_on": lc.found_on,
            }
            for lc in member.lost_contacts.order_by("lost_on", "id")
        ],
        "case": None,
        "stage": "",
        "step": None,
        "steps_total": STEPS_TOTAL,
        "open_tasks": [],
        "next_due": None,
        "overdue": [],
        "obligations": [],
        "steps_done": [],
        "evidence": [],
    }
    if case is None:
        return out
    now = timezone.now()
    tasks = list(case.tasks.filter(status=TaskStatus.OPEN).order_by("id"))
    obligations = case_obligations(case)
    steps = [STEPS[t.element_id] for t in tasks if t.element_id in STEPS]
    if not steps and case.status != CaseStatus.RUNNING:
        # A finished case reports the last step done (25 when archived, else where it stopped).
        last = (
            case.tasks.filter(status=TaskStatus.COMPLETED, element_id__in=list(STEPS))
            .order_by("-completed_at", "-id")
            .values_list("element_id", flat=True)
            .first()
        )
        steps = [STEPS[last]] if last else []
    # A task's deadline falls at 24:00 of its last day: the date shown is that last day.
    dues = [last_day_before(t.due_at) for t in tasks if t.due_at]
    dues += [o["due_on"] for o in obligations if o["status"] != "submitted"]
    out.update(
        {
            "case": {
                "id": case.pk,
                "status": case.status,
                "status_display": case.get_status_display(),
                "rule_set": case.rule_set,
                "rule_set_display": rule_set_label(case.rule_set),
            },
            "stage": case.stage,
            "step": max(steps) if steps else None,
            "open_tasks": [
                {
                    "id": t.pk,
                    "element_id": t.element_id,
                    "name": t.name,
                    "step": STEPS.get(t.element_id),
                    "lane": t.lane,
                    "lane_display": lane_label(t.lane),
                    "due_at": iso_cst(t.due_at),
                    "overdue": bool(t.due_at and t.due_at <= now),
                }
                for t in tasks
            ],
            "next_due": min(dues) if dues else None,
            "overdue": [
                {
                    "kind": "task",
                    "kind_display": str(_("任务")),
                    "name": t.name,
                    "due": last_day_before(t.due_at),
                }
                for t in tasks
                if t.due_at and t.due_at <= now
            ]
            + [
                {
                    "kind": o["kind"],
                    "kind_display": o["label"],
                    "name": str(_("%(l)s（第%(n)s次）") % {"l": o["label"], "n": o["seq"]}),
                    "due": o["due_on"],
                }
                for o in obligations
                if o["status"] == "overdue"
            ],
            "obligations": obligations,
            "steps_done": steps_done(case),
            "evidence": _evidence(case),
        }
    )
    return out


def development_pipeline(org) -> dict:
    """The pipeline of an organization subtree: members per development status (党内统计), running
    cases per stage, overdue tasks and obligations, admissions and conversions this year. The caller
    checks scope (`organizations.selectors.organization_in_scope`)."""
    in_tree = Q(organization__path__startswith=org.path)
    statuses = Counter(Member.objects.filter(in_tree).values_list("status", flat=True))
    cases = list(
        Case.objects.filter(in_tree, process_id=PROCESS, status=CaseStatus.RUNNING).defer("state")
    )
    now = timezone.now()
    overdue_tasks = Task.objects.filter(
        case__in=cases, status=TaskStatus.OPEN, due_at__lte=now
    ).count()
    overdue_obl = sum(len(overdue_obligations(c)) for c in cases)
    year_start = dt.date(cst_today().year, 1, 1)
    changes = Counter(
        StatusChange.objects.filter(
            member__organization__path__startswith=org.path, effective_on__gte=year_start
        ).values_list("to_status", flat=True)
    )
    return {
        "organization": {"id": org.pk, "name": org.name},
        "members_by_status": {s.value: statuses.get(s.value, 0) for s in MemberStatus},
        "status_labels": {s.value: str(s.label) for s in MemberStatus},
        "cases_running": len(cases),
        "cases_by_stage": dict(Counter(c.stage for c in cases)),
        "overdue_tasks": overdue_tasks,
        "overdue_obligations": overdue_obl,
        "this_year": {
            "applications": changes.get(MemberStatus.APPLICANT.value, 0),
            "activists": changes.get(MemberStatus.ACTIVIST.value, 0),
            "development_objects": changes.get(MemberStatus.DEVELOPMENT_OBJECT.value, 0),
            "admitted": changes.get(MemberStatus.PROBATIONARY.value, 0),
            "converted": changes.get(MemberStatus.FULL.value, 0),
            "cancelled": changes.get(MemberStatus.CANCELLED.value, 0),
        },
    }


def status_changes_by_year(org, first: int, last: int) -> dict[tuple[int, str], int]:
    """How many members of the subtree changed to each status in each year from `first` to `last`
    ((year, status) → count), by the change's effective date, in one query. The caller checks scope."""
    return {
        (r["year"], r["to_status"]): r["n"]
        for r in StatusChange.objects.filter(
            member__organization__path__startswith=org.path,
            effective_on__year__gte=first,
            effective_on__year__lte=last,
        )
        .annotate(year=ExtractYear("effective_on"))
        .values("year", "to_status")
        .annotate(n=Count("id"))
    }
