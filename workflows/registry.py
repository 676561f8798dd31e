"""Per-procedure Python hooks, registered by `workflows.procedures`:

- form checks: rule checks run on a submission before the workflow is touched (quorum, margin…);
  they raise `RuleViolation` naming the field and the rule, or return data to merge (computed
  results such as the tally);
- form contexts: what a form shows besides its schema (who is due to vote, who is excluded, why);
- effects: what BPMN service tasks ask of the database (record the new term, schedule the next case).
"""
from __future__ import annotations

from typing import Callable

_CHECKS: dict[tuple[str, str], Callable] = {}
_CONTEXTS: dict[tuple[str, str], Callable] = {}
_EFFECTS: dict[str, Callable] = {}


def form_check(process_id: str, *element_ids: str):
    def register(fn):
        for element_id in element_ids:
            _CHECKS[(process_id, element_id)] = fn
        return fn
    return register


def form_context(process_id: str, *element_ids: str):
    def register(fn):
        for element_id in element_ids:
            _CONTEXTS[(process_id, element_id)] = fn
        return fn
    return register


def effect(operation: str):
    def register(fn):
        _EFFECTS[operation] = fn
        return fn
    return register


def check_for(process_id, element_id):
    return _CHECKS.get((process_id, element_id))


def context_for(process_id, element_id):
    return _CONTEXTS.get((process_id, element_id))


def effect_for(operation):
    return _EFFECTS.get(operation)


def effect_names():
    return set(_EFFECTS)


# --- what people read ----------------------------------------------------------------------------
# Which keys of a procedure's case data hold member ids, which hold codes (with their labels), and
# the sentence a user reads on each task (what to do, by when, under which article): registered by
# the procedure modules, read by `workflows.display` and the task and case serializers.
_MEMBER_KEYS: dict[str, frozenset[str]] = {}
_COUNT_PATHS: dict[str, frozenset[str]] = {}
_CODE_LABELS: dict[str, dict[str, dict]] = {}
_GUIDES: dict[tuple[str, str], object] = {}


def data_labels(process_id: str, *, members=(), codes=None, counts=()) -> None:
    """Declare the member-id keys and the coded keys ({key: {code: label}}) of a process's data;
    `counts`: dotted path suffixes where a member key holds a count ("tally.present")."""
    _MEMBER_KEYS[process_id] = frozenset(members) | _MEMBER_KEYS.get(process_id, frozenset())
    _COUNT_PATHS[process_id] = frozenset(counts) | _COUNT_PATHS.get(process_id, frozenset())
    _CODE_LABELS.setdefault(process_id, {}).update(codes or {})


def member_keys_for(process_id: str) -> frozenset[str]:
    return _MEMBER_KEYS.get(process_id, frozenset())


def count_paths_for(process_id: str) -> frozenset[str]:
    return _COUNT_PATHS.get(process_id, frozenset())


def code_labels_for(process_id: str) -> dict[str, dict]:
    return _CODE_LABELS.get(process_id, {})


def task_guides(process_id: str, guides: dict) -> None:
    """{element id: a translatable sentence for the user: what to do, with the article cited}."""
    for element_id, text in guides.items():
        _GUIDES[(process_id, element_id)] = text


def guide_for(process_id: str, element_id: str):
    return _GUIDES.get((process_id, element_id))
