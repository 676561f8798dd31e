"""Reminders and overdue alerts about open tasks: an in-app list per user, and email.

`TaskAlert` records that an alert of a kind was raised for a task (once per task and kind, whoever
held it then); `Notification` is what each holder reads, resolved once the task is closed. Messages are rendered when read, in the
reader's language, from `kind` and `params`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import index_where_set


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("逾期督办")
    # Not about a task: a branch's term ends soon (P2 step 0); to the branch and its committee.
    TERM_EXPIRY = "term_expiry", _("换届提醒")
    # Not about a task: a delivery channel kept failing; to the organization department.
    CHANNEL_FAILING = "channel_failing", _("消息渠道故障")


class TaskAlert(models.Model):
    # No database constraint: a closed year's task moves to the archive under the same id.
    task = models.ForeignKey(
        "workflows.Task", on_delete=models.DO_NOTHING, db_constraint=False, related_name="alerts"
    )
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
    # No index on the recipient alone: the (recipient, -created_at) index serves every lookup by
    # recipient (the list, the cascade when a user goes), and each notification would otherwise
    # write one more index entry.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    # No database constraint: a closed year's task moves to the archive under the same id.
    task = models.ForeignKey(
        "workflows.Task",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_index=False,  # index_where_set below: a term-expiry notice names no task
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
            index_where_set("task", name="notification_task_set"),
        ]


class Channel(models.TextChoices):
    """Where messages leave the system (notifications/channels.py sends them)."""

    EMAIL = "email", _("电子邮件")
    WECOM_APP = "wecom_app", _("企业微信应用消息")
    WECOM_ROBOT = "wecom_robot", _("企业微信群机器人")
    DINGTALK_ROBOT = "dingtalk_robot", _("钉钉群机器人")
    SMS = "sms", _("短信")


class DeliveryPreference(models.Model):
    """How one person is reached. Without a row: e-mail, each message at once, no quiet hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_preference"
    )
    channels = models.JSONField(default=list)  # Channel codes
    # One message a working day at 08:00 China time listing what is open, instead of each at once.
    digest = models.BooleanField(default=False)
    # Overdue alerts and escalations at once even with the digest.
    overdue_immediate = models.BooleanField(default=True)
    # China Standard Time; a window may pass midnight (22:00–07:00). Nothing personal is sent in it:
    # the message waits for its end.
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    wecom_userid = models.CharField(max_length=64, blank=True, default="")
    mobile = models.CharField(max_length=20, blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One message by one channel. `key` names what it is (a notification by a channel, an alert
    to a group, a person's digest of a day), so planning it twice, or a job run twice, sends once."""

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # None: a group robot
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    digest = models.BooleanField(default=False)
    address = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=300)
    text = models.TextField()
    link = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_due",
            ),
            models.Index(fields=["channel", "status", "-created_at"]),
        ]


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("已发送")
    RETRY = "retry", _("失败，将重试")
    FAILED = "failed", _("失败，不再重试")


class DeliveryAttempt(models.Model):
    """The delivery log: each try with its outcome and, when it failed, the reason."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=AttemptOutcome.choices)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]


class ChannelReport(models.Model):
    """A channel reported to the organization department as failing, once per channel and day."""

    channel = models.CharField(max_length=16, choices=Channel.choices)
    day = models.DateField()
    failed = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="uniq_channel_report_day")
        ]
