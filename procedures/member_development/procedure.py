"""P1 member development (DEV-2014, 5 stages, 25 steps): the rules BPMN cannot say in a gateway.

Every refusal is a RuleViolation (or ValidationFailed) whose code names the rule and whose fields
name the input; a refused completion leaves the case as it was. Every time rule and threshold
comes from the case's rule set (`development.*` in engine/rulesets/). Recurring obligations live
in this package (`models`, `selectors`: computed due dates, stored submissions), checked here at the gates.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta

from engine.calendar import Duration, date_field, not_in_future, parse_date, today
from engine.errors import RuleViolation, ValidationFailed
from engine.i18n import _
from engine.rules import more_than_whole, strictly_more_than
from organizations.models import MemberStatus
from organizations.selectors import reapplication_barred_until
from procedures.common.start import MEMBER, branch_only, one_running_per
from procedures.common.votes import check_people, people, require_quorum, voters, voters_due
from workflows.registry import data_labels, effect, event_date_fields, form_check, form_context

from .selectors import STEP_DATES, conversion_date, overdue_obligations
from .services import member_status_change

PROCESS = "member_development"
one_running_per(PROCESS, MEMBER)


event_date_fields(PROCESS, STEP_DATES)
data_labels(
    PROCESS,
    members=("present", "member", "contacts", "introducers"),
    counts=("admission_vote.present", "conversion_vote.present", "vote.present"),
    codes={
        key: {m.value: m.label for m in MemberStatus} for key in ("from", "to", "phase", "status")
    }
    | {"kind": {"thought_report": _("思想汇报"), "inspection": _("培养考察")}},
    titles={
        "application_date": _("递交入党申请书日期"),
        "activist_date": _("确定为入党积极分子日期"),
        "admission_vote": _("接收预备党员表决"),
        "admission_vote_date": _("接收预备党员支部大会日期"),
        "admission_decision_date": _("接收预备党员审批日期"),
        "admission_approval_late": _("接收预备党员审批超过期限"),
        "admission_approval_late_reason": _("接收预备党员审批超期原因"),
        "admitted": _("接收为预备党员"),
        "archived": _("材料已归档"),
        "conversion_vote": _("预备党员转正表决"),
        "conversion_vote_date": _("转正支部大会日期"),
        "conversion_decision_date": _("转正审批日期"),
        "conversion_approval_late": _("转正审批超过期限"),
        "conversion_approval_late_reason": _("转正审批超期原因"),
        "prereview_date": _("预审日期"),
        "probation_end": _("预备期满日期"),
        "talk_late": _("谈话超过期限"),
        "training_days": _("集中培训天数"),
        "from": _("原身份"),
        "to": _("新身份"),
        "phase": _("阶段"),
        "kind": _("类别"),
        "label": _("事项"),
        "seq": _("次序"),
        "due_on": _("应交日期"),
        "late": _("是否逾期"),
        "record": _("记录"),
        "submitted_on": _("提交日期"),
        "summary": _("摘要"),
        "document_ids": _("材料"),
        "present": _("实到会有表决权的党员"),
        "yes": _("赞成票"),
        "no": _("不赞成票"),
        "abstain": _("弃权票"),
        "contacts": _("培养联系人"),
        "introducers": _("入党介绍人"),
    },
)


def _date(data, field):
    return date_field(data.get(field), field=field)


def _not_future(data, field):
    return not_in_future(_date(data, field), field=field)


def _not_before(day, earliest, field, code, message, **extra):
    if day < earliest:
        raise RuleViolation(
            message % {"earliest": earliest.isoformat(), **extra},
            code=code,
            fields={field: [_("最早 %(d)s") % {"d": earliest.isoformat()}]},
        )


def _months(d: Duration) -> int:
    return d.years * 12 + d.months


# --- start and stage 1 -------------------------------------------------------------------------

# A case adopted from an office's ledger starts at a later step (gateway `gw_imported_stage`): each
# entry point and the case data the steps after it read. "" is a new application (step 1).
IMPORTED_STAGES = {
    "": [],
    "talk": ["application_date"],
    "activist_selection": ["application_date", "talk_date"],
    "contacts": ["application_date", "activist_date"],
    "cultivation": ["application_date", "activist_date"],
    "introducers": ["application_date", "activist_date", "designation_date"],
    "committee_talk": [
        "application_date",
        "activist_date",
        "designation_date",
        "admission_vote_date",
    ],
    "admission_approval": [
        "application_date",
        "activist_date",
        "designation_date",
        "admission_vote_date",
    ],
    "probation": [
        "application_date",
        "activist_date",
        "designation_date",
        "admission_vote_date",
        "probation_end",
    ],
}


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    branch_only(organization, (_("发展党员须由党支部发起。"), "development_needs_branch"))
    if subject_member is None:
        raise ValidationFailed(
            _("请指定入党申请人。"),
            code="subject_member_required",
            fields={"subject_member": [_("必填")]},
        )
    if not subject_member.organization.path.startswith(organization.path):
        raise ValidationFailed(
            _("%(name)s 不在本支部。") % {"name": subject_member.name},
            code="subject_not_in_branch",
            fields={"subject_member": [_("不在本支部")]},
        )
    stage = data.get("imported_stage") or ""
    if stage not in IMPORTED_STAGES:
        raise ValidationFailed(
            _("未知的导入阶段：%(s)s") % {"s": stage},
            code="imported_stage_unknown",
            fields={"data.imported_stage": [_("未知的阶段")]},
        )
    missing = [f for f in IMPORTED_STAGES[stage] if not data.get(f)]
    if missing:
        raise ValidationFailed(
            _("从该步开始须有此前各步的日期：%(f)s") % {"f": ", ".join(missing)},
            code="imported_stage_dates_missing",
            fields={f"data.{f}": [_("必填")] for f in missing},
        )
    admitted = stage == "probation"
    if subject_member.status == MemberStatus.FULL or (
        subject_member.status == MemberStatus.PROBATIONARY and not admitted
    ):
        raise RuleViolation(
            _("%(name)s 已是%(status)s。")
            % {"name": subject_member.name, "status": subject_member.get_status_display()},
            code="already_member",
            fields={"subject_member": [_("已是党员")]},
        )
    return {
        "member": {"id": subject_member.pk, "name": subject_member.name},
        "imported_stage": stage,
    }


@form_check(PROCESS, "submit_application")
def check_application(*, case, task, data, rules) -> dict:
    """Step 1 (DEV-2014 Art. 5): at least development.min_age years old on the day of application."""
    member = case.subject_member
    applied = _not_future(data, "application_date")
    if member.birth_date is None:
        raise ValidationFailed(
            _("%(name)s 的出生日期未登记，无法核对年龄。") % {"name": member.name},
            code="birth_date_missing",
            fields={"subject_member.birth_date": [_("必填")]},
        )
    min_age = rules.get("development.min_age")
    of_age = member.birth_date + relativedelta(years=min_age)
    if applied < of_age:
        raise RuleViolation(
            _("申请入党须年满 %(n)s 岁（DEV-2014 第5条）：%(name)s %(d)s 年满 %(n)s 岁。")
            % {"n": min_age, "name": member.name, "d": of_age.isoformat()},
            code="applicant_under_age",
            fields={"application_date": [_("最早 %(d)s") % {"d": of_age.isoformat()}]},
        )
    barred = reapplication_barred_until(member)
    if barred is not None and applied < barred:
        raise RuleViolation(
            _("%(name)s %(d)s 前不得重新申请入党。")
            % {"name": member.name, "d": barred.isoformat()},
            code="reapplication_barred",
            fields={"application_date": [_("最早 %(d)s") % {"d": barred.isoformat()}]},
        )
    return {}


@form_check(PROCESS, "talk_with_applicant")
def check_talk(*, case, task, data, rules) -> dict:
    talked = _not_future(data, "talk_date")
    applied = parse_date(case.data["application_date"])
    _not_before(
        talked,
        applied,
        "talk_date",
        "talk_before_application",
        _("谈话日期不能早于递交申请书日期 %(earliest)s。"),
    )
    return {"talk_late": talked > rules.get("development.talk_within").last_day_after(applied)}


@form_check(PROCESS, "committee_talk")
def check_committee_talk(*, case, task, data, rules) -> dict:
    _not_future(data, "talk_date")
    return {}


# --- stage 2 -----------------------------------------------------------------------------------


@form_check(PROCESS, "select_activist")
def check_select_activist(*, case, task, data, rules) -> dict:
    day = _not_future(data, "decision_date")
    _not_before(
        day,
        parse_date(case.data["application_date"]),
        "decision_date",
        "activist_before_application",
        _("确定日期不能早于递交申请书日期 %(earliest)s。"),
    )
    return {"activist_date": day.isoformat()}


@form_context(PROCESS, "appoint_contacts", "assign_introducers")
def contacts_context(*, case, task) -> dict:
    """Contacts and introducers are full members with rights intact: the picker offers only them."""
    return people(case.organization)


@form_check(PROCESS, "appoint_contacts")
def check_contacts(*, case, task, data, rules) -> dict:
    """Step 5 (DEV-2014 Art. 10): contacts are full members with rights intact; the error names the person."""
    check_people(
        case.organization, data["contacts"], "contacts", "contact_not_eligible", _("培养联系人")
    )
    return {}


def _require_obligations_met(case, on, *, closing=False):
    """No inspection or thought report overdue on `on`, the day the step took place: a step recorded
    late is judged on its own day, and what fell due after it is not asked for. A step that ends
    the phase (`closing`: the designation) also asks for what falls due on that day, so nothing of
    the phase is left open after it."""
    overdue = overdue_obligations(case, on=on + relativedelta(days=1) if closing else on)
    if overdue:
        items = "、".join(
            _("%(label)s第%(n)s次（应于 %(d)s）")
            % {"label": o["label"], "n": o["seq"], "d": o["due_on"].isoformat()}
            for o in overdue
        )
        raise RuleViolation(
            _("有逾期未提交的考察记录或思想汇报：%(items)s。") % {"items": items},
            code="obligations_overdue",
            fields={"obligations": [str(items)]},
        )


@form_check(PROCESS, "cultivation_review", "probation_review")
def check_review(*, case, task, data, rules) -> dict:
    _require_obligations_met(case, _not_future(data, "review_date"))
    return {}


# --- stage 3 -----------------------------------------------------------------------------------


@form_check(PROCESS, "designate_development_object")
def check_designation(*, case, task, data, rules) -> dict:
    """Step 7 (DEV-2014 Art. 13): not before development.activist_min_period after becoming an activist;
    cpc-2026: published for development.publication_min (working days) first."""
    day = _not_future(data, "designation_date")
    earliest = rules.get("development.activist_min_period").add_to(
        parse_date(case.data["activist_date"])
    )
    _not_before(
        day,
        earliest,
        "designation_date",
        "designation_too_early",
        _("确定为发展对象须经过一年以上培养教育考察（DEV-2014 第13条），最早 %(earliest)s。"),
    )
    publication = rules.get("development.publication_min")
    if publication is not None:
        if not data.get("publication_start"):
            raise ValidationFailed(
                _("确定发展对象前须公示，请填写公示开始日期。"),
                code="publication_required",
                fields={"publication_start": [_("必填")]},
            )
        published_until = publication.add_to(_date(data, "publication_start"))
        _not_before(
            day,
            published_until,
            "designation_date",
            "publication_too_short",
            _("发展对象须公示不少于 %(p)s，最早 %(earliest)s 确定。"),
            p=str(publication),
        )
    _require_obligations_met(case, day, closing=True)
    return {"approved": None}


@form_check(PROCESS, "assign_introducers")
def check_introducers(*, case, task, data, rules) -> dict:
    """Step 9 (DEV-2014 Art. 14): two full members with rights intact; the error names the person."""
    check_people(
        case.organization,
        data["introducers"],
        "introducers",
        "introducer_not_eligible",
        _("入党介绍人"),
    )
    return {}


@form_check(PROCESS, "political_review")
def check_political_review(*, case, task, data, rules) -> dict:
    _not_before(
        _not_future(data, "concluded_on"),
        parse_date(case.data["designation_date"]),
        "concluded_on",
        "political_review_before_designation",
        _("政治审查结论日期不能早于确定为发展对象的日期 %(earliest)s。"),
    )
    if not data["conclusion"].strip():
        raise ValidationFailed(
            _("政治审查须有书面结论。"),
            code="political_review_conclusion_required",
            fields={"conclusion": [_("必填")]},
        )
    return {}


@form_check(PROCESS, "centralized_training")
def check_training(*, case, task, data, rules) -> dict:
    """Step 11 (DEV-2014 Art. 17): at least development.training_min_days days or development.training_min_hours class hours."""
    start, end = _date(data, "start_date"), _not_future(data, "end_date")
    _not_before(
        end, start, "end_date", "training_dates", _("结束日期不能早于开始日期 %(earliest)s。")
    )
    days, hours = (end - start).days + 1, data["class_hours"]
    min_days, min_hours = (
        rules.get("development.training_min_days"),
        rules.get("development.training_min_hours"),
    )
    if days < min_days and hours < min_hours:
        raise RuleViolation(
            _(
                "集中培训须不少于 %(d)s 天或 %(h)s 学时（DEV-2014 第17条），现为 %(days)s 天、%(hours)s 学时。"
            )
            % {"d": min_days, "h": min_hours, "days": days, "hours": hours},
            code="training_insufficient",
            fields={
                "class_hours": [_("至少 %(h)s 学时") % {"h": min_hours}],
                "end_date": [_("或至少 %(d)s 天") % {"d": min_days}],
            },
        )
    return {"training_days": days}


@form_check(PROCESS, "pre_review")
def check_pre_review(*, case, task, data, rules) -> dict:
    """Step 13 (DEV-2014 Art. 19): a person leaving the unit within development.leaving_within is not admitted."""
    day = _not_future(data, "prereview_date")
    if data["passed"] and data.get("leaving_unit_on"):
        limit = rules.get("development.leaving_within").add_to(day)
        if _date(data, "leaving_unit_on") < limit:
            raise RuleViolation(
                _("%(d)s 前将离开本单位的发展对象一般不予接收（DEV-2014 第19条），预审不能通过。")
                % {"d": limit.isoformat()},
                code="leaving_within_period",
                fields={"leaving_unit_on": [_("早于 %(d)s") % {"d": limit.isoformat()}]},
            )
    return {"prereview_date": day.isoformat()}


# --- the votes (steps 15 and 23) -----------------------------------------------------------------


def tally(case, data, rules) -> dict:
    """A branch general meeting's resolution on one person (DEV-2014 Art. 23): quorum more than
    development.vote_quorum of voters due; passed when yes votes, with the written opinions of absent
    voters submitted before the meeting, are more than development.vote_pass of voters **due**."""
    org = case.organization
    meeting = _not_future(data, "meeting_date")
    present = data["present"]
    eligible, due = voters_due(org, data)
    require_quorum(
        len(present),
        due,
        rules.get("development.vote_quorum"),
        code="vote_quorum_not_met",
        source="DEV-2014 第23条",
    )
    if data["yes"] + data["no"] + data["abstain"] > len(present):
        raise RuleViolation(
            _("票数合计多于到会人数 %(p)s。") % {"p": len(present)},
            code="votes_exceed_present",
            fields={"yes": [_("不能多于到会人数")]},
        )
    written = data.get("written_opinions") or []
    check_people(
        org,
        [w["member"] for w in written],
        "written_opinions",
        "voter_not_eligible",
        _("提交书面意见的党员"),
    )
    excluded = {e["member"] for e in data.get("excluded") or []}
    counted, not_counted = [], []
    for i, w in enumerate(written):
        if w["member"] in present or w["member"] in excluded:
            raise RuleViolation(
                _("书面意见只计未到会的有表决权党员。"),
                code="written_opinion_from_present",
                fields={f"written_opinions.{i}.member": [_("已到会或不计入应到会人数")]},
            )
        # Handed in before the meeting: any day up to the meeting day itself (before it starts).
        (counted if parse_date(w["submitted_on"]) <= meeting else not_counted).append(w)
    yes = data["yes"] + sum(1 for w in counted if w["opinion"] == "yes")
    return {
        "meeting_date": meeting.isoformat(),
        "voters_eligible": eligible,
        "voters_due": due,
        "present": len(present),
        "yes": yes,
        "written_counted": len(counted),
        "written_not_counted": [w["member"] for w in not_counted],
        "excluded": data.get("excluded") or [],
        "passed": strictly_more_than(yes, rules.get("development.vote_pass"), due),
    }


def _require_passed(result, rules, code):
    if not result["passed"]:
        raise RuleViolation(
            _(
                "赞成票 %(yes)s 张（含会前提交的书面意见），未超过应到会有表决权党员 %(due)s 人的半数，决议不能通过（DEV-2014 第23条）。"
            )
            % {"yes": result["yes"], "due": result["voters_due"]},
            code=code,
            fields={
                "yes": [
                    _("须超过 %(n)s 票")
                    % {
                        "n": more_than_whole(
                            rules.get("development.vote_pass"), result["voters_due"]
                        )
                    }
                ]
            },
        )


@form_context(PROCESS, "admission_vote", "conversion_vote")
def vote_context(*, case, task) -> dict:
    """Who is due to vote (the pickers of present, excluded and written opinions) and who may not."""
    return voters(case)


@form_check(PROCESS, "admission_vote")
def check_admission_vote(*, case, task, data, rules) -> dict:
    result = tally(case, data, rules)
    within = rules.get("development.meeting_after_prereview")
    if within is not None:
        latest = within.last_day_after(case.data["prereview_date"])
        if parse_date(result["meeting_date"]) > latest:
            raise RuleViolation(
                _("预审通过后须在 %(w)s 内召开支部大会，最晚 %(d)s。")
                % {"w": within, "d": latest.isoformat()},
                code="meeting_too_late",
                fields={"meeting_date": [_("最晚 %(d)s") % {"d": latest.isoformat()}]},
            )
    if data["resolution"] == "admit":
        _require_passed(result, rules, "admission_vote_not_passed")
    vote_day = parse_date(result["meeting_date"])
    return {
        "admission_vote": result,
        "admission_vote_date": vote_day.isoformat(),
        "probation_end": rules.get("development.probation").add_to(vote_day).isoformat(),
        "approved": None,
    }


def _check_decision_date(case, data, rules, start_field, within_rule, max_rule, code):
    """A decision due within `within_rule` of `start_field` (24:00 of the last day). Past it, the
    decision is recorded with its real date and a reason (`late_reason`, or `extension_reason` for
    an extendable approval) and stays marked late; only the hard ceiling `max_rule` refuses.
    Returns (decision date, late, reason)."""
    decided = _not_future(data, "decision_date")
    start = parse_date(case.data[start_field])
    latest = rules.get(within_rule).last_day_after(start)
    if max_rule is not None:
        ceiling = rules.get(max_rule).last_day_after(start)
        if decided > ceiling:
            raise RuleViolation(
                _("审批最长不得超过 %(m)s（最晚 %(d)s）。")
                % {"m": rules.get(max_rule), "d": ceiling.isoformat()},
                code="approval_beyond_max",
                fields={"decision_date": [_("最晚 %(d)s") % {"d": ceiling.isoformat()}]},
            )
    late = decided > latest
    reason_field = "extension_reason" if max_rule is not None else "late_reason"
    reason = (data.get(reason_field) or data.get("late_reason") or "").strip()
    if late and not reason:
        if max_rule is not None:
            raise RuleViolation(
                _("超过 %(w)s 审批期限（%(d)s）须说明延长理由。")
                % {"w": rules.get(within_rule), "d": latest.isoformat()},
                code="approval_extension_reason_required",
                fields={"extension_reason": [_("必填")]},
            )
        raise RuleViolation(
            _(
                "须在 %(w)s 内审批（最晚 %(d)s）；逾期办理须说明逾期理由，按实际日期记录并标记为逾期。"
            )
            % {"w": rules.get(within_rule), "d": latest.isoformat()},
            code=code,
            fields={
                "late_reason": [_("逾期办理须说明理由（期限 %(d)s）") % {"d": latest.isoformat()}]
            },
        )
    return decided, late, reason if late else ""


@form_check(PROCESS, "approve_admission")
def check_admission_approval(*, case, task, data, rules) -> dict:
    """Step 17 (DEV-2014 Art. 28): within development.approval_within of the resolution, extendable
    with a reason up to development.approval_max."""
    decided, late, reason = _check_decision_date(
        case,
        data,
        rules,
        "admission_vote_date",
        "development.approval_within",
        "development.approval_max",
        "approval_overdue",
    )
    return {
        "admitted": bool(data["approved"]),
        "admission_decision_date": decided.isoformat(),
        "admission_approval_late": late,
        "admission_approval_late_reason": reason,
    }


# --- stage 5 -----------------------------------------------------------------------------------


@form_check(PROCESS, "conversion_application")
def check_conversion_application(*, case, task, data, rules) -> dict:
    _not_future(data, "application_date")
    return {}


@form_check(PROCESS, "conversion_vote")
def check_conversion_vote(*, case, task, data, rules) -> dict:
    """Step 23 (DEV-2014 Art. 33): not before probation ends; same quorum and pass rule as step 15;
    extension once only, development.extension_min to development.extension_max."""
    probation_end = parse_date(case.data["probation_end"])
    _not_before(
        _date(data, "meeting_date"),
        probation_end,
        "meeting_date",
        "conversion_meeting_too_early",
        _("预备期未满，不能讨论转正；预备期至 %(earliest)s 届满。"),
    )
    result = tally(case, data, rules)
    _require_passed(result, rules, "conversion_vote_not_passed")
    extra = {
        "conversion_vote": result,
        "conversion_vote_date": result["meeting_date"],
        "approved": None,
    }
    if data["decision"] == "extend":
        if case.data.get("extended"):
            raise RuleViolation(
                _(
                    "预备期只能延长一次；延长期满后只能转为正式党员或取消预备党员资格（DEV-2014 第33条）。"
                ),
                code="extension_only_once",
                fields={"decision": [_("只能转正或取消资格")]},
            )
        lo, hi = (
            _months(rules.get("development.extension_min")),
            _months(rules.get("development.extension_max")),
        )
        months = data.get("extension_months")
        if months is None or not lo <= months <= hi:
            raise RuleViolation(
                _("延长预备期须为 %(lo)s 至 %(hi)s 个月（DEV-2014 第33条）。")
                % {"lo": lo, "hi": hi},
                code="extension_length",
                fields={"extension_months": [_("%(lo)s 至 %(hi)s 个月") % {"lo": lo, "hi": hi}]},
            )
    return extra


@form_check(PROCESS, "approve_conversion")
def check_conversion_approval(*, case, task, data, rules) -> dict:
    """Step 24 (DEV-2014 Art. 34): within development.conversion_approval_within of the resolution;
    Party standing counts from the end of probation. An approved extension moves the end of probation."""
    decided, late, reason = _check_decision_date(
        case,
        data,
        rules,
        "conversion_vote_date",
        "development.conversion_approval_within",
        None,
        "conversion_approval_overdue",
    )
    marked = {
        "conversion_decision_date": decided.isoformat(),
        "conversion_approval_late": late,
        "conversion_approval_late_reason": reason,
    }
    if data["approved"] and case.data.get("decision") == "extend":
        months = case.data["extension_months"]
        end = Duration(months=months).add_to(parse_date(case.data["probation_end"]))
        return {
            **marked,
            "extended": True,
            "probation_end": end.isoformat(),
            "original_probation_end": case.data["probation_end"],
        }
    return marked


@form_check(PROCESS, "archive_file")
def check_archive(*, case, task, data, rules) -> dict:
    _not_future(data, "archived_on")
    return {"archived": True}


# --- effects -----------------------------------------------------------------------------------

STOP_NOTE = "发展终止"


@effect("development_status")
def development_status(*, case, params, actor, now) -> dict:
    """The BPMN service tasks move the person's status and write the member's record."""
    status = params.get("status") or ""
    on = params.get("on") or today()
    if status == MemberStatus.FULL:  # the end of probation (as extended), not the day of the vote
        on = conversion_date(case.data) or on
    return member_status_change(
        actor=actor,
        case=case,
        member_id=case.subject_member_id,
        status=status,
        on=on,
        note="" if status else STOP_NOTE,
    )
