"""A case's documents (their shape, `DocumentSerializer`; upload and download are actions of
`api.cases.CaseViewSet`) and the printed documents (printing/): generate a case's, a member's or a
meeting's document, or the compliance report, as .docx or PDF; POST stores the generated file as a
case document.

`?format=` names the file format here, not DRF's renderer: the views answer with the file's bytes
themselves and render only errors, always as JSON `{code, message, fields}`."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import ValidationFailed
from engine.i18n import _
from printing.render import DOCX, PDF
from printing.selectors import (
    compliance_report_document,
    document_for_meeting,
    document_for_member,
    generate_for_case,
)
from printing.services import generated_document_store
from workflows import display, selectors, services
from workflows.models import Document
from workflows.replica import reads_from_replica


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


class _FileFormat(DefaultContentNegotiation):
    """JSON for errors whatever `?format=` says (it is the document's format here)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _file(generated) -> HttpResponse:
    response = HttpResponse(generated.content, content_type=generated.content_type)
    response["Content-Disposition"] = content_disposition_header(True, generated.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Document-Template"] = generated.template.name
    response["X-Document-Template-Source"] = generated.template.source
    response["X-Document-Template-SHA256"] = generated.template.sha256
    response["X-Document-SHA256"] = generated.sha256
    return response


def _stored(doc, generated) -> Response:
    body = dict(DocumentSerializer(doc).data)
    body["template"] = {
        "name": generated.template.name,
        "source": generated.template.source,
        "sha256": generated.template.sha256,
    }
    return Response(body, status=status.HTTP_201_CREATED)


def _options(request) -> dict:
    return {key: request.query_params.get(key) for key in ("stage", "start", "branch")}


FILE_RESPONSES = {(200, DOCX): OpenApiTypes.BINARY, (200, PDF): OpenApiTypes.BINARY}
PARAMS = [
    OpenApiParameter(
        "format",
        str,
        enum=["docx", "pdf"],
        description="docx (default for forms) or pdf (notices, audit report)",
    ),
    OpenApiParameter(
        "stage",
        str,
        enum=["activist", "development_object", "probationary", "conversion"],
        description="publication_notice: the stage published (default: the member's next stage)",
    ),
    OpenApiParameter(
        "start",
        str,
        description="publication_notice: first day of publication, YYYY-MM-DD (default today)",
    ),
    OpenApiParameter(
        "branch",
        int,
        description="evaluation_result: the branch of the P6 round (required when it has several)",
    ),
]


class _FileView(APIView):
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = _FileFormat


class CaseDocumentView(_FileView):
    """A case's document: member_record, publication_notice (P1), election_request, election_reply,
    election_report (P2), review_summary (P3), audit_report (any case, PDF)."""

    @extend_schema(parameters=PARAMS, responses=FILE_RESPONSES)
    def get(self, request, pk, kind) -> HttpResponse:
        case = selectors.case_for_user(request.user, pk)
        services.case_access_record(actor=request.user, case=case, view=f"document_{kind}"[:64])
        return _file(
            generate_for_case(
                request.user,
                case,
                kind,
                fmt=request.query_params.get("format"),
                options=_options(request),
            )
        )

    @extend_schema(parameters=PARAMS, request=None, responses={201: DocumentSerializer})
    def post(self, request, pk, kind) -> HttpResponse:
        """Generate and store the file as a case document (its sha256 and template in the audit chain)."""
        case = selectors.case_for_user(request.user, pk)
        generated = generate_for_case(
            request.user,
            case,
            kind,
            fmt=request.query_params.get("format"),
            options=_options(request),
        )
        return _stored(
            generated_document_store(actor=request.user, case=case, generated=generated), generated
        )


class MemberDocumentView(_FileView):
    """A member's 发展党员全程纪实表 (member_record) or 公示 (publication_notice)."""

    @extend_schema(parameters=PARAMS, responses=FILE_RESPONSES)
    def get(self, request, pk, kind) -> HttpResponse:
        generated, _case = document_for_member(
            request.user,
            pk,
            kind,
            fmt=request.query_params.get("format"),
            options=_options(request),
        )
        return _file(generated)

    @extend_schema(parameters=PARAMS, request=None, responses={201: DocumentSerializer})
    def post(self, request, pk, kind) -> HttpResponse:
        """Store it as a document of the member's development case."""
        generated, case = document_for_member(
            request.user,
            pk,
            kind,
            fmt=request.query_params.get("format"),
            options=_options(request),
        )
        if case is None:
            raise ValidationFailed(
                _("该党员没有发展党员流程，文书无处保存。"),
                code="document_needs_case",
                fields={"store": [_("没有可保存到的流程")]},
            )
        return _stored(
            generated_document_store(actor=request.user, case=case, generated=generated), generated
        )


class MeetingDocumentView(_FileView):
    """A meeting's minutes (三会一课记录, kind `minutes`)."""

    @extend_schema(parameters=[PARAMS[0]], responses=FILE_RESPONSES)
    def get(self, request, pk, kind) -> HttpResponse:
        return _file(
            document_for_meeting(request.user, pk, kind, fmt=request.query_params.get("format"))
        )


class ComplianceReportView(_FileView):
    """The compliance report (组织生活制度落实情况报告) of a branch or a subtree for a period."""

    @extend_schema(
        parameters=[
            OpenApiParameter("organization", int, required=True),
            OpenApiParameter("period", str, required=True, description="2026, 2026-Q2 or 2026-05"),
            PARAMS[0],
        ],
        responses=FILE_RESPONSES,
    )
    @reads_from_replica()
    def get(self, request) -> HttpResponse:
        q = request.query_params
        return _file(
            compliance_report_document(
                request.user, q.get("organization"), q.get("period"), fmt=q.get("format")
            )
        )
