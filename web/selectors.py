"""Reads for the pages, built on the platform's selectors (`workflows.selectors`,
`notifications.selectors`) so a page sees exactly what the API sees: the same scope, the same
inbox. Each function answers in a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from engine.calendar import CST, calendar_coverage, cn_date, last_day_before
from engine.errors import Forbidden
from engine.holidays import HolidayFileInvalid
from engine.rules import get_rule_set
from forms.validation import load_schema
from notifications.render import notification_state_label
from notifications.render import render as render_notification
from notifications.selectors import tasks_escalated_to, unread
from organizations.models import Organization, OrgKind, Role
from organizations.selectors import active_assignments, is_org_department, organizations_visible
from procedures.member_development.selectors import PROCESS as DEVELOPMENT
from workflows import registry
from workflows.actions import action_label
from workflows.archive import TASK_TABLES, case_tasks, task_case_ids
from workflows.assignment import (
    LANE_BODIES,
    LANE_LABELS,
    PERSONAL_TASK,
    acting_for,
    active_delegations,
    delegated_task_q,
    is_personal,
    parse_slot,
    slot_holders,
)
from workflows.citations import citations
from workflows.display import (
    actors_in_words,
    event_step,
    member_hints,
    member_ids_in,
    member_names,
    submitted_in_words,
    user_names,
    value_in_words,
)
from workflows.models import AuditEvent, Case, ProcessVersion, Task, TaskStatus
from workflows.personal import case_data_for, events_for
from workflows.selectors import (
    INBOX_FIELDS,
    INBOX_NAMES,
    case_documents,
    case_history,
    event_date,
    task_inbox,
)
from workflows.services.state import version_specs

from .diagram import laid_out

# "todo" (the default): what the person should act on now, their own and their roles' queue in one
# list, due first; the other tabs are filters of it (and of what they did).
TABS = ("todo", "mine", "queue", "done")
PAGE_ROWS = 100


# Organizations whose officers oversee branches below them (the committee page, the dashboard).
OVERSEEING_KINDS = (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)
# The roles whose holders land on the overdue dashboard when held at a committee or general branch.
DASHBOARD_ROLES = (Role.ORG_DEPARTMENT, Role.COMMITTEE_OFFICER)


def landing(user) -> str:
    """Where a person lands after login and at "/": the page of their most "office" role. The
    organization department and committee officers (at a committee or general branch): the overdue
    dashboard; auditors: the case search; branch secretaries, committee members and members: the
    inbox. Superusers oversee everything: the dashboard. Reads the assignments the request loaded."""
    if user.is_superuser:
        return reverse("web:overview")
    roles = active_assignments(user)
    if any(a.role in DASHBOARD_ROLES and a.organization.kind in OVERSEEING_KINDS for a in roles):
        return reverse("web:overview")
    if any(a.role == Role.AUDITOR for a in roles):
        return reverse("web:case_search")
    return reverse("web:inbox")


def label(text: str) -> str:
    """A Chinese label from a BPMN or form file in the active language ('' stays '')."""
    return gettext(text) if text else text


@dataclass
class InboxFilters:
    process: str = ""
    organization: int | None = None
    due_within: int | None = None
    overdue: bool = False
    escalated: bool = False
    delegated: bool = False
    q: str = ""

    def more(self) -> bool:
        """Any filter besides the search box (the page opens the 'more filters' panel)."""
        return any(
            [
                self.process,
                self.organization,
                self.due_within is not None,
                self.overdue,
                self.escalated,
                self.delegated,
            ]
        )

    def active(self) -> bool:
        return self.more() or bool(self.q)


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def inbox_filters_from(g) -> InboxFilters:
    """Inbox filters from a query string (the page's, or a saved filter's); malformed numbers are
    ignored (and shown as unset)."""
    f = InboxFilters(
        process=g.get("process", "")[:100],
        organization=_int_or_none(g.get("organization")),
        due_within=_int_or_none(g.get("due_within")),
        overdue=g.get("overdue") == "1",
        escalated=g.get("escalated") == "1",
        delegated=g.get("delegated") == "1",
        q=g.get("q", "").strip()[:100],
    )
    if f.due_within is not None:
        f.due_within = max(0, min(f.due_within, 3650))
    return f


def _filtered(qs: QuerySet, user, f: InboxFilters, now: dt.datetime) -> QuerySet:
    if f.process:
        qs = qs.filter(process_id=f.process)
    if f.organization:
        qs = qs.filter(case_organization_id=f.organization)
    if f.overdue:
        qs = qs.filter(due_at__lt=now)
    if f.due_within is not None:
        qs = qs.filter(due_at__lt=now + dt.timedelta(days=f.due_within + 1))
    if f.delegated:
        qs = qs.filter(delegated_task_q(user)) if active_delegations(user) else qs.none()
    if f.q:
        qs = qs.filter(
            Q(case__subject__icontains=f.q)
            | Q(case__subject_member__name__icontains=f.q)
            | Q(case_organization__name__icontains=f.q)
        )
    return qs


def inbox_querysets(user, f: InboxFilters, now: dt.datetime) -> dict[str, QuerySet]:
    """The lists: mine (claimed by me, or personal), my roles' queue (unclaimed, per lane and
    organization; never a personal step), both together (todo), done by me. `escalated` replaces
    the open lists by the committee's 督办 list."""
    if f.escalated:
        open_qs = tasks_escalated_to(user)
        mine = open_qs.filter(claimed_by=user)
        queue = open_qs.filter(claimed_by__isnull=True)
    else:
        open_qs = task_inbox(user)
        mine = open_qs.filter(Q(claimed_by=user) | PERSONAL_TASK)
        queue = open_qs.filter(claimed_by__isnull=True).exclude(PERSONAL_TASK)
    todo = open_qs.filter(Q(claimed_by=user) | PERSONAL_TASK | Q(claimed_by__isnull=True))
    done = Task.objects.filter(completed_by=user, status=TaskStatus.COMPLETED).order_by(
        "-completed_at", "-id"
    )
    return {
        "todo": _filtered(todo, user, f, now),
        "mine": _filtered(mine, user, f, now),
        "queue": _filtered(queue, user, f, now),
        "done": _filtered(done, user, f, now),
    }


# What the page's row shows besides the task row's fields and names (`workflows.selectors`).
ROW_FIELDS = {
    "subject": F("case__subject"),
    "subject_member": F("case__subject_member__name"),
}


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.astimezone(CST).date() if moment else None


def inbox_rows(qs: QuerySet, now: dt.datetime, limit: int = PAGE_ROWS, user=None) -> list[dict]:
    """Rows as the inbox shows them: step, subject, organization, due date with days left, and
    for `user` whether the row is theirs (claimed by them, or personal) or theirs to claim."""
    today = _day(now)
    process_names = dict(
        ProcessVersion.objects.filter(is_current=True).values_list("process_id", "name")
    )
    rows = []
    for r in qs.values(*INBOX_FIELDS, "slot", "claimed_by_id", **INBOX_NAMES, **ROW_FIELDS)[:limit]:
        due = r["due_at"]
        personal = is_personal(
            slot=r["slot"],
            lane=r["lane"],
            assignee_organization_id=r["assignee_organization_id"],
            case_organization_id=r["case_organization_id"],
        )
        is_open = r["status"] == TaskStatus.OPEN
        # A deadline falls at 24:00 of its last day (00:00 of the next): the last day is what a
        # person reads, and "今天到期" on it.
        due_day = last_day_before(due) if due else None
        days = (due_day - today).days if due else None
        rows.append(
            {
                **r,
                "name": label(r["name"]),
                "stage": label(r["stage"]),
                "process_name": label(process_names.get(r["process_id"], r["process_id"])),
                "lane_label": str(LANE_LABELS.get(r["lane"], r["lane"])),
                "subject_display": r["subject_member"] or r["subject"] or r["organization_name"],
                "overdue": bool(r["status"] == TaskStatus.OPEN and due and due < now),
                "days_left": days,
                "due_day": due_day,
                "overdue_days": -days if days is not None and days < 0 else 0,
                "personal": personal,
                "mine": bool(
                    user is not None and (r["claimed_by_id"] == user.pk or personal) and is_open
                ),
                "to_claim": bool(is_open and r["claimed_by_id"] is None and not personal),
            }
        )
    return rows


def inbox(user, *, tab: str, filters: InboxFilters, now: dt.datetime | None = None) -> dict:
    """The inbox page: the rows of one tab and the count of each tab (4 queries + process names;
    todo is mine and queue together, which do not overlap, so its count is their sum)."""
    now = now or timezone.now()
    lists = inbox_querysets(user, filters, now)
    tab = tab if tab in TABS else "todo"
    counts = {name: qs.count() for name, qs in lists.items() if name != "todo"}
    counts["todo"] = counts["mine"] + counts["queue"]
    return {"tab": tab, "counts": counts, "rows": inbox_rows(lists[tab], now, user=user)}


def _count(qs: QuerySet) -> Subquery:
    return Subquery(qs.order_by().values(n=Func("id", function="COUNT")), IntegerField())


def nav_counts(user, now: dt.datetime | None = None) -> dict[str, int]:
    """What the top bar counts on every page, in one statement: unread notifications (the bell)
    and the overdue steps of the user's inbox (their own and their roles' queue: 逾期 N)."""
    now = now or timezone.now()
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            unread=_count(unread(user)),
            overdue=_count(task_inbox(user).filter(due_at__lt=now)),
        )
        .first()
    )
    return row or {"unread": 0, "overdue": 0}


def inbox_filter_choices(user) -> dict:
    """The processes and organizations the filters offer (the user's scope only)."""
    processes = [
        (p, label(n))
        for p, n in ProcessVersion.objects.filter(is_current=True)
        .order_by("process_id")
        .values_list("process_id", "name")
    ]
    orgs = list(organizations_visible(user).order_by("path").values_list("id", "name")[:300])
    return {"processes": processes, "organizations": orgs}


def next_task_for(user, *, after: Task) -> Task | None:
    """The next task to open after completing `after`: the next step of the same case when the
    user holds it, else the first of their inbox (due first); one query."""
    same_case = DbCase(When(case_id=after.case_id, then=Value(0)), default=Value(1))
    return (
        task_inbox(user)
        .exclude(pk=after.pk)
        .order_by(same_case, F("due_at").asc(nulls_last=True), "id")
        .first()
    )


# --- task page --------------------------------------------------------------------------------

SOURCES = {
    "DEV-2014": gettext_lazy("《中国共产党发展党员工作细则》"),
    "ELEC-2020": gettext_lazy("《中国共产党基层组织选举工作条例》"),
    "BRANCH-2018": gettext_lazy("《中国共产党支部工作条例（试行）》"),
    "DISPOSAL-2024": gettext_lazy("《中国共产党不合格党员组织处置办法》"),
    "CONST": gettext_lazy("《中国共产党章程》"),
    "XYTC": gettext_lazy("党支部建设“两化一创”清单"),
    "JSNU": gettext_lazy("服务型党支部“六好”标准"),
    "DUES-2008": gettext_lazy("《关于中国共产党党费收缴、使用和管理的规定》"),
    "DUES-2017": gettext_lazy("《关于进一步规范党费工作的通知》"),
}


def rule_citations(documentation: str) -> list[str]:
    """The regulations a step's documentation cites, by their Chinese names with the article:
    'DEV-2014 Art. 5-6' → '《中国共产党发展党员工作细则》第5—6条'."""
    out = []
    for cited in citations(documentation):
        source, unit = cited["source"], cited["unit"]
        if source not in SOURCES:
            continue
        numbers = re.sub(r"[,\s]+$", "", cited["numbers"] or "")
        text = str(SOURCES[source])
        if numbers:
            nums = (
                numbers.replace(" and ", "、")
                .replace(", ", "、")
                .replace(",", "、")
                .replace("-", "—")
            )
            text += {
                "Art.": gettext("第%(n)s条"),
                "Ch.": gettext("第%(n)s章"),
                "§": gettext("第%(n)s项"),
            }[unit] % {"n": nums}
        if text not in out:
            out.append(text)
    return out


RULE_KEY = re.compile(r"'([a-z_]+\.[a-z_]+)'")


def _due_expression(case: Case, element_id: str) -> str | None:
    """The `dueDate` expression the step's BPMN gives (None: the diagram sets no deadline), from
    the version's parsed specs (cached per process by the engine)."""
    spec, subprocesses = version_specs(case.process_version)
    for process in (spec, *subprocesses.values()):
        for ts in process.task_specs.values():
            if getattr(ts, "bpmn_id", None) == element_id:
                props = (getattr(ts, "extensions", None) or {}).get("properties") or {}
                if props.get("dueDate"):
                    return props["dueDate"]
    return None


def rule_source_text(source: str) -> str:
    """A rule's source ('DEV-2014 第7条', 'XYTC §3-6') with the regulation by its Chinese name;
    '' for a source that names a step of our own procedure ('P2 step 1'), not a regulation."""
    return cited_in_words(source)


_CODES = re.compile(r"\b(" + "|".join(re.escape(c) for c in SOURCES) + r")\b\s*")
_ARTICLES = re.compile(r"\bArt\.\s*([\d\s,\-–and]*\d)")
_CHAPTERS = re.compile(r"\bCh\.\s*(\d+)")
_ITEMS = re.compile(r"§\s*([\d\-]+)")
_OWN_STEPS = re.compile(r"[（(]?\bP\d+ step \d+\b[）)]?")


def cited_in_words(text: str) -> str:
    """A text citing regulations by their codes ('（ELEC-2020 第3条、第5条）', 'BRANCH-2018 第11条,
    XYTC §4-2') as people cite them: each regulation by its Chinese name, articles and items in
    Chinese ('第4—2项'); a reference to one of our own procedure steps ('P2 step 1') left out."""
    if not text:
        return text
    text = _OWN_STEPS.sub("", str(text))
    text = _ARTICLES.sub(
        lambda m: (
            gettext("第%(n)s条")
            % {"n": re.sub(r"\s*(,|and)\s*", "、", m.group(1)).replace("-", "—")}
        ),
        text,
    )
    text = _CHAPTERS.sub(lambda m: gettext("第%(n)s章") % {"n": m.group(1)}, text)
    text = _ITEMS.sub(lambda m: gettext("第%(n)s项") % {"n": m.group(1).replace("-", "—")}, text)
    text = _CODES.sub(lambda m: str(SOURCES[m.group(1)]), text)
    return text.replace(", ", "，").replace(",", "，").strip()


def deadline_basis(task: Task) -> dict:
    """Why the step has the deadline it has: `rules`, the rule set's rules its BPMN deadline is
    computed from (their words and article); `unset` when the rules set no deadline for it (the
    diagram names none, or the case's rule set leaves the named rule empty)."""
    case = task.case
    expression = _due_expression(case, task.element_id)
    if expression is None:
        return {"rules": [], "unset": True}
    rule_set = get_rule_set(case.rule_set)
    rules = [rule_set.rules[k] for k in RULE_KEY.findall(expression) if k in rule_set.rules]
    return {
        "rules": [
            {"title": label(r.title), "source": rule_source_text(r.source)}
            for r in rules
            if r.value is not None
        ],
        "unset": task.due_at is None and bool(rules) and all(r.value is None for r in rules),
    }


def can_act_on(user, task: Task) -> bool:
    """May the user work on this open task (own lane, or a delegation in force)? Others in scope
    (an auditor, the committee above) see it read-only. No extra query: slots and delegations are
    cached on the user."""
    if task.status != TaskStatus.OPEN:
        return False
    try:
        acting_for(user, task)
    except Forbidden:
        return False
    return True


def delegate_candidates(task: Task, *, exclude) -> list:
    """Who the task may be handed to: the people holding a lane of the same body at the same
    organization (the delegation service checks it again), in one query."""
    body = LANE_BODIES.get(task.lane)
    if body is None:
        return []
    org = parse_slot(task.slot)[1]
    slots = [f"{lane}@{org}" for lane, b in LANE_BODIES.items() if b == body]
    seen, out = set(), []
    for users in slot_holders(slots).values():
        for u in users:
            if u.pk != exclude.pk and u.pk not in seen:
                seen.add(u.pk)
                out.append(u)
    names = user_names(u.pk for u in out)  # by name (a member's, when the account has none)
    for u in out:
        u.display_name = names.get(u.pk) or u.get_username()
    return out


def task_context(task: Task) -> dict:
    """What the procedure gives the form besides its schema (eligible people, tallies);
    {} once the task is closed."""
    fn = registry.context_for(task.process_id, task.element_id)
    context = (fn(case=task.case, task=task) or {}) if fn and task.status == TaskStatus.OPEN else {}
    return with_member_hints(context)


def with_member_hints(context: dict) -> dict:
    """The context with a `hint` ("branch · status") on each person a picker may offer ({id, name}
    in a list), so people are told apart by who they are, not by a number; one query. A person the
    procedure already gave a hint (an account, not a member) keeps it; an organization on offer
    (`"organization": true`, P6's branches of a round) is no person and gets none."""
    people = [
        p
        for v in context.values()
        if isinstance(v, list)
        for p in v
        if isinstance(p, dict)
        and "id" in p
        and "name" in p
        and not p.get("hint")
        and not p.get("organization")
    ]
    hints = member_hints(p["id"] for p in people)
    return {
        k: [
            {
                **p,
                "hint": p.get("hint") or ("" if p.get("organization") else hints.get(p["id"], "")),
            }
            if isinstance(p, dict) and "id" in p and "name" in p
            else p
            for p in v
        ]
        if isinstance(v, list)
        else v
        for k, v in context.items()
    }


def _fact_text(key: str, value, prop: dict, people: dict, member_keys, codes: dict) -> str:
    """One fact in words: names for people, labels for codes, 是/否, a table's rows by its
    columns' titles; '' for nothing to show."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if key in codes and isinstance(value, str):
        return label(str(codes[key].get(value, value)))
    if not prop and isinstance(value, list) and any(isinstance(v, dict) for v in value):
        # entries no form describes: each by its name, with the reason given for it
        return "；".join(
            v["name"] + (f"（{v['reason']}）" if v.get("reason") else "")
            for v in value
            if isinstance(v, dict) and v.get("name")
        )
    return value_in_words(key, prop, value, people, member_keys)


def case_facts(case: Case, steps: list[tuple[str, dict]], user) -> list[dict]:
    """The case's data in words, as `user` may read it (`workflows.personal`), grouped in a fixed
    order: first what the procedure records itself (its `data_labels` titles, in the order it
    declares them), then each step's form in the order the steps ran, each fact under the last
    step whose form has it (that step wrote the value the case holds now). People by name, codes
    by label; nothing without a title, no empty value, no computed count of 0 (a round not yet
    voted). `steps`: [(step name, form schema)]. [{title, facts: [{key, label, value}]}]."""
    data = case_data_for(user, case)
    member_keys = set(registry.member_keys_for(case.process_id))
    codes = dict(registry.code_labels_for(case.process_id))
    titles = registry.titles_for(case.process_id)
    owner: dict[str, int] = {}
    for n, (_name, schema) in enumerate(steps):
        for key, prop in (schema.get("properties") or {}).items():
            owner[key] = n
            items = prop.get("items") or {}
            if prop.get("x-options") or items.get("x-options"):
                member_keys.add(key)
            if prop.get("x-labels"):
                codes.setdefault(key, prop["x-labels"])
    people = member_names(member_ids_in(data, frozenset(member_keys)))
    groups = [{"title": gettext("基本情况"), "facts": []}] + [
        {"title": label(name), "facts": []} for name, _schema in steps
    ]
    for key, title in titles.items():
        value = data.get(key)
        if key in owner or isinstance(value, dict) or value == 0 and not isinstance(value, bool):
            continue
        text = _fact_text(key, value, {}, people, member_keys, codes)
        if text:
            groups[0]["facts"].append({"key": key, "label": label(str(title)), "value": text})
    for n, (_name, schema) in enumerate(steps):
        for key, prop in (schema.get("properties") or {}).items():
            if owner.get(key) != n or key not in data or isinstance(data[key], dict):
                continue
            text = _fact_text(key, data[key], prop, people, member_keys, codes)
            if text:
                groups[n + 1]["facts"].append(
                    {"key": key, "label": label(prop.get("title") or key), "value": text}
                )
    return [g for g in groups if g["facts"]]


def events_display(events: list[AuditEvent], *, process_id: str) -> list[dict]:
    """Audit events in words: what, who (by name) in which role at which organization, on whose
    behalf, when it was entered and the day the step took place (`event_date`), what was
    submitted (people, organization and member names in one query each for
    all events)."""
    org_ids = {
        r.get("organization") for e in events for r in e.actor_roles or [] if isinstance(r, dict)
    }
    names = dict(
        Organization.objects.filter(pk__in=[o for o in org_ids if o]).values_list("pk", "name")
    )
    roles = dict(Role.choices)
    submitted = submitted_in_words(events, process_id=process_id)
    actors = actors_in_words(events)
    out = []
    for e in events:
        role_text = "、".join(
            f"{names.get(r.get('organization'), '')}{roles.get(r.get('role'), r.get('role'))}"
            for r in e.actor_roles or []
            if isinstance(r, dict)
        )
        out.append(
            {
                "event": e,
                "action_label": action_label(e.action),
                "task_name": event_step(e),
                "actor": actors[e.pk][0],
                "on_behalf_of": actors[e.pk][1],
                "roles": role_text,
                "on": event_date(process_id, e) if process_id else None,
                "submitted": submitted.get(e.pk),
            }
        )
    return out


def task_history(case: Case, user, limit: int = 30) -> list[dict]:
    """The case's latest events, oldest first, as `user` may read them (`workflows.personal`)."""
    events = case_history(case, last=limit)
    return events_display(events_for(user, case, events), process_id=case.process_id)


# --- case page --------------------------------------------------------------------------------


def case_diagram(case: Case, now: dt.datetime | None = None) -> dict:
    """{element_id: {state, count}} for the diagram's markers, from the task rows (one query):
    open (overdue when past due) wins over done, done over cancelled; count = times the step ran."""
    now = now or timezone.now()
    out = {}
    rows = (
        case_tasks(case)
        .values("element_id")
        .annotate(
            runs=Count("id"),
            open=Count("id", filter=Q(status=TaskStatus.OPEN)),
            late=Count("id", filter=Q(status=TaskStatus.OPEN, due_at__lt=now)),
            done=Count("id", filter=Q(status=TaskStatus.COMPLETED)),
            last=Max("id"),
        )
    )
    for r in rows:
        state = (
            ("overdue" if r["late"] else "open")
            if r["open"]
            else ("done" if r["done"] else "cancelled")
        )
        out[r["element_id"]] = {"state": state, "count": r["runs"]}
    return out


def _account_name(user) -> str:
    member = getattr(user, "member", None)
    return user.get_full_name() or (member.name if member else "") or user.get_username()


def case_steps(case: Case, now: dt.datetime | None = None) -> list[dict]:
    """The plain step timeline (for phones and without JavaScript): every task row in order."""
    now = now or timezone.now()
    steps = []
    tasks = case_tasks(case).select_related("completed_by__member").order_by("created_at", "id")
    for t in tasks:
        overdue = t.status == TaskStatus.OPEN and t.due_at is not None and t.due_at < now
        state = (
            "overdue"
            if overdue
            else {"open": "open", "completed": "done", "cancelled": "cancelled"}[t.status]
        )
        steps.append(
            {
                "task": t,
                "name": label(t.name),
                "stage": label(t.stage),
                "state": state,
                "lane_label": str(LANE_LABELS.get(t.lane, t.lane)),
                # by name: the account's, else its member's (one join, no query per row)
                "by": _account_name(t.completed_by) if t.completed_by_id else "",
            }
        )
    return steps


def case_bpmn_xml(case: Case) -> str:
    """The BPMN source of the case's process version: the file that defines its process id."""
    files = (
        ProcessVersion.objects.values_list("files", flat=True).get(pk=case.process_version_id) or {}
    )
    xml = next(
        (x for x in files.values() if f'id="{case.process_id}"' in x),
        next(iter(files.values()), ""),
    )
    names = tuple(
        sorted((n, label(n)) for n in set(re.findall(r'name="([^"]+)"', xml)) if label(n) != n)
    )
    lanes = tuple(sorted((k, str(v)) for k, v in LANE_LABELS.items()))
    return laid_out(xml, case.process_id, lanes, names) if xml else ""


def case_timeline(case: Case, user) -> list[dict]:
    """Every audit event in order (who, in which roles, on whose behalf, when, what), as `user`
    may read them (`workflows.personal`)."""
    return events_display(
        events_for(user, case, list(case_history(case))), process_id=case.process_id
    )


def case_schemas(case: Case) -> list[tuple[str, dict]]:
    """The steps of the case so far with a form, in the order they first ran: [(step name, form
    schema)] (the schemas' titles name the case's data); one query."""
    seen: dict[str, str] = {}
    for name, form in case_tasks(case).exclude(form="").order_by("id").values_list("name", "form"):
        seen.setdefault(form, name)
    return [(name, load_schema(form)) for form, name in seen.items()]


def case_documents_list(case: Case) -> list:
    """The case's documents, each with who uploaded it by name (`uploaded_by_name`; one query)."""
    docs = list(case_documents(case))
    names = user_names(d.uploaded_by_id for d in docs if d.uploaded_by_id)
    for d in docs:
        d.uploaded_by_name = names.get(d.uploaded_by_id, "") if d.uploaded_by_id else ""
    return docs


# --- notifications ----------------------------------------------------------------------------


def notifications_display(items: list) -> list[dict]:
    """Notifications with their subject and message in the active language."""
    return [
        {
            "n": n,
            "subject": render_notification(n.kind, n.params, resolved=n.resolved_at is not None)[0],
            "message": render_notification(n.kind, n.params, resolved=n.resolved_at is not None)[1],
            "state": notification_state_label(n),
        }
        for n in items
    ]


def my_cases(user) -> list[dict]:
    """我的事项: the cases about the user's own member record (their development, a handling case
    after an unqualified rating …) and the cases where they hold a task of their own (the
    self-assessment of a democratic review), newest first, each with its status, its next steps and
    who holds them, and the user's own task in it. Someone else's personal task is never listed, so
    a member sees nothing of another member. Two queries; a user without a member record: none."""
    member = getattr(user, "member", None)
    if member is None:
        return []
    own_slot = f"member@{member.pk}"
    cases = list(
        Case.objects.filter(Q(subject_member=member) | task_case_ids(slot=own_slot))
        .select_related("organization", "process_version")
        .only(
            "id",
            "process_id",
            "status",
            "stage",
            "subject",
            "subject_member_id",
            "created_at",
            "organization__name",
            "process_version__name",
        )
        .order_by("-id")[:PAGE_ROWS]
    )
    if not cases:
        return []
    tasks: dict[int, list[Task]] = {}
    for table in TASK_TABLES:  # a closed year's own task is in the archive
        for t in (
            table.objects.filter(case__in=cases)
            .filter((Q(status=TaskStatus.OPEN) & ~PERSONAL_TASK) | Q(slot=own_slot))
            .order_by("id")
        ):
            tasks.setdefault(t.case_id, []).append(t)
    rows = []
    for case in cases:
        mine = [t for t in tasks.get(case.pk, []) if t.slot == own_slot]
        rows.append(
            {
                "case": case,
                "process_name": label(case.process_version.name),
                "stage": label(case.stage),
                "about_me": case.subject_member_id == member.pk,
                "record_url": reverse("web:member_record", args=[member.pk])
                if case.process_id == DEVELOPMENT and case.subject_member_id == member.pk
                else "",
                "next": [
                    {
                        "name": label(t.name),
                        "holder": str(LANE_LABELS.get(t.lane, t.lane)),
                        "due_day": _day(t.due_at),
                    }
                    for t in tasks.get(case.pk, [])
                    if t.status == TaskStatus.OPEN and t.slot != own_slot
                ],
                "mine": [
                    {
                        "task": t,
                        "name": label(t.name),
                        "open": t.status == TaskStatus.OPEN,
                        "done_day": _day(t.completed_at),
                        "due_day": _day(t.due_at),
                    }
                    for t in mine
                ],
            }
        )
    return rows


def calendar_notice(user) -> dict | None:
    """The organization department's warning that the working-day calendar does not reach the
    horizon (PARTYFLOW["CALENDAR_HORIZON_DAYS"], the readiness check `calendar`): the year missing,
    the last day covered and whether today is already past it; `broken` when the holiday file has
    an error (no day is computed). None while the horizon is covered, and for every other role."""
    if not is_org_department(user):
        return None
    try:
        coverage = calendar_coverage(settings.PARTYFLOW["CALENDAR_HORIZON_DAYS"])
    except HolidayFileInvalid:
        return {"broken": True}
    if coverage.covers_horizon:
        return None
    return {
        "broken": False,
        "year": coverage.missing_year,
        "last_day": cn_date(coverage.last_day),
        "first_day": cn_date(dt.date(coverage.missing_year, 1, 1)),
        "today_covered": coverage.covers_today,
    }
