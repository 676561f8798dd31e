"""A notification's subject and text in the active language, from its kind and parameters."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from engine.calendar import cn_date, deadline_text, last_day_before

from .models import AlertKind


def _when(value) -> str:
    """A due moment as people read it (2026年12月10日 24:00 for the end of that day), "" for none."""
    return deadline_text(dt.datetime.fromisoformat(value)) if value else ""


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
        q = {
            "organization": params.get("organization", ""),
            "term_end": cn_date(params.get("term_end")),
        }
        return (
            _("换届提醒：%(organization)s") % q,
            _(
                "%(organization)s 本届支部委员会（书记）任期将于 %(term_end)s 届满，请支部提交换届请示，上级党委及时批复。"
            )
            % q,
        )
    if kind == "channel_failing":
        q = {"channel": params.get("channel_label", ""), "error": params.get("error", "")}
        return (
            _("消息渠道发送失败：%(channel)s") % q,
            _(
                "“%(channel)s”的消息多次重试后仍未送达（原因：%(error)s），已停止重试。"
                "请检查该渠道的配置或对方服务；当天未送达的条数和每次尝试见“消息发送记录”页。"
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


def link_for(*, task_id=None, case_id=None) -> str:
    """The page a message sends a person to: the task's, else the case's."""
    base = settings.PARTYFLOW["SITE_URL"]
    if task_id:
        return f"{base}/tasks/{task_id}/"
    if case_id:
        return f"{base}/cases/{case_id}/"
    return f"{base}/notifications/"


def last_day(params: dict) -> str:
    """The deadline's last day (a deadline at 24:00 of a day is that day), "" when none."""
    if not params.get("due_at"):
        return ""
    return cn_date(last_day_before(dt.datetime.fromisoformat(params["due_at"])))


def outgoing(kind: str, params: dict, *, task_id=None, case_id=None) -> tuple[str, str, str]:
    """(subject, text, link) of a message that leaves the system: the task's name, the case's
    subject, the deadline's last day and the link, nothing more (no member's data, no ratings)."""
    subject, _text = render(kind, params)
    link = link_for(task_id=task_id, case_id=case_id)
    if kind in ("term_expiry", "channel_failing"):
        return subject, f"{render(kind, params)[1]}\n{_('查看')}：{link}", link
    lines = [
        subject,
        f"{_('任务')}：{gettext(params['task']) if params.get('task') else ''}",
        f"{_('事项')}：{params.get('case', '')}",
    ]
    if params.get("due_at"):
        lines.append(f"{_('办理期限')}：{last_day(params)}")
    lines.append(f"{_('办理')}：{link}")
    return subject, "\n".join(lines), link


class DigestLines:
    """The lines of daily digests in the active language, one per open notice. The texts that
    repeat across tens of thousands of digests (the line's pattern, kind labels, task names) are
    translated once per instance."""

    def __init__(self) -> None:
        self.pattern = _("【%(kind)s】%(task)s（%(case)s），办理期限 %(day)s")
        self.kinds = {k.value: str(k.label) for k in AlertKind}
        self.tasks: dict[str, str] = {}

    def line(self, kind: str, params: dict, *, task_id=None, case_id=None) -> str:
        link = link_for(task_id=task_id, case_id=case_id)
        if kind in ("term_expiry", "channel_failing"):
            return f"{render(kind, params)[0]} {link}"
        task = params.get("task") or ""
        if task not in self.tasks:
            self.tasks[task] = gettext(task) if task else ""
        p = {
            "kind": self.kinds.get(kind, kind),
            "task": self.tasks[task],
            "case": params.get("case", ""),
            "day": last_day(params),
        }
        return self.pattern % p + f" {link}"


def notification_state_label(n) -> str:
    """已办理 when the task it is about is done (it asks nobody to act), else 未读 / 已读."""
    if n.resolved_at is not None:
        return _("已办理")
    return _("未读") if n.read_at is None else _("已读")
