"""A case's history as people print it: one context for the HTML report (/api/cases/ID/report/, in
the reader's language) and the 流程审计报告 PDF (`audit_report`, always Chinese).

Both show the events the reader may see (`workflows.selectors.case_history_for`, which reads through
`workflows.personal`): an auditor or a secretary whose scope covers the case sees every event and
every entry; a member only what is theirs. Each row is one event: its number, the minute (China
Standard Time), the action's label beside its code, who acted (on whose behalf), the roles they
acted in, the task, what it did in words (`workflows.display`: form field titles, names beside
member ids, labels beside codes; the tasks it opened with lane and due time; the timers that fired)
and its hash. Unlike the other documents its wording is catalog messages, since the HTML report
follows the reader's language; `audit_report` builds it under zh-hans.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext

from engine.calendar import cn_datetime, deadline_text
from workflows import registry
from workflows.actions import AuditAction, action_label
from workflows.audit import verify_case
from workflows.display import (
    CASE_KEYS,
    acting_for,
    actors_in_words,
    case_titles,
    data_in_words,
    event_step,
    lane_label,
    member_ids_in,
    member_names,
    person_name,
    process_label,
    rule_set_label,
    submitted_in_words,
)
from workflows.labels import label
from workflows.models import Case
from workflows.selectors import case_documents, case_history_for

# What an event records beside its data, each printed in its own words (or not at all: the ids of
# the documents it stored are listed under the documents).
_OWN_LINES = ("opened", "fired_timers", "document_ids")


def _minute(value) -> str:
    return cn_datetime(value)


def _details(event, submitted: list[dict] | None, words) -> list[str]:
    """What an event did, in words: the data submitted under the form's field titles (or the data
    that is no form's by key), the process it started, the reason given, the timers that fired, the
    tasks it opened (with the lane holding them and by when)."""
    data = event.data if isinstance(event.data, dict) else {}
    lines = [f"{i['label']}：{i['value']}" for i in submitted or []]
    rest = {k: v for k, v in data.items() if k not in _OWN_LINES}
    if submitted is not None:
        rest.pop("submitted", None)
    if event.action == AuditAction.CASE_STARTED and "process" in rest:
        lines.append(gettext("流程：%(p)s") % {"p": process_label(rest.pop("process"))})
    if event.action in (AuditAction.CASE_CANCELLED, AuditAction.TASK_COMPLETION_REFUSED):
        lines.append(gettext("理由：%(r)s") % {"r": rest.pop("reason", None) or "—"})
    # a step's or an effect's data, by key (an effect's parameters too: none, no line)
    for part in ("submitted", "computed", "params", "result"):
        if isinstance(rest.get(part), dict):
            lines += [f"{i['label']}：{i['value']}" for i in words(rest.pop(part))]
    lines += [f"{i['label']}：{i['value']}" for i in words(rest)]
    for item in data.get("fired_timers") or []:
        lines.append(gettext("期限到达：%(t)s") % {"t": label(item.get("timer", ""))})
    for item in data.get("opened") or []:
        due_at = item.get("due_at")
        due = deadline_text(dt.datetime.fromisoformat(due_at)) if due_at else ""
        lines.append(
            gettext("转入：%(t)s（%(lane)s%(due)s）")
            % {
                "t": label(item.get("task", "")),
                "lane": lane_label(item.get("lane", "")),
                "due": gettext("，期限 %(d)s") % {"d": due} if due else "",
            }
        )
    return lines


def case_history(case: Case, *, user) -> dict:
    """The printable history of `case` as `user` may read it, in the active language: the case,
    the chain verification, the timeline rows, the documents with their sha256, who printed it and
    when. Six queries and the chain's walk, whatever the number of events."""
    events = case_history_for(user, case)
    member_keys = registry.member_keys_for(case.process_id)
    counts = registry.count_paths_for(case.process_id)
    codes = registry.code_labels_for(case.process_id)
    titles = registry.titles_for(case.process_id)
    names = member_names(set().union(*(member_ids_in(e.data, member_keys, counts) for e in events)))
    cases = case_titles(set().union(*(member_ids_in(e.data, CASE_KEYS) for e in events)))

    def words(data: dict) -> list[dict]:
        return data_in_words(
            data,
            member_keys=member_keys,
            names=names,
            codes=codes,
            counts=counts,
            titles=titles,
            cases=cases,
        )

    submitted = submitted_in_words(events, process_id=case.process_id)
    actors = actors_in_words(events)
    rows = [
        {
            "seq": e.seq,
            "at": _minute(e.created_at),
            "action": action_label(e.action),
            "code": e.action,
            "actor": acting_for(*actors[e.pk]),
            "roles": "、".join(
                r["role_display"]
                + (f"（{r['organization_name']}）" if r["organization_name"] else "")
                for r in e.acted_as
            ),
            "task": event_step(e),
            "details": _details(e, submitted.get(e.pk), words),
            "hash": e.hash,
        }
        for e in events
    ]
    documents = [
        {
            "filename": d.filename,
            "description": d.description,
            "content_type": d.content_type,
            "size": d.size,
            "sha256": d.sha256,
            "uploaded_by": person_name(d.uploaded_by),
            "uploaded_at": _minute(d.uploaded_at),
        }
        for d in case_documents(case)
    ]
    return {
        "case": case,
        "process": process_label(case.process_id),
        "rule_set": rule_set_label(case.rule_set),
        "status": case.get_status_display(),
        "subject": case.subject or (case.subject_member.name if case.subject_member_id else ""),
        "verification": verify_case(case.pk).as_dict(),
        "head": case.audit_head,
        "events": rows,
        "documents": documents,
        "started_at": _minute(case.created_at),
        "ended_at": _minute(case.completed_at) if case.completed_at else "",
        "generated_at": cn_datetime(timezone.now(), seconds=True),
        "generated_by": person_name(user),
    }


def audit_report(case: Case, *, user) -> dict:
    """流程审计报告 (PDF): the case's history in Chinese, whatever the reader's language."""
    with translation.override("zh-hans"):
        return case_history(case, user=user)
