"""Cases, tasks, timers and the audit trail. Writes go through `workflows.services` only.

The task table is what inboxes read (indexed by the assignee slot and due date): listing an inbox
never deserializes a workflow. Timer rows carry the due time of every waiting BPMN timer so the
database, not the engine, finds what is due.
"""

import copy

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import AppendOnly, index_where_set


class ProcessVersion(models.Model):
    process_id = models.CharField(max_length=100)
    version = models.CharField(
        max_length=32, help_text="content hash of the BPMN files the process uses"
    )
    name = models.CharField(max_length=200)
    documentation = models.TextField(blank=True, default="")
    files = models.JSONField(help_text="the BPMN sources, {filename: xml}")
    # JSON text, not jsonb: SpiffWorkflow's restore depends on key order, which jsonb does not keep.
    spec = models.TextField(help_text="the serialized spec (JSON), stored once per version")
    serializer_version = models.CharField(max_length=10)
    is_current = models.BooleanField(default=True)
    deployed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process_id", "version"], name="uniq_process_version")
        ]
        indexes = [models.Index(fields=["process_id", "is_current"])]
        ordering = ["process_id", "-deployed_at"]

    def __str__(self):
        return f"{self.process_id}@{self.version}"


class CaseStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


RUNNING_SUBJECT_CONSTRAINT = "uniq_running_case_per_subject"


class Case(models.Model):
    process_version = models.ForeignKey(
        ProcessVersion, on_delete=models.PROTECT, related_name="cases"
    )
    # No index on the process or the organization alone: the (…, status) indexes below serve every
    # lookup by either (and PROTECT's check when an organization goes), and each case insert and
    # each step's UPDATE would otherwise write three more index entries (the process's two: plain
    # and LIKE).
    process_id = models.CharField(max_length=100)
    rule_set = models.CharField(max_length=32)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    subject = models.CharField(max_length=200, blank=True, default="")
    subject_member = models.ForeignKey(
        "organizations.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # index_where_set below: only P1's cases name a member
    )
    business_key = models.CharField(max_length=200, blank=True, default="", db_index=True)
    # "One running case per subject" (a member's development, a branch's review of a year…): set by
    # `workflows.services.case_start` from the procedure's registered subject; unique among running
    # cases in the database, so concurrent starts cannot both succeed.
    subject_key = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.RUNNING)
    stage = models.CharField(max_length=200, blank=True, default="")
    # JSON text, not jsonb: SpiffWorkflow restores task data as deltas from parent to child in the
    # order of its task map; jsonb reorders keys and the restored data would silently differ.
    state = models.TextField(help_text="SpiffWorkflow state without the spec (JSON)")
    serializer_version = models.CharField(max_length=10)
    data = models.JSONField(
        default=dict, help_text="case data as of the last step, for reading without the engine"
    )
    lock_version = models.PositiveIntegerField(default=0)
    # Head of the case's audit hash chain (see workflows.audit): event count and last hash.
    audit_seq = models.PositiveIntegerField(default=0)
    audit_head = models.CharField(max_length=64, blank=True, default="")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set when its tasks, timers and audit events moved to the archive of closed years
    # (`workflows.services.archive`): where `workflows.archive` reads them.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["process_id", "status"]),
            index_where_set("subject_member", name="case_subject_member_set"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key"],
                condition=models.Q(status="running", subject_key__isnull=False),
                name=RUNNING_SUBJECT_CONSTRAINT,
            )
        ]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class TaskColumns(models.Model):
    """A task row's columns, shared by the live table and the archive of closed years."""

    spiff_task_id = models.UUIDField()
    element_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    lane = models.CharField(max_length=64)
    # "<lane>@<organization id>": the inbox is `slot IN (the user's slots)`.
    slot = models.CharField(max_length=100)
    assignee_organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    # Denormalized from the case so inbox filters need no join.
    process_id = models.CharField(max_length=100)
    case_organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    form = models.CharField(max_length=200, blank=True, default="")
    stage = models.CharField(max_length=200, blank=True, default="")
    documentation = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    due_at = models.DateTimeField(null=True, blank=True)
    # Indexed where set (`index_where_set` in each table's Meta): a new task has neither.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        abstract = True


class Task(TaskColumns):
    # Looked up by case through the (case, status) index below: a second index on the case alone
    # would only cost every insert.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", db_index=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # include: the inbox count (`claimed_by` null or me) is answered from the index alone.
            models.Index(
                fields=["slot", "due_at", "id"],
                include=["claimed_by"],
                condition=models.Q(status="open"),
                name="task_inbox_open",
            ),
            models.Index(fields=["case", "status"]),
            # 我的事项: the cases where a member holds a task of their own, open or done
            # (`slot = 'member@ID'`); without it the lookup read the whole table.
            models.Index(fields=["slot", "case"], name="task_slot_case"),
            index_where_set("claimed_by", name="task_claimed_by_set"),
            index_where_set("completed_by", name="task_completed_by_set"),
        ]


class TimerStatus(models.TextChoices):
    WAITING = "waiting", _("等待中")
    FIRED = "fired", _("已触发")
    CANCELLED = "cancelled", _("已撤销")
    FAILED = "failed", _("失败")


class TimerColumns(models.Model):
    """A timer row's columns, shared by the live table and the archive of closed years."""

    spiff_task_id = models.UUIDField()
    element_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=TimerStatus.choices, default=TimerStatus.WAITING
    )
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Timer(TimerColumns):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timers")

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(status="waiting"), name="timer_due_waiting"
            )
        ]


class AuditEventColumns(AppendOnly):
    """An audit event's columns (but its case and task), shared by the live table and the archive."""

    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The actor, the delegator and the task are indexed where set (`index_where_set` in each
    # table's Meta): the system's events (a timer fired, an effect applied) name none of them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(max_length=150, default="system")
    actor_roles = models.JSONField(default=list)
    # Delegation: the actor acted in their own name on behalf of the task's holder (hashed when set).
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    on_behalf_of_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    action = models.CharField(max_length=64)
    task_name = models.CharField(max_length=200, blank=True, default="")
    data = models.JSONField(default=dict)
    # Not indexed: events are read by case (the (case, seq) index), never by time across cases.
    created_at = models.DateTimeField()
    # Hash chain per case (workflows.audit): position, previous event's hash, this event's hash.
    seq = models.PositiveIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, default="")
    hash = models.CharField(max_length=64, default="")

    class Meta:
        abstract = True


class AuditEvent(AuditEventColumns):
    """Append-only: who did what, when, in which roles, with which data. Written by services."""

    # No index on the case alone: the (case, seq) index serves every lookup by case, and each
    # event (two per fired timer) would otherwise write one more index entry.
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="events", db_index=False
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "seq"]),
            index_where_set("task", name="event_task_set"),
            index_where_set("actor", name="event_actor_set"),
            index_where_set("on_behalf_of", name="event_on_behalf_of_set"),
        ]


class CaseAccess(AppendOnly):
    """Append-only log of auditors reading a case (detail, history, exports, report, verification,
    documents). Kept apart from the case's audit hash chain: a read does not change the case, and
    chaining reads would lock the case row for every read and mix who looked with what happened."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150)
    view = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    UPDATE_REFUSED = _("访问记录只能追加，不能修改。")
    DELETE_REFUSED = _("访问记录只能追加，不能删除。")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"])]


class Document(models.Model):
    """A file attached to a case (evidence), optionally to one of its tasks. The bytes are kept in
    the database with the metadata, so an upload and its audit event commit or roll back together."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    # No database constraint: a closed year's task moves to `TaskArchive` under the same id.
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="documents",
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128, help_text="sniffed from the file's magic bytes")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True, default="")
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"])]


class Delegation(models.Model):
    """A holder hands their tasks (all, one process's, or one task) to an eligible colleague for a
    period (out of office). The delegate acts in their own name on behalf of the holder."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_received"
    )
    slots = models.JSONField(
        default=list, help_text="the delegator's slots handed over, fixed when created"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    process_id = models.CharField(max_length=100, blank=True, default="")
    # No database constraint: a closed year's task moves to `TaskArchive` under the same id.
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["delegate", "ends_at"])]


# --- the archive of closed years (workflows.services.archive moves the rows; workflows.archive
# reads them). Same columns and the same ids as the live rows they were; no inbox index.
#
# No database constraints on the archive's references: the move copies rows whose references the
# live tables' constraints checked when they were written, under the lock of their cases, and a check
# of each copied row at commit was more than half of the move's time (bench/README.md, "The archive
# of closed years"). The references still protect in Django (`on_delete=PROTECT`: deleting a case,
# an organization or a user an archived row names is refused, as for a live row). The case's own
# index is the archive's (case, id) or (case, seq) one: no second index on the case alone.


def unchecked(abstract: type[models.Model], name: str) -> models.ForeignKey:
    """The abstract model's reference `name` for an archive table: the same field without the
    database constraint."""
    field = copy.deepcopy(abstract._meta.get_field(name))  # as Django copies an abstract's fields
    field.db_constraint = False
    return field


class TaskArchive(TaskColumns):
    id = models.BigIntegerField(primary_key=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="archived_tasks",
        db_constraint=False,
        db_index=False,
    )
    assignee_organization = unchecked(TaskColumns, "assignee_organization")
    case_organization = unchecked(TaskColumns, "case_organization")
    claimed_by = unchecked(TaskColumns, "claimed_by")
    completed_by = unchecked(TaskColumns, "completed_by")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "id"], name="task_archive_case"),
            models.Index(fields=["slot", "case"], name="task_archive_slot_case"),
            index_where_set("claimed_by", name="task_archive_claimed_by_set"),
            index_where_set("completed_by", name="task_archive_completed_by_set"),
        ]


class TimerArchive(TimerColumns):
    id = models.BigIntegerField(primary_key=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="archived_timers",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "id"], name="timer_archive_case")]


class AuditEventArchive(AuditEventColumns):
    """A closed year's audit events: still append-only, still verified as part of their case's
    chain (`workflows.audit.verify_case` reads the archive before the live table)."""

    id = models.BigIntegerField(primary_key=True)
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="archived_events",
        db_constraint=False,
        db_index=False,
    )
    task = models.ForeignKey(
        TaskArchive,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_constraint=False,
        db_index=False,
    )
    organization = unchecked(AuditEventColumns, "organization")
    actor = unchecked(AuditEventColumns, "actor")
    on_behalf_of = unchecked(AuditEventColumns, "on_behalf_of")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "seq"], name="event_archive_case_seq"),
            index_where_set("task", name="event_archive_task_set"),
            index_where_set("actor", name="event_archive_actor_set"),
            index_where_set("on_behalf_of", name="event_archive_on_behalf_of_set"),
        ]
