"""A notification's subject and text in the active language, from its kind and parameters."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext as _

from engine.calendar import CST


def _when(value) -> str:
    """A due moment as people read it: a deadline at the end of a day is "<that day> 24:00"."""
    if not value:
        return ""
    local = dt.datetime.fromisoformat(value).astimezone(CST)
    if local.time() == dt.time(0, 0):
        return (local.date() - dt.timedelta(days=1)).strftime("%Y-%m-%d 24:00")
    return local.strftime("%Y-%m-%d %H:%M")


def render(kind: str, params: dict, *, resolved: bool = False) -> tuple[str, str]:
    """(subject, text). Task names are BPMN labels, translated through the catalog (workflows/labels.py).
    `resolved`: the task was done (or cancelled) since; the notice no longer asks anyone to act."""
    task = params.get("task")
    p = {
        "task": gettext(task) if task else "",
        "case": params.get("case", ""),
        "organization": params.get("organization", ""),
        "due": _when(params.get("due_at")),
    }
    if resolved and kind != "term_expiry":
        return (
            _("已办理：%(task)s") % p,
            _("任务“%(task)s”（%(case)s）已办理，无需再处理。") % p,
        )
    if kind == "due_soon":
        return (
            _("任务即将到期：%(task)s") % p,
            _("您的待办任务“%(task)s”（%(case)s）将于 %(due)s（北京时间）到期，请及时办理。") % p,
        )
    if kind == "term_expiry":
        q = {"organization": params.get("organization", ""), "term_end": params.get("term_end", "")}
        return (
            _("换届提醒：%(organization)s") % q,
            _(
                "%(organization)s 本届支部委员会（书记）任期将于 %(term_end)s 届满，请支部提交换届请示，上级党委及时批复。"
            )
            % q,
        )
    if kind == "overdue":
        return (
            _("任务已逾期：%(task)s") % p,
            _(
                "您的待办任务“%(task)s”（%(case)s）已于 %(due)s（北京时间）到期，现已逾期，请尽快办理。"
            )
            % p,
        )
    return (
        _("逾期督办：%(organization)s %(task)s") % p,
        _(
            "%(organization)s 的任务“%(task)s”（%(case)s）已于 %(due)s（北京时间）逾期，已转上级党委督办。"
        )
        % p,
    )


def notification_state_label(n) -> str:
    """已办理 when the task it is about is done (it asks nobody to act), else 未读 / 已读."""
    if n.resolved_at is not None:
        return _("已办理")
    return _("未读") if n.read_at is None else _("已读")
