"""Python side of each procedure: rule checks, form contexts and service-task effects."""
from . import branch_election  # noqa: F401
from . import weak_branch_remediation  # noqa: F401
from . import orglife_reminder  # noqa: F401
