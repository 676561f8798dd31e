"""Organizational-life and dues records (P5): /api/meetings/, /api/dues/, /api/orglife/import/.
Reads are scoped to the caller's organizations; the branch secretary, deputy and committee write."""

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.calendar import RECORD_YEARS
from engine.errors import NotFound, ValidationFailed
from engine.i18n import _
from organizations.rules import deployment_rule_set
from organizations.selectors import organizations_visible
from orglife import selectors, services
from orglife.models import (
    Attendance,
    DuesPayment,
    Meeting,
    MeetingFile,
    MeetingFileKind,
    MeetingKind,
    Pairing,
    PartnerKind,
    SatisfactionGrade,
    SatisfactionSurvey,
    TrainingAttendance,
    TrainingKind,
    VolunteerService,
)
from procedures import democratic_review
from untrusted.uploads import IMAGE_TYPES

from .params import int_param, member_in_body, year_param
from .parsers import FormParser, MultiPartParser


def _visible_org(user, org_id, field="organization"):
    org = organizations_visible(user).filter(pk=org_id).first()
    if org is None:
        raise ValidationFailed(
            _("您不能为该组织记录组织生活或党费。"),
            code="organization_not_in_scope",
            fields={field: [_("不在您的管理范围内")]},
        )
    return org


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "present", "absence_reason"]


class MeetingFileSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = MeetingFile
        fields = [
            "id",
            "kind",
            "kind_display",
            "filename",
            "content_type",
            "size",
            "sha256",
            "uploaded_by_name",
            "uploaded_at",
        ]

    def get_uploaded_by_name(self, obj) -> str:
        user = obj.uploaded_by
        return user.get_full_name() or user.username


class MeetingFileUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingFileKind.choices)
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class MeetingSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    chair_name = serializers.CharField(source="chair.name", read_only=True, default=None)
    recorder_name = serializers.CharField(source="recorder.name", read_only=True, default=None)
    attendance = AttendanceSerializer(many=True, read_only=True)
    files = MeetingFileSerializer(many=True, read_only=True)

    lecturer_name = serializers.CharField(source="lecturer.name", read_only=True, default=None)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organization",
            "organization_name",
            "kind",
            "kind_display",
            "held_on",
            "title",
            "hours",
            "evidence",
            "notes",
            "starts_at",
            "ends_at",
            "place",
            "chair",
            "chair_name",
            "recorder",
            "recorder_name",
            "nonvoting_attendees",
            "content",
            "resolutions",
            "lecturer",
            "lecturer_name",
            "attendance",
            "files",
            "created_at",
        ]


class AbsenteeSerializer(serializers.Serializer):
    member = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)


class MeetingCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    held_on = serializers.DateField()
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True, default=None
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    attendees = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    absentees = AbsenteeSerializer(many=True, required=False, default=list)
    starts_at = serializers.TimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.TimeField(required=False, allow_null=True, default=None)
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    chair = serializers.IntegerField(required=False, allow_null=True, default=None)
    recorder = serializers.IntegerField(required=False, allow_null=True, default=None)
    nonvoting_attendees = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500
    )
    content = serializers.CharField(required=False, allow_blank=True, default="")
    resolutions = serializers.CharField(required=False, allow_blank=True, default="")
    lecturer = serializers.IntegerField(required=False, allow_null=True, default=None)


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
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", error_messages={"invalid": _("须为 YYYY-MM")}
    )
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    paid_on = serializers.DateField()

    def validate_month(self, value: str) -> str:
        if int(value[:4]) not in RECORD_YEARS:
            raise serializers.ValidationError(_("年份须在 1921 至 9999 之间"))
        return value


class ImportSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    meetings = serializers.IntegerField()
    attendance = serializers.IntegerField()
    dues = serializers.IntegerField()
    volunteer_service = serializers.IntegerField(required=False)
    training = serializers.IntegerField(required=False)
    pairing = serializers.IntegerField(required=False)
    satisfaction_survey = serializers.IntegerField(required=False)


@extend_schema(
    parameters=[
        OpenApiParameter("organization", int),
        OpenApiParameter("kind", str),
        OpenApiParameter("year", int, description=f"{RECORD_YEARS[0]}-{RECORD_YEARS[-1]}"),
    ]
)
class MeetingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = MeetingSerializer
    queryset = Meeting.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet:
        return selectors.meetings_visible(
            self.request.user,
            organization=int_param(self.request, "organization"),
            kind=self.request.query_params.get("kind"),
            year=year_param(self.request),
        )

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
        visible = selectors.meetings_visible(request.user).select_related("lecturer")
        meeting = visible.get(pk=meeting.pk)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingFileUploadSerializer, responses={201: MeetingFileSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="files",
        parser_classes=[MultiPartParser, FormParser],
    )
    def files(self, request, pk=None) -> Response:
        """Attach a photo or the sign-in sheet (multipart `kind` + `file`): PNG or JPEG, the type
        sniffed from the content, no larger than the upload limit."""
        meeting = selectors.meetings_visible(request.user).filter(pk=int(pk)).first()
        if meeting is None:
            raise NotFound(_("记录不存在。"), code="meeting_not_found")
        body = MeetingFileUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.meeting_file_upload(
            actor=request.user,
            meeting=meeting,
            kind=body.validated_data["kind"],
            file=body.validated_data["file"],
        )
        return Response(MeetingFileSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, mime): OpenApiTypes.BINARY for mime in IMAGE_TYPES})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]+)")
    def file_download(self, request, pk=None, file_id=None) -> HttpResponse:
        """The photo's or sign-in sheet's bytes (scoped like the meeting)."""
        row = selectors.meeting_file_for_user(request.user, int(pk), int(file_id))
        if row is None:
            raise NotFound(_("文件不存在。"), code="meeting_file_not_found")
        response = HttpResponse(bytes(row.content), content_type=row.content_type)
        response["Content-Disposition"] = content_disposition_header(True, row.filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response


@extend_schema(
    parameters=[
        OpenApiParameter("organization", int),
        OpenApiParameter("member", int),
        OpenApiParameter("year", int, description=f"{RECORD_YEARS[0]}-{RECORD_YEARS[-1]}"),
    ]
)
class DuesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DuesSerializer
    queryset = DuesPayment.objects.none()

    def get_queryset(self) -> QuerySet:
        return selectors.dues_visible(
            self.request.user,
            organization=int_param(self.request, "organization"),
            member=int_param(self.request, "member"),
            year=year_param(self.request),
        )

    @extend_schema(request=DuesCreateSerializer, responses={201: DuesSerializer})
    def create(self, request) -> Response:
        import datetime as dt

        body = DuesCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        member = member_in_body(request.user, d["member"])
        year, month = map(int, d["month"].split("-"))
        payment = services.dues_record(
            actor=request.user,
            member=member,
            month=dt.date(year, month, 1),
            amount=d["amount"],
            paid_on=d["paid_on"],
        )
        return Response(DuesSerializer(payment).data, status=status.HTTP_201_CREATED)


class OrgLifeImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportSerializer}, responses={201: ImportResultSerializer}
    )
    def post(self, request) -> Response:
        """Import a year's dues and attendance from an Excel workbook: all rows, or none with a row-by-row report."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = _visible_org(request.user, body.validated_data["organization"])
        counts = services.orglife_import(
            actor=request.user, organization=org, file=body.validated_data["file"]
        )
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
        return Response(
            {
                "case": case.pk,
                "rated": case.data.get("rated", []),
                "not_rated": case.data.get("not_rated", []),
                "voted": voted,
            }
        )

    @extend_schema(request=BallotSerializer, responses={201: {"type": "object"}})
    def post(self, request, pk) -> Response:
        case, _voted = self._case(request, pk)
        body = BallotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        democratic_review.measurement_ballot_cast(
            actor=request.user, case=case, ratings=body.validated_data["ratings"]
        )
        return Response({"case": case.pk, "voted": True}, status=status.HTTP_201_CREATED)


# --- Records of the branch standards (P6): volunteer service, training, pairing, surveys ----


class VolunteerServiceSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = VolunteerService
        fields = [
            "id",
            "organization",
            "organization_name",
            "member",
            "member_name",
            "served_on",
            "hours",
            "activity",
            "evidence",
            "created_at",
        ]


class VolunteerServiceCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    member = serializers.IntegerField()
    served_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    activity = serializers.CharField(max_length=200)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class TrainingSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TrainingAttendance
        fields = [
            "id",
            "organization",
            "organization_name",
            "member",
            "member_name",
            "attended_on",
            "kind",
            "kind_display",
            "title",
            "hours",
            "evidence",
            "created_at",
        ]


class TrainingCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    member = serializers.IntegerField()
    attended_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=TrainingKind.choices)
    title = serializers.CharField(max_length=200)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class PairingSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    partner_kind_display = serializers.CharField(source="get_partner_kind_display", read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "organization",
            "organization_name",
            "member",
            "member_name",
            "partner_name",
            "partner_kind",
            "partner_kind_display",
            "started_on",
            "ended_on",
            "notes",
            "created_at",
        ]


class PairingCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    member = serializers.IntegerField()
    partner_name = serializers.CharField(max_length=100)
    partner_kind = serializers.ChoiceField(choices=PartnerKind.choices)
    started_on = serializers.DateField()
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class SatisfactionSurveySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    ballots = serializers.IntegerField(read_only=True)

    class Meta:
        model = SatisfactionSurvey
        fields = [
            "id",
            "organization",
            "organization_name",
            "surveyed_on",
            "title",
            *SatisfactionGrade.values,
            "ballots",
            "case",
            "created_at",
        ]


class SatisfactionSurveyCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField()
    surveyed_on = serializers.DateField()
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    tallies = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        help_text="{grade: count}: " + ", ".join(SatisfactionGrade.values),
    )


def _record_viewset(
    model, serializer, create_serializer, select, service, *, member_filter=True, extra=None
):
    """A list/create viewset over one kind of branch record: reads scoped like meetings, writes
    by the branch secretary, deputy and committee through the record's service."""
    params = [
        OpenApiParameter("organization", int),
        OpenApiParameter("year", int, description=f"{RECORD_YEARS[0]}-{RECORD_YEARS[-1]}"),
    ]
    if member_filter:
        params.append(OpenApiParameter("member", int))

    @extend_schema(parameters=params)
    class RecordViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
        serializer_class = serializer
        queryset = model.objects.none()  # for the schema; requests use the selectors

        def get_queryset(self):
            filters = {
                "organization": int_param(self.request, "organization"),
                "year": year_param(self.request),
            }
            if member_filter:
                filters["member"] = int_param(self.request, "member")
            return select(self.request.user, **filters)

        @extend_schema(request=create_serializer, responses={201: serializer})
        def create(self, request):
            body = create_serializer(data=request.data)
            body.is_valid(raise_exception=True)
            d = dict(body.validated_data)
            org = _visible_org(request.user, d.pop("organization"))
            row = service(actor=request.user, organization=org, **d, **(extra() if extra else {}))
            return Response(serializer(row).data, status=status.HTTP_201_CREATED)

    RecordViewSet.__name__ = f"{model.__name__}ViewSet"
    return RecordViewSet


VolunteerServiceViewSet = _record_viewset(
    VolunteerService,
    VolunteerServiceSerializer,
    VolunteerServiceCreateSerializer,
    selectors.volunteer_services_visible,
    services.volunteer_service_record,
)
TrainingViewSet = _record_viewset(
    TrainingAttendance,
    TrainingSerializer,
    TrainingCreateSerializer,
    selectors.trainings_visible,
    services.training_record,
)
PairingViewSet = _record_viewset(
    Pairing,
    PairingSerializer,
    PairingCreateSerializer,
    selectors.pairings_visible,
    services.pairing_record,
)
SatisfactionSurveyViewSet = _record_viewset(
    SatisfactionSurvey,
    SatisfactionSurveySerializer,
    SatisfactionSurveyCreateSerializer,
    selectors.satisfaction_surveys_visible,
    services.satisfaction_survey_record,
    member_filter=False,
    extra=lambda: {"rules": deployment_rule_set()},
)
