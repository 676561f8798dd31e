"""Mobile members (流动党员) and members abroad (出国（境）党员): transfer.md rules 12-13 (EDU-2019
Art. 24, 32, 34; CARD-1994; FORM-2006; GRAD-2015 三; MOB-2006 quoted).

The branch registers the member with where he is and how he is reached; his relationship stays
with the branch (保留组织关系), which contacts him at the rule set's interval
(`transfer.mobile_report` for a mobile member, `transfer.abroad_contact` for one abroad: the
contact task is due then and reminded like every task). While registered (`MemberAway`) a meeting
he misses is not an absence (`orglife.selectors.away_absence`). A member out of contact for
`transfer.lost_contact` goes before the committee, which decides whether to search on or to stop
his standing (EDU-2019 Art. 24): the system never does it by itself. So does a member abroad for
`transfer.abroad_retention_max` without returning (the `review_due` timer on `review_on`), or one
the branch records as settled abroad privately: stop, or keep with a reason and a date to look
again. A decision to stop it is the member's status event 停止党籍 (`member_suspension`, provided
by the member records), dated the day of the decision, so the roster and the Party statistics
count it. A mobile member's 活动证 is checked every `transfer.card_check` (FORM-2006, with the
democratic review: the same timer, `review_on` being the next check). Back, a mobile member hands
in the card; the member applies to resume organizational life within `transfer.resume_within`. The
branch's report that he is lost is his lost-contact record (`LostContact`, since the last contact,
党统 表43), the same one a branch writes on the member's page; the committee finding him again ends it."""

from __future__ import annotations

from engine.calendar import date_field, not_before, not_in_future, parse_date
from engine.errors import RuleViolation, ValidationFailed
from engine.i18n import _
from organizations.codes import LostContactReason
from organizations.models import AwayKind, LostContact, Member, MemberAway, MemberStatus
from organizations.selectors import approving_committee_of
from organizations.services import (
    member_away_card_check,
    member_away_end,
    member_away_start,
    member_contact_found,
    member_contact_lost,
)
from procedures.common.members import member_case_subject
from procedures.common.start import MEMBER, one_running_per
from workflows.registry import (
    data_labels,
    effect,
    event_date_fields,
    form_check,
    form_context,
    provider,
)

PROCESS = "member_away"
# The contact interval of each kind (the contact task's `dueDate` reads `contact_rule`).
CONTACT_RULES = {
    AwayKind.MOBILE: "transfer.mobile_report",
    AwayKind.ABROAD: "transfer.abroad_contact",
}
# The 表43 reason a registration gives when the member is lost (inferred: a mobile member is out
# for work or business, 外出务工经商; one abroad, 出国（境）).
LOST_REASONS = {
    AwayKind.MOBILE: LostContactReason.MIGRANT_WORK,
    AwayKind.ABROAD: LostContactReason.ABROAD,
}

one_running_per(PROCESS, MEMBER)
data_labels(
    PROCESS,
    members=("member",),
    codes={"kind": dict(AwayKind.choices)},
    titles={
        "kind": _("类别"),
        "place": _("流入地或所在国家（地区）"),
        "card_no": _("流动党员活动证编号"),
        "contact_person": _("联系人"),
        "contact_phone": _("联系电话"),
        "started_on": _("外出日期"),
        "expected_return_on": _("预计返回日期"),
        "last_contact_on": _("最近联系日期"),
        "returned_on": _("返回日期"),
        "decided_on": _("研究日期"),
        "document_no": _("停止党籍的文号"),
        "review_on": _("下次查验或研究日期"),
        "card_returned_on": _("活动证交回日期"),
        "checked_on": _("查验日期"),
        "inflow_branch": _("流入地党组织"),
        "participation": _("流入地党组织对参加组织生活情况的意见"),
        "dues": _("交纳党费情况"),
        "next_check_on": _("下次查验日期"),
        "review_again_on": _("再次研究日期"),
        "applied_on": _("申请恢复组织生活日期"),
        "settled_abroad_on": _("登记私自定居国外日期"),
        "resume_applied_on": _("申请恢复组织生活日期"),
        "resume_late": _("逾期申请恢复组织生活"),
    },
)
event_date_fields(
    PROCESS,
    {
        "record_contact": "contact_date",
        "decide_lost_contact": "decided_on",
        "check_card": "checked_on",
        "decide_abroad_limit": "decided_on",
        "record_resume": "applied_on",
    },
)
# The rule that sets when the `review_due` timer fires for each kind: the 活动证's yearly check of a
# mobile member (FORM-2006), the retention limit of a member abroad (EDU-2019 Art. 24, local).
REVIEW_RULES = {
    AwayKind.MOBILE: "transfer.card_check",
    AwayKind.ABROAD: "transfer.abroad_retention_max",
}


def _text(data, key: str, limit: int) -> str:
    return str(data.get(key) or "").strip()[:limit]


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    """A full or probationary member of the branch (one registration open at a time:
    `member_away_start`); the kind; where he
    is; a mobile member's 活动证 number (CARD-1994: he takes part in organizational life where he
    goes by it); for a member abroad the period and a contact person at home (GRAD-2015 三)."""
    member = member_case_subject(
        organization=organization,
        data=data,
        not_branch=(_("流动党员和出国（境）党员须由党支部登记。"), "member_away_needs_branch"),
        loaded=subject_member,
    )
    if member.status not in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
        raise ValidationFailed(
            _("%(name)s 是%(status)s，不是党员。")
            % {"name": member.name, "status": member.get_status_display()},
            code="member_not_party_member",
            fields={"data.member": [_("须为正式党员或预备党员")]},
        )
    kind = data.get("kind")
    if kind not in AwayKind.values:
        raise ValidationFailed(
            _("请选择流动党员或出国（境）党员。"),
            code="away_kind_required",
            fields={"data.kind": [_("须为 %(v)s 之一") % {"v": ", ".join(AwayKind.values)}]},
        )
    place = _text(data, "place", 200)
    if not place:
        raise ValidationFailed(
            _("请填写流入地或所在国家（地区）。"),
            code="away_place_required",
            fields={"data.place": [_("必填")]},
        )
    card_no = _text(data, "card_no", 50)
    if kind == AwayKind.MOBILE and not card_no:
        raise RuleViolation(
            _(
                "流动党员凭《流动党员活动证》在流入地参加组织生活（中组发〔1994〕8号），须填写活动证编号。"
            ),
            code="mobile_card_required",
            fields={"data.card_no": [_("流动党员须填写活动证编号")]},
        )
    contact_person = _text(data, "contact_person", 100)
    started_on = date_field(data.get("started_on"), field="started_on")
    expected = data.get("expected_return_on")
    expected_on = date_field(expected, field="expected_return_on") if expected else None
    if kind == AwayKind.ABROAD and (expected_on is None or not contact_person):
        raise RuleViolation(
            _("出国（境）党员须写明期限和国内联系人（组通字〔2015〕33号 三）。"),
            code="abroad_period_and_contact_required",
            fields={
                **({"data.expected_return_on": [_("必填")]} if expected_on is None else {}),
                **({"data.contact_person": [_("必填")]} if not contact_person else {}),
            },
        )
    if expected_on is not None and expected_on < started_on:
        raise ValidationFailed(
            _("预计返回日期不能早于外出日期。"),
            code="date_out_of_order",
            fields={"data.expected_return_on": [_("不能早于外出日期")]},
        )
    return {
        "member": {"id": member.pk, "name": member.name},
        "kind": kind,
        "place": place,
        "card_no": card_no,
        "contact_person": contact_person,
        "contact_phone": _text(data, "contact_phone", 30),
        "started_on": started_on.isoformat(),
        "expected_return_on": expected_on.isoformat() if expected_on else None,
        "last_contact_on": started_on.isoformat(),
        "contact_rule": CONTACT_RULES[AwayKind(kind)],
        "review_on": rules.get(REVIEW_RULES[AwayKind(kind)]).add_to(started_on).isoformat(),
    }


@effect("member_away_register")
def register(*, case, params, actor, now) -> dict:
    d = case.data
    away = member_away_start(
        actor=actor,
        member=Member.objects.get(pk=d["member"]["id"]),
        kind=d["kind"],
        place=d["place"],
        card_no=d["card_no"],
        contact_person=d["contact_person"],
        contact_phone=d["contact_phone"],
        started_on=parse_date(d["started_on"]),
        expected_return_on=parse_date(d["expected_return_on"]) if d["expected_return_on"] else None,
    )
    return {"away": away.pk}


@form_check(PROCESS, "record_contact")
def check_contact(*, case, task, data, rules) -> dict:
    """A contact is dated, not before the last one; "lost" only once he has been out of contact
    for `transfer.lost_contact` (EDU-2019 Art. 24) — before that the branch keeps trying."""
    day = not_in_future(
        date_field(data.get("contact_date"), field="contact_date"), field="contact_date"
    )
    last = parse_date(case.data["last_contact_on"])
    not_before(
        day, last, field="contact_date", message=_("联系日期不能早于上次联系日期（%(d)s）。")
    )
    outcome = data.get("contact_outcome")
    if outcome == "lost":
        period = rules.get("transfer.lost_contact")
        since = period.add_to(last)
        if day < since:
            raise RuleViolation(
                _(
                    "失去联系满%(p)s方可提请党委研究（EDU-2019 第24条）：上次联系 %(last)s，%(since)s 前请继续联系。"
                )
                % {"p": period, "last": last.isoformat(), "since": since.isoformat()},
                code="lost_contact_too_soon",
                fields={"contact_outcome": [_("失去联系未满 %(p)s") % {"p": period}]},
            )
        return {"lost_reported_on": day.isoformat()}
    if outcome == "returned":
        mobile = case.data["kind"] == AwayKind.MOBILE
        if mobile and data.get("card_returned") is not True:
            raise RuleViolation(
                _("流动党员返回时须交回《流动党员活动证》（组通字〔2006〕45号）。"),
                code="mobile_card_not_returned",
                fields={"card_returned": [_("流动党员须交回活动证")]},
            )
        return {
            "last_contact_on": day.isoformat(),
            "returned_on": day.isoformat(),
            "card_returned_on": day.isoformat() if mobile else None,
        }
    if outcome == "settled_abroad":
        if case.data["kind"] != AwayKind.ABROAD:
            raise ValidationFailed(
                _("只有出国（境）党员才能登记为私自定居国外。"),
                code="settled_abroad_not_abroad",
                fields={"contact_outcome": [_("须为出国（境）党员")]},
            )
        return {"last_contact_on": day.isoformat(), "settled_abroad_on": day.isoformat()}
    return {"last_contact_on": day.isoformat()}


@effect("member_away_contact_lost")
def contact_lost(*, case, params, actor, now) -> dict:
    """The branch reported him lost: his lost-contact record since the last contact, unless one
    is still open (reported lost again after the committee said to search on)."""
    d = case.data
    member = Member.objects.get(pk=d["member"]["id"])
    lost = LostContact.objects.filter(member=member, found_on__isnull=True).first()
    if lost is None:
        lost = member_contact_lost(
            actor=actor,
            member=member,
            lost_on=d["last_contact_on"],
            reason=LOST_REASONS[AwayKind(d["kind"])],
            note=_text(d, "place", 200),
        )
    return {"lost_contact": lost.pk}


@effect("member_away_contact_found")
def contact_found(*, case, params, actor, now) -> dict:
    """The committee found him again: his lost-contact record ends on the day of the decision."""
    member = Member.objects.get(pk=case.data["member"]["id"])
    if not LostContact.objects.filter(member=member, found_on__isnull=True).exists():
        return {}
    lost = member_contact_found(actor=actor, member=member, found_on=case.data["decided_on"])
    return {"lost_contact": lost.pk}


@form_check(PROCESS, "decide_lost_contact")
def check_lost_decision(*, case, task, data, rules) -> dict:
    """Stopping the standing is decided by a document (文号), which the status event records."""
    day = _decided_on(data)
    if data.get("decision") == "found":  # contact again: the interval runs from today
        return {"last_contact_on": day.isoformat()}
    return {}


def _decided_on(data):
    """The committee's decision day (not in the future); stopping the standing is decided by a
    document (文号), which the status event records."""
    day = not_in_future(date_field(data.get("decided_on"), field="decided_on"), field="decided_on")
    if data.get("decision") == "propose_stop_standing" and not _text(data, "document_no", 100):
        raise ValidationFailed(
            _("决定停止党籍须填写文号。"),
            code="document_no_required",
            fields={"document_no": [_("停止党籍须填写文号")]},
        )
    return day


@form_check(PROCESS, "decide_abroad_limit")
def check_abroad_limit(*, case, task, data, rules) -> dict:
    """Abroad past the limit or settled abroad privately (EDU-2019 Art. 24): stop the standing (a
    document no.), or keep the relationship with a reason and the day the committee looks again
    (the `review_due` timer then)."""
    day = _decided_on(data)
    if data.get("decision") != "keep":
        return {}
    again = data.get("review_again_on")
    if not again:
        raise ValidationFailed(
            _("保留组织关系须填写再次研究日期。"),
            code="review_again_on_required",
            fields={"review_again_on": [_("保留组织关系时必填")]},
        )
    again = date_field(again, field="review_again_on")
    if again <= day:
        raise ValidationFailed(
            _("再次研究日期须晚于研究日期（%(d)s）。") % {"d": day.isoformat()},
            code="date_out_of_order",
            fields={"review_again_on": [_("须晚于 %(d)s") % {"d": day.isoformat()}]},
        )
    return {"review_on": again.isoformat()}


@form_check(PROCESS, "check_card")
def check_card(*, case, task, data, rules) -> dict:
    """The yearly check (FORM-2006): dated, not before he left nor in the future; the next one
    after it and at most `transfer.card_check` later."""
    day = not_in_future(date_field(data.get("checked_on"), field="checked_on"), field="checked_on")
    started = parse_date(case.data["started_on"])
    not_before(day, started, field="checked_on", message=_("查验日期不能早于外出日期（%(d)s）。"))
    nxt = date_field(data.get("next_check_on"), field="next_check_on")
    period = rules.get("transfer.card_check")
    latest = period.add_to(day)
    if not day < nxt <= latest:
        raise RuleViolation(
            _(
                "活动证每%(p)s查验一次（组通字〔2006〕45号）：下次查验日期须在 %(a)s 之后、%(b)s 之前。"
            )
            % {"p": period, "a": day.isoformat(), "b": latest.isoformat()},
            code="card_check_interval",
            fields={
                "next_check_on": [
                    _("须在 %(a)s 至 %(b)s 之间") % {"a": day.isoformat(), "b": latest.isoformat()}
                ]
            },
        )
    return {
        "checked_on": day.isoformat(),
        "inflow_branch": _text(data, "inflow_branch", 200),
        "participation": _text(data, "participation", 1000),
        "dues": _text(data, "dues", 1000),
        "next_check_on": nxt.isoformat(),
        "review_on": nxt.isoformat(),
    }


@effect("member_away_card_check")
def card_check(*, case, params, actor, now) -> dict:
    d = case.data
    away = MemberAway.objects.get(member_id=d["member"]["id"], ended_on__isnull=True)
    check = member_away_card_check(
        actor=actor,
        away=away,
        checked_on=parse_date(d["checked_on"]),
        inflow_branch=d["inflow_branch"],
        participation=d["participation"],
        dues=d["dues"],
        next_check_on=parse_date(d["next_check_on"]),
    )
    return {"check": check.pk}


@form_check(PROCESS, "record_resume")
def check_resume(*, case, task, data, rules) -> dict:
    """The member's application to resume organizational life: not before his return, not in the
    future; late when after `transfer.resume_within` (recorded, not refused: he still resumes)."""
    day = not_in_future(date_field(data.get("applied_on"), field="applied_on"), field="applied_on")
    back = parse_date(case.data["returned_on"])
    not_before(day, back, field="applied_on", message=_("申请日期不能早于返回日期（%(d)s）。"))
    due = rules.get("transfer.resume_within").add_to(back)
    return {"resume_applied_on": day.isoformat(), "resume_late": day > due}


@effect("member_away_stop_standing")
def stop_standing(*, case, params, actor, now) -> dict:
    """The committee's decision as the member's 停止党籍 on the day it was taken (with its reason,
    the deciding committee and the document number); his registration away ends that day."""
    d = case.data
    member = Member.objects.select_related("organization").get(pk=d["member"]["id"])
    decided_on = parse_date(d["decided_on"])
    change = provider("member_suspension")(
        actor=actor,
        member=member,
        on=decided_on,
        reason=_text(d, "reason", 200),
        decided_by=approving_committee_of(member.organization).name,
        document_no=d["document_no"],
    )
    away = MemberAway.objects.select_for_update().get(member=member, ended_on__isnull=True)
    member_away_end(actor=actor, away=away, ended_on=decided_on)
    return {"status_change": change.pk}


@effect("member_away_end")
def end(*, case, params, actor, now) -> dict:
    away = MemberAway.objects.select_for_update().get(
        member_id=case.data["member"]["id"], ended_on__isnull=True
    )
    card = case.data.get("card_returned_on")
    away = member_away_end(
        actor=actor,
        away=away,
        ended_on=parse_date(case.data["returned_on"]),
        card_returned_on=parse_date(card) if card else None,
    )
    if LostContact.objects.filter(member_id=away.member_id, found_on__isnull=True).exists():
        member_contact_found(actor=actor, member=away.member, found_on=away.ended_on)  # he is back
    return {"away": away.pk, "ended_on": away.ended_on.isoformat()}


@form_context(
    PROCESS,
    "record_contact",
    "decide_lost_contact",
    "check_card",
    "decide_abroad_limit",
    "record_resume",
)
def contact_context(*, case, task) -> dict:
    d = case.data
    return {
        "member": d.get("member"),
        "kind": str(AwayKind(d["kind"]).label),
        "place": d.get("place"),
        "card_no": d.get("card_no"),
        "contact_person": d.get("contact_person"),
        "contact_phone": d.get("contact_phone"),
        "started_on": d.get("started_on"),
        "last_contact_on": d.get("last_contact_on"),
        "expected_return_on": d.get("expected_return_on"),
        "review_on": d.get("review_on"),
        "settled_abroad_on": d.get("settled_abroad_on"),
        "returned_on": d.get("returned_on"),
    }
