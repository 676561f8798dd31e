"""民主评议党员结果汇总表: a democratic review's measurement and rating, per grade."""

from __future__ import annotations

from collections import Counter

from engine.calendar import today
from organizations.selectors import approving_committee_of
from orglife.models import Grade
from workflows.models import Case

from .common import cn_date, member_names, require_step


def _share(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "—"


def review_summary(case: Case) -> dict:
    """民主评议 results: participation, the measurement's counts per grade summed over members (no
    individual ballot exists to print), the organizational rating per grade, the flagged members."""
    require_step(case, "organizational_rating", "组织评定", "民主评议结果汇总表")
    data = case.data
    grades = dict(Grade.choices)
    totals = Counter()
    for per_member in (data.get("measurement") or {}).values():
        for grade, count in per_member.items():
            totals[grade] += count
    measured = sum(totals.values())
    ratings = data.get("ratings") or []
    rating_counts = Counter(r["grade"] for r in ratings)
    names = member_names([r["member"] for r in ratings])
    committee = approving_committee_of(case.organization)
    return {
        "branch": case.organization.name,
        "year": data.get("year", ""),
        "committee": committee.name if committee else "",
        "case_no": f"#{case.pk}",
        "generated_on": cn_date(today()),
        "voters_due": len(data.get("voters") or []),
        "ballots": data.get("ballots", "—"),
        "rated_count": len(data.get("rated") or []),
        "not_rated_count": len(data.get("not_rated") or []),
        "measurement": [
            {
                "label": str(grades[g]),
                "count": totals.get(g, 0),
                "share": _share(totals.get(g, 0), measured),
            }
            for g in grades
        ],
        "rating": [
            {
                "label": str(grades[g]),
                "count": rating_counts.get(g, 0),
                "share": _share(rating_counts.get(g, 0), len(ratings)),
            }
            for g in grades
        ],
        "warnings": [
            str(w.get("message", "")) if isinstance(w, dict) else str(w)
            for w in data.get("rating_warnings") or []
        ],
        "excellent": [names.get(r["member"], "") for r in ratings if r["grade"] == Grade.EXCELLENT],
        "flagged": [
            {"name": names.get(r["member"], ""), "grade": str(grades[r["grade"]])}
            for r in ratings
            if r["grade"] in (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)
        ],
        "rated_any": bool(ratings),
    }
