"""Writes to users, the organization tree, members and role assignments, with the branch-setup
rules of BRANCH-2018 Art. 4-5 and XYTC §1 (values from the rule set).

Every write names its actor (None: the system, an operator's command or the demo seed) and appends
an event to the organization-level audit log (`organizations.audit`) in its transaction: who, when,
what, before and after. Who granted whom a role (the organization department, auditors) is there.

One module per concern, every public name re-exported here: `record` (what every write shares:
snapshot, record-log event, delete), `organizations`, `members`, `roles`, `users` (and API tokens),
`import_upserts` (the onboarding import's upserts).
"""

from .import_upserts import (
    POST_ROLES,
    member_account_ensure,
    member_import_build,
    member_import_upsert,
    officer_import_upsert,
    officer_role_for,
    officers_import_many,
    organization_import_upsert,
)
from .members import (
    member_away_card_check,
    member_away_end,
    member_away_start,
    member_contact_found,
    member_contact_lost,
    member_create,
    member_create_many,
    member_delete,
    member_update,
)
from .organizations import (
    ALLOWED_PARENTS,
    organization_create,
    organization_delete,
    organization_dues_tracking_start,
    organization_setup_warnings,
    organization_update,
)
from .record import IMPORTED_ACTIONS, SECRET_FIELDS, snapshot
from .roles import (
    BRANCH_COMMITTEE_POSTS,
    role_assignment_create,
    role_assignment_delete,
    role_assignment_update,
    role_assignments_end,
)
from .users import (
    token_issue,
    token_revoke_all,
    user_create,
    user_deactivate,
    user_delete,
    user_password_set,
    user_update,
)

__all__ = [
    "ALLOWED_PARENTS",
    "BRANCH_COMMITTEE_POSTS",
    "IMPORTED_ACTIONS",
    "POST_ROLES",
    "SECRET_FIELDS",
    "member_account_ensure",
    "member_away_card_check",
    "member_away_end",
    "member_away_start",
    "member_contact_found",
    "member_contact_lost",
    "member_create",
    "member_delete",
    "member_import_build",
    "member_import_upsert",
    "member_create_many",
    "member_update",
    "officer_import_upsert",
    "officer_role_for",
    "officers_import_many",
    "organization_create",
    "organization_delete",
    "organization_dues_tracking_start",
    "organization_import_upsert",
    "organization_setup_warnings",
    "organization_update",
    "role_assignment_create",
    "role_assignment_delete",
    "role_assignment_update",
    "role_assignments_end",
    "snapshot",
    "token_issue",
    "token_revoke_all",
    "user_create",
    "user_deactivate",
    "user_delete",
    "user_password_set",
    "user_update",
]
