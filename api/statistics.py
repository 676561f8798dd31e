"""党内统计: /api/statistics/ (the tables of an organization's subtree for a cut-off date, with
the checks naming the people behind each difference and the differences against the filed tables),
/api/statistics/cell/ (the people or organizations one cell counts), /api/statistics/export/
(Excel or PDF) and /api/statistics/filings/ (freeze a cut-off's tables as filed)."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.selectors import organization_in_scope
from oversight.party_statistics.export import statistics_workbook
from oversight.party_statistics.selectors import (
    Statistics,
    cell_view,
    parse_cutoff,
    statistics_view,
)
from oversight.party_statistics.services import statistics_file
from printing.party_statistics import statistics_pdf
from workflows.replica import reads_from_replica

from .documents import _FileFormat
from .params import organization_param, text_param

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
ORG = OpenApiParameter("organization", int, required=True)
CUTOFF = OpenApiParameter("cutoff", str, description="YYYY-MM-DD (default: 12-31 of this year)")


def _stats(request) -> Statistics:
    root = organization_param(request)
    return Statistics(root, parse_cutoff(request.query_params.get("cutoff")))


def statistics_file_response(stats: Statistics, fmt: str | None) -> HttpResponse:
    """The tables as a download: `xlsx` (default) or `pdf`; anything else is a 400 naming `format`."""
    fmt = fmt or "xlsx"
    name = f"党内统计-{stats.root.code or stats.root.pk}-{stats.comp.cutoff.isoformat()}"
    if fmt == "xlsx":
        response = HttpResponse(statistics_workbook(stats), content_type=XLSX)
    elif fmt == "pdf":
        response = HttpResponse(statistics_pdf(stats), content_type=PDF)
    else:
        raise ValidationFailed(
            _("导出格式须为 xlsx 或 pdf。"),
            code="invalid_parameter",
            fields={"format": [_("须为 xlsx 或 pdf")]},
        )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


class StatisticsView(APIView):
    @extend_schema(parameters=[ORG, CUTOFF], responses=dict)
    @reads_from_replica()
    def get(self, request) -> Response:
        """The tables keyed by name (rows, columns, numbers), the failed checks with the people
        behind each difference (all checks run; `checks_total`), the settings in force, and when
        the cut-off was filed, the differences against the filed tables."""
        return Response(statistics_view(_stats(request)))


class StatisticsCellView(APIView):
    @extend_schema(
        parameters=[
            ORG,
            CUTOFF,
            OpenApiParameter("table", str, required=True),
            OpenApiParameter("row", str, required=True),
            OpenApiParameter("col", str, required=True),
        ],
        responses=dict,
    )
    @reads_from_replica()
    def get(self, request) -> Response:
        """The people (or organizations) one cell counts, by name with their branch."""
        return Response(
            cell_view(
                _stats(request),
                text_param(request, "table") or "",
                text_param(request, "row") or "",
                text_param(request, "col") or "",
            )
        )


class StatisticsExportView(APIView):
    # `?format=` is the file's format here, not DRF's renderer override: errors stay JSON.
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = _FileFormat

    @extend_schema(
        parameters=[
            ORG,
            CUTOFF,
            OpenApiParameter("format", str, description="xlsx (default) or pdf"),
        ],
        responses={(200, XLSX): bytes, (200, PDF): bytes},
    )
    @reads_from_replica()
    def get(self, request) -> HttpResponse:
        """The tables in their layout with the checks and settings, as Excel or PDF."""
        return statistics_file_response(_stats(request), request.query_params.get("format"))


class FilingSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    cutoff = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StatisticsFilingView(APIView):
    @extend_schema(request=FilingSerializer, responses={201: dict})
    def post(self, request) -> Response:
        """Freeze the tables of the organization as of the cut-off as filed (the organization
        department or the organization's committee; 409 when that cut-off is filed already)."""
        body = FilingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = organization_in_scope(request.user, body.validated_data["organization"])
        filing = statistics_file(
            actor=request.user,
            organization=org,
            cutoff=body.validated_data["cutoff"],
            note=body.validated_data.get("note", ""),
        )
        return Response(
            {
                "id": filing.pk,
                "organization": org.pk,
                "organization_name": org.name,
                "cutoff": filing.cutoff.isoformat(),
                "filed_at": filing.filed_at.isoformat(),
                "members": filing.values["membership_change"]["16|count"],
            },
            status=status.HTTP_201_CREATED,
        )
