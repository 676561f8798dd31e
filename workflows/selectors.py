"""Reads for screens and endpoints. Access checks answer "not found" for anything out of scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from engine.calendar import CST, parse_date
from engine.errors import NotFound
from engine.i18n import _
from organizations.models import Role
from organizations.selectors import organizations_visible, scope_q

from . import registry
from .actions import AuditAction
from .archive import case_events
from .assignment import LANE_LABELS, active_delegations, delegated_task_q, slot_holders, user_slots
from .display import (
    CASE_KEYS,
    annotate,
    case_titles,
    member_ids_in,
    member_names,
    organization_names,
    person_name,
    slot_refs,
    user_names,
)
from .models import (
    AuditEvent,
    Case,
    CaseAccess,
    Delegation,
    Document,
    ProcessVersion,
    Task,
    TaskArchive,
    TaskStatus,
)
from .personal import case_data_for, events_for

# Labels of the roles an audit event records (a member acting on their own task: 党员本人).
ROLE_LABELS = {**dict(Role.choices), "member": _("党员本人")}


def day_start(day: dt.date) -> dt.datetime:
    """Midnight (00:00 China Standard Time) at the start of `day`."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=CST)


def processes_current() -> QuerySet[ProcessVersion]:
    return (
        ProcessVersion.objects.filter(is_current=True).defer("spec", "files").order_by("process_id")
    )


def cases_visible(
    user,
    *,
    process=None,
    organization=None,
    status=None,
    subject=None,
    started_from=None,
    started_to=None,
) -> QuerySet[Case]:
    """Cases in the user's scope, newest first. `subject`: part of the case's subject or of its
    member's name (an auditor finds a person's cases by name); `started_from`/`started_to`: dates
    (inclusive, China Standard Time) the case was started."""
    qs = (
        Case.objects.filter(scope_q(user))
        .select_related("organization", "process_version")
        .defer("state", "process_version__spec", "process_version__files")
    )
    if subject:
        qs = qs.filter(Q(subject__icontains=subject) | Q(subject_member__name__icontains=subject))
    if started_from:
        qs = qs.filter(created_at__gte=day_start(started_from))
    if started_to:
        qs = qs.filter(created_at__lt=day_start(started_to + dt.timedelta(days=1)))
    if process:
        qs = qs.filter(process_id=process)
    if organization:
        qs = qs.filter(organization_id=organization)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def case_for_user(user, case_id) -> Case:
    try:
        return (
            Case.objects.filter(scope_q(user))
            .select_related("organization", "process_version")
            .defer("process_version__spec", "process_version__files")
            .get(pk=int(case_id))
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("流程不存在。"), code="case_not_found") from None


def case_open_tasks(case: Case) -> list[Task]:
    """The case's open tasks in order, with their claimants; after a step in this request (a
    completion), the rows the step left open, without a query."""
    rows = getattr(case, "open_task_rows", None)
    if rows is not None:
        return rows
    return list(
        case.tasks.filter(status=TaskStatus.OPEN).select_related("claimed_by").order_by("id")
    )


def case_history(case: Case, *, last: int | None = None) -> list[AuditEvent]:
    """The case's audit events in chain order, with their tasks, archived ones included
    (`workflows.archive`); `last`: the newest so many."""
    return case_events(case, last=last)


def case_history_for(user, case: Case) -> list[AuditEvent]:
    """The case's events for `user`, each with `acted_as`: the role its actor acted in, labelled
    ({role, role_display, organization, organization_name, on_behalf_of}); a role in an organization
    the reader cannot see is left out; what is someone else's own is left out of the data
    (`workflows.personal`). Two queries whatever the number of events."""
    events = events_for(user, case, list(case_history(case)))
    ids = {r.get("organization") for e in events for r in e.actor_roles if isinstance(r, dict)}
    names = dict(organizations_visible(user).filter(pk__in=ids).values_list("pk", "name"))
    for e in events:
        e.acted_as = [
            {
                "role": r.get("role") or r.get("lane"),
                "role_display": str(
                    ROLE_LABELS.get(r.get("role"), "")
                    or LANE_LABELS.get(r.get("lane"), r.get("lane") or "")
                ),
                "organization": r["organization"],
                "organization_name": names[r["organization"]],
                "on_behalf_of": r.get("on_behalf_of", ""),
            }
            for r in e.actor_roles
            if isinstance(r, dict) and r.get("organization") in names
        ]
    return events


def history_names(case: Case, events) -> dict:
    """The names a page of a case's history shows, for `AuditEventSerializer`'s context: the people
    who acted (and for whom), the organizations of their roles, the members the submitted data
    names. Three queries whatever the number of events."""
    member_keys, counts = (
        registry.member_keys_for(case.process_id),
        registry.count_paths_for(case.process_id),
    )
    users, orgs, members = set(), set(), set()
    for e in events:
        users.update((e.actor_id, e.on_behalf_of_id))
        orgs.update(r.get("organization") for r in e.actor_roles or [])
        members |= member_ids_in(e.data, member_keys, counts)
    return {
        "users": user_names(users),
        "organizations": organization_names(orgs),
        "members": member_names(members),
        "member_keys": member_keys,
        "counts": counts,
        "codes": registry.code_labels_for(case.process_id),
        "cases": case_titles(set().union(*(member_ids_in(e.data, CASE_KEYS) for e in events))),
        "process_id": case.process_id,
    }


def case_data_display(case: Case, user) -> dict:
    """The case's data as `user` reads it: what is someone else's own left out
    (`workflows.personal`), member ids with their names beside them, coded values with their labels,
    the engine's bookkeeping left out. One query."""
    member_keys, counts = (
        registry.member_keys_for(case.process_id),
        registry.count_paths_for(case.process_id),
    )
    data = case_data_for(user, case)
    names = member_names(member_ids_in(data, member_keys, counts))
    return annotate(
        data,
        member_keys=member_keys,
        names=names,
        codes=registry.code_labels_for(case.process_id),
        counts=counts,
    )


def tasks_with_holders(tasks: list[Task], *, also=()) -> tuple[list[tuple[Task, list]], dict]:
    """Each open task with who holds it now (the claimant, else everyone holding its slot), and
    the names the tasks (and the tasks in `also`) show: {"organizations": {id: name} for their
    slots, assignee and case organizations, "members": {id: name} for member slots}. Three
    queries for any number of tasks."""
    holders = slot_holders([t.slot for t in tasks if not t.claimed_by_id])
    org_ids, member_ids = slot_refs(t.slot for t in tasks)
    for t in (*tasks, *also):
        org_ids.update((t.assignee_organization_id, t.case_organization_id))
    names = {"organizations": organization_names(org_ids), "members": member_names(member_ids)}
    rows = [(t, [t.claimed_by] if t.claimed_by_id else holders.get(t.slot, [])) for t in tasks]
    return rows, names


def step_date(process_id: str, element_id: str, submitted: dict) -> dt.date | None:
    """The day a step took place, read from the data submitted for it: the form field its procedure
    registered (`registry.event_date_fields`), never the day it was entered. None when the step has
    no such field or it was left empty."""
    field = registry.event_date_field_for(process_id, element_id)
    value = (submitted or {}).get(field) if field else None
    try:
        return parse_date(value) if value else None
    except (TypeError, ValueError):
        return None


def event_date(process_id: str, event: AuditEvent) -> dt.date | None:
    """The day the step an audit event records took place: a completed task's event date
    (`step_date`), an imported step's date from its ledger; None for other events."""
    if event.action == AuditAction.STEP_IMPORTED:
        value = event.data.get("date")
        return parse_date(value) if value else None
    if event.action == AuditAction.TASK_COMPLETED and event.task_id:
        return step_date(process_id, event.task.element_id, event.data.get("submitted") or {})
    return None


def case_evidence(case: Case) -> list[dict]:
    """What each step produced, in order: the structured record submitted with each completed task
    and each recurring report (P1 obligations), with the ids of attached documents."""
    items = []
    for e in case_events(
        case, action__in=["task_completed", "obligation_submitted"], related=("task", "actor")
    ):
        record = e.data.get("submitted") or e.data.get("record") or {}
        items.append(
            {
                "element_id": e.task.element_id if e.task_id else "",
                "name": e.task_name or e.data.get("label", ""),
                "on": event_date(case.process_id, e),
                "at": e.created_at,
                "by": e.actor_name,
                "by_name": person_name(e.actor) if e.actor_id else e.actor_name,
                "record": record,
                "document_ids": record.get("document_ids", []),
            }
        )
    return items


def case_documents(case: Case) -> QuerySet[Document]:
    return case.documents.defer("content").select_related("uploaded_by").order_by("id")


def document_for_user(user, case_id, document_id) -> Document:
    """A document of a case in the user's scope (the bytes included); otherwise not found."""
    case = case_for_user(user, case_id)
    try:
        return case.documents.select_related("uploaded_by").get(pk=int(document_id))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("文件不存在。"), code="document_not_found") from None


def case_accesses(case: Case) -> QuerySet[CaseAccess]:
    return case.accesses.select_related("user").order_by("id")


def delegations_visible(user) -> QuerySet[Delegation]:
    """Delegations the user gave or received."""
    return (
        Delegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate")
        .order_by("-id")
    )


def delegation_for_user(user, delegation_id) -> Delegation:
    try:
        return delegations_visible(user).get(pk=int(delegation_id))
    except (Delegation.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("委托不存在。"), code="delegation_not_found") from None


def task_inbox(user, *, process=None, organization=None, overdue=None) -> QuerySet[Task]:
    """Open tasks the user may act on now: their slots, unclaimed or claimed by them; due first."""
    slots = user_slots(user)
    mine = Q(slot__in=slots) & (Q(claimed_by__isnull=True) | Q(claimed_by=user))
    qs = Task.objects.filter(status=TaskStatus.OPEN).filter(
        mine | delegated_task_q(user) if active_delegations(user) else mine
    )
    if process:
        qs = qs.filter(process_id=process)
    if organization:
        qs = qs.filter(case_organization_id=organization)
    if overdue is True:
        qs = qs.filter(due_at__lte=timezone.now())
    elif overdue is False:
        qs = qs.filter(Q(due_at__isnull=True) | Q(due_at__gt=timezone.now()))
    return qs.order_by(F("due_at").asc(nulls_last=True), "id")


# The task's own columns a task row carries (the inbox's, a task's in an answer, the inbox page's).
INBOX_FIELDS = (
    "id",
    "case_id",
    "process_id",
    "element_id",
    "name",
    "stage",
    "lane",
    "assignee_organization_id",
    "case_organization_id",
    "status",
    "due_at",
    "created_at",
    "completed_at",
)
# The names a task row shows beside those ids (`api` and `web` build their rows from both lists).
INBOX_NAMES = {
    "organization_name": F("case_organization__name"),
    "holder": F("claimed_by__username"),
    "holder_first_name": F("claimed_by__first_name"),
    "holder_last_name": F("claimed_by__last_name"),
    "assignee_organization_name": F("assignee_organization__name"),
}


class InboxRows:
    """The inbox as plain values with the two names a row shows (no model instances), for a
    paginator: rows are sliced from the joined query, the total is counted on the task table alone
    (so PostgreSQL can answer it from the covering partial index)."""

    def __init__(self, qs: QuerySet):
        self._count_qs = qs
        self._rows = qs.values(*INBOX_FIELDS, **INBOX_NAMES)

    def count(self) -> int:
        return self._count_qs.count()

    def __getitem__(self, item):
        return self._rows[item]


def inbox_page_values(qs) -> InboxRows:
    return InboxRows(qs)


class TaskArchived(NotFound):
    """A task of a case whose closed year was archived (`workflows.archive`): it has no live row
    any more, so it can be neither read nor acted on as a task; its case (`details["case"]`) reads
    it whole, archived tasks included. Raised only to a user whose scope holds the case."""

    code = "task_archived"
    default_message = _("该任务所在的流程已办结并归档，办理记录请在流程页面查看。")


def task_for_user(user, task_id, *, related: bool = True) -> Task:
    """A task the user may act on (own slots or a delegation in force) or whose case is in their
    scope; otherwise not found. A task whose case was archived raises `TaskArchived` when the case
    is in the user's scope, and not found otherwise, exactly like a task that never existed.
    `related=False`: the task row alone (a completion reads the rest under the case's lock)."""
    try:
        pk = int(task_id)
    except (TypeError, ValueError):
        raise NotFound(_("任务不存在。"), code="task_not_found") from None
    qs = Task.objects.filter(pk=pk)
    if related:
        qs = qs.select_related(
            "case_organization", "assignee_organization", "claimed_by", "completed_by"
        )
    task = qs.filter(
        Q(slot__in=user_slots(user)) | scope_q(user, "case_organization__path")
    ).first()
    if task is None and active_delegations(
        user
    ):  # looked up only when needed: no extra query on the usual path
        task = qs.filter(delegated_task_q(user)).first()
    if task is None:
        # only on the not-found path: old notifications and e-mails link to archived tasks
        archived = TaskArchive.objects.filter(pk=pk).values_list("case_id", flat=True).first()
        if archived is not None and Case.objects.filter(scope_q(user), pk=archived).exists():
            raise TaskArchived(case=archived)
        raise NotFound(_("任务不存在。"), code="task_not_found")
    return task


def task_facts(task: Task) -> list[dict]:
    """What a person decides on at this step, in words, as the procedure builds it
    (`registry.task_facts`): [{key, title, items: [{label, value}], columns, rows}]. Read by the
    API's task detail and the task page alike. Only while the step is open: the case's data moves
    on after it (a later round's tally), and a closed step's facts would no longer be the ones
    decided on (its history keeps what was submitted)."""
    fn = registry.facts_for(task.process_id, task.element_id)
    if fn is None or task.status != TaskStatus.OPEN:
        return []
    out = []
    for section in fn(case=task.case, task=task) or []:
        items = [
            {"label": str(i["label"]), "value": str(i["value"])}
            for i in section.get("items") or []
            if i.get("value") not in (None, "")
        ]
        rows = [[("" if c is None else str(c)) for c in r] for r in section.get("rows") or []]
        if not items and not rows:
            continue
        out.append(
            {
                "key": section["key"],
                "title": str(section["title"]),
                "items": items,
                "columns": [str(c) for c in section.get("columns") or []],
                "rows": rows,
            }
        )
    return out
