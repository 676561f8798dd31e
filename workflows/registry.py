"""Per-procedure Python hooks, registered by the procedures (`procedures/`, discovered at start-up):

- form checks: rule checks run on a submission before the workflow is touched (quorum, margin…);
  they raise `RuleViolation` naming the field and the rule, or return data to merge (computed
  results such as the tally);
- form contexts: what a form shows besides its schema (who is due to vote, who is excluded, why);
- effects: what BPMN service tasks ask of the database (record the new term, schedule the next case);
- providers: what a higher layer offers a procedure without the procedure importing it (`provide`
  by the report package at start-up, `provider` by the procedure), e.g. `weak_branch_signals`.
"""
from __future__ import annotations

from collections.abc import Callable

_CHECKS: dict[tuple[str, str], Callable] = {}
_CONTEXTS: dict[tuple[str, str], Callable] = {}
_EFFECTS: dict[str, Callable] = {}
_PROVIDERS: dict[str, Callable] = {}


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
