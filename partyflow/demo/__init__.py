"""The demo university behind `partyflow seed-demo` and `make demo`.

Everything is written through the services (organizations.services, workflows.services), exactly as
the API would: the seed is also a check that the services can build a realistic tree and bring
P2 election cases to every step. Dates are relative to today so the demo never goes stale; the
reminder dates follow the rule set's `election.reminder_lead`.

The university itself (`university`), the seeding (`seed`: the tree and people; `elections`,
`development`, `review`, `records`: each procedure's cases; `roster`: each person's roster fields)
and the login table (`logins`); `dues_behind` names the members behind with their dues for the
printed guide.
"""

from .logins import demo_logins
from .records import dues_behind
from .seed import demo_exists, seed_demo
from .university import DEMO_PASSWORD, SCHOOL_NAME

__all__ = ["DEMO_PASSWORD", "SCHOOL_NAME", "demo_exists", "demo_logins", "dues_behind", "seed_demo"]
