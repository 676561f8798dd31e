"""流程审计报告 (PDF): a case's audit trail with its chain verification and its documents."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import translation

from engine.calendar import CST
from workflows.actions import AuditAction
from workflows.audit import verify_case
from workflows.models import AuditEvent, Case

from .common import display_names


def _data_text(data: dict) -> str:
    items = []
    for k, v in (data or {}).items():
        if k in ("opened", "fired_timers") and not v:
            continue
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
        items.append(f"{k}: {text[:300]}")
    return "\n".join(items)


def audit_report(case: Case, *, user) -> dict:
    """The printable case audit report: the case, the chain verification result, every event with
    who acted and what was submitted, and every document with its sha256."""
    verification = verify_case(case.pk)
    events = list(AuditEvent.objects.filter(case=case).order_by("seq", "id"))
    people = display_names(e.actor_name for e in events)
    with translation.override("zh-hans"):  # the document's language, whatever the reader's
        labels = {code: str(label) for code, label in AuditAction.choices}
    rows = [
        {
            "seq": e.seq,
            "at": e.created_at.astimezone(CST).strftime("%Y-%m-%d %H:%M"),
            "action": f"{labels.get(e.action, e.action)}（{e.action}）",
            "actor": people.get(e.actor_name, e.actor_name)
            + (f"（代 {e.on_behalf_of_name}）" if e.on_behalf_of_name else ""),
            "task": e.task_name,
            "data": _data_text(e.data.get("submitted") if "submitted" in e.data else e.data),
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
        "generated_by": user.get_full_name() or user.username if user is not None else "system",
        "head": case.audit_head,
    }
