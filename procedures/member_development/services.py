"""Writes for P1 member development: status changes (called by the BPMN service tasks through the
`development_status` effect) and submitted obligation records (inspections, thought reports)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from engine.calendar import date_field, parse_date, today
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.i18n import _
from organizations.models import Member, MemberStatus
from workflows import audit
from workflows.assignment import slot, user_slots
from workflows.models import Case, CaseStatus
from workflows.services import documents_check
from workflows.services.state import locked_case

from .models import ObligationRecord, StatusChange
from .selectors import case_obligations


def member_status_change(
    *, actor, case: Case, member_id: int, status: str, on, note: str = ""
) -> dict:
    """Move the member to `status` from date `on` and write it to the member's record. `status` ''
    records a note (the procedure stopped) without a change. Admission sets the 入党日期 (the
    admission vote); conversion sets Party standing from the end of probation (DEV-2014 Art. 34).
    Expects the case row locked (called inside the step's transaction)."""
    member = Member.objects.select_for_update().get(pk=member_id)
    on = parse_date(on)
    before = member.status
    fields = []
    if status:
        member.status = status
        fields.append("status")
        if status == MemberStatus.PROBATIONARY and member.joined_on is None:
            member.joined_on = on
            fields.append("joined_on")
        if status == MemberStatus.FULL:
            member.party_standing_from = on
            fields.append("party_standing_from")
        member.save(update_fields=fields)
    StatusChange.objects.create(
        member=member,
        case=case,
        from_status=before,
        to_status=status or before,
        effective_on=on,
        note=note,
        actor=actor,
    )
    return {
        "member": member.pk,
        "from": before,
        "to": member.status,
        "on": on.isoformat(),
        "note": note,
    }


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
