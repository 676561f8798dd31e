"""Reads: a user's notifications; tasks escalated to the committees a user serves on; the delivery
log and the channels' health for the organization department."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q, QuerySet

from engine.errors import NotFound
from engine.i18n import _
from organizations.selectors import is_org_department
from workflows.assignment import user_slots
from workflows.models import Task, TaskStatus

from .channels import configured_codes
from .models import AlertKind, Channel, ChannelReport, Delivery, DeliveryStatus, Notification


def notifications_for(user, *, unread: bool | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread is True:
        qs = qs.filter(read_at__isnull=True, resolved_at__isnull=True)
    elif unread is False:
        qs = qs.exclude(read_at__isnull=True, resolved_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_for_user(user, notification_id) -> Notification:
    """The user's own notification, or not found (someone else's answers the same as a missing one)."""
    try:
        return Notification.objects.get(pk=int(notification_id), recipient=user)
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("通知不存在。"), code="notification_not_found") from None


def unread(user) -> QuerySet[Notification]:
    """Unread and still asking to act: a notice about a task already done is not counted."""
    return Notification.objects.filter(
        recipient=user, read_at__isnull=True, resolved_at__isnull=True
    )


def unread_count(user) -> int:
    return unread(user).count()


def tasks_escalated_to(user) -> QuerySet[Task]:
    """Open overdue tasks escalated to a committee the user serves on (the committee's 督办 inbox)."""
    return Task.objects.filter(
        status=TaskStatus.OPEN,
        alerts__kind=AlertKind.ESCALATED,
        alerts__target_slot__in=user_slots(user),
    ).order_by(F("due_at").asc(nulls_last=True), "id")


def _require_org_department(user) -> None:
    # Out of scope answers like not-found: the log is the organization department's.
    if not is_org_department(user):
        raise NotFound(_("消息发送记录不存在。"), code="deliveries_not_found")


def deliveries_for_user(
    user, *, status: str | None = None, channel: str | None = None
) -> QuerySet[Delivery]:
    """The delivery log (organization department and superusers), newest first, with each try."""
    _require_org_department(user)
    qs = Delivery.objects.select_related("recipient").prefetch_related("log")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-id")


def channel_health(user, *, since: dt.datetime) -> list[dict]:
    """Per channel: deliveries made since `since` by status, whether it is configured here, and
    its latest report (a channel that kept failing)."""
    _require_org_department(user)
    counts = {
        r["channel"]: r
        for r in Delivery.objects.filter(created_at__gte=since)
        .values("channel")
        .annotate(
            sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
            pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
            retrying=Count("id", filter=Q(status=DeliveryStatus.PENDING, attempts__gt=0)),
            failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        )
    }
    reports = {}
    for r in ChannelReport.objects.filter(day__gte=since.date()).order_by("day"):
        reports[r.channel] = r
    configured = configured_codes()
    return [
        {
            "channel": code,
            "channel_display": str(Channel(code).label),
            "configured": code in configured,
            **{
                k: counts.get(code, {}).get(k, 0) for k in ("sent", "pending", "retrying", "failed")
            },
            "reported_on": reports[code].day if code in reports else None,
            "reported_failed": reports[code].failed if code in reports else 0,
            "reported_error": reports[code].last_error if code in reports else "",
        }
        for code in Channel.values
    ]
