"""Organizational-life and dues records (P5): /api/meetings/, /api/dues/, /api/orglife/import/.
Reads are scoped to the caller's organizations; the branch secretary, deputy and committee write."""
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import NotFound, ValidationFailed
from engine.i18n import _
from organizations.selectors import members_visible, organizations_visible
from orglife import selectors, services
from orglife.models import Attendance, DuesPayment, Meeting, MeetingKind
from procedures import democratic_review

from .parsers import FormParser, MultiPartParser
from .views import _int_param


def _year_param(request):
    """`?year=`: a calendar year between 1921 (the Party's founding) and 9999, else 400 naming it."""
    year = _int_param(request, "year")
    if year is not None and not 1921 <= year <= 9999:
        raise ValidationFailed(_("参数 year 须为 1921 至 9999 之间的年份。"), code="invalid_parameter", fields={"year": [_("须为 1921 至 9999 之间的年份")]})
    return year


def _visible_org(user, org_id, field="organization"):
    org = organizations_visible(user).filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed(_("您不能为该组织记录组织生活或党费。"), code="organization_not_in_scope", fields={field: [_("不在您的管理范围内")]})
    return org


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "present", "absence_reason"]


class MeetingSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "organization", "organization_name", "kind", "kind_display", "held_on", "title", "hours", "evidence",
                  "notes", "attendance", "created_at"]


class AbsenteeSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)


class MeetingCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_on = serializers.DateField()
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, required=False, allow_null=True, default=None)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    attendees = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    absentees = AbsenteeSerializer(many=True, required=False, default=list)


class DuesSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    month = serializers.SerializerMethodField()

    class Meta:
        model = DuesPayment
        fields = ["id", "member", "member_name", "month", "amount", "paid_on", "created_at"]

    def get_month(self, obj) -> str:
        return obj.month.strftime("%Y-%m")


class DuesCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": _("须为 YYYY-MM")})
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    paid_on = serializers.DateField()

    def validate_month(self, value: str) -> str:
        if not 1921 <= int(value[:4]) <= 9999:
            raise serializers.ValidationError(_("年份须在 1921 至 9999 之间"))
        return value


class ImportSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    meetings = serializers.IntegerField()
    attendance = serializers.IntegerField()
    dues = serializers.IntegerField()


@extend_schema(parameters=[OpenApiParameter("organization", int), OpenApiParameter("kind", str), OpenApiParameter("year", int, description="1921-9999")])
class MeetingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MeetingSerializer
    queryset = Meeting.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet:
        return selectors.meetings_visible(self.request.user, organization=_int_param(self.request, "organization"),
                                          kind=self.request.query_params.get("kind"), year=_year_param(self.request))

    def retrieve(self, request, pk=None) -> Response:
        meeting = selectors.meetings_visible(request.user).filter(pk=int(pk)).first()
        if meeting is None:
            raise NotFound(_("记录不存在。"), code="meeting_not_found")
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request) -> Response:
        body = MeetingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        org = _visible_org(request.user, d.pop("organization"))
        meeting = services.meeting_record(actor=request.user, organization=org, **d)
        return Response(MeetingSerializer(selectors.meetings_visible(request.user).get(pk=meeting.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[OpenApiParameter("organization", int), OpenApiParameter("member", int), OpenApiParameter("year", int, description="1921-9999")])
class DuesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DuesSerializer
    queryset = DuesPayment.objects.none()

    def get_queryset(self) -> QuerySet:
        return selectors.dues_visible(self.request.user, organization=_int_param(self.request, "organization"),
                                      member=_int_param(self.request, "member"), year=_year_param(self.request))

    @extend_schema(request=DuesCreateSerializer, responses={201: DuesSerializer})
    def create(self, request) -> Response:
        import datetime as dt

        body = DuesCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        member = members_visible(request.user).filter(pk=d["member"]).first()
        if member is None:
            raise ValidationFailed(_("党员不存在。"), code="member_not_found", fields={"member": [_("不存在")]})
        year, month = map(int, d["month"].split("-"))
        payment = services.dues_record(actor=request.user, member=member, month=dt.date(year, month, 1), amount=d["amount"], paid_on=d["paid_on"])
        return Response(DuesSerializer(payment).data, status=status.HTTP_201_CREATED)


class OrgLifeImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportSerializer}, responses={201: ImportResultSerializer})
    def post(self, request) -> Response:
        """Import a year's dues and attendance from an Excel workbook: all rows, or none with a row-by-row report."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = _visible_org(request.user, body.validated_data["organization"])
        counts = services.orglife_import(actor=request.user, organization=org, file=body.validated_data["file"])
        return Response(counts, status=status.HTTP_201_CREATED)


class BallotSerializer(serializers.Serializer):
    ratings = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class MeasurementBallotView(APIView):
    """POST /api/cases/ID/measurement-ballots/: a participant's anonymous ballot in a democratic
    review; GET: whom to rate and whether the caller has voted. A case the caller does not take
    part in answers 404."""

    def _case(self, request, pk):
        return democratic_review.measurement_for_voter(user=request.user, case_id=pk)

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, pk) -> Response:
        case, voted = self._case(request, pk)
        return Response({"case": case.pk, "rated": case.data.get("rated", []), "not_rated": case.data.get("not_rated", []), "voted": voted})

    @extend_schema(request=BallotSerializer, responses={201: {"type": "object"}})
    def post(self, request, pk) -> Response:
        case, _voted = self._case(request, pk)
        body = BallotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        democratic_review.measurement_ballot_cast(actor=request.user, case=case, ratings=body.validated_data["ratings"])
        return Response({"case": case.pk, "voted": True}, status=status.HTTP_201_CREATED)
