"""服务型党支部示范点考评结果表: one branch's result in a P6 round, as the school committee decided
it — each standard of the set with its status (the standards matrix's one rule,
`oversight.standards.cell_status`), each item met or not with its evidence (the records behind a
measurable item, the documents linked for a judgement-only one, as the college's review left
them), the tally of standards and items met, the satisfaction survey, and the decision with its
date and document number. Printed once the decision is made (the `school_decision` step).

The statuses are those of the branch's records for the year evaluated as they stood on the day of
the decision, which is what the committee decided on."""

from __future__ import annotations

from fractions import Fraction

from engine.calendar import parse_date
from engine.errors import ValidationFailed
from engine.i18n import _
from engine.rules import get_rule_set
from organizations.models import Organization
from organizations.rules import standard_set
from orglife.models import SatisfactionSurvey
from oversight.standards import (
    STATUS_LABELS,
    documents_text,
    periods_text,
    records_text,
    span_label,
    standards_matrix,
)
from procedures.model_branch_evaluation import DECISIONS, IMPROVE_REASONS
from workflows.models import Case

from .common import cn_date, require_step

# How a standard's status reads in the result (the matrix's labels), in the order they are counted.
COUNTED = ("met", "partly", "not_met", "no_evidence", "due")


def _branch_of(case: Case, branch) -> dict:
    """The round's branch the document is about: `branch` (an id) when given, else the round's
    only branch. A round of several branches needs it; one not in the round is refused."""
    results = {r["branch"]: r for r in case.data.get("results", [])}
    if branch in (None, ""):
        if len(results) == 1:
            return next(iter(results.values()))
        raise ValidationFailed(
            _("本轮评估有多个党支部，请指定 branch。"),
            code="branch_required",
            fields={"branch": [_("必填：本轮评估中的党支部")]},
        )
    if not str(branch).isdigit() or int(branch) not in results:
        raise ValidationFailed(
            _("党支部 %(id)s 不在本轮评估中。") % {"id": branch},
            code="branch_not_in_round",
            fields={"branch": [_("不在本轮评估中")]},
        )
    return results[int(branch)]


def _survey(case: Case, branch: Organization, rules) -> str:
    survey = (
        SatisfactionSurvey.objects.filter(case=case, organization=branch)
        .order_by("-surveyed_on", "-id")
        .first()
    )
    if survey is None:
        return "本轮未进行满意度测评。"
    grades = rules.get("survey.satisfied_grades")
    rate = Fraction(sum(survey.count(g) for g in grades), survey.ballots)
    return "{d}测评，有效票{n}张，满意（含非常满意）{k}张，满意率{r}%。".format(
        d=cn_date(survey.surveyed_on),
        n=survey.ballots,
        k=sum(survey.count(g) for g in grades),
        r=f"{float(rate) * 100:.1f}",
    )


def _improve(item: dict) -> str:
    reason = str(IMPROVE_REASONS.get(item["reason"], item["reason"]))
    if item["reason"] == "indicator_not_met" and item.get("periods"):
        periods = "、".join(span_label(p) for p in item["periods"])
        return f"{item['text']}（{reason}：{periods}）"
    if item.get("comment"):
        return f"{item['text']}（{reason}：{item['comment']}）"
    return f"{item['text']}（{reason}）"


def evaluation_result(case: Case, *, branch=None) -> dict:
    submitted, event = require_step(
        case, "school_decision", "学校党委评审决定", "服务型党支部示范点考评结果表"
    )
    result = _branch_of(case, branch)
    org = Organization.objects.get(pk=result["branch"])
    data, rules = case.data, get_rule_set(case.rule_set)
    decided_on = parse_date(data["decided_on"])
    s = standard_set(data["standard_set"])
    matrix = standards_matrix(org, s, year=data["year"], rules=rules, on=decided_on)
    cells = next(b["cells"] for b in matrix["branches"] if b["organization"] == org.pk)
    categories = {st.code: c.title for c in s.categories for st in c.standards}
    standards, items_met, items_total = [], 0, 0
    for cell in cells:
        rows = [
            {
                "text": i["text"],
                "status": str(STATUS_LABELS[i["status"]]),
                "evidence": "; ".join(x for x in (periods_text(i), records_text(i)) if x) or "—",
            }
            for i in cell["items"]
        ] + [
            {
                "text": i["text"],
                "status": str(STATUS_LABELS[i["status"]]),
                "evidence": documents_text(i) or f"人工评审（{i['evidence']}）：未提交佐证",
            }
            for i in cell["judgement_only"]
        ]
        met = sum(1 for i in (*cell["items"], *cell["judgement_only"]) if i["status"] == "met")
        items_met += met
        items_total += len(rows)
        standards.append(
            {
                "category": categories[cell["standard"]],
                "title": cell["title"],
                "status": cell["label"],
                "met": f"{met}/{len(rows)}",
                "rows": rows,
            }
        )
    counts = {k: sum(1 for c in cells if c["status"] == k) for k in COUNTED}
    tally = "，".join(f"{STATUS_LABELS[k]}{n}项" for k, n in counts.items() if n)
    title = result.get("title")
    decision = str(DECISIONS[result["decision"]])
    if title:
        decision = "确定为{name}，有效期自{a}至{b}".format(
            name=title["name"], a=cn_date(title["from"]), b=cn_date(title["until"])
        )
    decider = next(
        (r.get("organization") for r in event.actor_roles or [] if isinstance(r, dict)), None
    )
    decided_by = Organization.objects.filter(pk=decider).values_list("name", flat=True).first()
    return {
        "branch": org.name,
        "year": data["year"],
        "committee": case.organization.name,
        "standard_set": data.get("standard_set_title") or s.title,
        "case_no": case.pk,
        "summary": f"对照{len(cells)}项标准：{tally}；{items_total}项具体内容中达标{items_met}项。",
        "standards": standards,
        "survey": _survey(case, org, rules),
        "decision": decision,
        "comment": result.get("comment") or "—",
        "improve": [_improve(i) for i in result.get("improve", [])],
        "decided_on": cn_date(decided_on),
        "document_no": submitted.get("document_no") or "—",
        "decided_by": decided_by or "",
    }
