"""What a page's parameters (query string and form fields) may hold: one table for every page, so
a hostile value is refused once, before any view, with the field and the rule named in Chinese.

Every value: no control or invisible formatting character (`untrusted.text`), and no longer than
the limit of where it came from (a query string holds filters and ids, a form holds text up to the
longest a form schema allows). Parameters with a meaning across pages (an organization's id, a
number of days) are checked against their rule here; the page then checks scope (an id in range
that names nothing the user may see answers like a missing one)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from engine.i18n import _

from .text import FORBIDDEN_CHARS, char_problem

# The longest value a query string or a form field may hold (characters). Forms: the longest
# maxLength of a form schema (10,000); query strings hold ids, filters and a saved filter's query.
QUERY_VALUE_MAX = 2000
FORM_VALUE_MAX = 10_000
# Ids are PostgreSQL bigint (BigAutoField).
ID_MAX = 2**63 - 1


@dataclass(frozen=True)
class Rule:
    label: str
    kind: str  # "id" | "integer" | "number"
    minimum: float = 0
    maximum: float = ID_MAX

    def problem(self, value: str) -> str | None:
        text = value.strip()
        if text == "":
            return None
        if self.kind == "id":
            if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > ID_MAX:
                return str(_("须为数字编号"))
            return None
        if self.kind == "integer":
            if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
                return str(_("须为整数"))
            number = int(text)
        else:
            try:
                number = float(text) if len(text) <= 32 else math.nan
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                return str(_("须为数字"))
        if not self.minimum <= number <= self.maximum:
            return str(
                _("须在 %(min)s 到 %(max)s 之间") % {"min": self.minimum, "max": self.maximum}
            )
        return None


PARAMS: dict[str, Rule] = {
    "organization": Rule(_("组织"), "id"),
    "shared_organization": Rule(_("共享组织"), "id"),
    "delegate": Rule(_("受托人"), "id"),
    "task": Rule(_("任务"), "id"),
    "member": Rule(_("党员"), "id"),
    "due_within": Rule(_("到期天数"), "integer", 0, 3650),
    "year": Rule(_("年份"), "integer", 1900, 2999),
    "hours": Rule(_("学时"), "number", 0, 1000),
}


def param_problems(items: Iterable[tuple[str, str]], *, max_length: int) -> dict[str, str]:
    """{parameter: what is wrong, in words} for `items` ((key, value) pairs of a query string or a
    form); {} when every value is acceptable."""
    problems: dict[str, str] = {}
    for key, value in items:
        if key in problems:
            continue
        problem = char_problem(key) or char_problem(value)
        if problem is None and len(value) > max_length:
            problem = str(_("不能超过 %(n)s 个字符") % {"n": max_length})
        if problem is None and key in PARAMS:
            problem = PARAMS[key].problem(value)
        if problem is not None:
            shown = FORBIDDEN_CHARS.sub("\ufffd", key)[:60]
            rule = PARAMS.get(key)
            problems[shown] = (
                f"{rule.label}（{shown}）：{problem}" if rule else f"{shown}：{problem}"
            )
    return problems
