"""P5 reminders: what the secretary's reminder task shows (the obligation, its period, the records so far)."""

from __future__ import annotations

from engine.calendar import period_code_label
from workflows.registry import form_context

PROCESS = "orglife_reminder"


@form_context(PROCESS, "attend_to_obligation")
def reminder_context(*, case, task) -> dict:
    d = case.data
    return {
        "obligation": d.get("obligation"),
        "label": d.get("label"),
        "period": d.get("period"),
        "period_display": period_code_label(d["period"]) if d.get("period") else "",
        "period_end": d.get("period_end"),
        "detail": d.get("detail"),
    }
