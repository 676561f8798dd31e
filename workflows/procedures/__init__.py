"""Python side of each procedure: rule checks, form contexts and service-task effects."""
from . import branch_election, member_development, orglife_reminder, weak_branch_remediation  # noqa: F401
