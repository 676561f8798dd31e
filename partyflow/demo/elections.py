"""P2: each branch's election case brought to the step its branch waits at."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from engine.rules import at_least_ceil, strictly_more_than

from .university import COLLEGE_SHORT, _Branch

# The order of the steps of P2 the seed walks through.
_STEPS = [
    "submit_request",
    "reply_request",
    "nominate_candidates",
    "review_candidates",
    "record_vote",
    "elect_officers",
    "approve_results",
]


class _Elections:
    """The seeder's P2 part (mixed into `seed._Seeder`: its branches, members, users and rules)."""

    def advance(self, spec: _Branch, case):
        """Complete the steps of one case, as its secretary and its officer would, up to spec.target."""
        branch, people = self.branches[spec.key], self.members[spec.key]
        secretary, officer = (
            self.users[f"secretary_{spec.key}"],
            self.users[f"officer_{spec.college}"],
        )
        voters = [m for m in people if m.has_full_rights]
        committee = len(voters) >= self.rules.get("branch.committee_min_full_members")
        seats = 5 if committee else 1
        candidates = voters[
            : at_least_ceil(Fraction(seats) * (1 + self.rules.get("election.candidate_margin")))
        ]
        if spec.target == "approve_results":
            # The vote was held today: its date may be neither before the request's approval nor
            # after today, and the planned date not in the past.
            election_date = self.today
        else:
            election_date = max(
                self.today,
                min(branch.term_end - dt.timedelta(days=10), self.today + dt.timedelta(days=30)),
            )
        # One voter absent when the quorum still holds; the first `seats` candidates win clearly.
        absent = (
            1
            if strictly_more_than(len(voters) - 1, self.rules.get("election.quorum"), len(voters))
            else 0
        )
        present = voters[: len(voters) - absent]
        yes = [len(present) - 1] * seats + [1] * (len(candidates) - seats)
        forms = {
            "submit_request": (
                secretary,
                {
                    "election_date": election_date.isoformat(),
                    "seats": seats,
                    "nomination_method": "committee_proposal"
                    if committee
                    else "member_recommendation",
                    "request_text": f"{branch.name}本届任期将于{branch.term_end:%Y年%m月%d日}届满，拟召开党员大会进行换届选举。",
                },
            ),
            "reply_request": (
                officer,
                {
                    "approved": True,
                    "document_no": f"{COLLEGE_SHORT[spec.college]}〔{self.today.year}〕{10 + len(spec.key)}号",
                },
            ),
            "nominate_candidates": (
                secretary,
                {"candidates": [m.pk for m in candidates], "basis": "支部根据多数党员意见提出"},
            ),
            "review_candidates": (officer, {"approved": True}),
            "record_vote": (
                secretary,
                {
                    "meeting_date": election_date.isoformat(),
                    "present": [m.pk for m in present],
                    "ballots_issued": len(present),
                    "ballots_returned": len(present),
                    "invalid_ballots": 0,
                    "votes": [{"candidate": m.pk, "yes": n} for m, n in zip(candidates, yes)],
                    "elected": [m.pk for m in candidates[:seats]],
                },
            ),
            "elect_officers": (
                secretary,
                {
                    "meeting_date": election_date.isoformat(),
                    "secretary": candidates[0].pk,
                    "deputy": None,
                },
            ),
        }
        if spec.target == "returned":
            self.complete(case, "submit_request", *forms["submit_request"])
            self.complete(
                case,
                "reply_request",
                officer,
                {"approved": False, "reason": "请补充说明候选人推荐方式和党员大会的组织安排。"},
            )
            return
        for step in _STEPS[: _STEPS.index(spec.target)]:
            self.complete(case, step, *forms[step])
