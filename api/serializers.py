"""DRF serializers: shapes only, no business rules (those live in services and procedures)."""
from django.contrib.auth import get_user_model
from rest_framework import serializers

from organizations.models import Member, Organization, RoleAssignment
from organizations.selectors import is_org_department
from workflows.assignment import LANE_LABELS
from workflows.models import AuditEvent, Case, ProcessVersion, Task, Timer

from .labels import label, localize_schema

User = get_user_model()


class LabelField(serializers.CharField):
    """A Chinese label from a BPMN or form file (task name, stage), rendered in the request's language."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return label(super().to_representation(value))


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "parent", "name", "kind", "branch_kind", "has_approval_authority", "departments", "path", "term_start", "term_end"]
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

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not (is_org_department(user) or (instance.user_id is not None and user is not None and instance.user_id == user.pk)):
            data["id_number"] = mask(data.get("id_number") or "", 3, 4)
            data["phone"] = mask(data.get("phone") or "", 3, 4)
        return data

    class Meta:
        model = Member
        fields = ["id", "organization", "user", "name", "status", "status_display", "rights_suspended", "suspension_reason",
                  "is_leading_cadre", "birth_date", "id_number", "phone", "joined_on"]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_active", "password"]


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "role_display", "organization", "organization_name", "term_start", "term_end"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True)


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
    holder = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "case", "process_id", "element_id", "name", "stage", "role", "role_display", "assignee_organization",
                  "organization", "organization_name", "status", "due_at", "overdue", "holder", "created_at", "completed_at"]

    def get_role_display(self, obj) -> str:
        return str(LANE_LABELS.get(obj.lane, obj.lane))

    def get_holder(self, obj) -> str | None:
        return obj.claimed_by.get_username() if obj.claimed_by_id else None

    def get_overdue(self, obj) -> bool:
        now = self.context.get("now")
        return bool(obj.status == "open" and obj.due_at and now and obj.due_at < now)


_datetime = serializers.DateTimeField()


def inbox_rows(rows, now) -> list[dict]:
    """Inbox rows from `workflows.selectors.inbox_page_values`, in TaskSerializer's shape (a test
    keeps the two identical) without building a model and a serializer per row: the inbox is the
    hottest read."""
    lane_labels, out = {}, []
    for r in rows:
        lane = r["lane"]
        if lane not in lane_labels:
            lane_labels[lane] = str(LANE_LABELS.get(lane, lane))
        due = r["due_at"]
        out.append({
            "id": r["id"], "case": r["case_id"], "process_id": r["process_id"], "element_id": r["element_id"],
            "name": label(r["name"]), "stage": label(r["stage"]), "role": lane, "role_display": lane_labels[lane],
            "assignee_organization": r["assignee_organization_id"], "organization": r["case_organization_id"],
            "organization_name": r["organization_name"], "status": r["status"],
            "due_at": _datetime.to_representation(due) if due else None,
            "overdue": bool(r["status"] == "open" and due and due < now), "holder": r["holder"],
            "created_at": _datetime.to_representation(r["created_at"]),
            "completed_at": _datetime.to_representation(r["completed_at"]) if r["completed_at"] else None,
        })
    return out


class TaskDetailSerializer(TaskSerializer):
    documentation = serializers.CharField()
    form = serializers.SerializerMethodField()
    context = serializers.SerializerMethodField()
    case_data = serializers.SerializerMethodField()
    completed_by = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + ["documentation", "form", "context", "case_data", "completed_by"]

    def get_form(self, obj) -> dict | None:
        from forms.validation import load_schema

        return {"name": obj.form, "schema": localize_schema(load_schema(obj.form))} if obj.form else None

    def get_context(self, obj) -> dict:
        from workflows.registry import context_for

        fn = context_for(obj.process_id, obj.element_id)
        return fn(case=obj.case, task=obj) if fn and obj.status == "open" else {}

    def get_case_data(self, obj) -> dict:
        return obj.case.data

    def get_completed_by(self, obj) -> str | None:
        return obj.completed_by.get_username() if obj.completed_by_id else None


class CaseSerializer(serializers.ModelSerializer):
    process = serializers.CharField(source="process_id")
    version = serializers.CharField(source="process_version.version")
    organization_name = serializers.CharField(source="organization.name")
    stage = LabelField()

    class Meta:
        model = Case
        fields = ["id", "process", "version", "rule_set", "organization", "organization_name", "subject", "subject_member",
                  "business_key", "status", "stage", "created_at", "updated_at", "completed_at"]


class TimerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Timer
        fields = ["name", "element_id", "due_at", "status", "error"]


class CaseDetailSerializer(CaseSerializer):
    open_tasks = serializers.SerializerMethodField()
    waiting_timers = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["cancel_reason", "data", "open_tasks", "waiting_timers"]

    def get_open_tasks(self, obj) -> list:
        from workflows.selectors import case_open_tasks

        return TaskSerializer(case_open_tasks(obj), many=True, context=self.context).data

    def get_waiting_timers(self, obj) -> list:
        return TimerSerializer(obj.timers.filter(status__in=["waiting", "failed"]).order_by("due_at"), many=True).data


class CaseCreateSerializer(serializers.Serializer):
    process = serializers.CharField()
    organization = serializers.IntegerField()
    subject = serializers.CharField(required=False, allow_blank=True, default="")
    subject_member = serializers.IntegerField(required=False, allow_null=True, default=None)
    business_key = serializers.CharField(required=False, allow_blank=True, default="")
    data = serializers.DictField(required=False, default=dict)


class CaseCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


class TaskCompleteSerializer(serializers.Serializer):
    data = serializers.JSONField()


class AuditEventSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", allow_null=True)
    task_name = LabelField()

    class Meta:
        model = AuditEvent
        fields = ["id", "seq", "created_at", "action", "actor_name", "actor_roles", "task", "task_name", "data", "prev_hash", "hash"]


class AuditVerificationSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_bad_event = serializers.IntegerField(allow_null=True)
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    reason = serializers.CharField()
