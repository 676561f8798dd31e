from ..procedures.review_helpers import review_branch  # noqa: F401 (the P3 branch fixture)
