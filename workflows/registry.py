"""Per-procedure Python hooks, registered by the procedures (`procedures/`, discovered at start-up):

- form checks: rule checks run on a submission before the workflow is touched (quorum, margin…);
  they raise `RuleViolation` naming the field and the rule, or return data to merge (computed
  results such as the tally);
- form contexts: what a form shows besides its schema (who is due to vote, who is excluded, why);
- effects: what BPMN service tasks ask of the database (record the new term, schedule the next case);
- running subjects: what a process allows only one running case of (a member, a branch and year;
  `running_subject` or `one_running_per`); `workflows.services.case_start` guards it, backed by a
  unique index on running cases' `subject_key`;
- providers: what a higher layer offers a procedure without the procedure importing it (`provide`
  by the report package at start-up, `provider` by the procedure), e.g. `weak_branch_signals`,
  `standards.branch_indicators`;
- what people read: which data keys hold member ids and which hold codes (`data_labels`), and the
  sentence a user reads on each task (`task_guides`), read by `workflows.display`;
- event dates: which form field of each user task holds the day the step took place
  (`event_date_fields`), read by `workflows.selectors.event_date`;
- task facts: what an approving step is deciding on, in words (the tally and the elected, each
  candidate's record, why a branch was designated): `task_facts`, read by
  `workflows.selectors.task_facts` for the API's task detail and the task page alike.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.functional import lazy

from .labels import label, service_task_names

_CHECKS: dict[tuple[str, str], Callable] = {}
_CONTEXTS: dict[tuple[str, str], Callable] = {}
_EFFECTS: dict[str, Callable] = {}
_EFFECTS_MANY: dict[str, Callable] = {}
_PROVIDERS: dict[str, Callable] = {}
_SUBJECTS: dict[str, Callable] = {}
_FACTS: dict[tuple[str, str], Callable] = {}


def form_check(process_id: str, *element_ids: str) -> Callable[[Callable], Callable]:
    def register(fn):
        for element_id in element_ids:
            _CHECKS[(process_id, element_id)] = fn
        return fn

    return register


def form_context(process_id: str, *element_ids: str) -> Callable[[Callable], Callable]:
    def register(fn):
        for element_id in element_ids:
            _CONTEXTS[(process_id, element_id)] = fn
        return fn

    return register


def effect(operation: str) -> Callable[[Callable], Callable]:
    """Register the handler of a BPMN service task's operation. What people read for it (the
    history's step and "执行的操作", the printed audit report) is the name its service task carries
    in the diagram (`effect_labels`), not a second text here."""

    def register(fn):
        _EFFECTS[operation] = fn
        return fn

    return register


@cache
def effect_labels() -> dict[str, object]:
    """{operation: what people read for it}: the name of the BPMN service tasks that run it, the
    one home of that text (the diagram shows it). An operation several tasks run under different
    names (P1's development_status: 登记为入党积极分子, 登记为预备党员 …) reads as those names
    joined; each of its audit events names its own task (`audit.build(step=…)`).
    `tests/workflows/test_effect_labels.py` holds every service task to a readable name."""
    return {
        operation: _names_in_words(tuple(dict.fromkeys(n for n in names.values() if n)))
        for operation, names in service_task_names(settings.PARTYFLOW["BPMN_DIR"]).items()
    }


def _names_in_words_now(names: tuple[str, ...]) -> str:
    return "／".join(label(n) for n in names)


_names_in_words = lazy(_names_in_words_now, str)  # in the language active when it is read


def effect_many(operation: str) -> Callable:
    """Register `fn(*, items, actor, now) -> [result, …]`: the same effect for many cases at once
    (`items`: [{"case", "params"}]), used when timers fire in batches so that an effect costs a few
    statements per batch instead of a few per case. It must do exactly what the single handler
    does for each item, and return the results in the items' order."""

    def register(fn):
        _EFFECTS_MANY[operation] = fn
        return fn

    return register


def running_subject(process_id: str) -> Callable:
    """Register `fn(*, organization, data, subject_member) -> str`: the subject a process allows one
    running case of (called after the start check, with the data it completed)."""

    def register(fn):
        _SUBJECTS[process_id] = fn
        return fn

    return register


def subject_for(process_id) -> Callable | None:
    return _SUBJECTS.get(process_id)


def check_for(process_id, element_id) -> Callable | None:
    return _CHECKS.get((process_id, element_id))


def context_for(process_id, element_id) -> Callable | None:
    return _CONTEXTS.get((process_id, element_id))


def effect_for(operation) -> Callable | None:
    return _EFFECTS.get(operation)


def effect_many_for(operation) -> Callable | None:
    return _EFFECTS_MANY.get(operation)


def effect_names() -> set[str]:
    return set(_EFFECTS)


def provide(name: str, fn: Callable) -> Callable:
    """Offer `fn` under `name` to the procedures (called by the package that implements it)."""
    _PROVIDERS[name] = fn
    return fn


def provider(name: str) -> Callable:
    """The function provided under `name`; a missing provider is a wiring error, not a user's."""
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise LookupError(f"nothing provides {name!r}: is its app in INSTALLED_APPS?") from None


def one_running_per(process_id: str, key: Callable) -> None:
    """At most one running case of `process_id` per `key(organization=, subject_member=, data=)`
    (a string naming the subject): `running_subject` as a call."""
    _SUBJECTS[process_id] = key


def running_key(process_id: str, *, organization, subject_member, data: dict) -> str | None:
    """The subject key a new case of `process_id` runs under (None: the process has no limit), as
    stored in `Case.subject_key`."""
    key = _SUBJECTS.get(process_id)
    if key is None:
        return None
    value = key(organization=organization, subject_member=subject_member, data=data)
    return f"{process_id}:{value}" if value else None


# --- what people read ----------------------------------------------------------------------------
# Which keys of a procedure's case data hold member ids, which hold codes (with their labels), and
# the sentence a user reads on each task (what to do, by when, under which article): registered by
# the procedure modules, read by `workflows.display` and the task and case serializers.
_MEMBER_KEYS: dict[str, frozenset[str]] = {}
_COUNT_PATHS: dict[str, frozenset[str]] = {}
_CODE_LABELS: dict[str, dict[str, dict]] = {}
_GUIDES: dict[tuple[str, str], object] = {}
_PERSONAL_KEYS: dict[str, dict[str, str]] = {}
_PERSONAL_TASKS: dict[str, frozenset[str]] = {}
_EVENT_DATE_FIELDS: dict[str, dict[str, str]] = {}
_TITLES: dict[str, dict] = {}


def data_labels(process_id: str, *, members=(), codes=None, counts=(), titles=None) -> None:
    """Declare the member-id keys and the coded keys ({key: {code: label}}) of a process's data;
    `counts`: dotted path suffixes where a member key holds a count ("tally.present"); `titles`:
    {key: what people call it} for the keys no form names (a computed result, an effect's)."""
    _MEMBER_KEYS[process_id] = frozenset(members) | _MEMBER_KEYS.get(process_id, frozenset())
    _COUNT_PATHS[process_id] = frozenset(counts) | _COUNT_PATHS.get(process_id, frozenset())
    _CODE_LABELS.setdefault(process_id, {}).update(codes or {})
    _TITLES.setdefault(process_id, {}).update(titles or {})


def titles_for(process_id: str) -> dict:
    return _TITLES.get(process_id, {})


def personal_data(process_id: str, *, keys: dict[str, str] | None = None, tasks=()) -> None:
    """Declare what of a process's data is one person's (or one branch's) own, read by
    `workflows.personal`: `keys` {data key: "member" | "branch"}, the key holding a list of entries
    each naming its author under that field ([{"member": 5, …}]), or a list of such ids, or a map
    {id: …}, or one such entry; `tasks`: user tasks whose submission is their holder's own (one
    instance each of a multi-instance step)."""
    _PERSONAL_KEYS.setdefault(process_id, {}).update(keys or {})
    _PERSONAL_TASKS[process_id] = frozenset(tasks) | _PERSONAL_TASKS.get(process_id, frozenset())


def personal_keys_for(process_id: str) -> dict[str, str]:
    return _PERSONAL_KEYS.get(process_id, {})


def personal_tasks_for(process_id: str) -> frozenset[str]:
    return _PERSONAL_TASKS.get(process_id, frozenset())


def member_keys_for(process_id: str) -> frozenset[str]:
    return _MEMBER_KEYS.get(process_id, frozenset())


def count_paths_for(process_id: str) -> frozenset[str]:
    return _COUNT_PATHS.get(process_id, frozenset())


def code_labels_for(process_id: str) -> dict[str, dict]:
    """The process's coded keys with their labels, and the platform's: "operation" (an effect's
    audit event names its operation) by its service tasks' names (`effect_labels`)."""
    return {**_CODE_LABELS.get(process_id, {}), "operation": effect_labels()}


def task_guides(process_id: str, guides: dict) -> None:
    """{element id: a translatable sentence for the user: what to do, with the article cited}."""
    for element_id, text in guides.items():
        _GUIDES[(process_id, element_id)] = text


def guide_for(process_id: str, element_id: str) -> Callable | None:
    return _GUIDES.get((process_id, element_id))


def event_date_fields(process_id: str, fields: dict[str, str]) -> None:
    """{element id: the form field holding the day the step took place} (a meeting's date, the day
    a decision was taken), as opposed to the day someone entered it."""
    _EVENT_DATE_FIELDS.setdefault(process_id, {}).update(fields)


def event_date_field_for(process_id: str, element_id: str) -> str | None:
    return _EVENT_DATE_FIELDS.get(process_id, {}).get(element_id)


def task_facts(process_id: str, *element_ids: str) -> Callable[[Callable], Callable]:
    """Register `fn(*, case, task) -> [section]`: the facts a person decides on at these steps (no
    element id: at every step of the process). A section is {key, title, items: [{label, value}]}
    and/or a table {columns: [str], rows: [[str]]}, every text in words (names, labels, dates),
    never an id or a code."""

    def register(fn):
        for element_id in element_ids or ("*",):
            _FACTS[(process_id, element_id)] = fn
        return fn

    return register


def facts_for(process_id: str, element_id: str) -> Callable | None:
    return _FACTS.get((process_id, element_id)) or _FACTS.get((process_id, "*"))
