"""Adopting partyflow: /api/onboarding/import/ (the organization department imports an office's
workbook, with a dry-run preview), /api/onboarding/export/ (the same format),
/api/onboarding/statistics/ (党内统计 as Excel) and /api/onboarding/flags/ (imported cases whose
dates break a rule)."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import Forbidden, NotFound
from engine.i18n import _
from onboarding import selectors
from onboarding.export import export_workbook
from onboarding.services import import_scope, onboarding_import
from organizations.selectors import is_org_department, root_organization
from oversight.party_statistics.selectors import Statistics, default_cutoff
from workflows.replica import reads_from_replica

from .params import int_param, organization_param
from .parsers import FormParser, MultiPartParser
from .statistics import statistics_file_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_org_department(user) -> None:
    if not is_org_department(user):
        raise Forbidden(_("只有组织部可以导入或导出党员信息。"), code="org_department_only")


class OnboardingImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class OnboardingImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "dry_run", bool, description="1: check and preview row by row, write nothing"
            ),
            OpenApiParameter(
                "root",
                int,
                description="the root organization (university) imported into, when the workbook"
                " has no root row and the caller administers several",
            ),
        ],
        request={"multipart/form-data": OnboardingImportSerializer},
        responses={200: dict, 201: dict},
    )
    def post(self, request) -> Response:
        """Import an onboarding workbook (organizations, members, officers and terms, development
        ledger): all rows or none. `?dry_run=1` previews what each row would do (200); an import
        answers 201 with the same report, or 400 `import_rows_invalid` with every error in
        `details.report` (sheet, row, column, rule) and nothing written. One workbook is one
        university: its root row names it, else `?root=`, else the caller's one university."""
        _require_org_department(request.user)
        body = OnboardingImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dry_run = str(request.query_params.get("dry_run", "")).lower() in ("1", "true", "yes")
        upload = body.validated_data["file"]
        root = int_param(request, "root")
        report = onboarding_import(
            actor=request.user,
            file=upload,
            dry_run=dry_run,
            source_name=upload.name,
            root=root_organization(root) if root is not None else None,
        )
        return Response(
            report.as_dict(), status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED
        )


def _xlsx(write, root, filename: str) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    write(response, root=root)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class OnboardingExportView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses={(200, XLSX): bytes},
    )
    @reads_from_replica()
    def get(self, request) -> HttpResponse:
        """The organization's subtree in the import's format (personal data in full: the
        organization department only). Importing it back changes nothing."""
        _require_org_department(request.user)
        root = organization_param(request)
        scope = import_scope(request.user)
        if scope is not None and not any(root.path.startswith(p) for p in scope):
            raise NotFound(_("组织不存在。"), code="organization_not_found")
        return _xlsx(export_workbook, root, f"partyflow-export-{root.code or root.pk}.xlsx")


class OnboardingStatisticsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses={(200, XLSX): bytes},
    )
    def get(self, request) -> HttpResponse:
        """党内统计 for the organization's subtree as Excel, as of 12-31 of this year: the same
        workbook as /api/statistics/export/ (which takes any cut-off and PDF)."""
        root = organization_param(request)
        return statistics_file_response(Statistics(root, default_cutoff()), "xlsx")


class ImportFlagSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    process = serializers.CharField()
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    subject_member = serializers.IntegerField(allow_null=True)
    subject = serializers.CharField()
    stage = serializers.CharField()
    flags = serializers.ListField(child=serializers.DictField())
    imported = serializers.DictField()


class ImportFlagsView(APIView):
    @extend_schema(responses=ImportFlagSerializer(many=True))
    def get(self, request) -> Response:
        """Running cases in scope whose imported dates already break a rule, with each rule."""
        return Response(selectors.import_flags_visible(request.user))
