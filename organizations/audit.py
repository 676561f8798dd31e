"""The organization-level audit log (records that are not cases: users, role assignments,
organizations, members), hash-chained like a case's history (`workflows.audit`).

One chain per root organization (a university, a province): an event's `chain` is the id of the
root of the organization it concerns (0 for events that concern none, e.g. an account created
without a member). Each event stores `seq` (1, 2, … within its chain), the previous event's hash
and `hash = sha256(canonical JSON of its content + chain + prev_hash)`; `RecordLogHead` keeps each
chain's count and last hash, locked and updated in the transaction of the write the event records.
Writes under two roots lock two head rows: two organization departments importing at once do not
wait on each other (`bench/onboarding.py --parallel 2`). Events are written only by the services
of `organizations.services`, in the transaction of the write they record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from engine.i18n import _

from .models import Organization, RecordEvent, RecordLogHead

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
    # Events of the single chain before migration 0012 have no `chain` (migration 0007 appends with
    # that historical model); from 0012 on every event is hashed with the chain it belongs to.
    if hasattr(e, "chain"):
        content["chain"] = e.chain
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def root_of_path(path: str) -> int:
    """The root organization's id in a materialized path ("/1/4/9/" → 1); 0 for an empty path."""
    first = path.strip("/").split("/", 1)[0]
    return int(first) if first else 0


def chain_of(organization_id: int | None) -> int:
    """The chain an event about `organization_id` belongs to: its root organization's id (0 when
    the event concerns no organization, or one that no longer exists: pass `chain` then)."""
    if organization_id is None:
        return 0
    path = Organization.objects.filter(pk=organization_id).values_list("path", flat=True).first()
    return root_of_path(path or "")


def _lock_head(chain: int) -> tuple[int, str]:
    """Lock the chain's head row (created at the chain's first event) and return (seq, hash)."""
    # SQLite has no FOR UPDATE: it holds the whole database for a writing transaction anyway.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT seq, head FROM {RecordLogHead._meta.db_table} WHERE chain = %s{lock}"
    with connection.cursor() as cursor:
        cursor.execute(select, [chain])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {RecordLogHead._meta.db_table} (chain, seq, head) VALUES (%s, 0, '') "
                "ON CONFLICT (chain) DO NOTHING",
                [chain],
            )
            cursor.execute(select, [chain])
            row = cursor.fetchone()
    return row[0], row[1]


def record_event(
    *,
    action: str,
    actor,
    actor_roles: list[dict],
    entity: str,
    entity_id: int,
    label: str = "",
    organization_id: int | None = None,
    data: dict | None = None,
    chain: int | None = None,
) -> RecordEvent:
    """One event, not yet chained (no seq, no hash): `record_append` or `record_append_many`
    chains and inserts it. `chain`: the root organization's id when the caller knows it (an
    organization deleted in this transaction); otherwise it is looked up from `organization_id`."""
    return RecordEvent(
        chain=chain_of(organization_id) if chain is None else chain,
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


def record_append_many(events: Iterable[RecordEvent]) -> list[RecordEvent]:
    """Chain and insert events made by `record_event`, in their order within each chain: one head
    lock per chain (in chain order, so two writers never wait on each other in a cycle), one
    INSERT for all, one head update per chain. Call inside the transaction of the writes they
    record."""
    events = list(events)
    by_chain: dict[int, list[RecordEvent]] = {}
    for e in events:
        by_chain.setdefault(e.chain, []).append(e)
    heads = {}
    for chain in sorted(by_chain):
        seq, head = _lock_head(chain)
        prev = head or GENESIS
        for e in by_chain[chain]:
            seq += 1
            e.seq, e.prev_hash = seq, prev
            e.hash = prev = record_hash(e)
        heads[chain] = (seq, prev)
    RecordEvent.objects.bulk_create(events, batch_size=2000)
    for chain, (seq, head) in heads.items():
        RecordLogHead.objects.filter(chain=chain).update(seq=seq, head=head)
    return events


# A batch writes what it holds every this many events (the chain's lock is then held to the commit).
BATCH_FLUSH = 2000
_batch: ContextVar[list[RecordEvent] | None] = ContextVar("record_log_batch", default=None)


@contextmanager
def record_log_batch() -> Iterator[None]:
    """Inside it, `record_append` keeps each event (made at the time of its write, with its
    content and time) and the batch chains and inserts them in the order they were made, every
    BATCH_FLUSH events and when it ends: one head lock per chain and one INSERT per 2,000 events
    instead of four statements per event. Only for work that is all or nothing — an import, where
    any failed row rolls the whole transaction back — since an event made in a savepoint that is
    later rolled back may stay in the batch (and a flush inside a row's savepoint is undone with
    it). Call inside the transaction; when the block raises, the rest is not written."""
    if _batch.get() is not None:  # nested: the outer batch writes
        yield
        return
    events: list[RecordEvent] = []
    token = _batch.set(events)
    try:
        yield
    finally:
        _batch.reset(token)
    record_append_many(events)


def record_append(**fields) -> RecordEvent:
    """Append one event (`record_event`'s fields) to its root organization's chain of the record
    log. Call inside the transaction of the write it records; `actor_roles`: the roles the actor
    holds now ([{role, organization}]). Inside `record_log_batch` the event is chained and
    inserted with the batch (it has no `seq` or hash until then)."""
    event = record_event(**fields)
    batch = _batch.get()
    if batch is not None:
        batch.append(event)
        if len(batch) >= BATCH_FLUSH:  # memory stays flat however long the import
            record_append_many(batch)
            batch.clear()
        return event
    return record_append_many([event])[0]


@dataclass
class LogVerification:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""
    reason: str = ""
    chain: int | None = None
    chain_name: str = ""
    chains: list[LogVerification] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "reason": str(self.reason),
            "chain": self.chain,
            "chain_name": str(self.chain_name),
            "chains": [c.as_dict() for c in self.chains],
        }


def verify_chain(chain: int, head: dict | None = None) -> LogVerification:
    """Walk one chain in order; report the first event altered, deleted or inserted."""
    if head is None:
        head = RecordLogHead.objects.filter(chain=chain).values("seq", "head").first()
    head = head or {"seq": 0, "head": ""}
    prev, expected, count = GENESIS, 1, 0
    events = RecordEvent.objects.filter(chain=chain).order_by("seq")
    for e in events.iterator(chunk_size=5000):
        count += 1
        if e.hash != record_hash(e):
            return LogVerification(
                False, count, e.seq, "altered", _("事件内容与其哈希不符：记录被修改。"), chain
            )
        if e.seq != expected:
            return LogVerification(
                False,
                count,
                expected,
                "deleted",
                _("缺少第 %(n)s 条事件：记录被删除。") % {"n": expected},
                chain,
            )
        if e.prev_hash != prev:
            return LogVerification(
                False,
                count,
                e.seq,
                "relinked",
                _("事件与前一条记录的链接不符：记录被插入或替换。"),
                chain,
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
            chain,
        )
    return LogVerification(True, count, chain=chain)


def verify_record_chains(root: int | None = None) -> list[LogVerification]:
    """Each chain of the record log verified (only `root`'s when given), in chain order, each
    named by its root organization (a chain whose head row is missing fails as truncated)."""
    heads = {h["chain"]: h for h in RecordLogHead.objects.values("chain", "seq", "head")}
    chains = set(heads) | set(RecordEvent.objects.values_list("chain", flat=True).distinct())
    if root is not None:
        chains = {root} & chains or {root}
    names = dict(Organization.objects.filter(pk__in=chains).values_list("pk", "name"))
    results = []
    for chain in sorted(chains):
        r = verify_chain(chain, heads.get(chain, {"seq": 0, "head": ""}))
        r.chain_name = names.get(chain, "") if chain else str(_("无所属组织的记录"))
        results.append(r)
    return results


def verify_records(root: int | None = None) -> LogVerification:
    """The record log verified chain by chain (only `root`'s when given): ok when every chain is;
    otherwise the first broken chain's finding, with every chain's result in `chains`."""
    results = verify_record_chains(root)
    bad = next((r for r in results if not r.ok), None)
    events = sum(r.events for r in results)
    if bad is None:
        return LogVerification(True, events, chains=results)
    return LogVerification(
        False,
        events,
        bad.first_bad_seq,
        bad.problem,
        bad.reason,
        bad.chain,
        bad.chain_name,
        chains=results,
    )
