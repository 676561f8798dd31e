"""Hardship relief from Party dues (少交/免交党费, DUES-2008 Art. 7; issue 29): the member applies, the
branch studies it and submits it with the reason, the months of the year it covers and the reduced
monthly amount (or 免交); the higher committee approves or refuses it in its inbox. The case's start
puts the application on the member's assessment for the year as waiting
(`orglife.dues_services.dues_relief_request`); the committee's decision is recorded there
(`dues_relief_decide`) and, approved, is what the monthly collection asks in those months
(`DuesAssessment.due_in`). The case's history is the audit trail of both steps."""

from __future__ import annotations

from engine.errors import ValidationFailed
from engine.i18n import _
from orglife.dues_services import (
    check_relief_decider,
    dues_relief_branch,
    dues_relief_checked,
    dues_relief_decide,
    dues_relief_request,
)
from orglife.models import DuesAssessment, DuesRelief, relief_months_text
from workflows.models import Case, CaseStatus, Task, TaskStatus
from workflows.registry import data_labels, effect, form_check, form_context, one_running_per
from workflows.services import case_start_in_scope, task_complete

PROCESS = "dues_relief"
DECISIONS = {"approve": _("同意"), "refuse": _("不同意")}


def _assessment_key(*, organization, subject_member, data) -> str | None:
    """One application at a time for a member's year (its assessment)."""
    pk = data.get("assessment")
    return _key(pk) if isinstance(pk, int) else None


def _key(assessment_id: int) -> str:
    return f"dues_assessment:{assessment_id}"


one_running_per(PROCESS, _assessment_key)
data_labels(
    PROCESS,
    members=("member",),
    codes={"relief": dict(DuesRelief.choices), "decision": DECISIONS},
    titles={
        "year": _("年度"),
        "relief": _("少交或免交"),
        "amount": _("少交后每月金额"),
        "computed": _("按比例应交（月）"),
        "reason": _("申请理由"),
        "months_text": _("减免月份"),
        "decision": _("审批意见"),
        "comment": _("审批说明"),
    },
)


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    """The assessment of a member of the branch (the year's dues must be set first), and the
    application as `dues_relief_checked` reads it (one already waiting for a committee is refused
    by `dues_relief_request` when the case starts)."""
    pk = data.get("assessment")
    assessment = (
        DuesAssessment.objects.select_related("member", "member__organization")
        .filter(pk=pk if isinstance(pk, int) else None)
        .first()
    )
    if assessment is None or dues_relief_branch(assessment).pk != organization.pk:
        raise ValidationFailed(
            _("请选择本支部已核定党费的党员。"),
            code="dues_not_assessed",
            fields={"data.assessment": [_("须为本支部党员的年度核定")]},
        )
    v = dues_relief_checked(
        assessment=assessment,
        relief=data.get("relief"),
        reason=data.get("reason"),
        amount=data.get("amount"),
        months=data.get("months") if isinstance(data.get("months"), dict) else None,
    )
    months = None
    if v["relief_from"] or v["relief_until"]:
        months = {
            "from": v["relief_from"] and v["relief_from"].strftime("%Y-%m"),
            "until": v["relief_until"] and v["relief_until"].strftime("%Y-%m"),
        }
    return {
        "assessment": assessment.pk,
        "member": {"id": assessment.member_id, "name": assessment.member.name},
        "year": assessment.year,
        "computed": str(assessment.computed),
        "relief": v["relief"],
        "amount": None if v["amount"] is None else str(v["amount"]),
        "reason": v["reason"],
        "months": months,
        "months_text": relief_months_text(v["relief_from"], v["relief_until"]),
    }


@effect("dues_relief_submit")
def submit(*, case, params, actor, now) -> dict:
    d = case.data
    dues_relief_request(
        actor=actor,
        assessment=DuesAssessment.objects.get(pk=d["assessment"]),
        relief=d["relief"],
        reason=d["reason"],
        amount=d["amount"],
        months=d["months"],
    )
    return {}


@form_check(PROCESS, "decide_relief")
def check_decision(*, case, task, data, rules) -> dict:
    """A refusal says why (the branch tells the member)."""
    if data.get("decision") == "refuse" and not str(data.get("comment") or "").strip():
        raise ValidationFailed(
            _("不同意时请写明理由。"),
            code="comment_required",
            fields={"comment": [_("不同意时必填")]},
        )
    return {}


@effect("dues_relief_decide")
def decide(*, case, params, actor, now) -> dict:
    a = dues_relief_decide(
        actor=actor,
        assessment=DuesAssessment.objects.get(pk=case.data["assessment"]),
        approve=case.data["decision"] == "approve",
        note=case.data.get("comment") or "",
    )
    return {"relief_status": a.relief_status}


@form_context(PROCESS, "decide_relief")
def decision_context(*, case, task) -> dict:
    d = case.data
    return {
        "member": d.get("member"),
        "year": d.get("year"),
        "relief": str(DuesRelief(d["relief"]).label),
        "computed": d.get("computed"),
        "amount": d.get("amount"),
        "months": d.get("months_text"),
        "reason": d.get("reason"),
    }


# --- the dues pages' and endpoints' entry points ---------------------------------------------


def dues_relief_start(
    *, actor, assessment: DuesAssessment, relief, reason, amount=None, months=None
) -> Case:
    """The branch's application (the dues sheet's relief form and its endpoint): a case of this
    procedure for the member's branch, which puts it before the higher committee's inbox."""
    return case_start_in_scope(
        actor=actor,
        process_id=PROCESS,
        organization_id=dues_relief_branch(assessment).pk,
        subject_member_id=assessment.member_id,
        data={
            "assessment": assessment.pk,
            "relief": relief,
            "reason": reason,
            "amount": amount,
            "months": months,
        },
    )


def relief_decision_task(assessment: DuesAssessment) -> Task | None:
    """The committee's open decision on the assessment's running application, if any."""
    return Task.objects.filter(
        case__process_id=PROCESS,
        case__status=CaseStatus.RUNNING,
        case__subject_key=_key(assessment.pk),
        element_id="decide_relief",
        status=TaskStatus.OPEN,
    ).first()


def dues_relief_case_decide(
    *, actor, assessment: DuesAssessment, approve: bool, note: str = ""
) -> DuesAssessment:
    """The committee's decision from the dues pages and endpoint: it completes the case's inbox
    task (so the case's history holds it). An application filed before this procedure existed
    has no case and is decided on the assessment directly."""
    task = relief_decision_task(assessment)
    if task is None:
        return dues_relief_decide(actor=actor, assessment=assessment, approve=approve, note=note)
    check_relief_decider(actor, assessment)
    data = {"decision": "approve" if approve else "refuse"}
    if (note or "").strip():
        data["comment"] = note.strip()[:300]
    task_complete(actor=actor, task=task, data=data)
    return DuesAssessment.objects.get(pk=assessment.pk)
