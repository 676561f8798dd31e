"""P4: why the branch was designated, at every step (`workflows.registry.task_facts`).

The identification (排查) kept its signals with their evidence in the case when it started (the
`weak_branch_signals` report, as the committee saw it); each is put here in one sentence of what the
records showed: whose post is empty, which obligations were missed in which periods, the survey's
rate against the minimum. Names, dates and counts only, never a code.
"""

from __future__ import annotations

from engine.calendar import period_code_label
from engine.i18n import _
from workflows.labels import label
from workflows.registry import task_facts

from .procedure import PROCESS


def _secretary_vacant(e: dict) -> str:
    if e.get("last_secretary_term_end"):
        return _("没有在任书记，上任书记任期至 %(d)s") % {"d": e["last_secretary_term_end"]}
    return _("没有在任书记")


def _committee_incomplete(e: dict) -> str:
    text = _("现有支委 %(n)s 人，应有 %(m)s 人（本届选出 %(s)s 人，正式党员 %(f)s 人）") % {
        "n": e.get("committee_members"),
        "m": e.get("required"),
        "s": e.get("seats"),
        "f": e.get("full_members"),
    }
    empty = [p.get("post_display") for p in e.get("empty_posts") or [] if p.get("post_display")]
    if empty:
        text += _("；空缺：%(p)s") % {"p": "、".join(empty)}
    return text


def _term_overdue(e: dict) -> str:
    return _("本届任期 %(s)s 至 %(e)s，已超期 %(n)s 天未换届") % {
        "s": e.get("term_start") or "—",
        "e": e.get("term_end"),
        "n": e.get("days_overdue"),
    }


def _organizational_life_missed(e: dict) -> str:
    parts = []
    for ob in e.get("obligations") or []:
        periods = "、".join(period_code_label(p) for p in ob.get("missed") or [])
        parts.append(f"{ob.get('label', '')}（{periods}）" if periods else str(ob.get("label", "")))
    return _("%(y)s 年未按规定开展：%(what)s") % {"y": e.get("year"), "what": "；".join(parts)}


def _democratic_review_missing(e: dict) -> str:
    return _("%(y)s 年未开展民主评议党员") % {"y": e.get("year")}


def _low_satisfaction(e: dict) -> str:
    return _("%(d)s 测评满意率 %(r)s%%（%(b)s 票），低于 %(m)s%%") % {
        "d": e.get("surveyed_on"),
        "r": e.get("rate"),
        "b": e.get("ballots"),
        "m": e.get("required"),
    }


EVIDENCE = {
    "secretary_vacant": _secretary_vacant,
    "committee_incomplete": _committee_incomplete,
    "term_overdue": _term_overdue,
    "organizational_life_missed": _organizational_life_missed,
    "democratic_review_missing": _democratic_review_missing,
    "low_satisfaction": _low_satisfaction,
}


@task_facts(PROCESS)
def designation_facts(*, case, task) -> list[dict]:
    """Why the branch is on the list: each signal's label and what the records showed."""
    d = case.data
    items = [
        {"label": _("排查日期"), "value": d.get("identified_on")},
        {"label": _("确定日期"), "value": d.get("designated_on")},
    ]
    for s in d.get("signals") or []:
        explain = EVIDENCE.get(s.get("code"))
        items.append(
            {
                "label": label(s.get("label") or ""),
                "value": explain(s.get("evidence") or {}) if explain else "",
            }
        )
    if not d.get("signals"):
        items.append({"label": _("排查依据"), "value": _("排查时未发现软弱涣散情形")})
    return [{"key": "designation", "title": _("确定为软弱涣散党支部的原因"), "items": items}]
