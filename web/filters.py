"""What a saved filter may hold: the parameters each page understands, and the rules their values
are held to — when a filter is saved (`web.services.saved_filter_create`) and again before a stored
one is applied (`web.reports.saved_filters`)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.utils.translation import gettext as _

from untrusted.params import param_problems

from .models import FilterPage
from .selectors import TABS

# The query parameters each page understands; anything else is dropped from a saved filter.
FILTER_KEYS = {
    FilterPage.INBOX: (
        "tab",
        "q",
        "process",
        "organization",
        "due_within",
        "overdue",
        "escalated",
        "delegated",
    ),
    FilterPage.CASES: ("subject", "process", "organization", "started_from", "started_to"),
}
# The longest value a saved filter's parameter may hold (the pages' search boxes take 100).
FILTER_VALUE_MAX = 100


def _filter_pairs(page: str, query: str) -> list[tuple[str, str]]:
    keys = FILTER_KEYS[FilterPage(page)]
    return [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k in keys]


def clean_query(page: str, query: str) -> str:
    """The page's own parameters of `query` (anything else is dropped)."""
    return urlencode(_filter_pairs(page, query))


def filter_query_problems(page: str, query: str) -> dict[str, str]:
    """{parameter: what is wrong} for a filter's query, by the rules every page's query string is
    held to (`untrusted.params`) and the page's own (the inbox's tabs); {} when it can be applied.
    Checked when a filter is saved, and again before a stored one is applied."""
    pairs = _filter_pairs(page, query)
    problems = param_problems(pairs, max_length=FILTER_VALUE_MAX)
    tab = dict(pairs).get("tab")
    if page == FilterPage.INBOX and tab is not None and tab not in TABS and "tab" not in problems:
        problems["tab"] = _("tab：须为 %(tabs)s 之一") % {"tabs": "、".join(TABS)}
    return problems
