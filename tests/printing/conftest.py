from ..procedures.test_democratic_review import review_branch  # noqa: F401 (the P3 branch fixture)
