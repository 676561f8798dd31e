"""流程审计报告 (PDF): a case's audit trail with its chain verification and its documents."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import translation

from engine.calendar import CST
from workflows import registry
from workflows.actions import AuditAction
from workflows.audit import verify_case
from workflows.display import (
    actors_in_words,
    annotate,
    member_ids_in,
    member_names,
    person_name,
    submitted_in_words,
)
from workflows.models import AuditEvent, Case


def _shown(value) -> str:
    """A value as printed: a list of names (or of {id, name, count}) joined, anything else as JSON."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value)
    if isinstance(value, list) and all(
        isinstance(v, dict) and {"id", "name"} <= set(v) for v in value
    ):
        return "、".join(f"{v['name']}（#{v['id']}）×{v.get('count')}" for v in value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _data_text(data: dict, *, member_keys, names, codes, counts) -> str:
    """Data that is no form's (a start, an effect's result) with names beside member ids and labels
    beside codes (`workflows.display.annotate`), one `key: value` line each."""
    shown = annotate(data or {}, member_keys=member_keys, names=names, codes=codes, counts=counts)
    items = []
    for k, v in shown.items():
        if k.endswith("_display") or (k in ("opened", "fired_timers") and not v):
            continue
        text = _shown(v)
        if f"{k}_display" in shown:
            text = f"{_shown(shown[f'{k}_display'])}（{text}）"
        items.append(f"{k}: {text[:300]}")
    return "\n".join(items)


def audit_report(case: Case, *, user) -> dict:
    """The printable case audit report: the case, the chain verification result, every event with
    who acted and what was submitted, and every document with its sha256."""
    verification = verify_case(case.pk)
    events = list(AuditEvent.objects.filter(case=case).select_related("task").order_by("seq", "id"))
    member_keys = registry.member_keys_for(case.process_id)
    counts = registry.count_paths_for(case.process_id)
    codes = registry.code_labels_for(case.process_id)
    names = member_names(set().union(*(member_ids_in(e.data, member_keys, counts) for e in events)))
    with translation.override("zh-hans"):  # the document's language, whatever the reader's
        labels = {code: str(label) for code, label in AuditAction.choices}
        submitted = submitted_in_words(events, process_id=case.process_id)
        actors = actors_in_words(events)
        rows = [
            {
                "seq": e.seq,
                "at": e.created_at.astimezone(CST).strftime("%Y-%m-%d %H:%M"),
                "action": f"{labels.get(e.action, e.action)}（{e.action}）",
                "actor": actors[e.pk][0] + (f"（代 {actors[e.pk][1]}）" if actors[e.pk][1] else ""),
                "task": e.task_name,
                "data": "\n".join(f"{i['label']}：{i['value']}" for i in submitted[e.pk])
                if e.pk in submitted
                else _data_text(
                    e.data.get("submitted") if "submitted" in e.data else e.data,
                    member_keys=member_keys,
                    names=names,
                    codes=codes,
                    counts=counts,
                ),
                "hash": e.hash,
            }
            for e in events
        ]
    documents = [
        {
            "filename": d.filename,
            "content_type": d.content_type,
            "size": d.size,
            "sha256": d.sha256,
            "uploaded_by": d.uploaded_by.get_full_name() or d.uploaded_by.username,
            "uploaded_at": d.uploaded_at,
            "description": d.description,
        }
        for d in case.documents.defer("content").select_related("uploaded_by").order_by("id")
    ]
    return {
        "case": case,
        "process_name": case.process_version.name,
        "status": case.get_status_display(),
        "subject": case.subject or (case.subject_member.name if case.subject_member_id else ""),
        "verification": verification.as_dict(),
        "events": rows,
        "documents": documents,
        "generated_at": dt.datetime.now(dt.UTC),
        "generated_by": person_name(user),
        "head": case.audit_head,
    }
