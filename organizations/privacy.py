"""A member's identity and phone numbers: who reads them in full, and what everyone else reads.

One rule for the API, the pages and the printed documents alike: the organization department (who
keep the records) and the member themself see the numbers in full; every other role sees them
masked, enough to tell two records apart, not to use them."""

from organizations.models import Member
from organizations.selectors import is_org_department

KEEP_START, KEEP_END = 3, 4


def mask(value: str | None, keep_start: int = KEEP_START, keep_end: int = KEEP_END) -> str:
    """'110101199001011234' → '110***********1234'. A value no longer than what would be kept is
    all stars: a short number is never shown more than a long one."""
    if not value or len(value) <= keep_start + keep_end:
        return "*" * len(value or "")
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def sees_numbers_in_full(user, member: Member) -> bool:
    """The organization department and the member themself; nobody else (nor no one)."""
    return is_org_department(user) or (
        member.user_id is not None and member.user_id == getattr(user, "pk", None)
    )
