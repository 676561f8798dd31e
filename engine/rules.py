"""Versioned rule sets: every time rule and threshold a procedure uses, by name.

A case records the rule set it started under and finishes under it, even when a newer one is
deployed. BPMN reads values through the script environment (`rule('election.term')`,
`shift(term_end, 'election.reminder_lead', -1)`); Python checks read them through `RuleSet.get`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .calendar import Duration
from .dues import ROUNDING_MODES, Brackets, Rounding
from .errors import DomainError
from .i18n import _


@dataclass(frozen=True)
class Rule:
    value: Any
    title: str
    source: str
    # local: a university's own standard; unverified: a reported rule we model as a setting.
    note: str = ""


@dataclass(frozen=True)
class RuleSet:
    code: str
    title: str
    rules: Mapping[str, Rule] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        try:
            return self.rules[name].value
        except KeyError:
            raise DomainError(
                _("规则集 %(rs)s 中没有规则 %(name)s。") % {"rs": self.code, "name": name},
                code="unknown_rule",
            ) from None

    def describe(self, name: str) -> str:
        rule = self.rules[name]
        return f"{rule.title}（{rule.source}）"

    def derive(self, code: str, title: str, changes: Mapping[str, Rule]) -> RuleSet:
        return RuleSet(code=code, title=title, rules={**self.rules, **changes})

    def as_dict(self) -> dict:
        def show(v):
            if isinstance(v, Fraction):
                return f"{v.numerator}/{v.denominator}"
            if isinstance(v, (frozenset, set, tuple)):
                return sorted(v)
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, str) and v in ROUNDING_MODES:  # a `decimal` rounding, by its name
                return str(ROUNDING_MODES[v])
            return str(v) if isinstance(v, (Duration, Frequency, Brackets, Rounding)) else v

        return {
            name: {"value": show(r.value), "title": r.title, "source": r.source, "note": r.note}
            for name, r in sorted(self.rules.items())
        }


@dataclass(frozen=True)
class Frequency:
    """A recurring obligation: at least `times` in every `per` (month, quarter or year)."""

    per: str
    times: int = 1

    def __str__(self):
        unit = {"month": "每月", "quarter": "每季度", "year": "每年"}[self.per]
        return f"{unit}至少{self.times}次"


_REGISTRY: dict[str, RuleSet] = {}


def register(rule_set: RuleSet) -> RuleSet:
    _REGISTRY[rule_set.code] = rule_set
    return rule_set


def get_rule_set(code: str) -> RuleSet:
    from . import rulesets  # noqa: F401  (registers the built-in sets)

    try:
        return _REGISTRY[code]
    except KeyError:
        raise DomainError(
            _("未知的规则集：%(code)s") % {"code": code},
            code="unknown_rule_set",
            fields={"rule_set": [_("未知的规则集")]},
        ) from None


def rule_set_codes() -> list[str]:
    from . import rulesets  # noqa: F401

    return sorted(_REGISTRY)


def strictly_more_than(count: int, fraction: Fraction, of: int) -> bool:
    """`count > fraction × of`, exactly (no floating point): the form every quorum and pass rule takes."""
    return Fraction(count) > fraction * of


def at_least_ceil(fraction_of: Fraction) -> int:
    """The smallest whole number ≥ a fraction (e.g. seats × 1.2 rounded up)."""
    return -((-fraction_of.numerator) // fraction_of.denominator)


def more_than_whole(fraction: Fraction, of: int) -> int:
    """The whole number of people that "more than `fraction` of `of`" must exceed: more than 4/5 of
    44 (35.2) is more than 35 people. For messages: a count of people is a whole number."""
    return math.floor(Fraction(fraction) * of)


def share_text(fraction: Fraction) -> str:
    """A share as people write it: 半数 for 1/2, else 4/5."""
    fraction = Fraction(fraction)
    if fraction == Fraction(1, 2):
        return str(_("半数"))
    return f"{fraction.numerator}/{fraction.denominator}"
