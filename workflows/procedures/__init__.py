"""Python side of each procedure: rule checks, form contexts and service-task effects."""
from . import branch_election  # noqa: F401
from . import self_lapse  # noqa: F401
from . import unqualified_member  # noqa: F401
from . import democratic_review  # noqa: F401
