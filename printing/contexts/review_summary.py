"""民主评议党员结果汇总表: a democratic review's measurement and rating, per grade."""

from __future__ import annotations

from collections import Counter

from engine.calendar import today
from engine.i18n import _
from organizations.selectors import approving_committee_of
from orglife.models import Grade
from workflows.models import Case, CaseStatus

from .common import cn_date, member_names, require_step


def _share(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "—"


MEASURES = {
    "correction": _("限期改正"),
    "advise_withdraw": _("劝退"),
    "strike_off": _("除名"),
}


def _feedback_handling(text: str) -> str:
    """基本合格: no disposal (DISPOSAL-2024 is for the unqualified); the branch gives the member
    the result and helps them improve, as the feedback step recorded it."""
    if not text:
        return str(_("待向本人反馈评议结果"))
    return str(_("已向本人反馈评议结果并帮助改进：%(text)s")) % {"text": text}


def _disposal_handling(disposal: Case | None) -> str:
    """不合格: the handling case DISPOSAL-2024 opens once the committee accepts the results, as
    far as it has gone: the branch committee's proposal, its filing, the correction deadline, the
    follow-up, the end."""
    if disposal is None:
        return str(_("评议结果经上级党委审核同意后启动不合格党员处置"))
    d = disposal.data
    measure = d.get("measure")
    if not measure:
        return str(_("已启动不合格党员处置，待支部委员会提出处置意见"))
    parts = [str(_("支部委员会提出%(measure)s")) % {"measure": MEASURES.get(measure, measure)}]
    if d.get("filed_on"):
        parts.append(
            str(_("%(date)s报上级党委备案（%(no)s）"))
            % {"date": cn_date(d["filed_on"]), "no": d.get("filing_document_no") or "—"}
        )
    else:
        parts.append(str(_("待报上级党委备案")))
    if measure == "correction" and d.get("correction_deadline"):
        parts.append(str(_("改正期限至%(date)s")) % {"date": cn_date(d["correction_deadline"])})
    if "corrected" in d:
        parts.append(str(_("期满考察已改正")) if d["corrected"] else str(_("期满考察未改正")))
    if disposal.status == CaseStatus.COMPLETED:
        parts.append(str(_("已办结")))
    return "，".join(parts)


def _handling(case: Case, ratings: list[dict]) -> dict[int, str]:
    """处理情况 of each member rated 基本合格 or 不合格, from the case's records."""
    feedback = {f["member"]: f.get("text", "") for f in case.data.get("feedback") or []}
    disposals = {
        c.subject_member_id: c
        for c in Case.objects.filter(
            process_id="unqualified_member", data__review_case=case.pk
        ).order_by("id")
    }
    out = {}
    for r in ratings:
        if r["grade"] == Grade.BASICALLY_QUALIFIED:
            out[r["member"]] = _feedback_handling(feedback.get(r["member"], ""))
        elif r["grade"] == Grade.UNQUALIFIED:
            out[r["member"]] = _disposal_handling(disposals.get(r["member"]))
    return out


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
    handling = _handling(case, ratings)
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
            {
                "name": names.get(r["member"], ""),
                "grade": str(grades[r["grade"]]),
                "handling": handling[r["member"]],
            }
            for r in ratings
            if r["grade"] in (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)
        ],
        "rated_any": bool(ratings),
    }
