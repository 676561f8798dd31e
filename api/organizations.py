"""The organization tree, members, users and role assignments (/api/organizations/, /api/members/,
/api/users/, /api/role-assignments/) and the record log of their changes (/api/record-log/). Reads
are scoped to the caller; the organization department writes, each write through its audited service."""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.calendar import today
from engine.errors import NotFound
from engine.i18n import _
from organizations import services as org_services
from organizations.codes import LostContactReason
from organizations.models import Member, Organization, RecordEvent, RoleAssignment
from organizations.privacy import mask, sees_numbers_in_full
from organizations.selectors import (
    away_prefetch,
    is_org_department,
    member_away,
    members_visible,
    organizations_visible,
    record_log,
    scope_q,
)
from procedures.member_development import selectors as development_selectors
from procedures.member_development import services as development_services
from workflows import display

from .development import (
    MemberDevelopmentSerializer,
    ObligationRecordSerializer,
    ObligationSubmitSerializer,
    StatusEventRecordSerializer,
    StatusEventSerializer,
)
from .params import int_param
from .permissions import OrgDepartmentWrites

User = get_user_model()


class OrganizationSerializer(serializers.ModelSerializer):
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, default=None, allow_null=True
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    branch_kind_display = serializers.CharField(source="get_branch_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "parent",
            "parent_name",
            "name",
            "code",
            "kind",
            "kind_display",
            "branch_kind",
            "branch_kind_display",
            "has_approval_authority",
            "departments",
            "path",
            "term_start",
            "term_end",
            "founded_on",
            "dissolved_on",
            "dues_tracked_since",
        ]
        read_only_fields = ["path"]
        # 党组织编码's uniqueness (per university, a root's among the roots) is the service's check,
        # refused with the rule named (`organization_code_taken`), not DRF's generic one.
        validators = []


class MemberSerializer(serializers.ModelSerializer):
    """Identity and phone numbers are shown in full only to the organization department (who keep
    the records) and to the member themself; every other role sees them masked."""

    # The rule and the mask: organizations.privacy.

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    ethnicity_display = serializers.CharField(source="get_ethnicity_display", read_only=True)
    education_display = serializers.CharField(source="get_education_display", read_only=True)
    degree_display = serializers.CharField(source="get_degree_display", read_only=True)
    person_category_display = serializers.CharField(
        source="get_person_category_display", read_only=True
    )
    student_level_display = serializers.CharField(
        source="get_student_level_display", read_only=True
    )
    away = serializers.SerializerMethodField(
        help_text="流动党员或出国（境）党员（所在地），否则为空"
    )

    def get_away(self, instance) -> str:
        return member_away(instance)

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not sees_numbers_in_full(getattr(request, "user", None), instance):
            data["id_number"] = mask(data.get("id_number"))
            data["phone"] = mask(data.get("phone"))
        return data

    class Meta:
        model = Member
        fields = [
            "id",
            "organization",
            "organization_name",
            "user",
            "name",
            "status",
            "status_display",
            "rights_suspended",
            "suspension_reason",
            "is_leading_cadre",
            "birth_date",
            "id_number",
            "phone",
            "joined_on",
            "left_on",
            "left_reason",
            "party_standing_from",
            "staff_or_student_no",
            "gender",
            "gender_display",
            "ethnicity",
            "ethnicity_display",
            "native_place",
            "education",
            "education_display",
            "degree",
            "degree_display",
            "person_category",
            "person_category_display",
            "student_level",
            "student_level_display",
            "enrollment_year",
            "programme_years",
            "job_post",
            "is_floating",
            "away",
            "transferred_in_on",
            "probation_extension_months",
            "party_post",
            "joined_branch_name",
        ]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8, max_length=128)
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "password",
        ]

    def get_name(self, obj) -> str:
        return display.person_name(obj)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    post_display = serializers.CharField(source="get_post_display", read_only=True)
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "user",
            "user_name",
            "role",
            "role_display",
            "organization",
            "organization_name",
            "term_start",
            "term_end",
            "post",
            "post_display",
        ]

    def get_user_name(self, obj) -> str:
        return display.person_name(obj.user)


class RecordEventSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(read_only=True)

    class Meta:
        model = RecordEvent
        fields = [
            "chain",
            "seq",
            "created_at",
            "actor",
            "actor_name",
            "actor_roles",
            "action",
            "entity",
            "entity_id",
            "entity_label",
            "organization_id",
            "organization_name",
            "data",
            "hash",
        ]


class RecordLogChainSerializer(serializers.Serializer):
    """One chain of the record log (one per root organization; 0: events of no organization)."""

    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    reason = serializers.CharField()
    chain = serializers.IntegerField(allow_null=True)
    chain_name = serializers.CharField()


class RecordLogVerificationSerializer(RecordLogChainSerializer):
    """Every chain together (`chain`: the first broken one), and each chain's own result."""

    chains = RecordLogChainSerializer(many=True)


class RecordLogSerializer(serializers.Serializer):
    verification = RecordLogVerificationSerializer()
    events = RecordEventSerializer(many=True)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "entity", str, description="user | roleassignment | organization | member"
        ),
        OpenApiParameter("entity_id", int),
    ]
)
class RecordLogView(APIView):
    """GET /api/record-log/: the organization-level audit log (users, role assignments,
    organizations, members), newest first, with the verification of its hash chain. Organization
    department only."""

    @extend_schema(responses=RecordLogSerializer)
    def get(self, request) -> Response:
        log = record_log(
            request.user,
            entity=request.query_params.get("entity") or None,
            entity_id=int_param(request, "entity_id"),
        )
        return Response(RecordLogSerializer(log).data)


class _ScopedCrud(viewsets.ModelViewSet):
    permission_classes = [OrgDepartmentWrites]
    lookup_value_regex = r"[0-9]+"

    def get_object(self):
        qs = self.get_queryset()
        try:
            return qs.get(pk=int(self.kwargs["pk"]))
        except (ValueError, qs.model.DoesNotExist):
            raise NotFound() from None

    def perform_destroy(self, instance) -> None:
        """Each write is its service's (audited): subclasses name it."""
        raise NotImplementedError


class OrganizationViewSet(_ScopedCrud):
    serializer_class = OrganizationSerializer

    def get_queryset(self) -> QuerySet:
        qs = organizations_visible(self.request.user)
        parent = int_param(self.request, "parent")
        return qs.filter(parent_id=parent) if parent else qs

    def perform_create(self, serializer) -> None:
        d = dict(serializer.validated_data)
        serializer.instance = org_services.organization_create(
            actor=self.request.user,
            parent=d.pop("parent", None),
            name=d.pop("name"),
            kind=d.pop("kind"),
            **d,
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = org_services.organization_update(
            actor=self.request.user, organization=serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    @action(detail=True, methods=["get"])
    def checks(self, request, pk=None) -> Response:
        """Branch-setup warnings (BRANCH-2018 Art. 4-5, XYTC §1): too few full members, too large, small Party group."""
        return Response(org_services.organization_setup_warnings(self.get_object()))

    def perform_destroy(self, instance) -> None:
        org_services.organization_delete(actor=self.request.user, organization=instance)


class LostContactSerializer(serializers.Serializer):
    """失去联系 (`lost_on`, `reason`, `note`) or 恢复联系 (`found_on`); the service checks each."""

    lost_on = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="one of " + ", ".join(LostContactReason.values),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    found_on = serializers.CharField(required=False, allow_blank=True, default="")


class LostContactRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id")
    lost_on = serializers.DateField()
    reason = serializers.CharField()
    reason_display = serializers.CharField(source="get_reason_display")
    note = serializers.CharField()
    found_on = serializers.DateField(allow_null=True)


class MemberViewSet(_ScopedCrud):
    serializer_class = MemberSerializer

    def get_queryset(self) -> QuerySet:
        qs = members_visible(self.request.user).prefetch_related(away_prefetch(today()))
        org = int_param(self.request, "organization")
        if org:
            qs = qs.filter(organization_id=org)
        if self.request.query_params.get("status"):
            qs = qs.filter(status=self.request.query_params["status"])
        return qs

    def perform_create(self, serializer) -> None:
        d = dict(serializer.validated_data)
        serializer.instance = org_services.member_create(
            actor=self.request.user, organization=d.pop("organization"), name=d.pop("name"), **d
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = org_services.member_update(
            actor=self.request.user, member=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance) -> None:
        org_services.member_delete(actor=self.request.user, member=instance)

    @extend_schema(responses=MemberDevelopmentSerializer)
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def development(self, request, pk=None) -> Response:
        """P1 read model: stage, step n of 25, next due date, overdue items, obligations, status history, evidence."""
        return Response(
            MemberDevelopmentSerializer(
                development_selectors.member_development(request.user, pk)
            ).data
        )

    @extend_schema(request=ObligationSubmitSerializer, responses=ObligationRecordSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="development/obligations",
        permission_classes=[IsAuthenticated],
    )
    def submit_obligation(self, request, pk=None) -> Response:
        """Record an inspection record or thought report due in the member's development case."""
        body = ObligationSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = development_selectors.member_for_user(request.user, pk)
        case = development_selectors.development_case_of(member)
        if case is None:
            raise NotFound(_("该党员没有发展党员流程。"), code="case_not_found")
        row = development_services.obligation_submit(
            actor=request.user,
            case=case,
            kind=body.validated_data["kind"],
            seq=body.validated_data["seq"],
            data=body.validated_data["data"],
        )
        return Response(ObligationRecordSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StatusEventSerializer, responses=StatusEventRecordSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="status-events",
        permission_classes=[IsAuthenticated],
    )
    def status_event(self, request, pk=None) -> Response:
        """The committee records the member's death, 停止党籍, 恢复党籍, 开除党籍 or 除名: the date it
        happened, the reason, who decided and the document number."""
        body = StatusEventSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = development_services.member_status_event(
            actor=request.user,
            member=development_selectors.member_for_user(request.user, pk),
            **body.validated_data,
        )
        return Response(StatusEventRecordSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LostContactSerializer, responses=LostContactRecordSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="lost-contact",
        permission_classes=[IsAuthenticated],
    )
    def lost_contact(self, request, pk=None) -> Response:
        """The branch records that it lost contact with the member (`lost_on`: the day of the
        last contact; `reason`: the 党统 表43 category), or, with `found_on`, that it found him
        again (恢复联系)."""
        body = LostContactSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = development_selectors.member_for_user(request.user, pk)
        data = body.validated_data
        if data["found_on"]:
            row = org_services.member_contact_found(
                actor=request.user, member=member, found_on=data["found_on"]
            )
            return Response(LostContactRecordSerializer(row).data)
        row = org_services.member_contact_lost(
            actor=request.user,
            member=member,
            lost_on=data["lost_on"],
            reason=data["reason"],
            note=data["note"],
        )
        return Response(LostContactRecordSerializer(row).data, status=status.HTTP_201_CREATED)


class UserViewSet(_ScopedCrud):
    serializer_class = UserSerializer
    queryset = User.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        user = self.request.user
        if is_org_department(user):
            return User.objects.order_by("id")
        return (
            User.objects.filter(
                Q(pk=user.pk)
                | Q(role_assignments__in=RoleAssignment.objects.filter(scope_q(user)))
                | Q(member__in=members_visible(user))
            )
            .distinct()
            .order_by("id")
        )

    def perform_create(self, serializer) -> None:
        serializer.instance = org_services.user_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = org_services.user_update(
            actor=self.request.user, user=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance) -> None:
        org_services.user_delete(actor=self.request.user, user=instance)


class RoleAssignmentViewSet(_ScopedCrud):
    serializer_class = RoleAssignmentSerializer

    def get_queryset(self) -> QuerySet:
        qs = RoleAssignment.objects.select_related("organization").filter(
            scope_q(self.request.user) | Q(user=self.request.user)
        )
        user = int_param(self.request, "user")
        return qs.filter(user_id=user) if user else qs

    def perform_create(self, serializer) -> None:
        serializer.instance = org_services.role_assignment_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = org_services.role_assignment_update(
            actor=self.request.user, assignment=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance) -> None:
        org_services.role_assignment_delete(actor=self.request.user, assignment=instance)
