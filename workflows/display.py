"""Names and labels beside ids and codes, for every response a person reads (API and pages alike).

Each helper takes all the ids of a page at once and answers with one query per kind (people,
members, organizations), so a list never turns into one query per row. Codes (lanes, roles,
access-log views, process ids; audit actions in `workflows.actions`) get their label in the active
language; an unknown code comes back as itself rather than failing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils.translation import gettext

from engine.calendar import CST, cn_date_text
from engine.errors import DomainError
from engine.i18n import _
from engine.rules import get_rule_set
from forms.validation import load_schema
from organizations.models import Member, MemberStatus, Organization, Role
from organizations.rules import standard_texts

from . import registry
from .assignment import LANE_LABELS, parse_slot
from .labels import label
from .models import Case, ProcessVersion

ACCESS_VIEW_LABELS = {
    "detail": _("查看流程详情"),
    "history": _("查看流程记录"),
    "export_json": _("导出流程记录（JSON）"),
    "export_csv": _("导出流程记录（CSV）"),
    "report": _("打印流程报告"),
    "verification": _("校验流程记录"),
    "document_download": _("下载附件"),
    "task_detail": _("查看任务详情"),
}

SYSTEM_NAME = _("系统")


def label_of(labels: dict, code: str) -> str:
    """The label of `code` in the active language; the code itself when it has none."""
    value = labels.get(code)
    return str(value) if value is not None else code


def lane_label(code: str) -> str:
    return label_of(LANE_LABELS, code)


def role_label(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return lane_label(code)


def access_view_label(code: str) -> str:
    return label_of(ACCESS_VIEW_LABELS, code)


_PROCESS_NAMES: dict[str, str] = {}


def process_label(process_id: str) -> str:
    """The process's name (its BPMN label) in the active language. Names are read once per
    process (one query for all of them) and kept: `process_deploy` forgets them."""
    if process_id not in _PROCESS_NAMES:
        _PROCESS_NAMES.update(
            ProcessVersion.objects.filter(is_current=True).values_list("process_id", "name")
        )
        _PROCESS_NAMES.setdefault(process_id, "")
    name = _PROCESS_NAMES[process_id]
    return gettext(name) if name else process_id


def forget_process_names() -> None:
    _PROCESS_NAMES.clear()


def rule_set_label(code: str) -> str:
    """The rule set's title; its code when the rule set is no longer shipped."""
    try:
        return get_rule_set(code).title
    except DomainError:
        return code


def person_name(user) -> str:
    """What people call a user: the full name, else the username; '系统' for the system."""
    if user is None:
        return str(SYSTEM_NAME)
    return user.get_full_name() or user.get_username()


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    """{user id: display name}: the account's full name, else the name of the member it belongs
    to, else the username; one query."""
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    rows = (
        get_user_model()
        .objects.filter(pk__in=wanted)
        .values_list("pk", "username", "first_name", "last_name", "member__name")
    )
    return {
        pk: (f"{first} {last}".strip() or member or username)
        for pk, username, first, last, member in rows
    }


def member_names(ids: Iterable) -> dict[int, str]:
    """{member id: name}; one query."""
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    return dict(Member.objects.filter(pk__in=wanted).values_list("pk", "name"))


def member_hints(ids: Iterable) -> dict[int, str]:
    """{member id: "branch · status"}: how people tell two members apart where a name alone may not
    do (a picker), instead of an id; one query."""
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    statuses = dict(MemberStatus.choices)
    rows = Member.objects.filter(pk__in=wanted).values_list("pk", "organization__name", "status")
    return {
        pk: " · ".join(x for x in (org, str(statuses.get(status, status))) if x)
        for pk, org, status in rows
    }


def organization_names(ids: Iterable) -> dict[int, str]:
    """{organization id: name}; one query."""
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    return dict(Organization.objects.filter(pk__in=wanted).values_list("pk", "name"))


# Keys under which any event's data names cases by id (an effect's result: the next election's
# case, the cases a review opened, the receiving branch's case): read as the case's title.
CASE_KEYS = frozenset({"case", "cases"})


def case_titles(ids: Iterable) -> dict[int, str]:
    """{case id: "procedure · subject"} (e.g. "党支部换届选举 · 软件工程教工党支部"), what people call a
    case; one query."""
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not wanted:
        return {}
    rows = Case.objects.filter(pk__in=wanted).values_list(
        "pk", "process_id", "subject", "subject_member__name"
    )
    return {
        pk: " · ".join(x for x in (process_label(process), subject or member or "") if x)
        for pk, process, subject, member in rows
    }


def event_step(event) -> str:
    """The step an audit event belongs to, as people read it: its task's name, or for an effect
    (a BPMN service task the system ran) the label its operation registered with."""
    if event.task_name:
        return label(event.task_name)
    operation = event.data.get("operation") if isinstance(event.data, dict) else None
    if event.action == "effect_applied" and isinstance(operation, str):
        return label_of(registry.code_labels_for("")["operation"], operation)
    return ""


def roles_display(snapshot: list[dict], org_names: dict[int, str]) -> list[dict]:
    """Audit role snapshots [{role, organization}] with the role's label and the organization's name."""
    return [
        {
            **r,
            "role_display": role_label(r.get("role", "")),
            "organization_name": org_names.get(r.get("organization"), ""),
        }
        for r in snapshot or []
    ]


def slot_display(slot: str, org_names: dict[int, str], members: dict[int, str]) -> str:
    """'branch_committee@5' → '支部委员会 · 软件工程系教工党支部'; 'member@12' → '党员本人 · 王伟'."""
    lane, ref = parse_slot(slot)
    where = members.get(ref, "") if lane == "member" else org_names.get(ref, "")
    return f"{lane_label(lane)} · {where}" if where else lane_label(lane)


def slot_refs(slots: Iterable[str]) -> tuple[set[int], set[int]]:
    """(organization ids, member ids) the slots name."""
    orgs, members = set(), set()
    for s in slots:
        lane, ref = parse_slot(s)
        (members if lane == "member" else orgs).add(ref)
    return orgs, members


def iso_cst(value) -> str | None:
    """A datetime (or an ISO 8601 string of one) as ISO 8601 in China Standard Time, like the rest
    of the API; dates and anything else unchanged."""
    if (
        isinstance(value, str)
        and len(value) > 10
        and value[4:5] == "-"
        and value[10:11] in ("T", " ")
    ):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.isoformat()
        return value.astimezone(CST).isoformat()
    return value


# --- case data ---------------------------------------------------------------------------------


def is_bookkeeping(value) -> bool:
    """The engine's marker left in a service task's result variable ('{"queued": operation}')."""
    if isinstance(value, str) and value.startswith('{"queued"'):
        try:
            value = json.loads(value)
        except ValueError:
            return False
    return isinstance(value, dict) and set(value) == {"queued"}


def _counts_at(path: str, counts: frozenset[str]) -> bool:
    """Is the key at `path` (dotted, list indices left out) a count rather than a member id? A
    registered suffix such as "tally.present" says so."""
    return any(path == c or path.endswith("." + c) for c in counts)


def member_ids_in(data, keys: frozenset[str], counts: frozenset[str] = frozenset()) -> set[int]:
    """Every member id found under one of `keys` anywhere in `data` (ints, lists of ints, or
    {id: count} dicts whose keys are ids), except at the paths `counts` names."""
    found: set[int] = set()

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                here = f"{path}.{k}" if path else k
                if k in keys and not _counts_at(here, counts):
                    found.update(_ids_of(v))
                walk(v, here)
        elif isinstance(node, list):
            for v in node:
                walk(v, path)

    walk(data, "")
    return found


def _ids_of(value) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    if isinstance(value, dict):
        return [int(k) for k in value if str(k).isdigit()]
    return []


def annotate(
    data,
    *,
    member_keys: frozenset[str],
    names: dict[int, str],
    codes: dict | None = None,
    counts: frozenset[str] = frozenset(),
    cases: dict[int, str] | None = None,
    _path: str = "",
) -> object:
    """A copy of `data` for people to read: each member id under one of `member_keys` gets a
    `<key>_display` sibling (a name for an id, a list of names for a list of ids, [{id, name, count}]
    for {id: count}); each known code under a key of `codes` ({key: {code: label}}) gets its label
    as `<key>_display`. `counts`: dotted path suffixes where such a key holds a count, not an id.
    `cases`: {case id: title} (`case_titles`) for the case ids under `CASE_KEYS`. Bookkeeping
    markers are left out."""
    codes = codes or {}
    if isinstance(data, list):
        return [
            annotate(
                v,
                member_keys=member_keys,
                names=names,
                codes=codes,
                counts=counts,
                cases=cases,
                _path=_path,
            )
            for v in data
        ]
    if not isinstance(data, dict):
        return data
    out = {}
    for k, v in data.items():
        if is_bookkeeping(v):
            continue
        here = f"{_path}.{k}" if _path else k
        out[k] = annotate(
            v,
            member_keys=member_keys,
            names=names,
            codes=codes,
            counts=counts,
            cases=cases,
            _path=here,
        )
        if v is None or isinstance(v, bool):
            continue
        if k in codes and isinstance(v, str) and v in codes[k]:
            out[f"{k}_display"] = label_of(codes[k], v)
        elif k in member_keys and not _counts_at(here, counts):
            if isinstance(v, int):
                out[f"{k}_display"] = names.get(v, "")
            elif isinstance(v, list) and all(isinstance(i, int) for i in v):
                out[f"{k}_display"] = [names.get(i, "") for i in v]
            elif isinstance(v, dict) and all(str(i).isdigit() for i in v):
                out[f"{k}_display"] = [
                    {"id": int(i), "name": names.get(int(i), ""), "count": n} for i, n in v.items()
                ]
        elif k in CASE_KEYS and cases is not None:
            if isinstance(v, int):
                out[f"{k}_display"] = cases.get(v, "")
            elif isinstance(v, list) and all(isinstance(i, int) for i in v):
                out[f"{k}_display"] = [cases.get(i, "") for i in v]
    return out


# --- submitted data in words (the web history, the printed audit report) ----------------------


def _text(value: str) -> str:
    """A Chinese label from a form file in the active language ('' stays '')."""
    return gettext(value) if value else value


def _member_ids(key: str, prop: dict, value, member_keys: frozenset[str]) -> list[int]:
    """The member ids a submitted value holds: a member picker's (`x-options`) or a key the
    procedure declares as holding member ids (`data_labels`), also inside a table's rows."""
    items = prop.get("items") or {}
    if prop.get("x-organization"):  # picked from the round's branches: organizations, not members
        return []
    if prop.get("x-options") or items.get("x-options") or key in member_keys:
        return _ids_of(value)
    if isinstance(value, list) and items.get("type") == "object":
        sub = items.get("properties") or {}
        return [
            i
            for row in value
            if isinstance(row, dict)
            for k, v in row.items()
            for i in _member_ids(k, sub.get(k, {}), v, member_keys)
        ]
    return []


def _value_text(key: str, prop: dict, value, people: dict, member_keys: frozenset[str]) -> str:
    """A submitted value in words: labels for codes, names beside member ids, 是/否 for booleans."""
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if value is None:
        return ""
    items = prop.get("items") or {}
    if prop.get("x-organization") and isinstance(value, int):  # a branch by its name (P6)
        return organization_names([value]).get(value, "")
    if prop.get("x-options") or items.get("x-options") or key in member_keys:
        ids = _ids_of(value)
        if ids:
            return "、".join(people.get(v, "") for v in ids)
    if prop.get("enum") and prop.get("x-labels"):
        return _text(prop["x-labels"].get(str(value), str(value)))
    if prop.get("x-standard") and isinstance(value, str):  # a standard or an item by its text
        return standard_texts().get(value, value)
    if isinstance(value, list):
        sub = items.get("properties") or {}
        parts = []
        for v in value:
            if isinstance(v, dict):
                parts.append(
                    "，".join(
                        f"{_text(sub.get(k, {}).get('title', k))} "
                        f"{_value_text(k, sub.get(k, {}), x, people, member_keys)}"
                        for k, x in v.items()
                    )
                )
            else:
                parts.append(str(v))
        return "；".join(parts)
    if isinstance(value, dict) and prop.get("properties"):  # counts by their titles, in form order
        sub = prop["properties"]
        return "，".join(
            f"{_text(sub.get(k, {}).get('title', k))} "
            f"{_value_text(k, sub.get(k, {}), value[k], people, member_keys)}"
            for k in [*(k for k in sub if k in value), *(k for k in value if k not in sub)]
        )
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return cn_date_text(value) or str(value)


def value_in_words(key: str, prop: dict, value, people: dict, member_keys) -> str:
    """A value in words by its form property (`prop`, {} when no form names it): people by name,
    codes by label, a table's rows by its columns' titles."""
    return _value_text(key, prop, value, people, frozenset(member_keys))


def submitted_in_words(events, *, process_id: str) -> dict[int, list[dict]]:
    """{event id: [{key, label, value}]} for the events that carry a completed step's submitted data:
    each field by its form's title, values in words (member names in one query for all events)."""
    member_keys = registry.member_keys_for(process_id)
    schemas, wanted = {}, set()
    for e in events:
        submitted = (e.data or {}).get("submitted") if isinstance(e.data, dict) else None
        if isinstance(submitted, dict) and e.task_id and e.task.form:
            schemas[e.pk] = load_schema(e.task.form)
            props = schemas[e.pk].get("properties") or {}
            for k, v in submitted.items():
                wanted.update(_member_ids(k, props.get(k, {}), v, member_keys))
    people = member_names(wanted)
    out = {}
    for e in events:
        if e.pk not in schemas:
            continue
        props = schemas[e.pk].get("properties") or {}
        out[e.pk] = [
            {
                "key": k,
                "label": _text(props.get(k, {}).get("title", k)),
                "value": _value_text(k, props.get(k, {}), v, people, member_keys),
            }
            for k, v in e.data["submitted"].items()
        ]
    return out


def actors_in_words(events) -> dict[int, tuple[str, str]]:
    """{event id: (who acted, by full name — '系统' for the system; on whose behalf, or '')};
    one query for all events."""
    names = user_names(i for e in events for i in (e.actor_id, e.on_behalf_of_id))
    out = {}
    for e in events:
        who = names.get(e.actor_id, e.actor_name) if e.actor_id else str(SYSTEM_NAME)
        held = names.get(e.on_behalf_of_id, e.on_behalf_of_name) if e.on_behalf_of_id else ""
        out[e.pk] = (who, held or e.on_behalf_of_name)
    return out


def acting_for(actor: str, holder: str) -> str:
    """ "王伟（代 李芳）" when a delegate acted on behalf of the holder; the actor alone otherwise."""
    if holder:
        return gettext("%(actor)s（代 %(holder)s）") % {"actor": actor, "holder": holder}
    return actor


# What the platform itself records in an event's data (beside a procedure's own keys, which the
# procedure names through `registry.data_labels(titles=…)`).
DATA_TITLES = {
    "version": _("流程版本"),
    "rule_set": _("规则版本"),
    "operation": _("执行的操作"),
    "params": _("操作参数"),
    "data": _("流程数据"),
    "result": _("结果"),
    "reason": _("理由"),
    "approved": _("是否同意"),
    "document_no": _("文号"),
    "case_organization": _("组织"),
    "organization": _("组织"),
    "member": _("党员"),
    "note": _("备注"),
    "status": _("状态"),
    "on": _("日期"),
    "name": _("名称"),
    "text": _("内容"),
    "meeting_date": _("会议日期"),
    "passed": _("是否通过"),
    "voters_due": _("应到会人数"),
    "excluded": _("不计入应到会人数的党员"),
    "imported_stage": _("导入时所处阶段"),
    "case": _("流程"),
    "cases": _("流程"),
}


# An entry that is a person (a recipient, an officer): read as "姓名" or "姓名（职务）".
_PERSON_KEYS = frozenset(
    {"id", "name", "username", "hint", "member", "member_display", "role", "role_display"}
)


def _title(key: str, titles: dict) -> str:
    text = titles.get(key) or DATA_TITLES.get(key)
    return str(text) if text else key


def _in_words(value, titles: dict | None = None) -> str:
    """A value for people: 是/否, lists joined with 、, an object's entries as title：value (an
    object with a name reads as its name)."""
    titles = titles or {}
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if (day := cn_date_text(value)) is not None:
        return day
    if isinstance(value, list):
        return "、".join(_in_words(v, titles) for v in value)
    if isinstance(value, dict):
        if isinstance(value.get("name"), str) and set(value) <= _PERSON_KEYS:
            post = value.get("role_display") or (
                role_label(value["role"]) if value.get("role") else ""
            )
            return f"{value['name']}（{post}）" if post else value["name"]
        return "，".join(f"{_title(k, titles)}：{v}" for k, v in _entries(value, titles))
    return str(value)


def _beside(value, shown, titles: dict) -> str:
    """`value` in words by its `<key>_display` (from `annotate`): names for member ids, labels for
    codes, never the id or the code itself."""
    if shown and isinstance(shown, list) and all(isinstance(s, dict) and "id" in s for s in shown):
        return "、".join(f"{s.get('name', '')}：{_in_words(s.get('count'), titles)}" for s in shown)
    if isinstance(shown, (str, list)):
        return _in_words(shown, titles)
    return _in_words(value, titles)


def _entries(data: dict, titles: dict) -> list[tuple[str, str]]:
    return [
        (
            k,
            _beside(v, data[f"{k}_display"], titles)
            if f"{k}_display" in data
            else (
                rule_set_label(v)
                if k == "rule_set" and isinstance(v, str)
                else _in_words(v, titles)
            ),
        )
        for k, v in data.items()
        if not (k.endswith("_display") and k[: -len("_display")] in data)
    ]


def data_in_words(
    data: dict,
    *,
    member_keys: frozenset[str],
    names: dict,
    codes: dict,
    counts: frozenset[str],
    titles: dict | None = None,
    cases: dict[int, str] | None = None,
) -> list[dict]:
    """[{key, label, value}] for data that is no form's (a start, an effect's result, a reason):
    names for member ids and labels for codes (`annotate`), each key by its title (the procedure's
    `titles`, else the platform's `DATA_TITLES`); keys set to None are left out. The counterpart
    of `submitted_in_words` for a form's data; the case history prints both."""
    titles = titles or {}
    # a value set to nothing is a reset (a gateway's flag cleared for the next round), not a fact
    data = {k: v for k, v in (data or {}).items() if v is not None}
    shown = annotate(
        data, member_keys=member_keys, names=names, codes=codes, counts=counts, cases=cases
    )
    return [{"key": k, "label": _title(k, titles), "value": v} for k, v in _entries(shown, titles)]
