"""Tasks (/api/tasks/): the inbox, a task with what the user reads on it, claim, unclaim and
complete. Task rows are built once per list (`inbox_rows`), in `TaskSerializer`'s shape."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engine.errors import ValidationFailed
from engine.i18n import _
from forms.validation import load_schema
from notifications import selectors as notification_selectors
from workflows import display, selectors, services
from workflows.assignment import LANE_LABELS
from workflows.guides import task_guide
from workflows.labels import label, localize_schema
from workflows.models import Task, TaskStatus
from workflows.registry import context_for
from workflows.selectors import INBOX_FIELDS, case_data_display, case_open_tasks, tasks_with_holders

from .fields import LabelField
from .params import bool_param, int_param


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
                **{f: getattr(t, f) for f in INBOX_FIELDS},
                "assignee_organization_name": names.get(t.assignee_organization_id),
                "organization_name": names.get(t.case_organization_id),
                "holder": holder.get_username() if holder else None,
                "holder_first_name": holder.first_name if holder else None,
                "holder_last_name": holder.last_name if holder else None,
            }
        )
    return inbox_rows(rows, now)


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
    facts = serializers.SerializerMethodField(
        help_text="what the step decides on, in words: [{key, title, items: [{label, value}], "
        "columns, rows}] (the tally and the elected, each candidate's record, why a branch was "
        "designated); [] once the step is closed"
    )
    completed_by = serializers.SerializerMethodField()
    completed_by_name = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + [
            "documentation",
            "developer_notes",
            "form",
            "context",
            "case_data",
            "facts",
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

    def get_facts(self, obj) -> list[dict]:
        return selectors.task_facts(obj)

    def get_case_data(self, obj) -> dict:
        return case_data_display(obj.case, self.context["request"].user)

    def get_completed_by(self, obj) -> str | None:
        return obj.completed_by.get_username() if obj.completed_by_id else None


class TaskCompleteSerializer(serializers.Serializer):
    data = serializers.JSONField()


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


class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    queryset = Task.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[
            OpenApiParameter("process", str),
            OpenApiParameter("organization", int),
            OpenApiParameter("overdue", bool),
            OpenApiParameter(
                "escalated",
                bool,
                description="overdue tasks of lower organizations escalated to my committee (督办)",
            ),
        ],
        responses=TaskSerializer(many=True),
    )
    def list(self, request) -> Response:
        if bool_param(request, "escalated"):
            qs = notification_selectors.tasks_escalated_to(request.user)
        else:
            qs = selectors.task_inbox(
                request.user,
                process=request.query_params.get("process"),
                organization=int_param(request, "organization"),
                overdue=bool_param(request, "overdue"),
            )
        page = self.paginate_queryset(selectors.inbox_page_values(qs))
        return self.get_paginated_response(inbox_rows(page, timezone.now()))

    @extend_schema(responses=TaskDetailSerializer)
    def retrieve(self, request, pk=None) -> Response:
        task = selectors.task_for_user(request.user, pk)
        services.case_access_record(
            actor=request.user, case=task.case, view="task_detail"
        )  # shows the case's data
        return Response(TaskDetailSerializer(task, context=self.get_serializer_context()).data)

    def _holder_changed(self, request, pk, change) -> Response:
        """Claim or unclaim (`change`), then answer with the task as the user now reads it."""
        task = change(actor=request.user, task=selectors.task_for_user(request.user, pk))
        return Response(
            TaskSerializer(
                selectors.task_for_user(request.user, task.pk),
                context=self.get_serializer_context(),
            ).data
        )

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None) -> Response:
        return self._holder_changed(request, pk, services.task_claim)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def unclaim(self, request, pk=None) -> Response:
        return self._holder_changed(request, pk, services.task_unclaim)

    @extend_schema(request=TaskCompleteSerializer, responses=TaskCompletedSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None) -> Response:
        """Complete the task; the answer is the finished task and the case's next open tasks (what
        they are, who holds them, when they are due)."""
        task = selectors.task_for_user(request.user, pk, related=False)
        if not isinstance(request.data, dict) or "data" not in request.data:
            raise ValidationFailed(
                _('请求体须为 {"data": {...}}。'), code="invalid_body", fields={"data": [_("必填")]}
            )
        task = services.task_complete(actor=request.user, task=task, data=request.data["data"])
        return Response(completed_task_data(task, timezone.now()))
