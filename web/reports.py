"""Reads for the pages of the people who oversee (committees, the organization department, auditors)
and for a branch's records: built on the same selectors as the API (`oversight`, `orglife`,
`procedures.member_development`, `workflows`), so a page and an endpoint see the same scope and the
same numbers. Each function answers in a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from engine.calendar import today
from engine.errors import DomainError
from notifications.selectors import tasks_escalated_to
from organizations.models import Member, MemberStatus, Organization, OrgKind, Role
from organizations.rules import deployment_rule_set, standard_set
from organizations.selectors import active_assignments, organizations_visible, scope_q
from orglife.models import MeetingKind
from orglife.selectors import organizations_recordable
from oversight.compliance import (
    OBLIGATION_LABELS,
    STATUS_LABELS,
    Period,
    compliance_by_month,
    compliance_table,
)
from oversight.selectors import branch_terms, weak_branches
from oversight.standards import STATUS_LABELS as STANDARD_STATUS_LABELS
from oversight.standards import parse_year, standards_matrix
from procedures.member_development.selectors import development_pipeline, status_changes_by_year
from workflows.models import Case, ProcessVersion, Task, TaskStatus
from workflows.selectors import cases_visible

from .charts import Cell, bars_svg, funnel_svg, heatmap_svg, line_svg
from .filters import filter_query_problems
from .models import FilterPage, SavedFilter
from .selectors import TABS, inbox_filters_from, inbox_querysets, label

# The development statuses in the order of the funnel (DEV-2014's five stages).
FUNNEL = [
    MemberStatus.APPLICANT,
    MemberStatus.ACTIVIST,
    MemberStatus.DEVELOPMENT_OBJECT,
    MemberStatus.PROBATIONARY,
]


def overseen_organizations(user) -> list[Organization]:
    """Committees and general branches the user can read (a committee page is about a subtree)."""
    return list(
        organizations_visible(user)
        .filter(scope_q(user, "path"))
        .exclude(kind__in=[OrgKind.BRANCH, OrgKind.PARTY_GROUP])
        .order_by("path")
    )


def term_rows(org: Organization, *, on: dt.date | None = None) -> list[dict]:
    """Branch terms (换届) with the months left, or how long overdue: red on the page when overdue."""
    rows = branch_terms(org, on=on)
    for r in rows:
        r["months_left"] = None if r["days_left"] is None else r["days_left"] // 30
        r["months_overdue"] = r["days_overdue"] // 30
    return sorted(
        rows,
        key=lambda r: (not r["overdue"], r["days_left"] if r["days_left"] is not None else 10**6),
    )


def compliance_table_rows(org: Organization, period: Period) -> list[dict]:
    return compliance_table(org, period, rules=deployment_rule_set())


def compliance_view(org: Organization, period: Period) -> dict:
    """The compliance table of a subtree as a heat map (branch × obligation) and the same data as rows."""
    rows = compliance_table_rows(org, period)
    codes: list[str] = []
    for row in rows:
        for ob in row["obligations"]:
            if ob["code"] not in codes:
                codes.append(ob["code"])
    columns = [str(OBLIGATION_LABELS.get(c, c)) for c in codes]
    cells, table = {}, []
    for i, row in enumerate(rows):
        by_code = {ob["code"]: ob for ob in row["obligations"]}
        line = []
        for j, code in enumerate(codes):
            ob = by_code.get(code)
            if ob is None:
                line.append(None)
                continue
            status = ob["status"]
            text = str(STATUS_LABELS.get(status, status))
            href = (
                reverse("web:compliance_cell", args=[row["organization"], code])
                + "?"
                + urlencode({"period": str(period)})
            )
            cells[(i, j)] = Cell(status, f"{row['name']} · {columns[j]}：{text}", href)
            line.append({"status": status, "label": text, "href": href})
        table.append({"name": row["name"], "organization": row["organization"], "cells": line})
    svg = heatmap_svg(
        rows=[r["name"] for r in rows],
        columns=columns,
        cells=cells,
        label=_("%(org)s %(period)s 组织生活落实情况热力图")
        % {"org": org.name, "period": period.label},
    )
    return {"columns": columns, "rows": table, "svg": svg, "period": period}


def compliance_cell(org: Organization, code: str, period: Period) -> dict:
    """One branch's obligation for a period: its status per sub-period and the records behind it."""
    for row in compliance_table(org, period, rules=deployment_rule_set()):
        if row["organization"] != org.pk:
            continue
        for ob in row["obligations"]:
            if ob["code"] == code:
                for p in ob.get("periods", []):
                    p["status_label"] = str(STATUS_LABELS.get(p["status"], p["status"]))
                    for r in p.get("records", []):
                        r["kind_label"] = (
                            str(MeetingKind(r["kind"]).label)
                            if r["kind"] in MeetingKind.values
                            else r["kind"]
                        )
                ob["status_label"] = str(STATUS_LABELS.get(ob["status"], ob["status"]))
                return ob
    return {}


def pipeline_view(org: Organization) -> dict:
    """The development pipeline of a subtree: a funnel of the stages, and per branch the counts."""
    pipeline = development_pipeline(org)
    stages = [(str(s.label), pipeline["members_by_status"].get(s.value, 0)) for s in FUNNEL]
    counts = (
        Member.objects.filter(
            organization__path__startswith=org.path, status__in=[s.value for s in FUNNEL]
        )
        .values("organization_id", "organization__name", "status")
        .annotate(n=Count("id"))
    )
    per_branch: dict[int, dict] = {}
    for c in counts:
        row = per_branch.setdefault(
            c["organization_id"], {"name": c["organization__name"], "counts": Counter()}
        )
        row["counts"][c["status"]] = c["n"]
    branches = [
        {"name": r["name"], "counts": [r["counts"].get(s.value, 0) for s in FUNNEL]}
        for _id, r in sorted(per_branch.items(), key=lambda kv: kv[1]["name"])
    ]
    return {
        "svg": funnel_svg(stages=stages, label=_("%(org)s 发展党员各阶段人数") % {"org": org.name}),
        "stages": stages,
        "labels": [str(s.label) for s in FUNNEL],
        "branches": branches,
        "overdue_tasks": pipeline["overdue_tasks"],
        "overdue_obligations": pipeline["overdue_obligations"],
        "cases_running": pipeline["cases_running"],
    }


TREND_MONTHS = 12
TREND_YEARS = 5
# The development funnel by year: the status a member's record changed to, by the change's date.
FUNNEL_BY_YEAR = [
    (MemberStatus.APPLICANT, _l("递交申请")),
    (MemberStatus.ACTIVIST, _l("确定积极分子")),
    (MemberStatus.DEVELOPMENT_OBJECT, _l("确定发展对象")),
    (MemberStatus.PROBATIONARY, _l("接收预备党员")),
    (MemberStatus.FULL, _l("预备党员转正")),
]


def compliance_trend_view(org: Organization, *, on: dt.date | None = None) -> dict:
    """The last twelve months of the heat map as a line per obligation: the share of judged branches
    that met it, with the counts in the table beside the chart."""
    on = on or today()
    months = []
    y, m = on.year, on.month
    for _i in range(TREND_MONTHS):
        months.append(Period("month", y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    months.reverse()
    trend = compliance_by_month(org, months, rules=deployment_rule_set(), on=on)
    codes = [c for c in OBLIGATION_LABELS if any(c in t["judged"] for t in trend)]
    # a month by its number; January and the first month with the year
    columns = [
        p.label if p.index == 1 or i == 0 else _("%(m)s月") % {"m": p.index}
        for i, p in enumerate(months)
    ]
    names = [str(OBLIGATION_LABELS[c]) for c in codes]
    series = [
        (
            names[k],
            [t["met"].get(c, 0) / t["judged"][c] if t["judged"].get(c) else None for t in trend],
        )
        for k, c in enumerate(codes)
    ]
    rows = [
        {
            "month": t["period"].label,
            "cells": [
                {
                    "met": t["met"].get(c, 0),
                    "judged": t["judged"][c],
                    "share": round(100 * t["met"].get(c, 0) / t["judged"][c]),
                }
                if t["judged"].get(c)
                else None
                for c in codes
            ],
        }
        for t in trend
    ]
    label = _("%(org)s 近十二个月各项组织生活达标支部占比") % {"org": org.name}
    svg = line_svg(
        columns=columns,
        series=series,
        label=label,
        desc=_(
            "每月一条折线一项要求：当月应判定的支部中按要求完成的比例；按季、按年的要求记在期末所在月。数字见旁边的表格。"
        ),
    )
    return {"svg": svg, "names": names, "rows": rows, "label": label}


def funnel_trend_view(org: Organization, *, on: dt.date | None = None) -> dict:
    """The development funnel by year: how many in the subtree applied, became activists,
    development objects, were admitted and converted in each of the last five years (one query)."""
    year = (on or today()).year
    years = list(range(year - TREND_YEARS + 1, year + 1))
    counts = status_changes_by_year(org, years[0], years[-1])
    names = [str(n) for _s, n in FUNNEL_BY_YEAR]
    series = [(str(n), [counts.get((y, s.value), 0) for y in years]) for s, n in FUNNEL_BY_YEAR]
    label = _("%(org)s 近五年发展党员各环节人数") % {"org": org.name}
    svg = bars_svg(
        columns=[str(y) for y in years],
        series=series,
        label=label,
        desc=_(
            "每年一组柱：当年递交申请、确定积极分子、确定发展对象、接收预备党员、预备党员转正的人数，按记录的日期。数字见旁边的表格。"
        ),
    )
    rows = [
        {"year": y, "counts": [counts.get((y, s.value), 0) for s, _n in FUNNEL_BY_YEAR]}
        for y in years
    ]
    return {"svg": svg, "names": names, "rows": rows, "label": label}


OVERDUE_ROWS = 100  # the overdue steps listed one by one; the counts cover them all


def _named(t: dict, now: dt.datetime) -> None:
    """A task row as the dashboard reads it: step and procedure labelled, who or what it is about,
    whole days past due."""
    t["step"] = label(t["name"])
    t["process_name"] = label(t["case__process_version__name"])
    t["subject_display"] = (
        t["case__subject_member__name"] or t["case__subject"] or t["case_organization__name"]
    )
    t["days_overdue"] = max(0, (now - t["due_at"]).days) if t["due_at"] else 0


def overdue_view(user, org: Organization, *, now: dt.datetime | None = None) -> dict:
    """The landing dashboard of the organization department and committee officers: what is overdue
    in `org`'s subtree (`org` is in the user's scope). Open steps past due, counted by branch and
    procedure and listed oldest first (one query); the 督办 items escalated to the user's bodies in
    the subtree (one query); branch terms expired (`term_rows`, the committee page's) and branches
    under remediation (`weak_branch_rows`)."""
    now = now or timezone.now()
    fields = (
        "id",
        "name",
        "due_at",
        "process_id",
        "case_id",
        "case_organization_id",
        "case_organization__name",
        "case__subject",
        "case__subject_member__name",
        "case__process_version__name",
    )
    overdue = list(
        Task.objects.filter(
            status=TaskStatus.OPEN, due_at__lt=now, case_organization__path__startswith=org.path
        )
        .order_by("due_at", "id")
        .values(*fields)
    )
    by_branch: dict[int, dict] = {}
    for t in overdue:
        _named(t, now)
        row = by_branch.setdefault(
            t["case_organization_id"],
            {"name": t["case_organization__name"], "total": 0, "processes": Counter()},
        )
        row["total"] += 1
        row["processes"][t["process_name"]] += 1
    branches = sorted(by_branch.values(), key=lambda r: (-r["total"], r["name"]))
    for r in branches:
        r["processes"] = sorted(r["processes"].items(), key=lambda kv: (-kv[1], kv[0]))
    escalated = list(
        tasks_escalated_to(user)
        .filter(case_organization__path__startswith=org.path)
        .values(*fields)
        .distinct()[:OVERDUE_ROWS]
    )
    for t in escalated:
        _named(t, now)
    return {
        "overdue": overdue[:OVERDUE_ROWS],
        "overdue_count": len(overdue),
        "branches": branches,
        "escalated": escalated,
        "terms_expired": [r for r in term_rows(org) if r["overdue"]],
        "weak": weak_branch_rows(user, org),
    }


def weak_branch_rows(user, org: Organization) -> list:
    return list(weak_branches(user, organization=org).order_by("organization__path"))


def case_search(
    user,
    *,
    subject: str = "",
    process: str = "",
    organization: int | None = None,
    started_from: dt.date | None = None,
    started_to: dt.date | None = None,
) -> QuerySet[Case]:
    """Cases in the user's scope found by the subject's name, procedure, organization and start dates."""
    return cases_visible(
        user,
        process=process or None,
        organization=organization,
        subject=subject or None,
        started_from=started_from,
        started_to=started_to,
    ).select_related("subject_member")


def year_periods(on: dt.date | None = None) -> list[Period]:
    """The periods offered on the committee page: this year and last, and this year's quarters
    (each offered by its label, sent as its code)."""
    year = (on or today()).year
    return [Period("year", year, 1), Period("year", year - 1, 1)] + [
        Period("quarter", year, q) for q in range(1, 5)
    ]


def has_oversight(user) -> bool:
    """Whether the committee page has anything for this user (a committee or general branch in scope)."""
    return (
        Organization.objects.filter(scope_q(user, "path"))
        .filter(~Q(kind__in=[OrgKind.BRANCH, OrgKind.PARTY_GROUP]))
        .exists()
    )


def searchable_organizations(user) -> list[Organization]:
    """The organizations a case search can be narrowed to: those in the user's scope."""
    return list(
        Organization.objects.filter(scope_q(user, "path"))
        .exclude(kind=OrgKind.PARTY_GROUP)
        .order_by("path")
    )


def bpmn_source(case: Case) -> str:
    """The BPMN file of the case's process version that defines its process id."""
    files = (
        ProcessVersion.objects.values_list("files", flat=True).get(pk=case.process_version_id) or {}
    )
    return next((x for x in files.values() if f'id="{case.process_id}"' in x), "")


MAX_SAVED_FILTERS = 20


def saved_filters_visible(user) -> QuerySet:
    """The user's own saved filters and those an office shared with a role the user holds within
    its subtree (hidden ones included)."""
    shared = Q()
    for a in active_assignments(user):
        for ancestor in a.organization.ancestors_and_self_ids():
            shared |= Q(shared_role=a.role, shared_organization_id=ancestor)
    return SavedFilter.objects.filter(Q(owner=user) | (shared if shared else Q(pk__in=[])))


def saved_filters(user, page: str, *, now: dt.datetime | None = None) -> list[dict]:
    """The saved filters the user sees on `page` (`saved_filters_visible`, less those they hid),
    each with the number of rows it finds now (one count per filter, at most MAX_SAVED_FILTERS).
    A stored filter that cannot be applied (saved before its values were checked) is listed with
    the reason instead of a count: one bad shared filter never takes the page down."""
    rows = list(
        saved_filters_visible(user)
        .filter(page=page)
        .exclude(hidden_by=user)
        .select_related("owner", "shared_organization")
        .order_by("name", "id")[:MAX_SAVED_FILTERS]
    )
    now = now or timezone.now()
    out = []
    for f in rows:
        problems = filter_query_problems(page, f.query)
        count = None if problems else _saved_filter_count(user, page, QueryDict(f.query), now)
        out.append(
            {
                "filter": f,
                "count": count,
                "unusable": (
                    _("此筛选无法使用：%(why)s") % {"why": "；".join(problems.values())}
                    if problems
                    else ""
                ),
                "mine": f.owner_id == user.pk,
                "shared_label": str(Role(f.shared_role).label) if f.shared_role else "",
            }
        )
    return out


def saved_filters_hidden(user, page: str) -> list[SavedFilter]:
    """The shared filters the user hid on `page` (to show them again)."""
    return list(
        SavedFilter.objects.filter(page=page, hidden_by=user).order_by("name", "id")[
            :MAX_SAVED_FILTERS
        ]
    )


def _saved_filter_count(user, page: str, params: QueryDict, now: dt.datetime) -> int:
    if page == FilterPage.INBOX:
        tab = params.get("tab") if params.get("tab") in TABS else "todo"
        return inbox_querysets(user, inbox_filters_from(params), now)[tab].count()
    return case_search(
        user,
        subject=params.get("subject", ""),
        process=params.get("process", ""),
        organization=int(params["organization"])
        if params.get("organization", "").isdigit()
        else None,
        started_from=_parse_day(params.get("started_from")),
        started_to=_parse_day(params.get("started_to")),
    ).count()


def _parse_day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- P6: the standards matrix ---------------------------------------------------------------


def standards_year(text, org: Organization) -> int:
    """The year the page judges: `?period=` when it is a year, else the year the latest P6 round
    over `org` (opened in its subtree, or evaluating it) evaluated, else last year (a year is judged
    once it is over; rounds evaluate it early in the next)."""
    try:
        return parse_year(text)
    except DomainError:
        pass
    # The rounds are few (one a year per committee); which evaluated `org` is read here, not with a
    # JSON `contains` lookup, which SQLite (a newcomer's demo) does not have.
    rounds = Case.objects.filter(process_id="model_branch_evaluation").values_list(
        "organization__path", "data__branch_ids", "data__year"
    )
    years = [
        year
        for path, branch_ids, year in rounds
        if path.startswith(org.path) or org.pk in (branch_ids or [])
    ]
    return max((y for y in years if isinstance(y, int)), default=today().year - 1)


def standards_view(org: Organization, year: int, set_code: str) -> dict:
    """The branch × standard matrix of a subtree for a year as a heat map and a table whose every
    cell links to the page of the records it judges."""
    matrix = standards_matrix(org, standard_set(set_code), year=year, rules=deployment_rule_set())
    columns = [s["title"] for s in matrix["standards"]]
    cells, rows = {}, []
    for i, b in enumerate(matrix["branches"]):
        line = []
        for j, c in enumerate(b["cells"]):
            href = (
                reverse("web:standards_cell", args=[b["organization"], c["standard"]])
                + "?"
                + urlencode({"period": year, "standard_set": set_code})
            )
            cells[(i, j)] = Cell(c["status"], f"{b['name']} · {columns[j]}：{c['label']}", href)
            line.append(
                {"status": c["status"], "label": c["label"], "href": href, "title": columns[j]}
            )
        rows.append({"name": b["name"], "organization": b["organization"], "cells": line})
    svg = heatmap_svg(
        rows=[b["name"] for b in matrix["branches"]],
        columns=columns,
        cells=cells,
        label=_("%(org)s %(year)s 年服务型党支部标准达标情况热力图")
        % {"org": org.name, "year": year},
    )
    return {"title": matrix["title"], "columns": columns, "rows": rows, "svg": svg, "year": year}


def standards_cell(user, branch: Organization, code: str, year: int, set_code: str) -> dict:
    """One branch's standard for a year: each item's status, periods and the records it judges, each
    record with the page that shows it, or none where partyflow keeps no page for it or `user` may
    not open it (a case outside their scope; the roster, kept by those who keep the records)."""
    matrix = standards_matrix(
        branch, standard_set(set_code), year=year, rules=deployment_rule_set()
    )
    row = next((b for b in matrix["branches"] if b["organization"] == branch.pk), None)
    cell = next((c for c in (row or {}).get("cells", []) if c["standard"] == code), None)
    if cell is None:
        return {}
    records = [r for item in cell["items"] for r in item["records"]]
    records += [d for item in cell["judgement_only"] for d in item["documents"]]
    cases = {r.get("case") for r in records if r["type"] in ("document", "satisfaction_survey")}
    cases |= {r["id"] for r in records if r["type"] == "case"}
    opens = {
        "cases": set(
            cases_visible(user).filter(pk__in=cases - {None}).values_list("pk", flat=True)
        ),
        "roster": organizations_recordable(user).filter(pk=branch.pk).exists(),
    }
    for item in cell["items"] + cell["judgement_only"]:
        item["status_label"] = str(STANDARD_STATUS_LABELS[item["status"]])
        for p in item.get("periods", []):
            p["status_label"] = str(STANDARD_STATUS_LABELS[p["status"]])
    for r in records:
        r["href"] = record_href(r, branch, year, opens)
    return cell


def record_href(record: dict, branch: Organization, year: int, opens: dict) -> str | None:
    """The page of one record a standard judges: a meeting's minutes, a case, a linked document, a
    survey's round, the member's record for what a member did (training, pairing, volunteering,
    study hours), the branch's dues collection for the year's dues, its roster for its committee and
    term. `opens`: {"cases": ids the reader may open, "roster": whether they may read the roster}."""
    kind, pk = record["type"], record["id"]
    if kind == "meeting":
        return reverse("web:meeting", args=[pk])
    if kind == "case":
        return reverse("web:case", args=[pk]) if pk in opens["cases"] else None
    if kind == "document":
        return (
            reverse("web:document", args=[record["case"], pk])
            if record["case"] in opens["cases"]
            else None
        )
    if kind == "satisfaction_survey":
        return (
            reverse("web:case", args=[record["case"]])
            if record.get("case") in opens["cases"]
            else None
        )
    if kind in ("training", "pairing", "volunteer_service"):
        return reverse("web:member_record", args=[record["member"]])
    if kind == "study_hours":
        return reverse("web:member_record", args=[pk])
    if kind == "dues":
        month = f"{year}-12" if year < today().year else today().strftime("%Y-%m")
        return reverse("web:dues") + "?" + urlencode({"organization": branch.pk, "month": month})
    if kind in ("organization", "role") and opens["roster"]:
        return reverse("web:roster") + "?" + urlencode({"organization": branch.pk})
    return None
