"""DRF serializers: shapes only, no business rules (those live in services and procedures)."""

import re

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from engine.calendar import last_day_before
from engine.i18n import _
from forms.validation import load_schema
from notifications.models import Notification
from notifications.render import render
from organizations.models import Member, Organization, RecordEvent, RoleAssignment
from organizations.selectors import is_org_department
from oversight.selectors import SIGNAL_LABELS
from workflows import display, registry
from workflows.assignment import LANE_LABELS
from workflows.audit import json_safe, verify_case
from workflows.labels import label, localize_schema
from workflows.models import (
    AuditEvent,
    Case,
    CaseAccess,
    Delegation,
    Document,
    ProcessVersion,
    Task,
    TaskStatus,
    Timer,
)
from workflows.registry import context_for
from workflows.selectors import (
    case_data_display,
    case_documents,
    case_history_for,
    case_open_tasks,
    history_names,
    tasks_with_holders,
)

User = get_user_model()


class LabelField(serializers.CharField):
    """A Chinese label from a BPMN or form file (task name, stage), rendered in the request's language."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return label(super().to_representation(value))


class OrganizationSerializer(serializers.ModelSerializer):
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, default=None, allow_null=True
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    branch_kind_display = serializers.CharField(source="get_branch_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "parent",
            "parent_name",
            "name",
            "code",
            "kind",
            "kind_display",
            "branch_kind",
            "branch_kind_display",
            "has_approval_authority",
            "departments",
            "path",
            "term_start",
            "term_end",
            "founded_on",
            "dissolved_on",
            "dues_tracked_since",
        ]
        read_only_fields = ["path"]


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """'110101199001011234' → '110***********1234': enough to tell records apart, not to use them."""
    if not value or len(value) <= keep_start + keep_end:
        return "*" * len(value or "")
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class MemberSerializer(serializers.ModelSerializer):
    """Identity and phone numbers are shown in full only to the organization department (who keep
    the records) and to the member themself; every other role sees them masked."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    ethnicity_display = serializers.CharField(source="get_ethnicity_display", read_only=True)
    education_display = serializers.CharField(source="get_education_display", read_only=True)
    degree_display = serializers.CharField(source="get_degree_display", read_only=True)
    person_category_display = serializers.CharField(
        source="get_person_category_display", read_only=True
    )

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not (
            is_org_department(user)
            or (instance.user_id is not None and user is not None and instance.user_id == user.pk)
        ):
            data["id_number"] = mask(data.get("id_number") or "", 3, 4)
            data["phone"] = mask(data.get("phone") or "", 3, 4)
        return data

    class Meta:
        model = Member
        fields = [
            "id",
            "organization",
            "organization_name",
            "user",
            "name",
            "status",
            "status_display",
            "rights_suspended",
            "suspension_reason",
            "is_leading_cadre",
            "birth_date",
            "id_number",
            "phone",
            "joined_on",
            "left_on",
            "left_reason",
            "party_standing_from",
            "staff_or_student_no",
            "gender",
            "gender_display",
            "ethnicity",
            "ethnicity_display",
            "education",
            "education_display",
            "degree",
            "degree_display",
            "person_category",
            "person_category_display",
            "job_post",
            "is_floating",
            "transferred_in_on",
            "probation_extension_months",
            "party_post",
            "joined_branch_name",
        ]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8, max_length=128)
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "password",
        ]

    def get_name(self, obj) -> str:
        return display.person_name(obj)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "user",
            "user_name",
            "role",
            "role_display",
            "organization",
            "organization_name",
            "term_start",
            "term_end",
            "post",
            "post_display",
        ]

    def get_user_name(self, obj) -> str:
        return display.person_name(obj.user)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)


class TokenLoginSerializer(AuthTokenSerializer):
    """DRF's login check, with the lengths of the user columns (a 400 naming the field)."""

    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = RoleAssignmentSerializer(many=True)


class ProcessSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="process_id")
    name = LabelField()

    class Meta:
        model = ProcessVersion
        fields = ["id", "name", "version", "documentation", "deployed_at"]


class TaskSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    name = LabelField()
    stage = LabelField()
    role = serializers.CharField(source="lane")
    role_display = serializers.SerializerMethodField()
    organization = serializers.IntegerField(source="case_organization_id")
    organization_name = serializers.CharField(source="case_organization.name")
    assignee_organization_name = serializers.CharField(source="assignee_organization.name")
    process_display = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")
    holder = serializers.SerializerMethodField()
    holder_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "case",
            "process_id",
            "process_display",
            "element_id",
            "name",
            "stage",
            "role",
            "role_display",
            "assignee_organization",
            "assignee_organization_name",
            "organization",
            "organization_name",
            "status",
            "status_display",
            "due_at",
            "overdue",
            "holder",
            "holder_name",
            "created_at",
            "completed_at",
        ]

    def get_role_display(self, obj) -> str:
        return str(LANE_LABELS.get(obj.lane, obj.lane))

    def get_process_display(self, obj) -> str:
        return display.process_label(obj.process_id)

    def get_holder(self, obj) -> str | None:
        return obj.claimed_by.get_username() if obj.claimed_by_id else None

    def get_holder_name(self, obj) -> str | None:
        return display.person_name(obj.claimed_by) if obj.claimed_by_id else None

    def get_overdue(self, obj) -> bool:
        now = self.context.get("now")
        return bool(obj.status == "open" and obj.due_at and now and obj.due_at <= now)


class _Rows:
    """What every row of a list repeats, worked out once per list: labels and names in the request's
    language (one gettext per distinct value, not per row) and DRF's DateTimeField output (ISO 8601
    in the current time zone, `Z` for UTC)."""

    def __init__(self):
        self.tz = timezone.get_current_timezone()
        self.cache: dict = {}

    def once(self, fn, value):
        key = (fn, value)
        if key not in self.cache:
            self.cache[key] = fn(value)
        return self.cache[key]

    def time(self, value) -> str | None:
        if not value:
            return None
        text = value.astimezone(self.tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


def _lane_label(lane) -> str:
    return str(LANE_LABELS.get(lane, lane))


def _status_label(status) -> str:
    return str(TaskStatus(status).label)


def inbox_rows(rows, now) -> list[dict]:
    """Inbox rows from `workflows.selectors.inbox_page_values`, in TaskSerializer's shape (a test
    keeps the two identical) without building a model and a serializer per row: the inbox is the
    hottest read."""
    c, out = _Rows(), []
    for r in rows:
        lane, due = r["lane"], r["due_at"]
        holder_name = (
            f"{r['holder_first_name'] or ''} {r['holder_last_name'] or ''}".strip() or r["holder"]
        )
        out.append(
            {
                "id": r["id"],
                "case": r["case_id"],
                "process_id": r["process_id"],
                "process_display": c.once(display.process_label, r["process_id"]),
                "element_id": r["element_id"],
                "name": c.once(label, r["name"]),
                "stage": c.once(label, r["stage"]),
                "role": lane,
                "role_display": c.once(_lane_label, lane),
                "assignee_organization": r["assignee_organization_id"],
                "assignee_organization_name": r["assignee_organization_name"],
                "organization": r["case_organization_id"],
                "organization_name": r["organization_name"],
                "status": r["status"],
                "status_display": c.once(_status_label, r["status"]),
                "due_at": c.time(due),
                "overdue": bool(r["status"] == "open" and due and now and due <= now),
                "holder": r["holder"],
                "holder_name": holder_name,
                "created_at": c.time(r["created_at"]),
                "completed_at": c.time(r["completed_at"]),
            }
        )
    return out


class OpenTaskSerializer(TaskSerializer):
    """An open task with who holds it now: the claimant, else everyone holding its lane."""

    holders = serializers.ListField(
        child=serializers.DictField(), help_text="[{id, username, name}]"
    )
    slot_display = serializers.CharField()

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + ["holders", "slot_display"]


def task_rows(tasks, names: dict, now) -> list[dict]:
    """Task instances in TaskSerializer's shape, through `inbox_rows` (the same row built once);
    organization names from `names` ({id: name}), the claimants loaded."""
    rows = []
    for t in tasks:
        holder = t.claimed_by if t.claimed_by_id else None
        rows.append(
            {
                **{f: getattr(t, f) for f in _TASK_VALUES},
                "assignee_organization_name": names.get(t.assignee_organization_id),
                "organization_name": names.get(t.case_organization_id),
                "holder": holder.get_username() if holder else None,
                "holder_first_name": holder.first_name if holder else None,
                "holder_last_name": holder.last_name if holder else None,
            }
        )
    return inbox_rows(rows, now)


# The task's own columns an inbox row carries (`workflows.selectors.inbox_page_values`).
_TASK_VALUES = (
    "id",
    "case_id",
    "process_id",
    "element_id",
    "name",
    "stage",
    "lane",
    "assignee_organization_id",
    "case_organization_id",
    "status",
    "due_at",
    "created_at",
    "completed_at",
)


def open_tasks_with_holders(tasks, now, *, also=()) -> tuple[list[dict], dict]:
    """The open tasks in OpenTaskSerializer's shape, and the organization names read for them (and
    for the tasks in `also`): three queries for any number of tasks."""
    rows, names = tasks_with_holders(tasks, also=also)
    orgs = names["organizations"]
    out = []
    for row, (task, holders) in zip(task_rows(tasks, orgs, now), rows, strict=True):
        row["holders"] = [
            {"id": u.pk, "username": u.get_username(), "name": display.person_name(u)}
            for u in holders
        ]
        row["slot_display"] = display.slot_display(task.slot, orgs, names["members"])
        out.append(row)
    return out, orgs


def completed_task_data(task, now) -> dict:
    """The answer to a completion in TaskCompletedSerializer's shape: the finished task, the case's
    status and stage, and its next open tasks with who holds them (no query for the tasks: the
    completion left them on the case)."""
    case = task.case
    next_tasks, orgs = open_tasks_with_holders(case_open_tasks(case), now, also=[task])
    return {
        **task_rows([task], orgs, now)[0],
        "case_status": case.status,
        "case_status_display": case.get_status_display(),
        "case_stage": label(case.stage),
        "next_tasks": next_tasks,
    }


_ARTICLE = re.compile(r"\b([A-Z]+(?:-\d{4})?) (Art\.|Ch\.) ?(\d+(?:\s*-\s*\d+)?)")


def article_refs(documentation: str) -> str:
    """The articles a BPMN documentation cites ("DEV-2014 Art. 5-6"), as people cite them
    ("DEV-2014 第5—6条"), in the active language."""
    refs = []
    for source, kind, number in _ARTICLE.findall(documentation or ""):
        number = number.replace(" ", "").replace("-", "—")
        ref = f"{source} " + (gettext("第%(n)s条") if kind == "Art." else gettext("第%(n)s章")) % {
            "n": number
        }
        if ref not in refs:
            refs.append(ref)
    return str(_("、")).join(refs) if refs else ""


def task_guide(task) -> str:
    """What the user reads on a task: the procedure's sentence (what to do, under which article) and
    the due date; the BPMN documentation stays the developers' note. A step without its own
    sentence reads "请办理“<task>”" with the articles its documentation cites."""
    guide = registry.guide_for(task.process_id, task.element_id)
    if guide:
        text = str(guide(task.case) if callable(guide) else guide)
    else:
        refs = article_refs(task.documentation)
        text = (
            gettext("请办理“%(task)s”（%(ref)s）。") % {"task": label(task.name), "ref": refs}
            if refs
            else gettext("请办理“%(task)s”。") % {"task": label(task.name)}
        )
    if task.due_at and task.status == TaskStatus.OPEN:
        # A deadline falls at 24:00 of its last day (00:00 of the next): the user reads that last day.
        due = last_day_before(task.due_at).isoformat()
        return gettext("%(what)s请于 %(due)s 前办理。") % {"what": text, "due": due}
    return text


class TaskDetailSerializer(TaskSerializer):
    documentation = serializers.SerializerMethodField(
        help_text="for the user: what to do, by when, under which article"
    )
    developer_notes = serializers.CharField(
        source="documentation", help_text="the BPMN documentation (for developers)"
    )
    form = serializers.SerializerMethodField()
    context = serializers.SerializerMethodField()
    case_data = serializers.SerializerMethodField()
    completed_by = serializers.SerializerMethodField()
    completed_by_name = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + [
            "documentation",
            "developer_notes",
            "form",
            "context",
            "case_data",
            "completed_by",
            "completed_by_name",
        ]

    def get_documentation(self, obj) -> str:
        return task_guide(obj)

    def get_completed_by_name(self, obj) -> str | None:
        return display.person_name(obj.completed_by) if obj.completed_by_id else None

    def get_form(self, obj) -> dict | None:
        return (
            {"name": obj.form, "schema": localize_schema(load_schema(obj.form))}
            if obj.form
            else None
        )

    def get_context(self, obj) -> dict:
        fn = context_for(obj.process_id, obj.element_id)
        return fn(case=obj.case, task=obj) if fn and obj.status == "open" else {}

    def get_case_data(self, obj) -> dict:
        return case_data_display(obj.case)

    def get_completed_by(self, obj) -> str | None:
        return obj.completed_by.get_username() if obj.completed_by_id else None


class CaseSerializer(serializers.ModelSerializer):
    process = serializers.CharField(source="process_id")
    process_display = serializers.SerializerMethodField()
    version = serializers.CharField(source="process_version.version")
    rule_set_display = serializers.SerializerMethodField()
    organization_name = serializers.CharField(source="organization.name")
    subject_member_name = serializers.CharField(
        source="subject_member.name", default=None, allow_null=True
    )
    status_display = serializers.CharField(source="get_status_display")
    stage = LabelField()

    class Meta:
        model = Case
        fields = [
            "id",
            "process",
            "process_display",
            "version",
            "rule_set",
            "rule_set_display",
            "organization",
            "organization_name",
            "subject",
            "subject_member",
            "subject_member_name",
            "business_key",
            "status",
            "status_display",
            "stage",
            "created_at",
            "updated_at",
            "completed_at",
        ]

    def get_process_display(self, obj) -> str:
        return display.process_label(obj.process_id)

    def get_rule_set_display(self, obj) -> str:
        return display.rule_set_label(obj.rule_set)


class TimerSerializer(serializers.ModelSerializer):
    name = LabelField()
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Timer
        fields = ["name", "element_id", "due_at", "status", "status_display", "error"]


class DocumentSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    task = serializers.IntegerField(source="task_id", allow_null=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    uploaded_by_name = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "case",
            "task",
            "filename",
            "content_type",
            "size",
            "sha256",
            "description",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download",
        ]

    def get_uploaded_by_name(self, obj) -> str:
        return display.person_name(obj.uploaded_by)

    def get_download(self, obj) -> str:
        return f"/api/cases/{obj.case_id}/documents/{obj.pk}/"


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    task = serializers.IntegerField(required=False, allow_null=True, default=None)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500
    )


class CaseDetailSerializer(CaseSerializer):
    open_tasks = serializers.SerializerMethodField()
    waiting_timers = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    data = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + [
            "cancel_reason",
            "data",
            "open_tasks",
            "waiting_timers",
            "documents",
        ]

    def get_data(self, obj) -> dict:
        return case_data_display(obj)

    def get_documents(self, obj) -> list[dict]:
        return DocumentSerializer(case_documents(obj), many=True).data

    @extend_schema_field(OpenTaskSerializer(many=True))
    def get_open_tasks(self, obj) -> list:
        return open_tasks_with_holders(case_open_tasks(obj), self.context.get("now"))[0]

    def get_waiting_timers(self, obj) -> list:
        return TimerSerializer(
            obj.timers.filter(status__in=["waiting", "failed"]).order_by("due_at"), many=True
        ).data


class CaseCreateSerializer(serializers.Serializer):
    process = serializers.CharField(max_length=100)
    organization = serializers.IntegerField()
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    subject_member = serializers.IntegerField(required=False, allow_null=True, default=None)
    business_key = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    data = serializers.DictField(required=False, default=dict)


class CaseCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TaskCompleteSerializer(serializers.Serializer):
    data = serializers.JSONField()


class ActedAsSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField()
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    on_behalf_of = serializers.CharField(allow_blank=True)


class TaskCompletedSerializer(TaskSerializer):
    """The finished task and what comes next: the case's open tasks with who holds them and when
    they are due (none when the case has ended). Its data comes from `completed_task_data` (the
    same shape, a test keeps them identical); the class gives the schema."""

    next_tasks = serializers.SerializerMethodField()
    case_status = serializers.CharField(source="case.status")
    case_status_display = serializers.CharField(source="case.get_status_display")
    case_stage = LabelField(source="case.stage")

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + [
            "case_status",
            "case_status_display",
            "case_stage",
            "next_tasks",
        ]

    @extend_schema_field(OpenTaskSerializer(many=True))
    def get_next_tasks(self, obj) -> list[dict]:
        return open_tasks_with_holders(case_open_tasks(obj.case), self.context.get("now"))[0]


class AuditEventSerializer(serializers.ModelSerializer):
    """An event of a case's history. `actor_roles` is the role the actor acted in, labelled and
    limited to organizations the reader can see, when the events come from
    `workflows.selectors.case_history_for`. Names come from the context's `names` (built once per
    page by `workflows.selectors.history_names`); without it the event shows what it recorded."""

    task = serializers.IntegerField(source="task_id", allow_null=True)
    task_name = LabelField()
    action_display = serializers.SerializerMethodField()
    on_behalf_of = serializers.CharField(source="on_behalf_of_name")
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_person = serializers.SerializerMethodField()
    on_behalf_of_person = serializers.SerializerMethodField()
    actor_display = serializers.SerializerMethodField()
    actor_roles = serializers.SerializerMethodField()
    acted_as_display = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "created_at",
            "action",
            "action_display",
            "actor",
            "actor_name",
            "actor_person",
            "on_behalf_of",
            "on_behalf_of_person",
            "actor_display",
            "actor_roles",
            "acted_as_display",
            "task",
            "task_name",
            "data",
            "prev_hash",
            "hash",
        ]

    def _names(self) -> dict:
        return self.context.get("names") or {
            "users": {},
            "organizations": {},
            "members": {},
            "member_keys": frozenset(),
            "counts": frozenset(),
            "codes": {},
        }

    def get_action_display(self, obj) -> str:
        return display.action_label(obj.action)

    def get_actor_person(self, obj) -> str:
        if obj.actor_id is None:
            return str(display.SYSTEM_NAME)
        return self._names()["users"].get(obj.actor_id) or obj.actor_name

    def get_on_behalf_of_person(self, obj) -> str:
        if obj.on_behalf_of_id is None:
            return ""
        return self._names()["users"].get(obj.on_behalf_of_id) or obj.on_behalf_of_name

    def get_actor_display(self, obj) -> str:
        """ "王伟（代 李芳）" when a delegate acted on behalf of the holder."""
        return actor_display(self.get_actor_person(obj), self.get_on_behalf_of_person(obj))

    @extend_schema_field(ActedAsSerializer(many=True))
    def get_actor_roles(self, obj) -> list[dict]:
        acted_as = getattr(obj, "acted_as", None)
        if acted_as is not None:  # the role acted in, only where the reader can see it
            return ActedAsSerializer(acted_as, many=True).data
        return display.roles_display(obj.actor_roles, self._names()["organizations"])

    def get_data(self, obj) -> dict:
        names = self._names()
        data = display.annotate(
            obj.data,
            member_keys=names["member_keys"],
            names=names["members"],
            codes=names["codes"],
            counts=names["counts"],
        )
        for key in ("opened", "fired_timers"):
            for item in data.get(key) or []:
                if isinstance(item, dict):
                    if item.get("due_at"):
                        item["due_at"] = display.iso_cst(item["due_at"])
                    if "task" in item:
                        item["task"] = label(item["task"])
                    if "timer" in item:
                        item["timer"] = label(item["timer"])
                    if "lane" in item:
                        item["lane_display"] = display.lane_label(item["lane"])
        if obj.action == "case_started" and "process" in data:
            data["process_display"] = display.process_label(data["process"])
        if obj.action == "case_started" and "rule_set" in data:
            data["rule_set_display"] = display.rule_set_label(data["rule_set"])
        return data

    def get_acted_as_display(self, obj) -> str:
        """ "软件工程教工党支部 支部书记": the role acted in, where the reader can see it."""
        roles = getattr(obj, "acted_as", [])
        return "、".join(f"{r['organization_name']} {r['role_display']}" for r in roles)


def actor_display(actor_name: str, on_behalf_of_name: str) -> str:
    from django.utils.translation import gettext

    if on_behalf_of_name:
        return gettext("%(actor)s（代 %(holder)s）") % {
            "actor": actor_name,
            "holder": on_behalf_of_name,
        }
    return actor_name


class CaseAccessSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    view_display = serializers.SerializerMethodField()

    class Meta:
        model = CaseAccess
        fields = ["id", "username", "user_name", "view", "view_display", "created_at"]

    def get_user_name(self, obj) -> str:
        return display.person_name(obj.user) if obj.user_id else obj.username

    def get_view_display(self, obj) -> str:
        return display.access_view_label(obj.view)


class RecordEventSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(read_only=True)

    class Meta:
        model = RecordEvent
        fields = [
            "seq",
            "created_at",
            "actor",
            "actor_name",
            "actor_roles",
            "action",
            "entity",
            "entity_id",
            "entity_label",
            "organization_id",
            "organization_name",
            "data",
            "hash",
        ]


class RecordLogVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    reason = serializers.CharField()


class RecordLogSerializer(serializers.Serializer):
    verification = RecordLogVerificationSerializer()
    events = RecordEventSerializer(many=True)


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.CharField(source="delegator.username", read_only=True)
    delegator_name = serializers.SerializerMethodField()
    delegate_username = serializers.CharField(source="delegate.username", read_only=True)
    delegate_name = serializers.SerializerMethodField()
    slots_display = serializers.SerializerMethodField()
    process_display = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = [
            "id",
            "delegator",
            "delegator_name",
            "delegate",
            "delegate_username",
            "delegate_name",
            "slots",
            "slots_display",
            "starts_at",
            "ends_at",
            "process_id",
            "process_display",
            "task",
            "reason",
            "revoked_at",
            "created_at",
            "active",
        ]

    def get_delegator_name(self, obj) -> str:
        return display.person_name(obj.delegator)

    def get_delegate_name(self, obj) -> str:
        return display.person_name(obj.delegate)

    def get_slots_display(self, obj) -> list[str]:
        orgs, members = display.slot_refs(obj.slots)
        names = (display.organization_names(orgs), display.member_names(members))
        return [display.slot_display(s, *names) for s in obj.slots]

    def get_process_display(self, obj) -> str:
        return display.process_label(obj.process_id) if obj.process_id else ""

    def get_active(self, obj) -> bool:

        now = timezone.now()
        return obj.revoked_at is None and obj.starts_at <= now < obj.ends_at


class DelegationCreateSerializer(serializers.Serializer):
    delegate = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    process = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    task = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class AuditVerificationSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_bad_event = serializers.IntegerField(allow_null=True)
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    reason = serializers.CharField()


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    subject = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    task = serializers.PrimaryKeyRelatedField(read_only=True)
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    due_at = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "subject",
            "message",
            "task",
            "case",
            "due_at",
            "created_at",
            "read_at",
            "emailed_at",
        ]

    def get_subject(self, obj) -> str:
        return render(obj.kind, obj.params)[0]

    def get_message(self, obj) -> str:
        return render(obj.kind, obj.params)[1]

    def get_due_at(self, obj) -> str | None:
        return display.iso_cst(obj.params.get("due_at"))


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()


# --- P4 ---------------------------------------------------------------------------------------


class BranchTermSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    name = serializers.CharField()
    term_start = serializers.DateField(allow_null=True)
    term_end = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    days_overdue = serializers.IntegerField()
    days_left = serializers.IntegerField(allow_null=True)


class SignalSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.SerializerMethodField()
    evidence = serializers.JSONField()

    def get_label(self, obj) -> str:
        return str(SIGNAL_LABELS.get(obj["code"], obj["code"]))


class IdentificationSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    name = serializers.CharField()
    listed = serializers.BooleanField()
    signals = SignalSerializer(many=True)


class IdentificationRunSerializer(serializers.Serializer):
    organization = serializers.IntegerField()


class IdentificationRunResultSerializer(serializers.Serializer):
    on = serializers.DateField()
    findings = IdentificationSerializer(many=True)
    opened = serializers.ListField(child=serializers.DictField())


class ProgressReportSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    reported_on = serializers.DateField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    progress = serializers.CharField()


class WeakBranchSerializer(serializers.Serializer):
    organization = serializers.IntegerField(source="organization_id")
    name = serializers.CharField(source="organization.name")
    case = serializers.IntegerField(source="case_id")
    year = serializers.IntegerField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    signals = serializers.JSONField()
    designated_on = serializers.DateField()
    plan_deadline = serializers.DateField(allow_null=True)
    plans = serializers.IntegerField()
    adjustments = serializers.JSONField()
    removed_on = serializers.DateField(allow_null=True)
    recheck_due = serializers.DateField(allow_null=True)
    reports = ProgressReportSerializer(many=True)


# --- P1 member development -------------------------------------------------------------------


class ObligationSubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["inspection", "thought_report"])
    seq = serializers.IntegerField(min_value=1)
    data = serializers.DictField(help_text="{submitted_on, summary, document_ids}")


class ObligationRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    phase = serializers.CharField()
    seq = serializers.IntegerField()
    due_on = serializers.DateField()
    submitted_on = serializers.DateField()
    record = serializers.JSONField()


class EvidenceSerializer(serializers.Serializer):
    element_id = serializers.CharField()
    name = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    by = serializers.CharField()
    by_name = serializers.CharField()
    record = serializers.JSONField()
    document_ids = serializers.ListField(child=serializers.IntegerField())

    def get_name(self, obj) -> str:
        return label(obj["name"])


class MemberDevelopmentSerializer(serializers.Serializer):
    """The selector's dict as it is; the schema documents the top-level keys."""

    member = serializers.JSONField()
    status_history = serializers.JSONField()
    case = serializers.JSONField(allow_null=True)
    stage = serializers.CharField(allow_blank=True)
    step = serializers.IntegerField(allow_null=True)
    steps_total = serializers.IntegerField()
    open_tasks = serializers.JSONField()
    next_due = serializers.DateField(allow_null=True)
    overdue = serializers.JSONField()
    obligations = serializers.JSONField()
    evidence = serializers.JSONField()

    def to_representation(self, instance) -> dict:
        out = json_safe(instance)
        out["stage"] = label(out["stage"])
        for item in out["open_tasks"] + out["evidence"] + out["overdue"]:
            item["name"] = label(item["name"])
        for item in out["evidence"]:
            item["at"] = display.iso_cst(item["at"])
        return out


class DevelopmentPipelineSerializer(serializers.Serializer):
    organization = serializers.JSONField()
    members_by_status = serializers.JSONField()
    status_labels = serializers.JSONField()
    cases_running = serializers.IntegerField()
    cases_by_stage = serializers.JSONField()
    overdue_tasks = serializers.IntegerField()
    overdue_obligations = serializers.IntegerField()
    this_year = serializers.JSONField()

    def to_representation(self, instance) -> dict:
        out = json_safe(instance)
        out["cases_by_stage"] = {label(k): v for k, v in out["cases_by_stage"].items()}
        return out


class HistoryExportSerializer(serializers.Serializer):
    case = CaseSerializer()
    verification = AuditVerificationSerializer()
    events = AuditEventSerializer(many=True)
    documents = DocumentSerializer(many=True)
    exported_at = serializers.DateTimeField()


def history_export(case, reader) -> dict:
    """A case's full history as one document (JSON export; the CSV export takes its events)."""

    events = case_history_for(reader, case)
    return {
        "case": CaseSerializer(case).data,
        "verification": verify_case(case.pk).as_dict(),
        "events": AuditEventSerializer(
            events, many=True, context={"names": history_names(case, events)}
        ).data,
        "documents": DocumentSerializer(case_documents(case), many=True).data,
        "exported_at": serializers.DateTimeField().to_representation(timezone.now()),
    }


def _words(value) -> str:
    """A submitted value as a person would write it in a report."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, list):
        return "、".join(_words(v) for v in value)
    if isinstance(value, dict):
        shown = {k: v for k, v in value.items() if f"{k}_display" not in value}
        return " ".join(_words(v) for v in shown.values())
    return str(value)


def _field_titles(event) -> dict:
    form = event.task.form if event.task_id and event.task else ""
    if not form:
        return {}
    try:
        props = load_schema(form).get("properties", {})
    except Exception:  # a form no longer shipped: the report falls back to the field names
        return {}
    return {k: label(v.get("title", k)) for k, v in props.items()}


def _data_lines(data: dict, titles: dict) -> list[str]:
    lines = []
    for key, value in data.items():
        if key.endswith("_display") or key in ("document_ids",):
            continue
        shown = data.get(f"{key}_display", value)
        lines.append(f"{titles.get(key, key)}：{_words(shown)}")
    return lines


def _event_details(event, row) -> list[str]:
    """What an event did, in words: the data submitted under the form's field titles, the tasks it
    opened (with who holds them and by when), the result recorded."""
    data, lines = row["data"], []
    if event.action == "task_completed":
        lines += _data_lines(data.get("submitted") or {}, _field_titles(event))
    elif event.action == "case_started":
        lines.append(
            gettext("流程：%(p)s") % {"p": data.get("process_display", data.get("process", ""))}
        )
    elif event.action == "effect_applied":
        lines += _data_lines(data.get("result") or {}, {})
    elif event.action in ("case_cancelled", "task_completion_refused"):
        lines.append(gettext("理由：%(r)s") % {"r": _words(data.get("reason"))})
    for item in data.get("fired_timers") or []:
        lines.append(gettext("期限到达：%(t)s") % {"t": item.get("timer", "")})
    for item in data.get("opened") or []:
        due = (item.get("due_at") or "")[:16].replace("T", " ")
        lines.append(
            gettext("转入：%(t)s（%(lane)s%(due)s）")
            % {
                "t": item.get("task", ""),
                "lane": item.get("lane_display", ""),
                "due": gettext("，期限 %(d)s") % {"d": due} if due else "",
            }
        )
    return lines


def history_report_html(case, request) -> str:
    """The printable report: a title block, the timeline (minute, person, role, what they did in
    words) and the documents, laid out for A4."""
    from django.template.loader import render_to_string

    events = case_history_for(request.user, case)
    rows = AuditEventSerializer(
        events, many=True, context={"names": history_names(case, events)}
    ).data
    timeline = []
    for event, row in zip(events, rows, strict=True):
        what = row["action_display"] + (f"：{row['task_name']}" if row["task_name"] else "")
        roles = "、".join(
            r["role_display"] + (f"（{r['organization_name']}）" if r["organization_name"] else "")
            for r in row["actor_roles"]
        )
        timeline.append(
            {
                "seq": event.seq,
                "at": timezone.localtime(event.created_at),
                "person": row["actor_display"],
                "roles": roles or "—",
                "what": what,
                "details": _event_details(event, row),
                "hash": event.hash,
            }
        )
    documents = DocumentSerializer(case_documents(case), many=True).data
    for d in documents:
        d["uploaded_at_local"] = timezone.localtime(
            serializers.DateTimeField().to_internal_value(d["uploaded_at"])
        )
    return render_to_string(
        "api/case_report.html",
        {
            "case": case,
            "process": display.process_label(case.process_id),
            "rule_set": CaseSerializer().get_rule_set_display(case),
            "verification": verify_case(case.pk).as_dict(),
            "events": timeline,
            "documents": documents,
            "now": timezone.localtime(),
            "reader": display.person_name(request.user),
            # Its <style> element carries the response's Content-Security-Policy nonce.
            "csp_nonce": getattr(request, "csp_nonce", ""),
        },
    )
