"""Reads for 党内统计: the tables with their checks for an organization's subtree and a cut-off date,
the people behind one cell, and the differences against the filed tables. The API and the page
read the same dictionaries."""

from __future__ import annotations

import datetime as dt

from engine.calendar import cn_date
from engine.calendar import today as cst_today
from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.models import MemberStatus, Organization

from ..models import StatisticsFiling
from .checks import Check, _difference, run_checks
from .config import StatisticsConfig, statistics_config
from .records import LEFT, load
from .tables import CHANGES_ROWS, EDUCATION_OF, ORGANIZATIONS, Computation, compute


def default_cutoff(on: dt.date | None = None) -> dt.date:
    """12-31 of the current year: the annual 党统's cut-off."""
    return dt.date((on or cst_today()).year, 12, 31)


def parse_cutoff(value) -> dt.date:
    if value in (None, ""):
        return default_cutoff()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(
            _("统计截止日期须为日期（YYYY-MM-DD）。"),
            code="invalid_parameter",
            fields={"cutoff": [_("日期格式应为 YYYY-MM-DD")]},
        ) from None


class Statistics:
    """One computation with what it needs to name people: the tables, checks and the records read."""

    def __init__(self, root: Organization, cutoff: dt.date, config: StatisticsConfig | None = None):
        self.root = root
        self.config = config or statistics_config()
        self.people, self.orgs = load(root, self.config)
        self.comp: Computation = compute(
            self.people,
            self.orgs,
            root_id=root.pk,
            cutoff=cutoff,
            today=cst_today(),
            config=self.config,
        )
        self.checks: list[Check] = run_checks(self.comp)
        self.filing = StatisticsFiling.objects.filter(organization=root, cutoff=cutoff).first()
        previous = StatisticsFiling.objects.filter(
            organization=root, cutoff=self.comp.year_start - dt.timedelta(days=1)
        ).first()
        if previous is not None:
            self.checks.append(_opening_against_filing(self.comp, previous))
        self._org_names: dict[int, str] | None = None

    @property
    def tables(self) -> dict:
        return self.comp.tables

    def org_names(self) -> dict[int, str]:
        if self._org_names is None:
            self._org_names = dict(
                Organization.objects.filter(path__startswith=self.root.path).values_list(
                    "id", "name"
                )
            )
        return self._org_names

    def name_people(self, ids, subject: str = "members") -> list[dict]:
        names = self.org_names()
        if subject == ORGANIZATIONS:
            kinds = {o.id: o.kind for o in self.orgs}
            return [{"id": pk, "name": names.get(pk, ""), "kind": kinds.get(pk, "")} for pk in ids]
        by_id = {p.id: p for p in self.people} if not hasattr(self, "_by_id") else self._by_id
        self._by_id = by_id
        labels = dict(MemberStatus.choices)
        out = []
        for pk in ids:
            p = by_id.get(pk)
            if p is None:  # a filed person no longer in the subtree
                out.append({"id": pk, "name": "", "organization_name": "", "status_display": ""})
                continue
            out.append(
                {
                    "id": pk,
                    "name": p.name,
                    "organization_name": names.get(p.organization_id, ""),
                    "status_display": str(labels.get(p.status, p.status)),
                    "record": _record_text(p),
                }
            )
        return out


def _record_text(p) -> str:
    """What the record says about the fields the tables count by, for the office to correct: the
    dates it holds, and 出生日期 or 学历 when missing."""
    parts = []
    for label, value in (
        (_("入党日期"), p.joined_on),
        (_("计入发展日期"), p.admitted_on if p.admitted_on != p.joined_on else None),
        (_("转正日期"), p.standing_from),
        (_("转入日期"), p.transferred_in_on),
        (_("离开日期"), p.exit_on),
    ):
        if value:
            parts.append(f"{label} {cn_date(value)}")
    labels = dict(CHANGES_ROWS)
    for when, _row, key, _after in p.moves:
        parts.append(f"{labels[key]} {cn_date(when)}")
    if p.birth_date is None:
        parts.append(str(_("出生日期未填")))
    if p.education not in EDUCATION_OF:
        parts.append(str(_("学历未填或不在统计分类中")))
    if p.status in LEFT and p.exit_on is None and not p.moves:
        parts.append(str(_("无离开日期")))
    return "；".join(str(x) for x in parts)


def _opening_against_filing(comp: Computation, previous: StatisticsFiling) -> Check:
    """C3: this year's 上年底总数 = last year's filed 本年底实有数."""
    change = comp.tables["membership_change"]
    filed = previous.people.get("membership_change", {}).get("16|count", [])
    now = change.cell_people("1", "count")
    return Check(
        code="C3",
        text=_("党员数量变化情况·上年底总数 = 上年报送的本年底实有数（%(d)s）")
        % {"d": cn_date(previous.cutoff)},
        ok=len(now) == len(filed) and not _difference(now, filed),
        cells=[("membership_change", "1", "count")],
        left=len(now),
        right=len(filed),
        people=_difference(now, filed),
    )


def statistics_view(stats: Statistics) -> dict:
    """The tables, the checks (failed first, each with the people named) and the notes."""
    comp = stats.comp
    tables = []
    for t in comp.tables.values():
        tables.append(
            {
                "key": t.key,
                "title": str(t.title),
                "source": str(t.source),
                "subject": t.subject,
                "cols": [{"key": k, "label": str(lab)} for k, lab in t.cols],
                "rows": [
                    {
                        "key": r,
                        "label": str(lab),
                        "cells": [{"col": c, "value": t.value(r, c)} for c, _l in t.cols],
                    }
                    for r, lab in t.rows
                ],
                "notes": [str(n) for n in t.notes],
            }
        )
    checks = sorted(stats.checks, key=lambda c: c.ok)
    return {
        "organization": stats.root.pk,
        "organization_name": stats.root.name,
        "cutoff": comp.cutoff.isoformat(),
        "year_start": comp.year_start.isoformat(),
        "cutoff_display": cn_date(comp.cutoff),
        "year_start_display": cn_date(comp.year_start),
        "tables": tables,
        "checks_ok": all(c.ok for c in checks),
        "checks_total": len(checks),
        "checks_failed": sum(not c.ok for c in checks),
        "checks": [
            {
                "code": c.code,
                "text": str(c.text),
                "ok": c.ok,
                "left": c.left,
                "right": c.right,
                "cells": [{"table": t, "row": r, "col": col} for t, r, col in c.cells],
                "people": stats.name_people(c.people[:200], c.subject),
                "people_count": len(c.people),
            }
            for c in checks
            if not c.ok
        ],
        "settings": [{**n, "text": str(n["text"])} for n in comp.config.notes()],
        "filing": _filing_info(stats),
    }


def _filing_info(stats: Statistics) -> dict | None:
    f = stats.filing
    if f is None:
        return None
    return {
        "filed_at": f.filed_at.isoformat(),
        "filed_on_display": cn_date(f.filed_at),
        "filed_by": f.filed_by.get_username() if f.filed_by_id else "",
        "differences": filing_differences(stats, f),
    }


def filing_differences(stats: Statistics, filing: StatisticsFiling) -> list[dict]:
    """Each cell whose people differ from the filed ones: the number filed, the number now, who
    was added and who is no longer counted."""
    out = []
    for t in stats.comp.tables.values():
        filed_people = filing.people.get(t.key, {})
        filed_values = filing.values.get(t.key, {})
        for r, rlab in t.rows:
            for c, clab in t.cols:
                key = f"{r}|{c}"
                now, before = t.cell_people(r, c), filed_people.get(key, [])
                now_value, filed_value = t.value(r, c), filed_values.get(key, 0)
                if now_value == filed_value and not _difference(now, before):
                    continue
                added = sorted(set(now) - set(before))
                removed = sorted(set(before) - set(now))
                out.append(
                    {
                        "table": t.key,
                        "table_title": str(t.title),
                        "row": r,
                        "col": c,
                        "label": f"{rlab}·{clab}" if len(t.cols) > 1 else str(rlab),
                        "filed": filed_value,
                        "now": now_value,
                        "added": stats.name_people(added[:100], t.subject),
                        "removed": stats.name_people(removed[:100], t.subject),
                    }
                )
    return out


def cell_view(stats: Statistics, table: str, row: str, col: str) -> dict:
    """The people (or organizations) one cell counts; an unknown table, row or column is a 400
    naming it."""
    t = stats.tables.get(table)
    if t is None:
        raise ValidationFailed(
            _("没有这张统计表。"), code="invalid_parameter", fields={"table": [_("无此表")]}
        )
    rows, cols = dict(t.rows), dict(t.cols)
    if row not in rows:
        raise ValidationFailed(
            _("统计表中没有这一行。"), code="invalid_parameter", fields={"row": [_("无此行")]}
        )
    if col not in cols:
        raise ValidationFailed(
            _("统计表中没有这一栏。"), code="invalid_parameter", fields={"col": [_("无此栏")]}
        )
    ids = t.cell_people(row, col)
    return {
        "organization": stats.root.pk,
        "organization_name": stats.root.name,
        "cutoff": stats.comp.cutoff.isoformat(),
        "cutoff_display": cn_date(stats.comp.cutoff),
        "table": table,
        "table_title": str(t.title),
        "row": row,
        "row_label": str(rows[row]),
        "col": col,
        "col_label": str(cols[col]),
        "subject": t.subject,
        "value": t.value(row, col),
        "people": stats.name_people(ids, t.subject),
    }
