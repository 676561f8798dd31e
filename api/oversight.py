"""Oversight across branches: committee terms (/api/branch-terms/), weak-branch identification and
list (P4: /api/branch-identification/, /api/weak-branches/), organizational-life compliance (P5:
/api/compliance/, its Excel export)."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.rules import deployment_rule_set
from organizations.selectors import organization_in_scope
from oversight.compliance import Period, compliance_table
from oversight.export import compliance_workbook
from oversight.selectors import (
    SIGNAL_LABELS,
    branch_terms,
    weak_branch_identification,
    weak_branches,
)
from oversight.services import identification_run
from workflows.replica import reads_from_replica

from .params import int_param, organization_param


class BranchTermSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    name = serializers.CharField()
    term_start = serializers.DateField(allow_null=True)
    term_end = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    days_overdue = serializers.IntegerField()
    days_left = serializers.IntegerField(allow_null=True)
    dues_tracked_since = serializers.DateField(allow_null=True)
    dues_judged = serializers.BooleanField()


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


class BranchTermView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=BranchTermSerializer(many=True),
    )
    def get(self, request) -> Response:
        """Every branch in the organization's subtree with its committee term, end date and whether it
        is overdue; since when it keeps its dues here and whether the self-lapse check can judge its
        members on dues (false: the branch has no dues start date, or one inside the window)."""

        return Response(
            BranchTermSerializer(branch_terms(organization_param(request)), many=True).data
        )


class WeakBranchIdentificationView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=IdentificationSerializer(many=True),
    )
    def get(self, request) -> Response:
        """P4 step 1: the branches in the subtree showing a weak-branch signal, with the evidence for each."""

        return Response(
            IdentificationSerializer(
                weak_branch_identification(
                    organization_param(request), rules=deployment_rule_set()
                ),
                many=True,
            ).data
        )

    @extend_schema(request=IdentificationRunSerializer, responses=IdentificationRunResultSerializer)
    def post(self, request) -> Response:
        """The committee's on-demand identification: opens a designation task in its inbox per flagged branch."""

        body = IdentificationRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = organization_in_scope(request.user, body.validated_data["organization"])
        return Response(
            IdentificationRunResultSerializer(
                identification_run(actor=request.user, organization=org)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class WeakBranchListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int)],
        responses=WeakBranchSerializer(many=True),
    )
    def get(self, request) -> Response:
        """The weak-branch list in the caller's scope: status, plan deadline, adjustments, progress reports."""

        org = int_param(request, "organization")
        qs = weak_branches(
            request.user, organization=organization_in_scope(request.user, org) if org else None
        )
        return Response(WeakBranchSerializer(qs.prefetch_related("reports"), many=True).data)


def _compliance(request):
    org = organization_param(request)
    period = Period.parse(request.query_params.get("period"))
    return period, compliance_table(org, period, rules=deployment_rule_set())


class ComplianceView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("organization", int, required=True),
            OpenApiParameter("period", str, required=True, description="2026, 2026-Q2 or 2026-05"),
        ],
        responses={200: {"type": "array", "items": {"type": "object"}}},
    )
    @reads_from_replica()
    def get(self, request) -> Response:
        """Per branch of the subtree, per P5 obligation: met / due / missed for the period, with the records that prove it."""
        return Response(_compliance(request)[1])


class ComplianceExportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("organization", int, required=True),
            OpenApiParameter("period", str, required=True),
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes
        },
    )
    @reads_from_replica()
    def get(self, request) -> Response:
        """The compliance table as an Excel workbook: one row per branch and obligation."""

        period, rows = _compliance(request)
        response = HttpResponse(
            compliance_workbook(rows, period),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="compliance-{period}.xlsx"'
        return response
