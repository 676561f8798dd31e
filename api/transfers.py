"""P7 graduation batches: /api/transfers/graduation/preview/ (the organization department uploads
the graduates' list and sees what each row would do), /api/transfers/graduation/ (start them all,
all or none; the list of batches), /api/transfers/graduation/<batch>/ (progress; `?export=csv`)."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import Forbidden
from engine.i18n import _
from organizations.selectors import is_org_department
from procedures.transfer.batch import (
    graduation_preview,
    graduation_start,
    graduation_summary,
    recent_batches,
    summary_csv,
)

from .parsers import FormParser, MultiPartParser


class GraduatesFileSerializer(serializers.Serializer):
    file = serializers.FileField()


def _upload(request):
    if not is_org_department(request.user):
        raise Forbidden(_("只有组织部可以批量发起毕业生组织关系转接。"), code="org_department_only")
    body = GraduatesFileSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data["file"]


class GraduationPreviewView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": GraduatesFileSerializer}, responses=dict)
    def post(self, request) -> Response:
        """What each row of the graduates' list would start (a letter, or retention for the
        committee), or why it cannot; writes nothing."""
        return Response(graduation_preview(actor=request.user, file=_upload(request)))


class GraduationBatchView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="transfers_graduation_list", responses=dict)
    def get(self, request) -> Response:
        """The graduation batches in scope, newest first."""
        return Response(recent_batches(request.user))

    @extend_schema(request={"multipart/form-data": GraduatesFileSerializer}, responses={201: dict})
    def post(self, request) -> Response:
        """Start every row's transfer out in one request, all or none (400 `batch_rows_invalid`
        with the row-by-row preview in `details.preview`)."""
        result = graduation_start(actor=request.user, file=_upload(request))
        return Response(result, status=status.HTTP_201_CREATED)


class GraduationSummaryView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("export", str, enum=["csv"], description="csv: download")],
        responses=dict,
    )
    def get(self, request, batch: str) -> Response | HttpResponse:
        """The batch's progress in scope: letters issued, receipts returned, retained, overdue,
        and each member's line."""
        summary = graduation_summary(actor=request.user, batch=batch)
        if request.query_params.get("export") == "csv":
            response = HttpResponse(summary_csv(summary), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="graduation-{batch}.csv"'
            return response
        return Response(summary)
