"""P4 remediation of weak branches (BRANCH-2018 Ch. 8, XYTC §4-9): the rules BPMN cannot say in a
gateway, and the effects that keep the weak-branch list (`.models`).

No central regulation fixes the deadlines: the report interval, the longest plan, the re-check delay
and the satisfaction an acceptance needs all come from the case's rule set (remediation.*).
"""

from __future__ import annotations

from fractions import Fraction

from engine.calendar import parse_date, today
from engine.errors import RuleViolation
from engine.i18n import _
from engine.rules import get_rule_set
from organizations.models import Role, RoleAssignment
from organizations.selectors import approving_committee_of, branch_members
from procedures.common.start import BRANCH, branch_only, one_running_per
from workflows.audit import json_safe
from workflows.registry import data_labels, effect, form_check, form_context, provider

from .models import ProgressReport, WeakBranchListing

PROCESS = "weak_branch_remediation"
one_running_per(PROCESS, BRANCH)


data_labels(
    PROCESS,
    members=("responsible",),
    titles={
        "identified_on": _("排查日期"),
        "designated_on": _("确定日期"),
        "listing": _("软弱涣散党组织名单"),
        "year": _("年度"),
        "plan_deadline": _("整顿期限"),
        "last_report_on": _("最近一次报告日期"),
        "report_no": _("已报告次数"),
        "removed_on": _("摘帽日期"),
        "acceptance_failures": _("验收未通过次数"),
        "supporter_name": _("联系指导的党委委员"),
    },
)


def _listing(case, lock=True):
    qs = WeakBranchListing.objects.select_for_update() if lock else WeakBranchListing.objects
    return qs.get(case=case)


def _rules_of(case):
    return get_rule_set(case.rule_set)


# --- start and designation (steps 1-2) -------------------------------------------------------


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    branch_only(
        organization, (_("整顿软弱涣散党支部须针对党支部发起。"), "remediation_needs_branch")
    )
    # The evidence the committee sees is computed here, never taken from the caller: by the report
    # that `oversight` provides (procedures sit below the reports and do not import them).
    on = today()
    found = provider("weak_branch_signals")(organization, rules=rules, on=on)
    return {
        "year": on.year,
        "identified_on": on.isoformat(),
        "signals": json_safe(found[0]["signals"]) if found else [],
        "supporter": None,
        "plans": 0,
        "plan_deadline": None,
        "last_report_on": None,
        "report_no": 0,
        "removed_on": None,
        "acceptance_failures": 0,
    }


@form_context(PROCESS, "designate")
def designate_context(*, case, task) -> dict:
    return {
        "signals": case.data.get("signals") or [],
        "identified_on": case.data.get("identified_on"),
    }


@form_check(PROCESS, "designate")
def check_designation(*, case, task, data, rules) -> dict:
    return {"designated_on": today().isoformat()} if data["designated"] else {}


# --- rectification plan (step 3) -------------------------------------------------------------


@form_context(PROCESS, "file_plan")
def plan_context(*, case, task) -> dict:
    d = case.data
    return {
        "renewal": d.get("plans", 0) > 0,
        "previous_deadline": d.get("plan_deadline"),
        "acceptance_opinion": d.get("opinion") if d.get("plans", 0) else None,
        "recheck_findings": d.get("findings") if d.get("recheck_passed") is False else None,
        "members": [{"id": m.pk, "name": m.name} for m in branch_members(case.organization)],
        "longest_plan": str(_rules_of(case).get("remediation.plan_max_duration")),
    }


@form_check(PROCESS, "file_plan")
def check_plan(*, case, task, data, rules) -> dict:
    on = today()
    known = set(
        branch_members(case.organization)
        .filter(pk__in=data["responsible"])
        .values_list("pk", flat=True)
    )
    unknown = {
        f"responsible.{i}": [_("编号 %(id)s 不是本支部党员") % {"id": mid}]
        for i, mid in enumerate(data["responsible"])
        if mid not in known
    }
    if unknown:
        raise RuleViolation(
            _("责任人须为本支部党员。"), code="responsible_not_member", fields=unknown
        )
    deadline = parse_date(data["deadline"])
    renewal = case.data.get("plans", 0) > 0
    adjustment = {
        k: (data.get(k) or "").strip() for k in ("secretary_adjustment", "committee_adjustment")
    }
    if renewal:
        previous = parse_date(case.data["plan_deadline"])
        if deadline <= previous:
            raise RuleViolation(
                _("重新制定的整顿方案须确定新的期限（晚于原期限 %(d)s）。")
                % {"d": previous.isoformat()},
                code="renewed_deadline_not_later",
                fields={"deadline": [_("须晚于 %(d)s") % {"d": previous.isoformat()}]},
            )
        if not any(adjustment.values()):
            raise RuleViolation(
                _("整顿未通过，重新制定方案时须记录书记或班子的调整情况。"),
                code="adjustment_required",
                fields={
                    "secretary_adjustment": [_("书记或班子调整至少填写一项")],
                    "committee_adjustment": [_("书记或班子调整至少填写一项")],
                },
            )
    longest = rules.get("remediation.plan_max_duration")
    latest = longest.add_to(on)
    if deadline <= on or deadline > latest:
        raise RuleViolation(
            _("整顿期限须在今天之后、不超过 %(d)s（最晚 %(latest)s）。")
            % {"d": longest, "latest": latest.isoformat()},
            code="plan_deadline_out_of_range",
            fields={"deadline": [_("最晚 %(latest)s") % {"latest": latest.isoformat()}]},
        )
    return {
        "plan_deadline": deadline.isoformat(),
        "plans": case.data.get("plans", 0) + 1,
        "last_report_on": on.isoformat(),
        "renewal": renewal,
        "adjustment": adjustment if renewal else None,
    }


@form_context(PROCESS, "assign_supporter")
def supporter_context(*, case, task) -> dict:
    committee = approving_committee_of(case.organization)
    officers = RoleAssignment.objects.filter(
        organization=committee, role=Role.COMMITTEE_OFFICER
    ).select_related("user")
    post = _("党委委员")
    return {
        "committee": committee.name if committee else None,
        # Accounts, not members: the hint is the committee and post, set here so that the
        # member hints (by member id) are not looked up for them.
        "officers": [
            {
                "id": a.user_id,
                "username": a.user.get_username(),
                "name": a.user.get_full_name() or a.user.get_username(),
                "hint": f"{committee.name} · {post}",
            }
            for a in officers
        ],
    }


@form_check(PROCESS, "assign_supporter")
def check_supporter(*, case, task, data, rules) -> dict:
    committee = approving_committee_of(case.organization)
    a = (
        RoleAssignment.objects.filter(
            organization=committee, role=Role.COMMITTEE_OFFICER, user_id=data["supporter"]
        )
        .select_related("user")
        .first()
    )
    if a is None:
        raise RuleViolation(
            _("联系指导的须为 %(c)s 的党委委员。") % {"c": committee.name},
            code="supporter_not_committee_member",
            fields={"supporter": [_("不是上级党委委员")]},
        )
    return {"supporter_name": a.user.get_full_name() or a.user.get_username()}


# --- progress reports (step 4) ---------------------------------------------------------------


def _report_due(case, rules):
    return rules.get("remediation.report_interval").last_day_after(case.data["last_report_on"])


@form_context(PROCESS, "report_progress")
def report_context(*, case, task) -> dict:
    due = _report_due(case, _rules_of(case))
    reports = ProgressReport.objects.filter(listing__case=case).order_by("number")
    return {
        "plan_deadline": case.data.get("plan_deadline"),
        "report_due_on": due.isoformat(),
        "overdue": today() > due,
        "reports": [
            {
                "number": r.number,
                "reported_on": r.reported_on,
                "due_on": r.due_on,
                "overdue": r.overdue,
            }
            for r in reports
        ],
    }


@form_check(PROCESS, "report_progress")
def check_report(*, case, task, data, rules) -> dict:
    """A report after the plan deadline must apply for acceptance: the report loop ends with the plan."""
    on, due = today(), _report_due(case, rules)
    deadline = parse_date(case.data["plan_deadline"])
    if not data["request_acceptance"] and on > deadline:
        raise RuleViolation(
            _("整顿期限 %(d)s 已过，应申请验收。") % {"d": deadline.isoformat()},
            code="remediation_deadline_passed",
            fields={"request_acceptance": [_("期限已过，须申请验收")]},
        )
    return {
        "report_no": case.data.get("report_no", 0) + 1,
        "report_due_on": due.isoformat(),
        "report_overdue": on > due,
        "last_report_on": on.isoformat(),
    }


# --- acceptance and re-check (steps 5-7) -----------------------------------------------------


@form_context(PROCESS, "accept")
def acceptance_context(*, case, task) -> dict:
    ctx = report_context(case=case, task=task)
    return {
        "plan_deadline": ctx["plan_deadline"],
        "reports": ctx["reports"],
        "overdue_reports": sum(1 for r in ctx["reports"] if r["overdue"]),
        "satisfaction_min": float(_rules_of(case).get("remediation.satisfaction_min") * 100),
        "problems": case.data.get("problems"),
        "measures": case.data.get("measures"),
    }


@form_check(PROCESS, "accept")
def check_acceptance(*, case, task, data, rules) -> dict:
    if data["passed"]:
        minimum = rules.get("remediation.satisfaction_min")
        if Fraction(str(data["survey_satisfaction"])) / 100 < minimum:
            raise RuleViolation(
                _("满意度 %(s)s%% 低于验收要求 %(m)s%%，不能通过验收。")
                % {"s": data["survey_satisfaction"], "m": float(minimum * 100)},
                code="acceptance_satisfaction_low",
                fields={
                    "survey_satisfaction": [_("须不低于 %(m)s%%") % {"m": float(minimum * 100)}]
                },
            )
        return {"removed_on": today().isoformat()}
    return {"acceptance_failures": case.data.get("acceptance_failures", 0) + 1}


# --- effects: the weak-branch list -----------------------------------------------------------


@effect("list_weak_branch")
def list_weak_branch(*, case, params, actor, now) -> dict:
    d = case.data
    listing = WeakBranchListing.objects.create(
        organization_id=case.organization_id,
        case=case,
        year=d["year"],
        signals=d.get("signals") or [],
        designated_on=parse_date(d["designated_on"]),
    )
    return {"listing": listing.pk}


@effect("record_rectification_plan")
def record_rectification_plan(*, case, params, actor, now) -> dict:
    d, listing = case.data, _listing(case)
    listing.plan_deadline, listing.plans = parse_date(d["plan_deadline"]), d["plans"]
    if d.get("renewal"):
        listing.adjustments = [
            *listing.adjustments,
            {"date": d["last_report_on"], **d["adjustment"]},
        ]
    listing.save(update_fields=["plan_deadline", "plans", "adjustments"])
    return {"plan_deadline": d["plan_deadline"], "plans": d["plans"]}


@effect("record_progress_report")
def record_progress_report(*, case, params, actor, now) -> dict:
    d = case.data
    report = ProgressReport.objects.create(
        listing=_listing(case, lock=False),
        number=d["report_no"],
        reported_on=parse_date(d["last_report_on"]),
        due_on=parse_date(d["report_due_on"]),
        overdue=d["report_overdue"],
        progress=d["progress"],
        evidence=d.get("evidence") or [],
    )
    return {"report": report.number, "overdue": report.overdue}


@effect("remove_weak_branch")
def remove_weak_branch(*, case, params, actor, now) -> dict:
    listing = _listing(case)
    listing.status, listing.removed_on = "removed", parse_date(case.data["removed_on"])
    listing.recheck_due = (
        _rules_of(case).get("remediation.recheck_after").add_to(listing.removed_on)
    )
    listing.save(update_fields=["status", "removed_on", "recheck_due"])
    return {
        "removed_on": listing.removed_on.isoformat(),
        "recheck_due": listing.recheck_due.isoformat(),
    }


@effect("close_weak_branch")
def close_weak_branch(*, case, params, actor, now) -> dict:
    listing = _listing(case)
    listing.status = "closed"
    listing.save(update_fields=["status"])
    return {"status": listing.status}


@effect("relist_weak_branch")
def relist_weak_branch(*, case, params, actor, now) -> dict:
    listing = _listing(case)
    listing.status, listing.removed_on, listing.recheck_due = "listed", None, None
    listing.save(update_fields=["status", "removed_on", "recheck_due"])
    return {"status": listing.status}


# Why the branch was designated, shown at every step.
from . import facts  # noqa: E402, F401
