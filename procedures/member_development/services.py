"""Writes for P1 member development: status changes (called by the BPMN service tasks through the
`development_status` effect) and submitted obligation records (inspections, thought reports)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from engine.calendar import date_field, not_in_future, parse_date, today
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.i18n import _
from organizations.codes import Misconduct
from organizations.models import Member, MemberStatus
from organizations.selectors import decides_above
from organizations.services import member_update
from workflows import audit
from workflows.assignment import slot, user_slots
from workflows.models import Case, CaseStatus
from workflows.services import documents_check
from workflows.services.state import locked_case

from .models import ObligationRecord, StatusChange, StatusEvent
from .selectors import case_obligations


def member_status_change(
    *, actor, case: Case, member_id: int, status: str, on, note: str = ""
) -> dict:
    """Move the member to `status` from date `on` and write it to the member's record. `status` ''
    records a note (the procedure stopped) without a change. Admission sets the 入党日期 (the
    admission vote); conversion sets Party standing from the end of probation (DEV-2014 Art. 34).
    Expects the case row locked (called inside the step's transaction)."""
    return member_status_changes(
        actor=actor,
        changes=[{"case": case, "member_id": member_id, "status": status, "on": on, "note": note}],
    )[0]


def member_status_changes(*, actor, changes: list[dict]) -> list[dict]:
    """`member_status_change` for many ({case, member_id, status, on, note}, applied in order: a
    member's later change starts from the status the earlier one set), with one statement per kind:
    the members locked, each changed member saved, the status changes inserted (an import's
    ledger: each row's case and the steps it has reached)."""
    members = Member.objects.select_for_update().in_bulk({c["member_id"] for c in changes})
    rows, out, saved = [], [], {}
    for change in changes:
        member, status = members[change["member_id"]], change["status"]
        on = parse_date(change["on"])
        before = member.status
        if status:
            fields = saved.setdefault(member.pk, set())
            member.status = status
            fields.add("status")
            if status == MemberStatus.PROBATIONARY and member.joined_on is None:
                member.joined_on = on
                fields.add("joined_on")
            if status == MemberStatus.FULL:
                member.party_standing_from = on
                fields.add("party_standing_from")
        rows.append(
            StatusChange(
                member=member,
                case=change["case"],
                from_status=before,
                to_status=status or before,
                effective_on=on,
                note=change.get("note", ""),
                actor=actor,
            )
        )
        out.append(
            {
                "member": member.pk,
                "from": before,
                "to": member.status,
                "on": on.isoformat(),
                "note": change.get("note", ""),
            }
        )
    for fields in {frozenset(f) for f in saved.values()}:  # one UPDATE per set of fields changed
        Member.objects.bulk_update(
            [members[pk] for pk, f in saved.items() if frozenset(f) == fields], list(fields)
        )
    StatusChange.objects.bulk_create(rows)
    return out


def obligation_submit(*, actor, case: Case, kind: str, seq: int, data: dict) -> ObligationRecord:
    """Record the `seq`-th inspection record or thought report of the case's current phase.

    Only the branch (secretary or committee) submits; the obligation must be due by now or the next
    one to come, and not submitted yet. Written with its audit event under the case's lock."""
    if not (
        {
            slot("branch_secretary", case.organization_id),
            slot("branch_committee", case.organization_id),
        }
        & set(user_slots(actor))
    ):
        raise Forbidden(_("只有本支部可以登记思想汇报和考察记录。"), code="not_branch_officer")
    summary = data.get("summary") if isinstance(data, dict) else None
    summary = summary.strip() if isinstance(summary, str) else ""
    if not summary:
        raise ValidationFailed(
            _("请填写内容摘要。"), code="form_invalid", fields={"data.summary": [_("必填")]}
        )
    limit = settings.PARTYFLOW["FORM_STRING_MAX"]
    if len(summary) > limit:
        raise ValidationFailed(
            _("表单填写有误，请检查标出的字段。"),
            code="form_invalid",
            fields={"data.summary": [_("最多 %(v)s 个字符") % {"v": limit}]},
        )
    submitted_on = date_field(data.get("submitted_on") or today(), field="data.submitted_on")
    docs = data.get("document_ids") or []
    documents_check(case_id=case.pk, ids=docs, field="data.document_ids")
    with transaction.atomic():
        case = locked_case(case.pk).get()
        if case.status != CaseStatus.RUNNING:
            raise Conflict(_("流程已结束。"), code="case_not_running")
        match = next(
            (
                o
                for o in case_obligations(case)
                if o["kind"] == kind
                and o["seq"] == seq
                and o["status"] != "submitted"
                and o["phase"] == _current_phase(case)
            ),
            None,
        )
        if match is None:
            raise ValidationFailed(
                _("没有待提交的该项记录（第 %(n)s 次）。") % {"n": seq},
                code="obligation_not_due",
                fields={"seq": [_("不是待提交的记录")]},
            )
        record = {
            "summary": summary,
            "submitted_on": submitted_on.isoformat(),
            "document_ids": docs,
        }
        row = ObligationRecord.objects.create(
            case=case,
            member_id=case.subject_member_id,
            phase=match["phase"],
            kind=kind,
            seq=seq,
            due_on=match["due_on"],
            submitted_on=submitted_on,
            record=record,
            submitted_by=actor,
        )
        audit.append(
            action="obligation_submitted",
            actor=actor,
            case=case,
            data={
                "label": str(_("%(l)s（第%(n)s次）") % {"l": match["label"], "n": seq}),
                "kind": kind,
                "seq": seq,
                "phase": match["phase"],
                "due_on": match["due_on"].isoformat(),
                "late": submitted_on > match["due_on"],
                "record": record,
            },
        )
    return row


def _current_phase(case: Case) -> str:
    return "probationary" if case.data.get("admitted") else "activist"


# What each status event does to the member's status, and the statuses it may follow: a decrease
# (death, 停止党籍, 出党) of a member in the Party; 恢复党籍 of one suspended or struck off.
IN_PARTY = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
EVENT_STATUS = {
    StatusEvent.DEATH: MemberStatus.DECEASED,
    StatusEvent.SUSPENSION: MemberStatus.SUSPENDED,
    StatusEvent.EXPULSION: MemberStatus.EXPELLED,
    StatusEvent.REMOVAL: MemberStatus.REMOVED,
}
RESTORABLE = (
    MemberStatus.SUSPENDED,
    MemberStatus.REMOVED,
    MemberStatus.WITHDRAWN,
    MemberStatus.EXPELLED,
)
# 恢复党籍 after one of these is a decrease the records hold only as the member's `left_on`.
LEFT_ON_EVENT = {MemberStatus.REMOVED: StatusEvent.REMOVAL}


def _text(value, *, field: str, required: bool, limit: int) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise ValidationFailed(
            _("请填写%(f)s。") % {"f": field}, code="required", fields={field: [_("必填")]}
        )
    if len(value) > limit:
        raise ValidationFailed(
            _("表单填写有误，请检查标出的字段。"),
            code="too_long",
            fields={field: [_("最多 %(v)s 个字符") % {"v": limit}]},
        )
    return value


# The status events that are 出党 and say what for (党统 表11 出党情况（二）).
MISCONDUCT_EVENTS = (StatusEvent.EXPULSION, StatusEvent.REMOVAL)


def misconduct_for(event: StatusEvent, misconduct: str) -> str:
    """The 违纪行为 or 具体表现 an expulsion or removal records (required, one of `Misconduct`);
    the other events record none."""
    misconduct = str(misconduct or "").strip()
    if event not in MISCONDUCT_EVENTS:
        if misconduct:
            raise ValidationFailed(
                _("只有开除党籍和除名须填写违纪行为或具体表现。"),
                code="misconduct_not_applicable",
                fields={"misconduct": [_("仅开除党籍、除名填写")]},
            )
        return ""
    if misconduct not in Misconduct.values:
        raise ValidationFailed(
            _("开除党籍、除名须选择违纪行为或具体表现（党内统计 出党情况（二））。"),
            code="misconduct_required" if not misconduct else "invalid_choice",
            fields={
                "misconduct": [
                    _("须为 %(v)s 之一") % {"v": "、".join(str(x) for x in Misconduct.labels)}
                ]
            },
        )
    return misconduct


# The statuses a removal or an expulsion leaves, by its event.
EXIT_EVENTS = {
    MemberStatus.REMOVED: StatusEvent.REMOVAL,
    MemberStatus.EXPELLED: StatusEvent.EXPULSION,
}


def member_exits_import(*, actor, exits: list[dict]) -> int:
    """The 除名 and 开除党籍 of members an import brings in already out of the Party
    ({member, on, misconduct, note}; the member's record holds the status): each in the status
    history as the event on its date, with what it was for (党统 表11; blank when the file does not
    say). A member's event already imported is brought to the file's date and category, not
    written twice. Returns how many were written or changed."""
    members = {e["member"].pk: e for e in exits}
    have = {
        c.member_id: c
        for c in StatusChange.objects.filter(
            member_id__in=members, event__in=list(EXIT_EVENTS.values())
        ).order_by("id")
    }
    new, changed = [], []
    for pk, e in members.items():
        member, event = e["member"], EXIT_EVENTS[MemberStatus(e["member"].status)]
        misconduct = misconduct_for(event, e["misconduct"]) if e["misconduct"] else ""
        old = have.get(pk)
        if old is not None:
            if (old.event, old.effective_on, old.misconduct) != (event, e["on"], misconduct):
                old.event, old.effective_on, old.misconduct = event, e["on"], misconduct
                old.to_status = member.status
                changed.append(old)
            continue
        new.append(
            StatusChange(
                member=member,
                from_status=(
                    MemberStatus.FULL if member.party_standing_from else MemberStatus.PROBATIONARY
                ),
                to_status=member.status,
                effective_on=e["on"],
                event=event,
                misconduct=misconduct,
                note=str(e.get("note", ""))[:200],
                actor=actor,
            )
        )
    StatusChange.objects.bulk_create(new)
    if changed:
        StatusChange.objects.bulk_update(
            changed, ["event", "effective_on", "misconduct", "to_status"]
        )
    return len(new) + len(changed)


def member_status_event(
    *,
    actor,
    member: Member,
    event: str,
    on,
    reason: str,
    decided_by: str,
    document_no: str = "",
    misconduct: str = "",
) -> StatusChange:
    """Record a member's status event — death, 停止党籍, 恢复党籍, 开除党籍 or 除名 — on the date it
    happened, with the reason, the organization that decided it and its document number (none for
    a death) — for 开除党籍 and 除名 also what it was for (`misconduct`: the 违纪行为 or 具体表现 of
    党统 表11, required; blank for the other events) — and move the member to the status it gives. Only the higher committee records them
    (`decides_above`); the statistics count each in the year of its date (DT-2017 表1, S4, S9).

    A decrease needs a member in the Party; 恢复党籍 one suspended or struck off, and brings back
    the status held before the decrease (else 正式 if the member has Party standing, else 预备).
    Two people recording for one member at once: the second is a 409, since the status has
    changed. Audit: the member's change is in the record log (`member_update`), the event with
    its actor in the status history."""
    if event not in StatusEvent.values:
        raise ValidationFailed(
            _("请选择党员状态变化类型。"),
            code="invalid_choice",
            fields={"event": [_("须为死亡、停止党籍、恢复党籍、开除党籍或除名")]},
        )
    event = StatusEvent(event)
    on = not_in_future(date_field(on, field="on"), field="on")
    reason = _text(reason, field="reason", required=True, limit=200)
    decided_by = _text(decided_by, field="decided_by", required=True, limit=200)
    document_no = _text(
        document_no, field="document_no", required=event != StatusEvent.DEATH, limit=100
    )
    misconduct = misconduct_for(event, misconduct)
    if not decides_above(actor, member.organization):
        raise Forbidden(
            _("党员死亡、停止党籍、恢复党籍和出党由上级党委登记。"), code="not_committee"
        )
    with transaction.atomic():
        member = Member.objects.select_for_update().select_related("organization").get(pk=member.pk)
        allowed = RESTORABLE if event == StatusEvent.RESTORATION else IN_PARTY
        if member.status not in allowed:
            raise Conflict(
                _("%(name)s 当前状态为“%(s)s”，不能登记“%(e)s”。")
                % {"name": member.name, "s": member.get_status_display(), "e": event.label},
                code="status_event_not_allowed",
                fields={"event": [_("与党员当前状态不符")]},
            )
        last = StatusChange.objects.filter(member=member).order_by("-effective_on", "-id").first()
        known = [d for d in (member.joined_on, member.left_on, last and last.effective_on) if d]
        earliest = max(known) if known else None
        if earliest and on < earliest:
            raise ValidationFailed(
                _("日期不能早于该党员上一次状态变化（%(d)s）。") % {"d": earliest.isoformat()},
                code="date_before_last_change",
                fields={"on": [_("不能早于 %(d)s") % {"d": earliest.isoformat()}]},
            )
        before = member.status
        fields: dict = {}
        if event == StatusEvent.RESTORATION:
            if (
                before in LEFT_ON_EVENT
                and member.left_on
                and not (last and last.event and last.to_status == before)
            ):
                # the decrease was recorded as the member's 除名 date only: keep it in the history
                StatusChange.objects.create(
                    member=member,
                    from_status=MemberStatus.FULL
                    if member.party_standing_from
                    else MemberStatus.PROBATIONARY,
                    to_status=before,
                    effective_on=member.left_on,
                    event=LEFT_ON_EVENT[before],
                    reason=member.left_reason,
                    note=str(_("据除名日期补记")),
                    actor=actor,
                )
            # the status held before the decrease, as its event recorded it
            if last and last.event and last.to_status == before and last.from_status in IN_PARTY:
                status = last.from_status
            else:
                status = (
                    MemberStatus.FULL if member.party_standing_from else MemberStatus.PROBATIONARY
                )
            fields = {"status": status, "left_on": None, "left_reason": ""}
        else:
            status = EVENT_STATUS[event]
            fields = {"status": status}
            if status == MemberStatus.REMOVED:
                fields.update(left_on=on, left_reason=reason)
        member_update(actor=actor, member=member, **fields)
        return StatusChange.objects.create(
            member=member,
            from_status=before,
            to_status=status,
            effective_on=on,
            event=event,
            reason=reason,
            decided_by=decided_by,
            document_no=document_no,
            misconduct=misconduct,
            actor=actor,
        )
