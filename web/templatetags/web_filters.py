"""`{% saved_filters "inbox" %}`: the saved-filter bar of a page (chips with counts, and a form to
save the current filter), so a page shows it with one line and no change to its view."""

from django import template

from engine.calendar import cn_date, cn_datetime, deadline_text, last_day_before, month_label
from organizations.models import Role

from ..reports import saved_filters, saved_filters_hidden
from ..selectors import cited_in_words
from ..services import sharing_offices

register = template.Library()
SHAREABLE_ROLES = (
    Role.BRANCH_SECRETARY,
    Role.BRANCH_COMMITTEE,
    Role.COMMITTEE_OFFICER,
    Role.AUDITOR,
)


@register.inclusion_tag("web/_saved_filters.html", takes_context=True)
def saved_filters_bar(context, page: str) -> dict:
    request = context["request"]
    return {
        "page": page,
        "items": saved_filters(request.user, page),
        "hidden": saved_filters_hidden(request.user, page),
        "query": request.GET.urlencode(),
        "path": request.path,
        "offices": sharing_offices(request.user),
        "csrf_token": context.get("csrf_token"),
        "roles": [(r.value, r.label) for r in SHAREABLE_ROLES],
    }


@register.filter
def deadline_day(value):  # noqa: ANN201 - a template filter: a date, or "" without a deadline
    """The last day of a deadline (deadlines fall at 24:00 of their last day, 00:00 of the next)."""
    return last_day_before(value) if value else ""


@register.filter
def deadline(value) -> str:
    """A deadline as a person reads it: "2026年12月9日 24:00" for one at the end of that day."""
    return deadline_text(value) if value else ""


@register.filter(name="cn_date")
def cn_date_filter(value) -> str:
    """A date in running text as offices write it: 2026年7月10日 (engine.calendar.cn_date)."""
    return cn_date(value)


@register.filter(name="cn_datetime")
def cn_datetime_filter(value) -> str:
    """A moment in running text: 2026年7月10日 14:30, China Standard Time."""
    return cn_datetime(value)


@register.filter(name="month_label")
def month_label_filter(value) -> str:
    """A month as a person reads it: 2026年5月 (engine.calendar.month_label); "" for none."""
    return month_label(value) if value else ""


@register.filter
def cited(text) -> str:
    """Regulations cited by their codes ('BRANCH-2018 第11条, XYTC §4-2') in words."""
    return cited_in_words(str(text or ""))


@register.filter
def with_columns(row, columns) -> list:
    """A table row's cells each with its column's title (a phone shows the title beside the value)."""
    return list(zip(columns, row, strict=False))
