"""Raise reminders, overdue alerts and escalations for open tasks; mark notifications read.

`alerts_raise()` runs from Celery beat (`notifications.tasks.raise_task_alerts`), from the demo's
in-process sweep and from `partyflow run-timers`. Each (task, kind) is alerted once: the
`TaskAlert` row is inserted first and a unique constraint makes a second sweep — on this machine
or another — skip it. The messages that leave the system (e-mail, WeCom, DingTalk, SMS) are planned
once the rows are committed (notifications/deliveries.py).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from engine.calendar import CST
from engine.rules import get_rule_set, rule_set_codes
from organizations.selectors import approving_committee_of, approving_committees_of
from workflows.assignment import slot as make_slot
from workflows.assignment import slot_holders
from workflows.display import user_names
from workflows.models import Task, TaskStatus

from .deliveries import deliveries_for
from .models import AlertKind, Notification, TaskAlert

log = logging.getLogger("partyflow.notifications")

# The alerts raised about open tasks (a term-expiry notice is about a branch, raised by P2).
TASK_ALERT_KINDS = (AlertKind.DUE_SOON, AlertKind.OVERDUE, AlertKind.ESCALATED)
# Lanes whose overdue tasks can go up to the approving committee (the committee's own tasks cannot).
BRANCH_LANES = ("branch_secretary", "branch_committee")


def _shift(moment: dt.datetime, duration) -> dt.datetime:
    local = moment.astimezone(CST)
    return dt.datetime.combine(duration.add_to(local.date()), local.timetz())


def _candidates(kind: str, rules, now: dt.datetime, limit: int):
    open_due = Task.objects.filter(
        status=TaskStatus.OPEN, due_at__isnull=False, case__rule_set=rules.code
    ).exclude(alerts__kind=kind)
    if kind == AlertKind.DUE_SOON:
        qs = open_due.filter(
            due_at__gt=now, due_at__lte=_shift(now, rules.get("tasks.reminder_lead"))
        )
    elif kind == AlertKind.OVERDUE:
        qs = open_due.filter(due_at__lte=now)
    else:
        escalate = rules.get("tasks.escalate_overdue") or {}
        if not escalate:
            return []
        q = Q()
        for process_id, elements in escalate.items():
            q |= Q(process_id=process_id, element_id__in=list(elements))
        qs = open_due.filter(q, due_at__lte=now, lane__in=BRANCH_LANES)
    return list(
        qs.select_related("case", "case_organization", "claimed_by").order_by("due_at", "id")[
            :limit
        ]
    )


def _params(task: Task) -> dict:
    return {
        "task": task.name,
        "case": task.case.subject,
        "organization": task.case_organization.name,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "process": task.process_id,
    }


def _raise(
    task: Task, kind: str, recipients: list, now, target_slot: str = ""
) -> list[Notification] | None:
    """Insert the alert and its notifications in one transaction. None when it was raised already
    (by an earlier or a concurrent sweep); [] when nobody holds the slot (the alert still counts)."""
    try:
        with transaction.atomic():
            TaskAlert.objects.create(
                task=task,
                kind=kind,
                target_slot=target_slot,
                recipients=len(recipients),
                created_at=now,
            )
            params = _params(task)
            return Notification.objects.bulk_create(
                [
                    Notification(
                        recipient=u,
                        kind=kind,
                        task=task,
                        case_id=task.case_id,
                        params=params,
                        created_at=now,
                    )
                    for u in recipients
                ]
            )
    except IntegrityError:
        return None


def _target_slot(kind: str, task: Task, committees: dict) -> str | None:
    """Whose inbox the alert is for: the task's own slot, or for an escalation the approving
    committee's above the task's organization (None when there is none; looked up once per
    organization in `committees`)."""
    if kind != AlertKind.ESCALATED:
        return task.slot
    org_id = task.case_organization_id
    if org_id not in committees:
        committee = approving_committee_of(task.case_organization)
        committees[org_id] = make_slot("approving_committee", committee.pk) if committee else None
    return committees[org_id]


def alerts_raise(*, now=None, limit: int = 5000, send_email: bool = True) -> dict:
    """Raise every alert that is due now, under every rule set. Returns the alerts raised per kind."""
    now = now or timezone.now()
    counts = {k.value: 0 for k in TASK_ALERT_KINDS}
    created: list[Notification] = []
    committees: dict = {}
    for code in rule_set_codes():
        rules = get_rule_set(code)
        for kind in TASK_ALERT_KINDS:
            tasks = _candidates(kind, rules, now, limit)
            targets = {t.pk: _target_slot(kind, t, committees) for t in tasks}
            holders = slot_holders({s for s in targets.values() if s})
            for task in tasks:
                target = targets[task.pk]
                if target is None:
                    continue
                # A claimed task reminds whoever claimed it; an escalation goes to the committee.
                claimed = kind != AlertKind.ESCALATED and task.claimed_by_id
                made = _raise(
                    task,
                    kind,
                    [task.claimed_by] if claimed else holders[target],
                    now,
                    target_slot=target if kind == AlertKind.ESCALATED else "",
                )
                if made is not None:
                    counts[kind.value] += 1
                    created += made
    if send_email and created:
        deliveries_for(notifications=created, now=now)
    return counts


def term_expiry_notify(*, case, branch, term_end: str, now=None) -> dict:
    """P2 step 0: tell the branch (secretary and committee) and the officers of its approving
    committee that the term ends on `term_end`. Called by the election's reminder step inside its
    transaction; the emails go out after commit. Returns who was told, per body, each as
    {username, name} (the record shows people by name)."""
    return term_expiry_notify_many(items=[(case, branch, term_end)], now=now)[0]


def term_expiry_notify_many(*, items: list[tuple], now=None) -> list[dict]:
    """`term_expiry_notify` for many (case, branch, term_end) at once (timers fired in a batch):
    the approving committees, the slot holders and the notifications cost one statement each for
    the whole batch. Returns who was told, per item and body, in the items' order."""
    now = now or timezone.now()
    committees = approving_committees_of([branch for _c, branch, _t in items])
    slots_of = []
    for _case, branch, _term_end in items:
        committee = committees.get(branch.pk)
        slots_of.append(
            {
                "branch": [
                    make_slot("branch_committee", branch.pk),
                    make_slot("branch_secretary", branch.pk),
                ],
                "approving_committee": [make_slot("approving_committee", committee.pk)]
                if committee
                else [],
            }
        )
    holders = slot_holders([s for slots in slots_of for group in slots.values() for s in group])
    made, results = [], []
    for (case, branch, term_end), slots in zip(items, slots_of, strict=True):
        committee = committees.get(branch.pk)
        recipients = {
            body: {u.pk: u for s in group for u in holders.get(s, [])}
            for body, group in slots.items()
        }
        users = {**recipients["branch"], **recipients["approving_committee"]}
        params = {
            "organization": branch.name,
            "term_end": term_end,
            "committee": committee.name if committee else "",
            "case": case.subject,
            "process": case.process_id,
        }
        made += [
            Notification(
                recipient=u, kind=AlertKind.TERM_EXPIRY, case=case, params=params, created_at=now
            )
            for u in users.values()
        ]
        results.append(
            {
                body: [
                    {"id": u.pk, "username": u.get_username()}
                    for u in sorted(found.values(), key=lambda u: u.get_username())
                ]
                for body, found in recipients.items()
            }
        )
    names = user_names(u["id"] for result in results for body in result.values() for u in body)
    for result in results:
        for body in result.values():
            for u in body:
                u["name"] = names.get(u.pop("id"), u["username"])
    if made:
        made = Notification.objects.bulk_create(made)
        transaction.on_commit(lambda: deliveries_for(notifications=made, now=now))
    return results


def notifications_resolve(*, task_ids, now=None) -> int:
    """The reminders, overdue alerts and escalations about tasks just closed (completed, cancelled,
    withdrawn) stop asking anyone to act: they are marked resolved. Called in the transaction that
    closes the tasks (provided to `workflows` as "tasks_closed"). Returns how many were resolved."""
    ids = list(task_ids)
    if not ids:
        return 0
    return Notification.objects.filter(task_id__in=ids, resolved_at__isnull=True).update(
        resolved_at=now or timezone.now()
    )


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
