"""P7 membership transfer (组织关系转接; EDU-2019 Art. 24-26, 34, GRAD-2015, FORM-2006; the rules in
shared/domain/transfer.md): the rules BPMN cannot say in a gateway.

Three processes, each case kept by the organization it belongs to, so that each side sees its own
part and an auditor above both sees the whole:
- `transfer_out` (the sending branch): letter to an employer, a talent centre or a place of
  residence, or retention at the university; receipt, expiry and lost-contact follow-ups;
- `transfer_in` (the receiving branch): a letter from outside, or the handover of a transfer
  between branches of the university; the receiving committee accepts, holds or refuses;
- `transfer_internal` (the sending branch): the sending committee releases the member and opens
  the receiving branch's `transfer_in` case (no letter).

Every refusal is a RuleViolation (or ValidationFailed) naming the field and the rule; a refused
step leaves the case as it was. Validity, receipt, retention and contact periods come from the rule
set (`transfer.*`).
"""

from __future__ import annotations

import datetime as dt

from engine.calendar import date_field, not_before, not_in_future, parse_date, today
from engine.errors import RuleViolation, ValidationFailed
from engine.i18n import _
from engine.rules import get_rule_set
from organizations.models import Member, MemberStatus, Organization, OrgKind
from organizations.services import member_create, member_update
from procedures.common.members import member_case_subject
from procedures.common.start import MEMBER, branch_only, one_running_per
from workflows.models import Case, CaseStatus
from workflows.registry import data_labels, effect, event_date_fields, form_check, form_context
from workflows.services import case_move, case_start

from .facts import (
    capital_number,
    dues_paid_through,
    letter_serial,
    month_text,
    next_month,
    parse_month,
    probation_end,
    probation_end_from,
)

OUT, IN, INTERNAL = "transfer_out", "transfer_in", "transfer_internal"

DESTINATIONS = {
    "employer": _("工作单位党组织"),
    "talent_centre": _("人才服务机构党组织"),
    "residence": _("户籍或居住地党组织"),
    "retained": _("保留在学校"),
}
SOURCES = {"letter": _("凭介绍信转入"), "internal": _("校内转接")}
ISSUER_KINDS = {
    "committee": _("基层党委"),
    "general_branch": _("党总支"),
    "branch": _("党支部"),
}

one_running_per(OUT, MEMBER)
one_running_per(INTERNAL, MEMBER)


def _incoming_key(*, organization, subject_member, data) -> str | None:
    """One running transfer in per member of the university (internal) or per ID number (letter)."""
    if data.get("source") == "internal":
        return MEMBER(organization=organization, subject_member=subject_member, data=data)
    id_number = (data.get("person") or {}).get("id_number")
    return f"person:{id_number}" if id_number else None


one_running_per(IN, _incoming_key)
for process in (OUT, IN, INTERNAL):
    data_labels(
        process,
        members=("member",),
        codes={"destination": DESTINATIONS, "source": SOURCES, "issuer_kind": ISSUER_KINDS},
        titles={
            "destination": _("去向"),
            "receiving_organization": _("接收党组织"),
            "dues_paid_through": _("党费已交至"),
            "letter_serial": _("介绍信编号"),
            "letter_expires_on": _("介绍信有效期至"),
            "retention_ends_on": _("保留期至"),
            "dues_start_month": _("接收后党费起交月份"),
        },
    )
event_date_fields(
    OUT,
    {
        "approve_retention": "decided_on",
        "record_contact": "contact_date",
        "issue_letter": "issued_on",
        "record_receipt": "received_on",
    },
)
event_date_fields(
    IN, {"check_letter": "decided_on", "review_held_file": "decided_on", "send_receipt": "sent_on"}
)
event_date_fields(INTERNAL, {"approve_release": "decided_on"})


# --- what every direction checks of the member ---------------------------------------------------


def _member_ref(member: Member) -> dict:
    return {"id": member.pk, "name": member.name}


def check_member_may_transfer(member: Member, rules, *, on: dt.date, dues: bool = True) -> dict:
    """A full or probationary member; a probationary member whose probation has ended is not
    transferred before the old branch has decided the conversion (transfer.md rule 14); dues paid
    through the month of transfer (rule 15, FORM-2006). Returns the facts the letter states."""
    if member.status not in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
        raise ValidationFailed(
            _("%(name)s 是%(status)s，不能转接组织关系。")
            % {"name": member.name, "status": member.get_status_display()},
            code="member_not_transferable",
            fields={"data.member": [_("须为正式党员或预备党员")]},
        )
    end = probation_end(member, rules)
    if end is not None and end < on:
        raise RuleViolation(
            _(
                "%(name)s 的预备期已于 %(end)s 届满，尚未讨论转正：应由原支部先讨论其转正，再转接组织关系。"
            )
            % {"name": member.name, "end": end.isoformat()},
            code="probation_ended_unconverted",
            fields={"data.member": [_("预备期已满未转正")]},
        )
    through = dues_paid_through(member)
    if dues and (through is None or through < on.replace(day=1)):
        raise RuleViolation(
            _("党费须交至转出当月（%(month)s），%(name)s 的党费记录显示交至 %(through)s。")
            % {
                "month": month_text(on.replace(day=1)),
                "name": member.name,
                "through": month_text(through) or _("无记录"),
            },
            code="dues_not_paid_through",
            fields={"data.member": [_("党费须交至 %(m)s") % {"m": month_text(on.replace(day=1))}]},
        )
    return {
        "member": _member_ref(member),
        "member_status": member.status,
        "dues_paid_through": month_text(through),
        "probation_ends_on": end.isoformat() if end else None,
    }


def _day(data, field) -> dt.date:
    return not_in_future(date_field(data.get(field), field=field), field=field)


def _not_before(day: dt.date, earliest, field: str, what) -> None:
    """`day` not before the case's date `earliest` (ISO text; none recorded: nothing to check)."""
    if earliest:
        message = _("%(field)s 不能早于%(what)s（%(d)s）。")
        not_before(
            day,
            parse_date(earliest),
            field=field,
            message=message,
            values={"field": field, "what": what},
        )


# --- transfer out ----------------------------------------------------------------------------------


@form_check(OUT, "__start__")
def check_out_start(*, organization, data, rules, subject_member=None) -> dict:
    """The sending branch asks: the member, the destination (GRAD-2015 一/二) and, unless retained,
    the receiving organization as the letter's heading will name it."""
    member = member_case_subject(
        organization=organization,
        data=data,
        not_branch=(_("组织关系转出须针对党支部发起。"), "transfer_needs_branch"),
        loaded=subject_member,
    )
    destination = data.get("destination")
    if destination not in DESTINATIONS:
        raise ValidationFailed(
            _("请选择去向。"),
            code="destination_required",
            fields={"data.destination": [_("须为 %(v)s 之一") % {"v": ", ".join(DESTINATIONS)}]},
        )
    heading = str(data.get("receiving_organization") or "").strip()
    if destination != "retained" and not heading:
        raise ValidationFailed(
            _("转出须写明接收党组织的准确名称（介绍信抬头）。"),
            code="receiving_organization_required",
            fields={"data.receiving_organization": [_("必填")]},
        )
    facts = check_member_may_transfer(member, rules, on=today(), dues=destination != "retained")
    return {**facts, "destination": destination, "receiving_organization": heading}


@form_check(OUT, "approve_retention")
def check_retention(*, case, task, data, rules) -> dict:
    """EDU-2019 Art. 34: retention runs from the approval, at most `transfer.retention_max`."""
    if not data["approved"]:
        return {"retained_from": None}
    day = _day(data, "decided_on")
    return {
        "retained_from": day.isoformat(),
        "last_contact_on": day.isoformat(),
        "retention_ends_on": rules.get("transfer.retention_max").add_to(day).isoformat(),
    }


@form_check(OUT, "record_contact")
def check_contact(*, case, task, data, rules) -> dict:
    """A contact after the retention period cannot keep the relationship at the university."""
    day = _day(data, "contact_date")
    _not_before(day, case.data.get("last_contact_on"), "contact_date", _("上次联系日期"))
    ends = parse_date(case.data["retention_ends_on"])
    if data["contact_outcome"] == "continue" and day > ends:
        raise RuleViolation(
            _(
                "组织关系在学校保留最长 %(max)s（EDU-2019 第34条），已于 %(ends)s 届满：须转出或结束保留。"
            )
            % {"max": rules.get("transfer.retention_max"), "ends": ends.isoformat()},
            code="retention_period_over",
            fields={"contact_outcome": [_("保留期已于 %(d)s 届满") % {"d": ends.isoformat()}]},
        )
    return {"last_contact_on": day.isoformat()}


def check_validity_days(days: int, rules, field: str) -> None:
    """transfer.md rule 6: no letter valid longer than `transfer.letter_validity_max` days."""
    most = rules.get("transfer.letter_validity_max")
    if days > most:
        raise RuleViolation(
            _("介绍信有效期最长 %(max)s 天，填写了 %(days)s 天。") % {"max": most, "days": days},
            code="letter_validity_too_long",
            fields={field: [_("不能超过 %(max)s 天") % {"max": most}]},
        )


@form_context(OUT, "issue_letter")
def issue_context(*, case, task) -> dict:

    rules = get_rule_set(case.rule_set)
    return {
        "member": case.data.get("member"),
        "receiving_organization": case.data.get("receiving_organization"),
        "dues_paid_through": case.data.get("dues_paid_through"),
        "validity_days_default": rules.get("transfer.letter_validity_default"),
        "validity_days_max": rules.get("transfer.letter_validity_max"),
    }


@form_check(OUT, "issue_letter")
def check_issue(*, case, task, data, rules) -> dict:
    """FORM-2006: one serial number, validity in days (in capital numerals on paper), dues paid
    through the month of issue (read again from the records: they may have changed)."""
    issued = _day(data, "issued_on")
    days = data["validity_days"]
    check_validity_days(days, rules, "validity_days")
    member = Member.objects.get(pk=case.data["member"]["id"])
    facts = check_member_may_transfer(member, rules, on=issued)
    return {
        "dues_paid_through": facts["dues_paid_through"],
        "letter_serial": letter_serial(case.pk, issued),
        "validity_capital": capital_number(days),
        "letter_expires_on": (issued + dt.timedelta(days=days)).isoformat(),
    }


@form_check(OUT, "record_receipt")
def check_receipt(*, case, task, data, rules) -> dict:
    accepted = _day(data, "accepted_on")
    received = _day(data, "received_on")
    _not_before(accepted, case.data.get("issued_on"), "accepted_on", _("介绍信开具日期"))
    _not_before(received, accepted.isoformat(), "received_on", _("接收日期"))
    late = received > rules.get("transfer.receipt_within").add_to(accepted)
    return {"receipt_late": late}


@form_check(OUT, "follow_up_expired_letter")
def check_follow_up(*, case, task, data, rules) -> dict:
    """GRAD-2015 一: re-issue from the original letter only within `transfer.reissue_within` of
    the transfer out (the first letter's date)."""
    if data["action"] != "reissue":
        return {}
    day = _day(data, "reissued_on")
    issued = parse_date(case.data["issued_on"])
    _not_before(day, issued.isoformat(), "reissued_on", _("介绍信开具日期"))
    latest = rules.get("transfer.reissue_within").add_to(issued)
    if day > latest:
        raise RuleViolation(
            _("凭原介绍信补开须在转出后 %(d)s 内（GRAD-2015 一），最晚 %(latest)s。")
            % {"d": rules.get("transfer.reissue_within"), "latest": latest.isoformat()},
            code="reissue_window_over",
            fields={"reissued_on": [_("最晚 %(d)s") % {"d": latest.isoformat()}]},
        )
    return {"reissued_serial": f"{case.data['letter_serial']}-R"}


@effect("transfer_out_member")
def transfer_out_member(*, case, params, actor, now) -> dict:
    """The receipt is back: the member leaves the roster as transferred out from the day the
    receiving organization accepted him (until then the sender manages him, EDU-2019 Art. 25)."""
    member = Member.objects.select_for_update().get(pk=case.data["member"]["id"])
    member = member_update(
        actor=actor,
        member=member,
        status=MemberStatus.TRANSFERRED_OUT,
        left_on=parse_date(case.data["accepted_on"]),
        left_reason=str(
            _("组织关系转至 %(to)s") % {"to": case.data.get("receiving_organization") or ""}
        ),
    )
    return {"member": member.pk, "status": member.status, "left_on": member.left_on.isoformat()}


# --- between branches of the university --------------------------------------------------------


@form_check(INTERNAL, "__start__")
def check_internal_start(*, organization, data, rules, subject_member=None) -> dict:
    """transfer.md flow C: to another branch of the same university (not this one)."""
    member = member_case_subject(
        organization=organization,
        data=data,
        not_branch=(_("组织关系转出须针对党支部发起。"), "transfer_needs_branch"),
    )
    target_id = (
        (data.get("to_branch") or {}).get("id") if isinstance(data.get("to_branch"), dict) else None
    )
    root = organization.path.strip("/").split("/")[0]
    target = (
        Organization.objects.filter(pk=target_id, kind=OrgKind.BRANCH, path__startswith=f"/{root}/")
        .exclude(pk=organization.pk)
        .first()
        if isinstance(target_id, int)
        else None
    )
    if target is None:
        raise ValidationFailed(
            _("请选择本校的另一个党支部作为接收支部。"),
            code="receiving_branch_invalid",
            fields={"data.to_branch": [_("须为本校另一个党支部")]},
        )
    facts = check_member_may_transfer(member, rules, on=today())
    return {**facts, "to_branch": {"id": target.pk, "name": target.name}}


@form_check(INTERNAL, "approve_release")
def check_release(*, case, task, data, rules) -> dict:
    _day(data, "decided_on")
    return {}


@effect("open_receiving_case")
def open_receiving_case(*, case, params, actor, now) -> dict:
    """The receiving branch's transfer-in case, where its committee accepts the member."""
    target = Organization.objects.get(pk=case.data["to_branch"]["id"])
    member = Member.objects.get(pk=case.data["member"]["id"])
    incoming = case_start(
        actor=actor,
        process_id=IN,
        organization=target,
        subject_member=member,
        business_key=f"transfer_internal:{case.pk}",
        data={
            "source": "internal",
            "member": _member_ref(member),
            "from_case": case.pk,
            "from_organization": {"id": case.organization_id, "name": case.organization.name},
            "dues_paid_through": case.data.get("dues_paid_through"),
        },
    )
    return {"case": incoming.pk, "organization": target.pk}


# --- transfer in -----------------------------------------------------------------------------------

PERSON_FIELDS = (
    "name",
    "status",
    "gender",
    "ethnicity",
    "id_number",
    "birth_date",
    "phone",
    "joined_on",
)
LETTER_FIELDS = (
    "serial",
    "issuer",
    "issuer_kind",
    "issued_on",
    "validity_days",
    "dues_paid_through",
)


def _required(obj, fields, prefix) -> None:
    missing = [f for f in fields if obj.get(f) in (None, "")]
    if missing:
        raise ValidationFailed(
            _("请填写：%(f)s") % {"f": ", ".join(f"{prefix}.{f}" for f in missing)},
            code="transfer_in_incomplete",
            fields={f"{prefix}.{f}": [_("必填")] for f in missing},
        )


@form_check(IN, "__start__")
def check_in_start(*, organization, data, rules, subject_member=None) -> dict:
    """transfer.md flow B: the receiving branch registers the member's letter as it reads (the
    person, the issuer, serial, date, validity, dues paid through). A handover from a branch of
    the university (`source: internal`) is opened by `open_receiving_case` only."""
    branch_only(organization, (_("组织关系转入须由党支部登记。"), "transfer_needs_branch"))
    if data.get("source") == "internal":
        if not data.get("from_case"):
            raise ValidationFailed(
                _("校内转接由转出支部发起。"),
                code="internal_transfer_from_sender",
                fields={"data.source": [_("校内转接由转出支部发起")]},
            )
        return {}
    person = data.get("person") if isinstance(data.get("person"), dict) else {}
    letter = data.get("letter") if isinstance(data.get("letter"), dict) else {}
    _required(person, ("name", "status"), "data.person")
    _required(letter, LETTER_FIELDS, "data.letter")
    if person["status"] not in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
        raise ValidationFailed(
            _("转入人员须为正式党员或预备党员。"),
            code="member_not_transferable",
            fields={"data.person.status": [_("须为 full 或 probationary")]},
        )
    if person["status"] == MemberStatus.PROBATIONARY and not person.get("joined_on"):
        raise ValidationFailed(
            _("预备党员须写明接收为预备党员的日期。"),
            code="transfer_in_incomplete",
            fields={"data.person.joined_on": [_("必填")]},
        )
    if letter["issuer_kind"] not in ISSUER_KINDS:
        raise ValidationFailed(
            _("请选择开具单位类别。"),
            code="transfer_in_incomplete",
            fields={
                "data.letter.issuer_kind": [_("须为 %(v)s 之一") % {"v": ", ".join(ISSUER_KINDS)}]
            },
        )
    if not isinstance(letter["validity_days"], int) or letter["validity_days"] < 1:
        raise ValidationFailed(
            _("有效期须为正整数（天）。"),
            code="invalid_integer",
            fields={"data.letter.validity_days": [_("须为正整数")]},
        )
    date_field(letter["issued_on"], field="data.letter.issued_on")
    try:
        through = parse_month(str(letter["dues_paid_through"]))
    except ValueError:
        raise ValidationFailed(
            _("党费交至月份须为 YYYY-MM。"),
            code="invalid_month",
            fields={"data.letter.dues_paid_through": [_("格式 YYYY-MM")]},
        ) from None
    clean_person = {k: person[k] for k in PERSON_FIELDS if person.get(k) not in (None, "")}
    return {
        "source": "letter",
        "person": clean_person,
        "letter": {k: letter[k] for k in (*LETTER_FIELDS, "from_organization") if k in letter},
        "dues_paid_through": month_text(through),
        "dues_start_month": month_text(next_month(through)),
    }


def _acceptance(case, data, rules, day_field: str) -> dict:
    """What accepting checks (EDU-2019 Art. 25; transfer.md rules 2, 5, 6, 14): the letter comes
    from a committee with approval authority, within its validity, no longer than the maximum;
    the file was checked; a probationary member's probation has not ended unconverted."""
    day = _day(data, day_field)
    internal = case.data.get("source") == "internal"
    if internal:
        member = Member.objects.get(pk=case.data["member"]["id"])
        end = probation_end(member, rules)
    else:
        letter = case.data["letter"]
        if letter["issuer_kind"] != "committee":
            raise RuleViolation(
                _(
                    "介绍信须由有审批预备党员权限的基层党委开具，%(issuer)s 是%(kind)s（EDU-2019 第25条）。"
                )
                % {"issuer": letter["issuer"], "kind": ISSUER_KINDS[letter["issuer_kind"]]},
                code="letter_issuer_not_authorized",
                fields={"decision": [_("开具单位无权开具介绍信")]},
            )
        check_validity_days(letter["validity_days"], rules, "decision")
        expires = parse_date(letter["issued_on"]) + dt.timedelta(days=letter["validity_days"])
        if day > expires:
            raise RuleViolation(
                _(
                    "介绍信有效期至 %(d)s，已过期：须由原开具单位在转出后六个月内凭原介绍信补开（GRAD-2015 一）。"
                )
                % {"d": expires.isoformat()},
                code="letter_expired",
                fields={"decision": [_("介绍信已过期")]},
            )
        if not data.get("file_checked"):
            raise RuleViolation(
                _("接收前须审核党员档案（EDU-2019 第25条）；档案有疑问的，选择暂缓办理。"),
                code="file_not_checked",
                fields={"file_checked": [_("须审核党员档案")]},
            )
        person = case.data["person"]
        end = (
            probation_end_from(person["joined_on"], 0, rules)
            if person["status"] == MemberStatus.PROBATIONARY
            else None
        )
    if end is not None and end < day:
        raise RuleViolation(
            _(
                "预备期已于 %(end)s 届满未转正：应由原组织先讨论转正，不予接收（transfer.md 规则14）。"
            )
            % {"end": end.isoformat()},
            code="probation_ended_unconverted",
            fields={"decision": [_("预备期已满未转正")]},
        )
    through = case.data.get("dues_paid_through")
    return {
        "accepted_on": day.isoformat(),
        "dues_start_month": month_text(next_month(parse_month(through))) if through else "",
    }


@form_context(IN, "check_letter", "review_held_file")
def check_letter_context(*, case, task) -> dict:
    return {
        "source": case.data.get("source"),
        "member": case.data.get("member"),
        "person": case.data.get("person"),
        "letter": case.data.get("letter"),
        "from_organization": case.data.get("from_organization"),
        "dues_paid_through": case.data.get("dues_paid_through"),
    }


@form_check(IN, "check_letter")
def check_letter(*, case, task, data, rules) -> dict:
    if data["decision"] != "accept":
        _day(data, "decided_on")
        return {"accepted_on": None}
    return _acceptance(case, data, rules, "decided_on")


@form_check(IN, "review_held_file")
def check_held(*, case, task, data, rules) -> dict:
    if data["held_decision"] != "accept":
        _day(data, "decided_on")
        return {"accepted_on": None}
    return _acceptance(case, {**data, "file_checked": True}, rules, "decided_on")


@form_check(IN, "send_receipt")
def check_send_receipt(*, case, task, data, rules) -> dict:
    day = _day(data, "sent_on")
    _not_before(day, case.data.get("accepted_on"), "sent_on", _("接收日期"))
    return {}


# The member's own cases that follow him to the receiving branch: a probationary member's
# development case (probation continues there, transfer.md rule 14).
FOLLOWING_PROCESSES = ("member_development",)


def _move_member_cases(member: Member, case, *, actor) -> list[int]:
    """Move the member's running development case to the receiving branch with its remaining
    steps and deadlines (`workflows.services.case_move`); its history stays on its own chain."""
    moved = []
    for running in Case.objects.filter(
        subject_member=member, process_id__in=FOLLOWING_PROCESSES, status=CaseStatus.RUNNING
    ):
        case_move(
            actor=actor,
            case=running,
            organization=case.organization,
            reason=str(_("组织关系转接")),
            data={"transfer_case": case.pk},
        )
        moved.append(running.pk)
    return moved


@effect("transfer_in_member")
def transfer_in_member(*, case, params, actor, now) -> dict:
    """The member joins the receiving branch from the acceptance date; a probationary member keeps
    his admission date (probation continues, never restarts: transfer.md rule 14)."""
    accepted = parse_date(case.data["accepted_on"])
    if case.data.get("source") == "internal":
        member = Member.objects.select_for_update().get(pk=case.data["member"]["id"])
        member = member_update(
            actor=actor, member=member, organization=case.organization, transferred_in_on=accepted
        )
        moved = _move_member_cases(member, case, actor=actor)
    else:
        moved = []
        person = dict(case.data["person"])
        fields = {k: person[k] for k in PERSON_FIELDS if k in person and k != "name"}
        for key in ("birth_date", "joined_on"):
            if key in fields:
                fields[key] = parse_date(fields[key])
        member = member_create(
            actor=actor,
            organization=case.organization,
            name=person["name"],
            transferred_in_on=accepted,
            **fields,
        )
    dues_from = case.data.get("dues_paid_through")
    return {
        "moved_cases": moved,
        "member": member.pk,
        "organization": case.organization_id,
        "dues_start_month": month_text(next_month(parse_month(dues_from))) if dues_from else "",
    }
