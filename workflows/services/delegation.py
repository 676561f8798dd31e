"""Delegation: a holder hands their tasks to an eligible colleague for a period, and revokes it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.i18n import _
from organizations.models import Organization

from .. import audit
from ..assignment import LANE_BODIES, parse_slot, user_slots
from ..models import Delegation, ProcessVersion, Task, TaskStatus


def delegation_create(
    *,
    actor,
    delegate,
    starts_at,
    ends_at,
    process_id: str = "",
    task: Task | None = None,
    reason: str = "",
) -> Delegation:
    """The holder (`actor`) hands their tasks to `delegate` for [starts_at, ends_at): all of them, one
    process's, or one open task.

    Eligibility: the delegate must belong to the same body in the same organization as each slot
    handed over (a branch secretary's or committee's lane → the secretary, deputy or a committee
    member of that branch; an approving committee's lane → an officer of that committee; the
    organization department's → someone of the organization department). Ordinary members and
    auditors are never eligible. A member's own tasks (the `member` lane: self-assessment) are
    personal and never delegated."""
    now = timezone.now()

    def bodies(slots):  # (body, organization id) of each delegable slot
        return {
            (LANE_BODIES[lane], org) for lane, org in map(parse_slot, slots) if lane in LANE_BODIES
        }

    own = [s for s in user_slots(actor) if parse_slot(s)[0] in LANE_BODIES]
    if task is not None:
        if task.lane not in LANE_BODIES and task.status == TaskStatus.OPEN:
            raise ValidationFailed(
                _("党员本人的任务不能委托他人办理。"),
                code="task_personal",
                fields={"task": [_("本人任务不能委托")]},
            )
        if task.status != TaskStatus.OPEN or task.slot not in own:
            raise ValidationFailed(
                _("只能委托您自己待办的任务。"),
                code="task_not_yours",
                fields={"task": [_("不是您的待办任务")]},
            )
        slots = [task.slot]
    else:
        slots = own
    if not slots:
        raise ValidationFailed(
            _("您没有可委托的待办角色。"),
            code="nothing_to_delegate",
            fields={"delegate": [_("您没有可委托的角色")]},
        )
    if delegate is not None and delegate.pk == actor.pk:
        raise ValidationFailed(
            _("须委托给另一人。"),
            code="delegate_invalid",
            fields={"delegate": [_("须为另一位用户")]},
        )
    # An unknown user (None) is refused exactly like an ineligible one: no user-id enumeration.
    if delegate is None or not bodies(slots) <= bodies(user_slots(delegate)):
        raise ValidationFailed(
            _("受托人须是同一组织中担任相应职务的人（支部委员会成员、党委委员或组织部人员）。"),
            code="delegate_not_eligible",
            fields={"delegate": [_("不在同一组织或不担任相应职务")]},
        )
    if ends_at <= starts_at:
        raise ValidationFailed(
            _("委托结束时间须晚于开始时间。"),
            code="invalid_period",
            fields={"ends_at": [_("须晚于开始时间")]},
        )
    if ends_at <= now:
        raise ValidationFailed(
            _("委托结束时间须晚于现在。"),
            code="invalid_period",
            fields={"ends_at": [_("须晚于现在")]},
        )
    if process_id and not ProcessVersion.objects.filter(process_id=process_id).exists():
        raise ValidationFailed(
            _("未部署的流程：%(p)s") % {"p": process_id},
            code="unknown_process",
            fields={"process": [_("未部署的流程")]},
        )
    with transaction.atomic():
        d = Delegation.objects.create(
            delegator=actor,
            delegate=delegate,
            slots=sorted(slots),
            starts_at=starts_at,
            ends_at=ends_at,
            process_id=process_id or "",
            task=task,
            reason=(reason or "")[:500],
        )
        audit.append(
            action="delegation_created",
            actor=actor,
            organization=Organization.objects.get(pk=parse_slot(slots[0])[1]),
            data={
                "delegation": d.pk,
                "delegate": delegate.get_username(),
                "slots": d.slots,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "process": d.process_id,
                "task": d.task_id,
            },
        )
    return d


def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    """The delegator ends a delegation now (the delegate cannot)."""
    if delegation.delegator_id != actor.pk:
        raise Forbidden(_("只有委托人可以撤销委托。"), code="delegation_revoke_not_allowed")
    if delegation.revoked_at is not None:
        raise Conflict(_("委托已撤销。"), code="delegation_revoked")
    with transaction.atomic():
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        audit.append(
            action="delegation_revoked",
            actor=actor,
            organization=Organization.objects.get(pk=parse_slot(delegation.slots[0])[1]),
            data={"delegation": delegation.pk},
        )
    return delegation
