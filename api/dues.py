"""Party dues (党费): the yearly assessment of each member (bulk entry, payroll import), the hardship
relief the branch submits and the higher committee decides, the branch's monthly collection with
its 补交 window, each member's paid-through month, and the remittance summary of a college or the
university by month (JSON and Excel). Reads scoped; out of scope answers not found."""

import datetime as dt

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.calendar import RECORD_YEARS
from engine.errors import NotFound, ValidationFailed
from engine.i18n import _
from organizations.selectors import members_visible, organization_in_scope, scope_q
from orglife import dues_selectors, dues_services
from orglife.dues_export import remittance_workbook
from orglife.models import DuesAssessment
from procedures import dues_relief

from .params import member_in_body, required_int_param, year_param
from .parsers import FormParser, MultiPartParser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _money(value) -> str | None:
    return None if value is None else str(value)


def _month_param(request, name="month") -> dt.date:
    value = request.query_params.get(name) if hasattr(request, "query_params") else None
    return _month(value, name)


def _month(value, name="month") -> dt.date:
    try:
        year, month = (int(p) for p in str(value).split("-"))
        if year not in RECORD_YEARS:
            raise ValueError
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("参数 %(n)s 须为月份（YYYY-MM）。") % {"n": name},
            code="invalid_parameter",
            fields={name: [_("须为 YYYY-MM")]},
        ) from None


def assessment_json(a: DuesAssessment | None) -> dict | None:
    if a is None:
        return None
    return {
        "id": a.pk,
        "member": a.member_id,
        "member_name": a.member.name,
        "year": a.year,
        "category": a.category,
        "category_display": str(a.get_category_display()),
        "base": _money(a.base),
        "rate": _money(a.rate),
        "computed": _money(a.computed),
        "monthly_due": _money(a.monthly_due),
        "year_due": _money(a.year_due),
        "relief": a.relief,
        "relief_display": str(a.get_relief_display()) if a.relief else "",
        "relief_amount": _money(a.relief_amount),
        "relief_reason": a.relief_reason,
        "relief_months": {
            "from": a.relief_from and a.relief_from.strftime("%Y-%m"),
            "until": a.relief_until and a.relief_until.strftime("%Y-%m"),
        }
        if a.relief_from or a.relief_until
        else None,
        "relief_status": a.relief_status,
        "relief_status_display": str(a.get_relief_status_display()) if a.relief_status else "",
        "relief_decided_on": a.relief_decided_on,
        "relief_note": a.relief_note,
        "rule_set": a.rule_set,
        "source": a.source,
    }


class AssessmentRowSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    category = serializers.CharField(max_length=16)
    base = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)


class AssessmentsSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField(min_value=RECORD_YEARS[0], max_value=RECORD_YEARS[-1])
    rows = AssessmentRowSerializer(many=True, allow_empty=False)


class PayrollImportSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    year = serializers.IntegerField(min_value=RECORD_YEARS[0], max_value=RECORD_YEARS[-1])
    file = serializers.FileField()


class ReliefSerializer(serializers.Serializer):
    relief = serializers.ChoiceField(choices=["reduced", "exempt"])
    reason = serializers.CharField(max_length=300)
    amount = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)
    # the months of the year it covers, {"from": "2027-03", "until": "2027-12"}; none: the year
    months = serializers.DictField(
        child=serializers.CharField(max_length=7, allow_null=True), required=False, allow_null=True
    )


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CollectSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": _("须为 YYYY-MM")}
    )
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)


def _assessment_in_scope(user, pk) -> DuesAssessment:
    a = (
        DuesAssessment.objects.filter(scope_q(user, "member__organization__path"), pk=pk)
        .select_related("member", "member__organization", "member__organization__parent")
        .first()
    )
    if a is None:
        raise NotFound(_("党费核定记录不存在。"), code="dues_assessment_not_found")
    return a


def _sheet_json(sheet: dict) -> dict:
    return {
        "organization": sheet["branch"].pk,
        "organization_name": sheet["branch"].name,
        "year": sheet["year"],
        "rows": [
            {"member": r["member"].pk, "member_name": r["member"].name}
            | {"assessment": assessment_json(r["assessment"])}
            for r in sheet["rows"]
        ],
    }


class DuesAssessmentsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int), OpenApiParameter("year", int)],
        responses={200: dict},
    )
    def get(self, request) -> Response:
        """A branch's 年度核定表: every paying member with the year's assessment (null: not yet)."""
        sheet = dues_selectors.dues_assessment_sheet(
            request.user,
            organization_id=required_int_param(request, "organization"),
            year=year_param(request, required=True),
        )
        return Response(_sheet_json(sheet))

    @extend_schema(request=AssessmentsSerializer, responses={201: dict})
    def post(self, request) -> Response:
        """Set the year's category and base of members of a branch: all rows or none."""
        body = AssessmentsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        org = organization_in_scope(request.user, d["organization"])
        saved = dues_services.dues_assessments_set(
            actor=request.user,
            organization=org,
            year=d["year"],
            rows=[dict(r) for r in d["rows"]],
        )
        return Response(
            {"saved": [assessment_json(a) for a in saved]}, status=status.HTTP_201_CREATED
        )


class DuesPayrollImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": PayrollImportSerializer}, responses={201: dict})
    def post(self, request) -> Response:
        """The year's bases from a payroll workbook (岗位工资 + 薪级工资 + 基础性绩效 + 津贴补贴 −
        insurances, 年金, 公积金, 所得税), all rows or none."""
        body = PayrollImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        org = organization_in_scope(request.user, d["organization"])
        saved = dues_services.dues_payroll_import(
            actor=request.user, organization=org, year=d["year"], file=d["file"]
        )
        return Response(
            {"saved": [assessment_json(a) for a in saved]}, status=status.HTTP_201_CREATED
        )


class DuesReliefView(APIView):
    @extend_schema(request=ReliefSerializer, responses={200: dict})
    def post(self, request, pk: int) -> Response:
        """The branch submits a member's 少交 or 免交 application to the higher committee: a case
        of the relief procedure (`case` in the answer), decided in the committee's inbox."""
        body = ReliefSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = _assessment_in_scope(request.user, pk)
        case = dues_relief.dues_relief_start(
            actor=request.user, assessment=assessment, **body.validated_data
        )
        assessment.refresh_from_db()
        return Response({**assessment_json(assessment), "case": case.pk})


class DuesReliefDecisionView(APIView):
    @extend_schema(request=DecisionSerializer, responses={200: dict})
    def post(self, request, pk: int) -> Response:
        """The higher committee approves or refuses a pending 少交/免交 application (the case's
        inbox task)."""
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        a = dues_relief.dues_relief_case_decide(
            actor=request.user,
            assessment=_assessment_in_scope(request.user, pk),
            **body.validated_data,
        )
        return Response(assessment_json(a))


class DuesReliefsPendingView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request) -> Response:
        """少交/免交 applications waiting for a committee, in the caller's scope."""
        return Response(
            {
                "results": [
                    assessment_json(a) for a in dues_selectors.dues_reliefs_pending(request.user)
                ]
            }
        )


class DuesCollectionView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int), OpenApiParameter("month", str)],
        responses={200: dict},
    )
    def get(self, request) -> Response:
        """A branch's collection sheet for a month: who paid, the amount due, 补交, paid-through."""
        sheet = dues_selectors.dues_collection(
            request.user,
            organization_id=required_int_param(request, "organization"),
            month=_month_param(request),
        )
        return Response(
            {
                "organization": sheet["branch"].pk,
                "organization_name": sheet["branch"].name,
                "month": sheet["month"].strftime("%Y-%m"),
                "late_window_from": sheet["window_from"].strftime("%Y-%m"),
                "due_total": _money(sheet["due_total"]),
                "paid_total": _money(sheet["paid_total"]),
                "paid_count": sheet["paid_count"],
                "rows": [
                    {
                        "member": r["member"].pk,
                        "member_name": r["member"].name,
                        "category": r["assessment"].category if r["assessment"] else None,
                        "due": _money(r["due"]),
                        "state": r["state"],
                        "paid": _money(r["payment"].amount) if r["payment"] else None,
                        "paid_on": r["payment"].paid_on if r["payment"] else None,
                        "late": r["late"],
                        "paid_through": r["paid_through"].strftime("%Y-%m")
                        if r["paid_through"]
                        else None,
                    }
                    for r in sheet["rows"]
                ],
            }
        )


class DuesCollectView(APIView):
    @extend_schema(request=CollectSerializer, responses={201: dict})
    def post(self, request) -> Response:
        """Record that a member paid a month's dues at the assessed amount (补交 within the window)."""
        body = CollectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        member = member_in_body(request.user, d["member"])
        p = dues_services.dues_collect(
            actor=request.user, member=member, month=_month(d["month"]), paid_on=d["paid_on"]
        )
        return Response(
            {
                "member": member.pk,
                "member_name": member.name,
                "month": p.month.strftime("%Y-%m"),
                "amount": _money(p.amount),
                "paid_on": p.paid_on,
                "late": p.paid_on.replace(day=1) > p.month,
                "paid_through": dues_selectors.member_paid_through(member).strftime("%Y-%m"),
            },
            status=status.HTTP_201_CREATED,
        )


class DuesPaidThroughView(APIView):
    @extend_schema(parameters=[OpenApiParameter("member", int)], responses={200: dict})
    def get(self, request) -> Response:
        """A member's paid-through month (党费交至), null when nothing is recorded."""
        member = (
            members_visible(request.user).filter(pk=required_int_param(request, "member")).first()
        )
        if member is None:
            raise NotFound(_("党员不存在。"), code="member_not_found")
        through = dues_selectors.member_paid_through(member)
        return Response(
            {
                "member": member.pk,
                "member_name": member.name,
                "paid_through": through.strftime("%Y-%m") if through else None,
            }
        )


def _remittance(request) -> dict:
    return dues_selectors.dues_remittance(
        request.user,
        organization_id=required_int_param(request, "organization"),
        year=year_param(request, required=True),
    )


def _month_amounts(cells) -> list[dict]:
    """A remittance's months (the committee's totals or one branch's row) as the API gives them."""
    return [
        {
            "month": c["month"].strftime("%Y-%m"),
            "due": _money(c["due"]),
            "amount": _money(c["amount"]),
            "count": c["count"],
        }
        for c in cells
    ]


class DuesRemittanceView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int), OpenApiParameter("year", int)],
        responses={200: dict},
    )
    def get(self, request) -> Response:
        """The remittance summary of a committee (college or university) by month and branch."""
        s = _remittance(request)
        return Response(
            {
                "organization": s["organization"].pk,
                "organization_name": s["organization"].name,
                "year": s["year"],
                "year_due": _money(s["year_due"]),
                "year_total": _money(s["year_total"]),
                "months": _month_amounts(s["month_totals"]),
                "branches": [
                    {
                        "organization": r["branch"].pk,
                        "name": r["branch"].name,
                        "parent_name": r["college"],
                        "year_due": _money(r["year_due"]),
                        "year_total": _money(r["year_total"]),
                        "months": _month_amounts(r["cells"]),
                    }
                    for r in s["rows"]
                ],
            }
        )


class DuesRemittanceExportView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int), OpenApiParameter("year", int)],
        responses={(200, XLSX): bytes},
    )
    def get(self, request) -> HttpResponse:
        """The remittance summary as an Excel workbook (text cells never read as formulas)."""
        s = _remittance(request)
        response = HttpResponse(remittance_workbook(s), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            True, f"党费上缴汇总-{s['organization'].name}-{s['year']}.xlsx"
        )
        return response
