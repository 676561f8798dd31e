"""What every page's navigation shows: the unread notification count for the bell and the overdue
count of the inbox (one query for both, `web.selectors.nav_counts`), and
which sections the user's roles open (from the role assignments the request loads once anyway)."""

from organizations.models import Role
from organizations.selectors import SCOPE_ROLES, active_assignments, is_org_department
from orglife.selectors import RECORD_ROLES

from .selectors import OVERSEEING_KINDS, nav_counts


def nav(request) -> dict:
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not request.path.startswith("/")
        or request.path.startswith("/admin/")
    ):
        return {}
    roles = active_assignments(user)
    counts = nav_counts(user)
    member = getattr(user, "member", None)  # loaded with the session user (web.backends)
    return {
        # The person's name in the top bar: the account's name, else its member's, else the login.
        "user_display": user.get_full_name() or (member.name if member else user.get_username()),
        "unread_notifications": counts["unread"],
        "overdue_tasks": counts["overdue"],
        "is_org_department": is_org_department(user),
        "can_record": user.is_superuser or any(a.role in RECORD_ROLES for a in roles),
        # An auditor who holds no other role reads everything in scope and is shown no write
        # control (the server refuses writes anyway: auditors hold no inbox slot, start nothing).
        "read_only": not user.is_superuser
        and bool(roles)
        and all(a.role == Role.AUDITOR for a in roles),
        "has_member_record": member is not None,
        "can_oversee": user.is_superuser
        or any(a.role in SCOPE_ROLES and a.organization.kind in OVERSEEING_KINDS for a in roles),
    }
