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


# Providers: what a higher layer offers to procedures without their importing it (procedures must
# not import oversight). The providing app registers at ready(); a procedure asks by name.
_PROVIDERS: dict[str, Callable] = {}


def provide(name: str, fn: Callable) -> Callable:
    _PROVIDERS[name] = fn
    return fn


def provider(name: str) -> Callable:
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise LookupError(f"no provider registered for {name!r}") from None
