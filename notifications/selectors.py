"""Reads: a user's notifications; tasks escalated to the committees a user serves on."""

from __future__ import annotations

from django.db.models import F, QuerySet

from engine.errors import NotFound
from engine.i18n import _
from workflows.assignment import user_slots
from workflows.models import Task, TaskStatus

from .models import AlertKind, Notification


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
