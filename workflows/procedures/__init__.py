"""Python side of each procedure: rule checks, form contexts and service-task effects."""
from . import (  # noqa: F401
    branch_election,
    democratic_review,
    member_development,
    model_branch_evaluation,
    orglife_reminder,
    self_lapse,
    unqualified_member,
    weak_branch_remediation,
)
