"""The tamper-evident audit trail: one hash chain per case.

Each event stores `seq` (1, 2, … within its case), the previous event's hash and
`hash = sha256(canonical JSON of its content + prev_hash)`. Editing an event changes its hash;
deleting or inserting one breaks the links or the sequence; reordering breaks both. The case row
keeps the head (count and last hash) in the same transaction, so removing the newest events is
detected too. Events are written only by services, inside the transaction holding the case lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from engine.i18n import _
from organizations.audit import GENESIS, canonical, json_safe

from .assignment import acting_roles
from .models import AuditEvent, AuditEventArchive, Case


def event_hash(
    *,
    seq,
    prev_hash,
    case_id,
    organization_id,
    actor_id,
    actor_name,
    actor_roles,
    action,
    task_id,
    task_name,
    data,
    created_at: dt.datetime,
    on_behalf_of_id=None,
    on_behalf_of_name="",
) -> str:
    content = {
        "seq": seq,
        "prev": prev_hash,
        "case": case_id,
        "organization": organization_id,
        "actor": actor_id,
        "actor_name": actor_name,
        "actor_roles": actor_roles,
        "action": action,
        "task": task_id,
        "task_name": task_name,
        "data": data,
        "at": created_at.astimezone(dt.UTC).isoformat(),
    }
    if (
        on_behalf_of_id is not None
    ):  # only when set: chains written before delegation existed still verify
        content["on_behalf_of"], content["on_behalf_of_name"] = on_behalf_of_id, on_behalf_of_name
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def _hash_of(e: AuditEvent) -> str:
    return event_hash(
        seq=e.seq,
        prev_hash=e.prev_hash,
        case_id=e.case_id,
        organization_id=e.organization_id,
        actor_id=e.actor_id,
        actor_name=e.actor_name,
        actor_roles=e.actor_roles,
        action=e.action,
        task_id=e.task_id,
        task_name=e.task_name,
        data=e.data,
        created_at=e.created_at,
        on_behalf_of_id=e.on_behalf_of_id,
        on_behalf_of_name=e.on_behalf_of_name,
    )


def build(
    *,
    action: str,
    actor=None,
    case: Case | None = None,
    task=None,
    data=None,
    organization=None,
    on_behalf_of=None,
    roles: list | None = None,
    step: str = "",
) -> AuditEvent:
    """The next event of its case's chain, unsaved; advances `case.audit_seq`/`audit_head` in memory.
    Expects the case row locked by the caller, who inserts the event (alone or with a batch's
    `bulk_create`) and saves the head in the same transaction. The event names the role the actor
    acted in (`acting_roles`), not every role they hold; `roles` when the caller has it already.
    `step`: the name of the step without a task row (a BPMN service task the system ran)."""
    data = json_safe(data or {})
    organization = organization or (case.organization if case else None)
    if roles is None:
        roles = (
            acting_roles(actor, task=task, organization=organization, on_behalf_of=on_behalf_of)
            if actor is not None
            else []
        )
    event = AuditEvent(
        case=case,
        organization=organization,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "system",
        actor_roles=roles,
        on_behalf_of=on_behalf_of,
        on_behalf_of_name=on_behalf_of.get_username() if on_behalf_of is not None else "",
        action=action,
        task=task,
        task_name=task.name if task else step,
        data=data,
        created_at=timezone.now(),
    )
    if case is not None:
        event.seq, event.prev_hash = case.audit_seq + 1, case.audit_head or GENESIS
    else:
        event.seq, event.prev_hash = 0, GENESIS
    event.hash = _hash_of(event)
    if case is not None:
        case.audit_seq, case.audit_head = event.seq, event.hash
    return event


def append(
    *,
    action: str,
    actor=None,
    case: Case | None = None,
    task=None,
    data=None,
    organization=None,
    save_head: bool = True,
    on_behalf_of=None,
    step: str = "",
) -> AuditEvent:
    """Append one event to its case's chain. Expects the case row locked by the caller.
    save_head=False: the caller saves `case.audit_seq`/`audit_head` with its own UPDATE of the case."""
    event = build(
        action=action,
        actor=actor,
        case=case,
        task=task,
        data=data,
        organization=organization,
        on_behalf_of=on_behalf_of,
        step=step,
    )
    event.save(force_insert=True)
    if case is not None and save_head:
        Case.objects.filter(pk=case.pk).update(audit_seq=event.seq, audit_head=event.hash)
    return event


@dataclass
class Verification:
    case_id: int
    ok: bool
    events: int
    first_bad_event: int | None = None
    first_bad_seq: int | None = None
    problem: str = ""
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "case": self.case_id,
            "ok": self.ok,
            "events": self.events,
            "first_bad_event": self.first_bad_event,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "reason": str(self.reason),
        }


def verify_case(case_id: int) -> Verification:
    """Walk a case's chain in id order and report the first event that was altered, deleted or
    inserted out of order. The chain of an archived case starts in the archive of closed years and
    goes on in the live table (an event written after the move), so both are read, archive first."""
    head = Case.objects.filter(pk=case_id).values("audit_seq", "audit_head", "archived_at").first()
    head = head or {"audit_seq": 0, "audit_head": "", "archived_at": None}
    events = []
    if head["archived_at"] is not None:
        events += AuditEventArchive.objects.filter(case_id=case_id).order_by("id")
    events += AuditEvent.objects.filter(case_id=case_id).order_by("id")
    prev, expected_seq, count = GENESIS, 1, 0
    for i, e in enumerate(events):
        count += 1
        if e.hash != _hash_of(e):
            return Verification(
                case_id,
                False,
                count,
                e.pk,
                e.seq,
                "altered",
                _("事件内容与其哈希不符：记录被修改。"),
            )
        if e.seq < expected_seq:
            return Verification(
                case_id,
                False,
                count,
                e.pk,
                e.seq,
                "inserted",
                _("第 %(m)s 条事件重复出现在第 %(n)s 条的位置：记录被插入。")
                % {"n": expected_seq, "m": e.seq},
            )
        if e.seq != expected_seq:
            if any(later.seq == expected_seq for later in events[i + 1 :]):
                return Verification(
                    case_id,
                    False,
                    count,
                    e.pk,
                    e.seq,
                    "reordered",
                    _("事件顺序被改动：第 %(n)s 条出现在第 %(m)s 条之后。")
                    % {"n": expected_seq, "m": e.seq},
                )
            return Verification(
                case_id,
                False,
                count,
                e.pk,
                e.seq,
                "deleted",
                _("缺少第 %(n)s 条事件：记录被删除。") % {"n": expected_seq},
            )
        if e.prev_hash != prev:
            return Verification(
                case_id,
                False,
                count,
                e.pk,
                e.seq,
                "relinked",
                _("事件与前一条记录的链接不符：记录被插入或替换。"),
            )
        prev, expected_seq = e.hash, expected_seq + 1
    if count != head["audit_seq"] or (count and prev != head["audit_head"]):
        return Verification(
            case_id,
            False,
            count,
            None,
            count + 1 if count < head["audit_seq"] else None,
            "truncated",
            _("流程记录的最后一条事件是第 %(n)s 条，现只有 %(c)s 条：末尾记录被删除或替换。")
            % {"n": head["audit_seq"], "c": count},
        )
    return Verification(case_id, True, count)


def verify_all() -> Iterator[Verification]:
    for case_id in Case.objects.order_by("id").values_list("id", flat=True).iterator():
        yield verify_case(case_id)
