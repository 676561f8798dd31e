"""One person's words are theirs: what of a case's data and history a reader is shown.

A procedure marks what of its data is one person's (or one branch's) own (`registry.personal_data`):
a member's self-assessment, the grade and the feedback given to each member, a branch's
self-assessment in a college's round. A reader whose read scope covers the case's organization (the
branch's secretary and committee, the approving committee, the organization department, auditors:
`organizations.selectors.SCOPE_ROLES`) sees every entry, by name. Anyone else who reaches the case
(a member through their own task; a branch committee through its branch's task in a round opened
by the college) sees only the entries that are theirs: those naming their member record, or a
branch where they act; the submissions of someone else's personal task are left out of the history.
Every screen and endpoint that shows a case's data or history to a user reads it through here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from organizations.selectors import scope_paths

from . import registry
from .assignment import parse_slot, user_slots
from .models import AuditEvent, Case


@dataclass(frozen=True)
class Reader:
    """Who is reading a case: `sees_all` when their scope covers its organization; otherwise their
    member record and the organizations where they act (their inbox slots)."""

    sees_all: bool
    member: int | None = None
    organizations: frozenset[int] = frozenset()
    slots: frozenset[str] = frozenset()

    def owns(self, kind: str, author) -> bool:
        """Is `author` (a member id for kind "member", an organization id for "branch") the reader?"""
        if isinstance(author, str) and author.isdigit():
            author = int(author)
        if isinstance(author, bool) or not isinstance(author, int):
            return False
        return author == self.member if kind == "member" else author in self.organizations


def reader_for(user, case: Case) -> Reader:
    """The reader `user` is of `case` (its organization is read: one query unless loaded)."""
    paths = scope_paths(user)
    path = case.organization.path
    if paths is None or any(path.startswith(p) for p in paths):
        return Reader(sees_all=True)
    slots = frozenset(user_slots(user))
    refs = [parse_slot(s) for s in slots]
    return Reader(
        sees_all=False,
        member=next((ref for lane, ref in refs if lane == "member"), None),
        organizations=frozenset(ref for lane, ref in refs if lane != "member"),
        slots=slots,
    )


def _theirs(value, kind: str, reader: Reader):
    """The part of one personal value that is the reader's (None: nothing of it)."""
    if isinstance(value, list):
        return [v for v in value if reader.owns(kind, v.get(kind) if isinstance(v, dict) else v)]
    if isinstance(value, dict):
        if kind in value:  # one entry naming its author
            return value if reader.owns(kind, value[kind]) else None
        return {k: v for k, v in value.items() if reader.owns(kind, k)}  # {author id: …}
    return value if reader.owns(kind, value) else None


def data_for(reader: Reader, process_id: str, data: dict) -> dict:
    """`data` (a case's data, or what a step submitted or computed) as `reader` may read it."""
    if reader.sees_all or not isinstance(data, dict):
        return data
    personal = registry.personal_keys_for(process_id)
    if not personal:
        return data
    out = {}
    for key, value in data.items():
        if key in personal:
            value = _theirs(value, personal[key], reader)
            if value is None:
                continue
        out[key] = value
    return out


def case_data_for(user, case: Case) -> dict:
    return data_for(reader_for(user, case), case.process_id, case.data or {})


def events_for(user, case: Case, events: list[AuditEvent]) -> list[AuditEvent]:
    """`events` of `case` as `user` may read them: the same events, in memory copies whose data
    leaves out what is not the reader's (the events themselves are never changed)."""
    reader = reader_for(user, case)
    if reader.sees_all:
        return events
    personal_tasks = registry.personal_tasks_for(case.process_id)
    out = []
    for e in events:
        if not isinstance(e.data, dict):
            out.append(e)
            continue
        data = dict(e.data)
        if e.task_id and e.task.element_id in personal_tasks and e.task.slot not in reader.slots:
            data.pop("submitted", None)
            data.pop("computed", None)
        else:
            for part in ("submitted", "computed", "result"):
                if isinstance(data.get(part), dict):
                    data[part] = data_for(reader, case.process_id, data[part])
        shown = copy.copy(e)
        shown.data = data
        out.append(shown)
    return out
