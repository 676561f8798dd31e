"""DRF serializers: shapes only, no business rules (those live in services and procedures)."""
from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from forms.validation import load_schema
from notifications.models import Notification
from notifications.render import render
from organizations.models import Member, Organization, RecordEvent, RoleAssignment
from organizations.selectors import is_org_department
from oversight.selectors import SIGNAL_LABELS
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
    Timer,
)
from workflows.registry import context_for
from workflows.selectors import case_documents, case_history_for, case_open_tasks

User = get_user_model()


class LabelField(serializers.CharField):
    """A Chinese label from a BPMN or form file (task name, stage), rendered in the request's language."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return label(super().to_representation(value))


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "parent", "name", "kind", "branch_kind", "has_approval_authority",
                  "departments", "path", "term_start", "term_end", "founded_on", "dissolved_on",
                  "dues_tracked_since"]
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

    def to_representation(self, instance) -> dict:
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
                  "is_leading_cadre", "birth_date", "id_number", "phone", "joined_on", "left_on",
                  "left_reason"]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8, max_length=128)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_active", "password"]


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "role_display", "organization", "organization_name",
                  "term_start", "term_end", "post", "post_display"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)


class TokenLoginSerializer(AuthTokenSerializer):
    """DRF's login check, with the lengths of the user columns (a 400 naming the field)."""
    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False,
                                     style={"input_type": "password"})


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
        return bool(obj.status == "open" and obj.due_at and now and obj.due_at <= now)


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
            "overdue": bool(r["status"] == "open" and due and due <= now), "holder": r["holder"],
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
        return {"name": obj.form, "schema": localize_schema(load_schema(obj.form))} if obj.form else None

    def get_context(self, obj) -> dict:
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


class DocumentSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    task = serializers.IntegerField(source="task_id", allow_null=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "case", "task", "filename", "content_type", "size", "sha256", "description", "uploaded_by", "uploaded_at", "download"]

    def get_download(self, obj) -> str:
        return f"/api/cases/{obj.case_id}/documents/{obj.pk}/"


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    task = serializers.IntegerField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CaseDetailSerializer(CaseSerializer):
    open_tasks = serializers.SerializerMethodField()
    waiting_timers = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["cancel_reason", "data", "open_tasks", "waiting_timers", "documents"]

    def get_documents(self, obj) -> list[dict]:
        return DocumentSerializer(case_documents(obj), many=True).data

    def get_open_tasks(self, obj) -> list:
        return TaskSerializer(case_open_tasks(obj), many=True, context=self.context).data

    def get_waiting_timers(self, obj) -> list:
        return TimerSerializer(obj.timers.filter(status__in=["waiting", "failed"]).order_by("due_at"), many=True).data


class CaseCreateSerializer(serializers.Serializer):
    process = serializers.CharField(max_length=100)
    organization = serializers.IntegerField()
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    subject_member = serializers.IntegerField(required=False, allow_null=True, default=None)
    business_key = serializers.CharField(required=False, allow_blank=True, default="",
                                         max_length=200)
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


class AuditEventSerializer(serializers.ModelSerializer):
    """An event from `workflows.selectors.case_history_for`: `actor_roles` is the role the actor
    acted in, labelled, limited to organizations the reader can see."""
    task = serializers.IntegerField(source="task_id", allow_null=True)
    task_name = LabelField()
    on_behalf_of = serializers.CharField(source="on_behalf_of_name")
    actor_display = serializers.SerializerMethodField()
    actor_roles = ActedAsSerializer(source="acted_as", many=True, read_only=True)
    acted_as_display = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = ["id", "seq", "created_at", "action", "actor_name", "on_behalf_of",
                  "actor_display", "actor_roles", "acted_as_display", "task", "task_name", "data",
                  "prev_hash", "hash"]

    def get_actor_display(self, obj) -> str:
        """"committee_a（代 sec_a）" when a delegate acted on behalf of the holder."""
        return actor_display(obj.actor_name, obj.on_behalf_of_name)

    def get_acted_as_display(self, obj) -> str:
        """"软件工程教工党支部 支部书记": the role acted in, where the reader can see it."""
        roles = getattr(obj, "acted_as", [])
        return "、".join(f"{r['organization_name']} {r['role_display']}" for r in roles)


def actor_display(actor_name: str, on_behalf_of_name: str) -> str:
    from django.utils.translation import gettext

    if on_behalf_of_name:
        return gettext("%(actor)s（代 %(holder)s）") % {"actor": actor_name, "holder": on_behalf_of_name}
    return actor_name


class CaseAccessSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseAccess
        fields = ["id", "username", "view", "created_at"]


class RecordEventSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(read_only=True)

    class Meta:
        model = RecordEvent
        fields = ["seq", "created_at", "actor", "actor_name", "actor_roles", "action", "entity", "entity_id",
                  "entity_label", "organization_id", "organization_name", "data", "hash"]


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
    delegate_username = serializers.CharField(source="delegate.username", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = ["id", "delegator", "delegate", "delegate_username", "slots", "starts_at", "ends_at", "process_id", "task", "reason",
                  "revoked_at", "created_at", "active"]

    def get_active(self, obj) -> bool:
        from django.utils import timezone

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
        fields = ["id", "kind", "kind_display", "subject", "message", "task", "case", "due_at", "created_at", "read_at", "emailed_at"]

    def get_subject(self, obj) -> str:
        return render(obj.kind, obj.params)[0]

    def get_message(self, obj) -> str:
        return render(obj.kind, obj.params)[1]

    def get_due_at(self, obj) -> str | None:
        return obj.params.get("due_at")


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
        for item in out["open_tasks"] + out["evidence"]:
            item["name"] = label(item["name"])
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
    from django.utils import timezone


    return {
        "case": CaseSerializer(case).data,
        "verification": verify_case(case.pk).as_dict(),
        "events": AuditEventSerializer(case_history_for(reader, case), many=True).data,
        "documents": DocumentSerializer(case_documents(case), many=True).data,
        "exported_at": serializers.DateTimeField().to_representation(timezone.now()),
    }


def history_report_html(case, request) -> str:
    import json

    from django.template.loader import render_to_string
    from django.utils import timezone

    body = history_export(case, request.user)
    for e in body["events"]:
        e["data_json"] = json.dumps(e["data"], ensure_ascii=False, indent=1)
    return render_to_string("api/case_report.html", {"case": case, "verification": body["verification"], "events": body["events"],
                                                     "documents": body["documents"], "now": timezone.now(), "user": request.user})
