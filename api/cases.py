"""Processes and cases (/api/processes/, /api/cases/): start, read, cancel, the case's documents
and evidence, and its history with its export and printable report (built in `api.history`)."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer, StaticHTMLRenderer
from rest_framework.response import Response

from engine.errors import Forbidden, ValidationFailed
from engine.i18n import _
from organizations.selectors import is_org_department
from workflows import display, selectors, services
from workflows.archive import case_timers
from workflows.audit import verify_case
from workflows.labels import label
from workflows.models import Case, ProcessVersion, Timer
from workflows.selectors import (
    case_data_display,
    case_documents,
    case_history_for,
    case_open_tasks,
    history_names,
)

from .documents import DocumentSerializer, DocumentUploadSerializer
from .fields import LabelField
from .history import (
    AuditEventSerializer,
    AuditVerificationSerializer,
    CaseAccessSerializer,
    history_report_html,
)
from .params import date_param, int_param, text_param
from .parsers import FormParser, MultiPartParser
from .renderers import CSVRenderer
from .tasks import OpenTaskSerializer, open_tasks_with_holders


class ProcessSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="process_id")
    name = LabelField()

    class Meta:
        model = ProcessVersion
        fields = ["id", "name", "version", "documentation", "deployed_at"]


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
        return case_data_display(obj, self.context["request"].user)

    def get_documents(self, obj) -> list[dict]:
        return DocumentSerializer(case_documents(obj), many=True).data

    @extend_schema_field(OpenTaskSerializer(many=True))
    def get_open_tasks(self, obj) -> list:
        return open_tasks_with_holders(case_open_tasks(obj), self.context.get("now"))[0]

    def get_waiting_timers(self, obj) -> list:
        return TimerSerializer(
            case_timers(obj).filter(status__in=["waiting", "failed"]).order_by("due_at"),
            many=True,
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


class ProcessViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ProcessSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet:
        return selectors.processes_current()


@extend_schema(
    parameters=[
        OpenApiParameter("process", str),
        OpenApiParameter("organization", int),
        OpenApiParameter("status", str),
        OpenApiParameter("subject", str, description="part of the subject or of the member's name"),
        OpenApiParameter("started_from", OpenApiTypes.DATE),
        OpenApiParameter("started_to", OpenApiTypes.DATE),
    ]
)
class CaseViewSet(viewsets.GenericViewSet):
    serializer_class = CaseSerializer
    queryset = Case.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def list(self, request) -> Response:
        qs = selectors.cases_visible(
            request.user,
            process=request.query_params.get("process"),
            organization=int_param(request, "organization"),
            status=request.query_params.get("status"),
            subject=text_param(request, "subject"),
            started_from=date_param(request, "started_from"),
            started_to=date_param(request, "started_to"),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(CaseSerializer(page, many=True).data)

    def _read(self, request, pk, view):
        """The case in the caller's scope (else 404), the read logged when the caller is an auditor."""
        case = selectors.case_for_user(request.user, pk)
        services.case_access_record(actor=request.user, case=case, view=view)
        return case

    @extend_schema(responses=CaseDetailSerializer)
    def retrieve(self, request, pk=None) -> Response:
        case = self._read(request, pk, "detail")
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer})
    def create(self, request) -> Response:
        body = CaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        case = services.case_start_in_scope(
            actor=request.user,
            process_id=d["process"],
            organization_id=d["organization"],
            subject_member_id=d.get("subject_member"),
            subject=d["subject"],
            data=d["data"],
            business_key=d["business_key"],
        )
        case = selectors.case_for_user(request.user, case.pk)
        return Response(
            CaseDetailSerializer(case, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None) -> Response:
        case = self._read(request, pk, "history")
        events = selectors.case_history_for(request.user, case)
        return Response(
            AuditEventSerializer(
                events, many=True, context={"names": selectors.history_names(case, events)}
            ).data
        )

    @extend_schema(responses=EvidenceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def evidence(self, request, pk=None) -> Response:
        """Every structured record and attached document id the case's steps produced (佐证资料)."""
        case = selectors.case_for_user(request.user, pk)
        return Response(EvidenceSerializer(selectors.case_evidence(case), many=True).data)

    @extend_schema(
        responses={
            (200, "application/json"): HistoryExportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        parameters=[
            OpenApiParameter(
                "format", str, enum=["json", "csv"], description="json (default) or csv"
            )
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="history/export",
        renderer_classes=[JSONRenderer, CSVRenderer],
    )
    def history_export(self, request, pk=None) -> Response:
        """The case's full history for auditors: the case, the chain verification, every event with the
        data submitted, and the documents; `?format=csv` gives one row per event."""
        fmt = "csv" if isinstance(request.accepted_renderer, CSVRenderer) else "json"
        case = self._read(request, pk, f"export_{fmt}")
        body = history_export(case, request.user)
        response = Response(body)
        response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-history.{fmt}"'
        return response

    @extend_schema(responses={(200, "text/html"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], renderer_classes=[StaticHTMLRenderer])
    def report(self, request, pk=None) -> Response:
        """A printable HTML report of the case's timeline (events, data, documents, chain verification)."""
        case = self._read(request, pk, "report")
        return Response(history_report_html(case, request))

    @extend_schema(responses=CaseAccessSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="access-log", pagination_class=None)
    def access_log(self, request, pk=None) -> Response:
        """Who of the auditors read this case, when, and what (organization department only)."""
        case = selectors.case_for_user(request.user, pk)
        if not is_org_department(request.user):
            raise Forbidden(_("只有组织部可以查看访问记录。"), code="access_log_not_allowed")
        return Response(CaseAccessSerializer(selectors.case_accesses(case), many=True).data)

    @extend_schema(methods=["GET"], responses=DocumentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def documents(self, request, pk=None) -> Response:
        """The case's documents (evidence); POST multipart `file` (+ `task`, `description`) to attach one."""
        if request.method == "GET":
            case = self._read(request, pk, "documents")
            return Response(DocumentSerializer(selectors.case_documents(case), many=True).data)
        case = selectors.case_for_user(request.user, pk)
        body = DocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        task = None
        if d.get("task") is not None:
            task = case.tasks.filter(pk=d["task"]).first()
            if task is None:
                raise ValidationFailed(
                    _("任务不属于该流程。"),
                    code="task_not_in_case",
                    fields={"task": [_("不属于该流程")]},
                )
        doc = services.document_upload(
            actor=request.user, case=case, file=d["file"], task=task, description=d["description"]
        )
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, mime): OpenApiTypes.BINARY for mime in settings.PARTYFLOW["UPLOAD_CONTENT_TYPES"]
        }
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]+)")
    def document_download(self, request, pk=None, document_id=None) -> Response:
        """The file's bytes, with the content type sniffed at upload (scoped like the case)."""
        doc = selectors.document_for_user(request.user, pk, document_id)
        services.case_access_record(actor=request.user, case=doc.case, view="document_download")
        response = HttpResponse(bytes(doc.content), content_type=doc.content_type)
        response["Content-Disposition"] = content_disposition_header(True, doc.filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(responses=AuditVerificationSerializer)
    @action(detail=True, methods=["get"], url_path="audit-verification")
    def audit_verification(self, request, pk=None) -> Response:
        """Walk the case's tamper-evident audit chain: ok, or the first event altered, deleted or reordered."""

        case = self._read(request, pk, "verification")
        return Response(verify_case(case.pk).as_dict())

    @extend_schema(request=CaseCancelSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        case = selectors.case_for_user(request.user, pk)
        body = CaseCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.case_cancel(
            actor=request.user, case=case, reason=body.validated_data["reason"]
        )
        return Response(
            CaseDetailSerializer(
                selectors.case_for_user(request.user, case.pk),
                context=self.get_serializer_context(),
            ).data
        )
