"""`{% saved_filters "inbox" %}`: the saved-filter bar of a page (chips with counts, and a form to
save the current filter), so a page shows it with one line and no change to its view."""

from django import template

from organizations.models import Role

from ..reports import saved_filters
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
        "query": request.GET.urlencode(),
        "path": request.path,
        "offices": sharing_offices(request.user),
        "csrf_token": context.get("csrf_token"),
        "roles": [(r.value, r.label) for r in SHAREABLE_ROLES],
    }
