"""What every page's navigation shows: the unread notification count for the bell (one query)."""

from notifications.selectors import unread_count
from organizations.selectors import is_org_department


def nav(request) -> dict:
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not request.path.startswith("/")
        or request.path.startswith("/admin/")
    ):
        return {}
    return {
        "unread_notifications": unread_count(user),
        "is_org_department": is_org_department(user),
    }
