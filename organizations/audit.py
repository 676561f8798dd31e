"""The organization-level audit log (records that are not cases: users, role assignments,
organizations, members), hash-chained like a case's history (`workflows.audit`).

Each event stores `seq` (1, 2, … over the whole log), the previous event's hash and
`hash = sha256(canonical JSON of its content + prev_hash)`; `RecordLogHead` keeps the count and
the last hash, updated in the same transaction. Events are written only by the services of
`organizations.services`, in the transaction of the write they record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from engine.i18n import _

from .models import RecordEvent, RecordLogHead

GENESIS = "0" * 64


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def json_safe(value) -> Any:
    """`value` as it will come back from the database's JSON column (dates as strings, tuples as lists)."""
    return json.loads(canonical(value))


def record_hash(e: RecordEvent) -> str:
    content = {
        "seq": e.seq,
        "prev": e.prev_hash,
        "actor": e.actor_id,
        "actor_name": e.actor_name,
        "actor_roles": e.actor_roles,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "entity_label": e.entity_label,
        "organization": e.organization_id,
        "data": e.data,
        "at": e.created_at.astimezone(dt.UTC).isoformat(),
    }
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def record_append(
    *,
    action: str,
    actor,
    actor_roles: list[dict],
    entity: str,
    entity_id: int,
    label: str = "",
    organization_id: int | None = None,
    data: dict | None = None,
) -> RecordEvent:
    """Append one event to the record log. Call inside the transaction of the write it records;
    `actor_roles`: the roles the actor holds now ([{role, organization}])."""
    head, _created = RecordLogHead.objects.select_for_update().get_or_create(pk=1)
    event = RecordEvent(
        seq=head.seq + 1,
        prev_hash=head.head or GENESIS,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "system",
        actor_roles=actor_roles,
        action=action,
        entity=entity,
        entity_id=entity_id,
        entity_label=str(label)[:200],
        organization_id=organization_id,
        data=json_safe(data or {}),
        created_at=timezone.now(),
    )
    event.hash = record_hash(event)
    event.save(force_insert=True)
    RecordLogHead.objects.filter(pk=1).update(seq=event.seq, head=event.hash)
    return event


@dataclass
class LogVerification:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "reason": str(self.reason),
        }


def verify_records() -> LogVerification:
    """Walk the record log in order; report the first event altered, deleted or inserted."""
    head = RecordLogHead.objects.filter(pk=1).values("seq", "head").first() or {
        "seq": 0,
        "head": "",
    }
    prev, expected, count = GENESIS, 1, 0
    for e in RecordEvent.objects.order_by("seq").iterator():
        count += 1
        if e.hash != record_hash(e):
            return LogVerification(
                False, count, e.seq, "altered", _("事件内容与其哈希不符：记录被修改。")
            )
        if e.seq != expected:
            return LogVerification(
                False,
                count,
                expected,
                "deleted",
                _("缺少第 %(n)s 条事件：记录被删除。") % {"n": expected},
            )
        if e.prev_hash != prev:
            return LogVerification(
                False, count, e.seq, "relinked", _("事件与前一条记录的链接不符：记录被插入或替换。")
            )
        prev, expected = e.hash, expected + 1
    if count != head["seq"] or (count and prev != head["head"]):
        return LogVerification(
            False,
            count,
            count + 1 if count < head["seq"] else None,
            "truncated",
            _("审计日志的最后一条事件是第 %(n)s 条，现只有 %(c)s 条：末尾记录被删除或替换。")
            % {"n": head["seq"], "c": count},
        )
    return LogVerification(True, count)
