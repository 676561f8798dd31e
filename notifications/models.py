"""Reminders and overdue alerts about open tasks: an in-app list per user, and email.

`TaskAlert` records that an alert of a kind was raised for a task (once per task and kind, whoever
held it then); `Notification` is what each holder reads, resolved once the task is closed. Messages are rendered when read, in the
reader's language, from `kind` and `params`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("逾期督办")
    # Not about a task: a branch's term ends soon (P2 step 0); to the branch and its committee.
    TERM_EXPIRY = "term_expiry", _("换届提醒")


class TaskAlert(models.Model):
    task = models.ForeignKey("workflows.Task", on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    # Escalations: the inbox slot ("approving_committee@<org>") the overdue task was escalated to.
    target_slot = models.CharField(max_length=100, blank=True, default="")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="uniq_task_alert")]
        indexes = [
            models.Index(
                fields=["target_slot"],
                condition=models.Q(kind="escalated"),
                name="alert_escalated_slot",
            )
        ]


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    task = models.ForeignKey(
        "workflows.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(
        "workflows.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # The task it is about was completed, cancelled or withdrawn: nobody is asked to act any more
    # (shown as 已办理, not counted as unread). Set by `notifications_resolve` when the task closes.
    resolved_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
