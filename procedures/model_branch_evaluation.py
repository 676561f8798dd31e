"""P6 evaluation of model service-oriented branches (服务型党支部示范点, JSNU 六好 and source 001).

One case per round, opened by an approving committee: the standard set (`engine/standards/`), the
year evaluated and the branches that applied or were nominated. The measurable items come pre-filled
from the branch's records through the registry provider `standards.branch_indicators` (registered
by oversight; procedures do not import it). Evidence is linked, not re-uploaded: a document id must
belong to a case of that branch. Deadlines and the title's period come from the case's rule set
(`evaluation.*`), the survey's minimum ballots from `survey.min_ballots`.
"""

from __future__ import annotations

from engine.calendar import not_in_future, parse_date, today
from engine.errors import RuleViolation, ValidationFailed
from engine.i18n import _
from engine.rules import get_rule_set
from organizations.models import Organization, OrgKind
from organizations.rules import standard_set
from orglife.services import satisfaction_survey_record, satisfaction_tallies_check
from workflows import audit
from workflows.models import Case, CaseStatus, Document
from workflows.registry import (
    data_labels,
    effect,
    form_check,
    form_context,
    personal_data,
    provider,
)

PROCESS = "model_branch_evaluation"
RATINGS = ("met", "partly", "not_met")
# The school committee's decision on a branch, and why an item is named for improvement.
DECISIONS = {"designate": _("确定为示范点"), "feedback": _("反馈改进")}
IMPROVE_REASONS = {
    "insufficient_evidence": _("佐证不足"),
    "indicator_not_met": _("指标未达到"),
}
data_labels(PROCESS, codes={"decision": DECISIONS, "reason": IMPROVE_REASONS})

# Each branch's own (workflows.personal): its self-assessment and completion, the college's review
# of it (the items found insufficient, with comments), its survey tallies and the decision on it
# with the items to improve. The college and the committees above see every branch's; a branch's
# committee, reading its own task, sees its branch's only.
personal_data(
    PROCESS,
    keys={
        key: "branch"
        for key in (
            "self_assessments",
            "assessment",
            "completions",
            "completion",
            "reviews",
            "insufficient",
            "to_complete",
            "reviewed_branches",
            "surveys",
            "decisions",
            "results",
        )
    },
    tasks=("self_assessment", "complete_items"),
)


def _set_of(case):
    return standard_set(case.data["standard_set"])


def _branch_names(case) -> dict[int, str]:
    return {b["id"]: b["name"] for b in case.data.get("branches", [])}


def under_remediation(branch_ids) -> set[int]:
    """Branches with a running P4 remediation case: they cannot be designated."""
    return set(
        Case.objects.filter(
            process_id="weak_branch_remediation",
            status=CaseStatus.RUNNING,
            organization_id__in=list(branch_ids),
        ).values_list("organization_id", flat=True)
    )


def _indicators(case, branch: Organization, rules) -> dict[str, dict]:
    return provider("standards.branch_indicators")(
        organization=branch, standard_set=_set_of(case), year=case.data["year"], rules=rules
    )


def _check_documents(branch: Organization, ids, field: str) -> list[int]:
    """Evidence already kept with one of the branch's cases (linked, not re-uploaded)."""
    ids = list(ids or [])
    found = set(
        Document.objects.filter(
            pk__in=ids, case__organization__path__startswith=branch.path
        ).values_list("pk", flat=True)
    )
    for i, doc in enumerate(ids):
        if doc not in found:
            raise ValidationFailed(
                _("文件 %(id)s 不是本支部流程中的佐证材料。") % {"id": doc},
                code="document_not_of_branch",
                fields={f"{field}.{i}": [_("不是本支部的文件")]},
            )
    return ids


def _branch_index(case, entries, field: str) -> dict[int, dict]:
    """Each branch of the round exactly once in `entries` ([{branch, …}])."""
    names, seen = _branch_names(case), {}
    for i, e in enumerate(entries):
        if e["branch"] not in names:
            raise ValidationFailed(
                _("党支部 %(id)s 不在本轮评估中。") % {"id": e["branch"]},
                code="branch_not_in_round",
                fields={f"{field}.{i}.branch": [_("不在本轮评估中")]},
            )
        if e["branch"] in seen:
            raise ValidationFailed(
                _("同一党支部只能填写一次。"),
                code="branch_listed_twice",
                fields={f"{field}.{i}.branch": [_("重复")]},
            )
        seen[e["branch"]] = e
    missing = [names[b] for b in names if b not in seen]
    if missing:
        raise ValidationFailed(
            _("以下党支部还没有填写：%(names)s") % {"names": "、".join(missing)},
            code="branches_missing",
            fields={field: [_("须逐一填写本轮每个党支部")]},
        )
    return seen


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    """The approving committee opens a round: standard set, year, branches of its subtree."""
    if organization.kind != OrgKind.COMMITTEE or not organization.has_approval_authority:
        raise ValidationFailed(
            _("示范点评估由具有审批权限的党委发起。"),
            code="evaluation_needs_committee",
            fields={"organization": [_("须为具有审批权限的党委")]},
        )
    code = data.get("standard_set")
    try:
        chosen = standard_set(code) if isinstance(code, str) else None
    except Exception:  # NotFound from the registry of sets: answered as a field error here
        chosen = None
    if chosen is None:
        raise ValidationFailed(
            _("未知的标准集：%(code)s") % {"code": code},
            code="unknown_standard_set",
            fields={"data.standard_set": [_("未知的标准集")]},
        )
    year = data.get("year")
    if type(year) is not int or not 1921 <= year <= today().year:
        raise ValidationFailed(
            _("请填写评估年度（不晚于今年）。"),
            code="year_required",
            fields={"data.year": [_("须为不晚于今年的年份")]},
        )
    ids = data.get("branches")
    if not isinstance(ids, list) or not ids or not all(type(b) is int for b in ids):
        raise ValidationFailed(
            _("请选择申报或推荐的党支部。"),
            code="branches_required",
            fields={"data.branches": [_("至少一个党支部")]},
        )
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            _("同一党支部只能填写一次。"),
            code="branch_listed_twice",
            fields={"data.branches": [_("重复")]},
        )
    branches = {
        b.pk: b
        for b in Organization.objects.filter(
            pk__in=ids, kind=OrgKind.BRANCH, path__startswith=organization.path
        )
    }
    for i, b in enumerate(ids):
        if b not in branches:
            raise ValidationFailed(
                _("党支部 %(id)s 不是本党委所属的党支部。") % {"id": b},
                code="branch_not_in_scope",
                fields={f"data.branches.{i}": [_("不是本党委所属的党支部")]},
            )
    return {
        "standard_set": chosen.code,
        "standard_set_title": chosen.title,
        "year": year,
        "branch_ids": ids,
        "branches": [{"id": b, "name": branches[b].name} for b in ids],
        "reviews_done": 0,
        "send_back": False,
        "to_complete": [],
        "insufficient": {},
    }


def _standards_view(s) -> list[dict]:
    return [
        {
            "code": st.code,
            "title": st.title,
            "category": c.title,
            "items": [
                {
                    "code": i.code,
                    "text": i.text,
                    "source": i.source,
                    "article": i.article,
                    "evidence": i.evidence,
                    "indicator": i.indicator.code if i.indicator else None,
                }
                for i in st.items
            ],
        }
        for c in s.categories
        for st in c.standards
    ]


@form_context(PROCESS, "self_assessment", "complete_items")
def assessment_context(*, case, task) -> dict:
    """The standards with their items, the indicators pre-filled from the branch's records, the
    documents of the branch's cases that may be linked, and (when completing) the items sent
    back."""
    branch = task.assignee_organization
    docs = (
        Document.objects.filter(case__organization__path__startswith=branch.path)
        .select_related("case")
        .order_by("id")
    )
    return {
        "branch": {"id": branch.pk, "name": branch.name},
        "standard_set": case.data["standard_set"],
        "year": case.data["year"],
        "standards": _standards_view(_set_of(case)),
        "indicators": _indicators(case, branch, get_rule_set(case.rule_set)),
        "documents": [
            {
                "id": d.pk,
                "filename": d.filename,
                "case": d.case_id,
                "case_subject": d.case.subject,
                "process": d.case.process_id,
            }
            for d in docs
        ],
        "sent_back": case.data.get("insufficient", {}).get(str(branch.pk), []),
    }


@form_check(PROCESS, "self_assessment")
def check_self_assessment(*, case, task, data, rules) -> dict:
    """Every standard once with a self-rating; evidence per item linked from the branch's cases; the
    computed indicators are kept with the assessment as they stood when it was submitted."""
    branch = task.assignee_organization
    s = _set_of(case)
    seen = {}
    for i, entry in enumerate(data["standards"]):
        st = s.standard(entry["standard"])
        if st is None:
            raise ValidationFailed(
                _("未知的标准：%(code)s") % {"code": entry["standard"]},
                code="unknown_standard",
                fields={f"standards.{i}.standard": [_("不是本标准集的标准")]},
            )
        if st.code in seen:
            raise ValidationFailed(
                _("同一标准只能自评一次。"),
                code="standard_listed_twice",
                fields={f"standards.{i}.standard": [_("重复")]},
            )
        own = {it.code for it in st.items}
        for j, it in enumerate(entry.get("items", [])):
            if it["item"] not in own:
                raise ValidationFailed(
                    _("%(item)s 不是标准“%(title)s”的内容。")
                    % {"item": it["item"], "title": st.title},
                    code="item_not_in_standard",
                    fields={f"standards.{i}.items.{j}.item": [_("不是该标准的内容")]},
                )
            _check_documents(
                branch, it.get("document_ids"), f"standards.{i}.items.{j}.document_ids"
            )
        seen[st.code] = entry
    missing = [st.title for st in s.standards if st.code not in seen]
    if missing:
        raise ValidationFailed(
            _("以下标准还没有自评：%(names)s") % {"names": "、".join(missing)},
            code="standards_missing",
            fields={"standards": [_("须对照每一项标准自评")]},
        )
    computed = _indicators(case, branch, rules)
    return {
        "assessment": {
            "branch": branch.pk,
            "standards": data["standards"],
            "indicators": {code: r["status"] for code, r in computed.items()},
        }
    }


@form_context(PROCESS, "college_review")
def review_context(*, case, task) -> dict:
    return {
        "branches": _branch_options(case),
        "standards": _standards_view(_set_of(case)),
        "self_assessments": case.data.get("self_assessments", []),
        "completions": case.data.get("completions", []),
        "insufficient": case.data.get("insufficient", {}),
        "reviews_done": case.data.get("reviews_done", 0),
    }


@form_check(PROCESS, "college_review")
def check_review(*, case, task, data, rules) -> dict:
    """Per item: accepted unless listed insufficient with a comment. The first review may send the
    insufficient items back once (JSNU evaluation); after that they stay insufficient."""
    s = _set_of(case)
    reviews = _branch_index(case, data["reviews"], "reviews")
    done = case.data.get("reviews_done", 0)
    send_back = bool(data.get("send_back"))
    if send_back and done >= 1:
        raise RuleViolation(
            _("退回补充只能一次。"),
            code="already_sent_back",
            fields={"send_back": [_("已退回过一次")]},
        )
    insufficient = {}
    for i, entry in enumerate(data["reviews"]):
        listed = set()
        for j, it in enumerate(entry.get("insufficient", [])):
            if s.item(it["item"]) is None:
                raise ValidationFailed(
                    _("未知的内容：%(code)s") % {"code": it["item"]},
                    code="unknown_item",
                    fields={f"reviews.{i}.insufficient.{j}.item": [_("不是本标准集的内容")]},
                )
            if it["item"] in listed:
                raise ValidationFailed(
                    _("同一内容只能填写一次。"),
                    code="item_listed_twice",
                    fields={f"reviews.{i}.insufficient.{j}.item": [_("重复")]},
                )
            listed.add(it["item"])
        if entry.get("insufficient"):
            insufficient[str(entry["branch"])] = [
                {"item": it["item"], "text": s.item(it["item"]).text, "comment": it["comment"]}
                for it in entry["insufficient"]
            ]
    if send_back and not insufficient:
        raise RuleViolation(
            _("没有佐证不足的内容，无需退回。"),
            code="nothing_to_send_back",
            fields={"send_back": [_("没有需要补充的内容")]},
        )
    to_complete = (
        [b for b in case.data["branch_ids"] if str(b) in insufficient] if send_back else []
    )
    return {
        "reviews_done": done + 1,
        "send_back": send_back,
        "to_complete": to_complete,
        "insufficient": insufficient,
        "reviewed_branches": sorted(reviews),
    }


@form_check(PROCESS, "complete_items")
def check_completion(*, case, task, data, rules) -> dict:
    """Exactly the items sent back to this branch, each with a note and the evidence linked."""
    branch = task.assignee_organization
    wanted = {it["item"] for it in case.data.get("insufficient", {}).get(str(branch.pk), [])}
    given = []
    for i, it in enumerate(data["items"]):
        if it["item"] not in wanted or it["item"] in given:
            raise ValidationFailed(
                _("%(item)s 不是退回补充的内容。") % {"item": it["item"]},
                code="item_not_sent_back",
                fields={f"items.{i}.item": [_("不是退回补充的内容")]},
            )
        _check_documents(branch, it.get("document_ids"), f"items.{i}.document_ids")
        given.append(it["item"])
    missing = wanted - set(given)
    if missing:
        raise ValidationFailed(
            _("以下退回的内容还没有补充：%(items)s") % {"items": "、".join(sorted(missing))},
            code="items_missing",
            fields={"items": [_("须补充每一项退回的内容")]},
        )
    return {"completion": {"branch": branch.pk, "items": data["items"]}}


@form_check(PROCESS, "record_survey")
def check_survey(*, case, task, data, rules) -> dict:
    """Anonymous tallies per grade for each branch; at least survey.min_ballots ballots each."""
    _branch_index(case, data["surveys"], "surveys")
    out = []
    for i, entry in enumerate(data["surveys"]):
        counts = satisfaction_tallies_check(
            tallies=entry["tallies"], rules=rules, field=f"surveys.{i}.tallies"
        )
        not_in_future(parse_date(entry["surveyed_on"]), field=f"surveys.{i}.surveyed_on")
        out.append(
            {"branch": entry["branch"], "surveyed_on": entry["surveyed_on"], "tallies": counts}
        )
    return {"surveys": out}


@effect("record_evaluation_surveys")
def record_surveys(*, case, params, actor, now) -> dict:
    """The round's survey tallies become each branch's satisfaction-survey record (orglife)."""
    rules, names, ids = get_rule_set(case.rule_set), _branch_names(case), []
    for entry in case.data.get("surveys", []):
        branch = Organization.objects.get(pk=entry["branch"])
        row = satisfaction_survey_record(
            actor=actor,
            organization=branch,
            surveyed_on=parse_date(entry["surveyed_on"]),
            tallies=entry["tallies"],
            rules=rules,
            title=str(_("示范点评估满意度测评：%(name)s") % {"name": names[branch.pk]}),
            case=case,
        )
        ids.append(row.pk)
    return {"surveys": ids}


def _final_insufficient(case) -> dict[str, list]:
    """Items still insufficient after the last review."""
    return case.data.get("insufficient", {})


@form_context(PROCESS, "record_survey")
def survey_context(*, case, task) -> dict:
    """The round's branches, one survey row each."""
    return {"branches": _branch_options(case)}


def _branch_options(case) -> list[dict]:
    """The round's branches as a form offers them: organizations, not people (no member hint)."""
    return [{**b, "organization": True} for b in case.data.get("branches", [])]


@form_context(PROCESS, "school_decision")
def decision_context(*, case, task) -> dict:
    rules = get_rule_set(case.rule_set)
    blocked = under_remediation(case.data["branch_ids"])
    branches = Organization.objects.in_bulk(case.data["branch_ids"])
    return {
        "branches": [
            {
                "id": b,
                "name": branches[b].name,
                "organization": True,  # offered by name, without a member's hint
                "under_remediation": b in blocked,
                "indicators": _indicators(case, branches[b], rules),
                "insufficient": _final_insufficient(case).get(str(b), []),
            }
            for b in case.data["branch_ids"]
        ],
        "surveys": case.data.get("surveys", []),
        "title_period": rules.describe("evaluation.title_period"),
    }


@form_check(PROCESS, "school_decision")
def check_decision(*, case, task, data, rules) -> dict:
    """Designation (示范点 for evaluation.title_period from the decision) or feedback naming the
    items to improve: the items still insufficient and every measurable item not met. A branch under
    remediation (P4 running) cannot be designated."""
    _branch_index(case, data["decisions"], "decisions")
    blocked = under_remediation(case.data["branch_ids"])
    decided_on = not_in_future(parse_date(data["decided_on"]), field="decided_on")
    names, s = _branch_names(case), _set_of(case)
    branches = Organization.objects.in_bulk(case.data["branch_ids"])
    results = []
    for i, d in enumerate(data["decisions"]):
        branch = d["branch"]
        if d["decision"] == "designate" and branch in blocked:
            raise RuleViolation(
                _("%(name)s 正在整顿软弱涣散党支部，不能确定为示范点。") % {"name": names[branch]},
                code="branch_under_remediation",
                fields={f"decisions.{i}.decision": [_("整顿中的党支部不能确定为示范点")]},
            )
        computed = _indicators(case, branches[branch], rules)
        improve = [
            {
                "item": it["item"],
                "text": it["text"],
                "reason": "insufficient_evidence",
                "comment": it["comment"],
            }
            for it in _final_insufficient(case).get(str(branch), [])
        ]
        improve += [
            {
                "item": code,
                "text": s.item(code).text,
                "reason": "indicator_not_met",
                "indicator": r["indicator"],
                "status": r["status"],
                # the periods that ended unmet (one still running has not failed yet)
                "periods": [p["period"] for p in r["periods"] if p["status"] == "not_met"],
            }
            for code, r in computed.items()
            if r["status"] != "met"
        ]
        result = {
            "branch": branch,
            "name": names[branch],
            "decision": d["decision"],
            "comment": d.get("comment", ""),
        }
        if d["decision"] == "designate":
            period = rules.get("evaluation.title_period")
            result["title"] = {
                "name": str(_("服务型党支部示范点")),
                "from": decided_on.isoformat(),
                "until": period.add_to(decided_on).isoformat(),
            }
        else:
            result["improve"] = improve
        results.append(result)
    return {"results": results, "decided_on": decided_on.isoformat()}


@effect("publish_evaluation_results")
def publish_results(*, case, params, actor, now) -> dict:
    """Published: one audit event per branch (its own organization's history) with the decision."""
    branches = Organization.objects.in_bulk(case.data["branch_ids"])
    for r in case.data.get("results", []):
        action = (
            "model_branch_designated"
            if r["decision"] == "designate"
            else "model_branch_feedback_given"
        )
        audit.append(
            action=action,
            actor=actor,
            organization=branches[r["branch"]],
            data={"case": case.pk, **r},
        )
    return {"published_on": now.date().isoformat(), "branches": len(case.data.get("results", []))}
