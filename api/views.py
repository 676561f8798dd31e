"""Thin views: validate input, call one service or selector, serialize the result."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer, StaticHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.i18n import _
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from notifications.models import Notification
from organizations import services as org_services
from organizations.models import RoleAssignment
from organizations.rules import deployment_rule_set
from organizations.selectors import (
    active_assignments,
    is_org_department,
    members_visible,
    organization_in_scope,
    organizations_visible,
    record_log,
    scope_q,
)
from oversight.compliance import Period, compliance_table
from oversight.export import compliance_workbook
from oversight.selectors import branch_terms, weak_branch_identification, weak_branches
from oversight.services import identification_run
from procedures.member_development import selectors as development_selectors
from procedures.member_development import services as development_services
from workflows import selectors, services
from workflows.audit import verify_case
from workflows.models import Case, Delegation, Task

from . import serializers as s
from .params import bool_param, date_param, int_param, organization_param, text_param
from .parsers import FormParser, JSONParser, MultiPartParser
from .permissions import OrgDepartmentWrites
from .renderers import CSVRenderer
from .throttling import TokenThrottle

User = get_user_model()


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token; throttled per client address (429).
    The token expires after PARTYFLOW["TOKEN_IDLE_SECONDS"] unused, or at logout."""

    throttle_classes = [TokenThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    serializer_class = s.TokenLoginSerializer

    @extend_schema(request=s.TokenRequestSerializer, responses={200: s.TokenSerializer})
    def post(self, request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"token": org_services.token_issue(user=body.validated_data["user"]).key})


class LogoutView(APIView):
    """Revoke the caller's token (every client using it must log in again)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request) -> Response:
        org_services.token_revoke_all(actor=request.user, user=request.user, reason="logout")
        return Response(status=status.HTTP_204_NO_CONTENT)


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

    @extend_schema(responses=s.RecordLogSerializer)
    def get(self, request) -> Response:
        log = record_log(
            request.user,
            entity=request.query_params.get("entity") or None,
            entity_id=int_param(request, "entity_id"),
        )
        return Response(s.RecordLogSerializer(log).data)


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer)
    def get(self, request) -> Response:
        user = request.user
        return Response(
            s.MeSerializer(
                {
                    "id": user.pk,
                    "username": user.get_username(),
                    "name": user.get_full_name() or user.get_username(),
                    "is_superuser": user.is_superuser,
                    "roles": active_assignments(user),
                }
            ).data
        )


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
    serializer_class = s.OrganizationSerializer

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


class MemberViewSet(_ScopedCrud):
    serializer_class = s.MemberSerializer

    def get_queryset(self) -> QuerySet:
        qs = members_visible(self.request.user)
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

    @extend_schema(responses=s.MemberDevelopmentSerializer)
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def development(self, request, pk=None) -> Response:
        """P1 read model: stage, step n of 25, next due date, overdue items, obligations, status history, evidence."""
        return Response(
            s.MemberDevelopmentSerializer(
                development_selectors.member_development(request.user, pk)
            ).data
        )

    @extend_schema(request=s.ObligationSubmitSerializer, responses=s.ObligationRecordSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="development/obligations",
        permission_classes=[IsAuthenticated],
    )
    def submit_obligation(self, request, pk=None) -> Response:
        """Record an inspection record or thought report due in the member's development case."""
        body = s.ObligationSubmitSerializer(data=request.data)
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
        return Response(s.ObligationRecordSerializer(row).data, status=status.HTTP_201_CREATED)


class UserViewSet(_ScopedCrud):
    serializer_class = s.UserSerializer
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
    serializer_class = s.RoleAssignmentSerializer

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


class ProcessViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ProcessSerializer
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
    serializer_class = s.CaseSerializer
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
        return self.get_paginated_response(s.CaseSerializer(page, many=True).data)

    def _read(self, request, pk, view):
        """The case in the caller's scope (else 404), the read logged when the caller is an auditor."""
        case = selectors.case_for_user(request.user, pk)
        services.case_access_record(actor=request.user, case=case, view=view)
        return case

    @extend_schema(responses=s.CaseDetailSerializer)
    def retrieve(self, request, pk=None) -> Response:
        case = self._read(request, pk, "detail")
        return Response(s.CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseDetailSerializer})
    def create(self, request) -> Response:
        body = s.CaseCreateSerializer(data=request.data)
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
            s.CaseDetailSerializer(case, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=s.AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None) -> Response:
        case = self._read(request, pk, "history")
        events = selectors.case_history_for(request.user, case)
        return Response(
            s.AuditEventSerializer(
                events, many=True, context={"names": selectors.history_names(case, events)}
            ).data
        )

    @extend_schema(responses=s.EvidenceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def evidence(self, request, pk=None) -> Response:
        """Every structured record and attached document id the case's steps produced (佐证资料)."""
        case = selectors.case_for_user(request.user, pk)
        return Response(s.EvidenceSerializer(selectors.case_evidence(case), many=True).data)

    @extend_schema(
        responses={
            (200, "application/json"): s.HistoryExportSerializer,
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
        body = s.history_export(case, request.user)
        response = Response(body)
        response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-history.{fmt}"'
        return response

    @extend_schema(responses={(200, "text/html"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], renderer_classes=[StaticHTMLRenderer])
    def report(self, request, pk=None) -> Response:
        """A printable HTML report of the case's timeline (events, data, documents, chain verification)."""
        case = self._read(request, pk, "report")
        return Response(s.history_report_html(case, request))

    @extend_schema(responses=s.CaseAccessSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="access-log", pagination_class=None)
    def access_log(self, request, pk=None) -> Response:
        """Who of the auditors read this case, when, and what (organization department only)."""
        case = selectors.case_for_user(request.user, pk)
        if not is_org_department(request.user):
            raise Forbidden(_("只有组织部可以查看访问记录。"), code="access_log_not_allowed")
        return Response(s.CaseAccessSerializer(selectors.case_accesses(case), many=True).data)

    @extend_schema(methods=["GET"], responses=s.DocumentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer},
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
            return Response(s.DocumentSerializer(selectors.case_documents(case), many=True).data)
        case = selectors.case_for_user(request.user, pk)
        body = s.DocumentUploadSerializer(data=request.data)
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
        return Response(s.DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

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

    @extend_schema(responses=s.AuditVerificationSerializer)
    @action(detail=True, methods=["get"], url_path="audit-verification")
    def audit_verification(self, request, pk=None) -> Response:
        """Walk the case's tamper-evident audit chain: ok, or the first event altered, deleted or reordered."""

        case = self._read(request, pk, "verification")
        return Response(verify_case(case.pk).as_dict())

    @extend_schema(request=s.CaseCancelSerializer, responses=s.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None) -> Response:
        case = selectors.case_for_user(request.user, pk)
        body = s.CaseCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = services.case_cancel(
            actor=request.user, case=case, reason=body.validated_data["reason"]
        )
        return Response(
            s.CaseDetailSerializer(
                selectors.case_for_user(request.user, case.pk),
                context=self.get_serializer_context(),
            ).data
        )


class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = s.TaskSerializer
    queryset = Task.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        parameters=[
            OpenApiParameter("process", str),
            OpenApiParameter("organization", int),
            OpenApiParameter("overdue", bool),
            OpenApiParameter(
                "escalated",
                bool,
                description="overdue tasks of lower organizations escalated to my committee (督办)",
            ),
        ],
        responses=s.TaskSerializer(many=True),
    )
    def list(self, request) -> Response:
        if bool_param(request, "escalated"):
            qs = notification_selectors.tasks_escalated_to(request.user)
        else:
            qs = selectors.task_inbox(
                request.user,
                process=request.query_params.get("process"),
                organization=int_param(request, "organization"),
                overdue=bool_param(request, "overdue"),
            )
        page = self.paginate_queryset(selectors.inbox_page_values(qs))
        return self.get_paginated_response(s.inbox_rows(page, timezone.now()))

    @extend_schema(responses=s.TaskDetailSerializer)
    def retrieve(self, request, pk=None) -> Response:
        task = selectors.task_for_user(request.user, pk)
        services.case_access_record(
            actor=request.user, case=task.case, view="task_detail"
        )  # shows the case's data
        return Response(s.TaskDetailSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None) -> Response:
        task = services.task_claim(
            actor=request.user, task=selectors.task_for_user(request.user, pk)
        )
        return Response(
            s.TaskSerializer(
                selectors.task_for_user(request.user, task.pk),
                context=self.get_serializer_context(),
            ).data
        )

    @extend_schema(request=None, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"])
    def unclaim(self, request, pk=None) -> Response:
        task = services.task_unclaim(
            actor=request.user, task=selectors.task_for_user(request.user, pk)
        )
        return Response(
            s.TaskSerializer(
                selectors.task_for_user(request.user, task.pk),
                context=self.get_serializer_context(),
            ).data
        )

    @extend_schema(request=s.TaskCompleteSerializer, responses=s.TaskCompletedSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None) -> Response:
        """Complete the task; the answer is the finished task and the case's next open tasks (what
        they are, who holds them, when they are due)."""
        task = selectors.task_for_user(request.user, pk, related=False)
        if not isinstance(request.data, dict) or "data" not in request.data:
            raise ValidationFailed(
                _('请求体须为 {"data": {...}}。'), code="invalid_body", fields={"data": [_("必填")]}
            )
        task = services.task_complete(actor=request.user, task=task, data=request.data["data"])
        return Response(s.completed_task_data(task, timezone.now()))


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's own reminders, overdue alerts and escalations; newest first."""

    serializer_class = s.NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)], responses=s.NotificationSerializer(many=True)
    )
    def list(self, request) -> Response:
        qs = notification_selectors.notifications_for(
            request.user, unread=bool_param(request, "unread")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.NotificationSerializer(page, many=True).data)

    @extend_schema(responses=s.NotificationSerializer)
    def retrieve(self, request, pk=None) -> Response:
        return Response(
            s.NotificationSerializer(
                notification_selectors.notification_for_user(request.user, pk)
            ).data
        )

    @extend_schema(request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None) -> Response:
        n = notification_services.notification_mark_read(
            actor=request.user,
            notification=notification_selectors.notification_for_user(request.user, pk),
        )
        return Response(s.NotificationSerializer(n).data)

    @extend_schema(request=None, responses=s.MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request) -> Response:
        return Response(
            {"marked_read": notification_services.notifications_mark_all_read(actor=request.user)}
        )


# --- P4: committee terms, identification of weak branches, the weak-branch list ----------------


class BranchTermView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=s.BranchTermSerializer(many=True),
    )
    def get(self, request) -> Response:
        """Every branch in the organization's subtree with its committee term, end date and whether it is overdue."""

        return Response(
            s.BranchTermSerializer(branch_terms(organization_param(request)), many=True).data
        )


class WeakBranchIdentificationView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=s.IdentificationSerializer(many=True),
    )
    def get(self, request) -> Response:
        """P4 step 1: the branches in the subtree showing a weak-branch signal, with the evidence for each."""

        return Response(
            s.IdentificationSerializer(
                weak_branch_identification(
                    organization_param(request), rules=deployment_rule_set()
                ),
                many=True,
            ).data
        )

    @extend_schema(
        request=s.IdentificationRunSerializer, responses=s.IdentificationRunResultSerializer
    )
    def post(self, request) -> Response:
        """The committee's on-demand identification: opens a designation task in its inbox per flagged branch."""

        body = s.IdentificationRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        org = organization_in_scope(request.user, body.validated_data["organization"])
        return Response(
            s.IdentificationRunResultSerializer(
                identification_run(actor=request.user, organization=org)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class WeakBranchListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int)],
        responses=s.WeakBranchSerializer(many=True),
    )
    def get(self, request) -> Response:
        """The weak-branch list in the caller's scope: status, plan deadline, adjustments, progress reports."""

        org = int_param(request, "organization")
        qs = weak_branches(
            request.user, organization=organization_in_scope(request.user, org) if org else None
        )
        return Response(s.WeakBranchSerializer(qs.prefetch_related("reports"), many=True).data)


# --- P5: compliance -------------------------------------------------------------------------


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
    def get(self, request) -> Response:
        """The compliance table as an Excel workbook: one row per branch and obligation."""
        from django.http import HttpResponse

        period, rows = _compliance(request)
        response = HttpResponse(
            compliance_workbook(rows, period),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="compliance-{period}.xlsx"'
        return response


class DevelopmentPipelineView(APIView):
    """P1 pipeline of an organization subtree (党内统计): members per development status, running cases
    per stage, overdue tasks and obligations, this year's admissions and conversions."""

    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=s.DevelopmentPipelineSerializer,
    )
    def get(self, request) -> Response:
        return Response(
            s.DevelopmentPipelineSerializer(
                development_selectors.development_pipeline(organization_param(request))
            ).data
        )


class DelegationViewSet(viewsets.GenericViewSet):
    """Delegations the caller gave or received; POST hands the caller's tasks to an eligible colleague."""

    serializer_class = s.DelegationSerializer
    queryset = Delegation.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def list(self, request) -> Response:
        page = self.paginate_queryset(selectors.delegations_visible(request.user))
        return self.get_paginated_response(s.DelegationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None) -> Response:
        return Response(
            s.DelegationSerializer(selectors.delegation_for_user(request.user, pk)).data
        )

    @extend_schema(request=s.DelegationCreateSerializer, responses={201: s.DelegationSerializer})
    def create(self, request) -> Response:
        body = s.DelegationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        # None (unknown or inactive): the service refuses it exactly like an ineligible user.
        delegate = User.objects.filter(pk=d["delegate"], is_active=True).first()
        task = None
        if d.get("task") is not None:
            task = Task.objects.filter(pk=d["task"]).first()
            if task is None:
                raise ValidationFailed(
                    _("只能委托您自己待办的任务。"),
                    code="task_not_yours",
                    fields={"task": [_("不是您的待办任务")]},
                )
        delegation = services.delegation_create(
            actor=request.user,
            delegate=delegate,
            starts_at=d["starts_at"],
            ends_at=d["ends_at"],
            process_id=d["process"],
            task=task,
            reason=d["reason"],
        )
        return Response(s.DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.DelegationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None) -> Response:
        delegation = services.delegation_revoke(
            actor=request.user, delegation=selectors.delegation_for_user(request.user, pk)
        )
        return Response(s.DelegationSerializer(delegation).data)


# --- the API root and unknown paths -------------------------------------------------------------

ENTRY_POINTS = [
    ("auth/token/", _("用用户名和密码换取令牌（POST）")),
    ("me/", _("我是谁、担任哪些角色")),
    ("tasks/", _("我的待办（?process= ?overdue=true ?escalated=true）")),
    ("cases/", _("流程列表；cases/ID/ 详情，history/ 记录，report/ 打印报告")),
    ("processes/", _("已部署的流程及版本")),
    ("notifications/", _("我的提醒、逾期和督办通知")),
    ("delegations/", _("我委托或受托的任务")),
    ("organizations/", _("党组织")),
    ("members/", _("党员；members/ID/development/ 发展党员进度")),
    ("users/", _("用户")),
    ("role-assignments/", _("角色任命")),
    ("meetings/", _("组织生活记录")),
    ("dues/", _("党费记录")),
    ("compliance/", _("组织生活合规情况（?organization=ID&period=2026-Q2）")),
    ("branch-terms/", _("各支部任期（?organization=ID）")),
    ("branch-identification/", _("软弱涣散党支部排查（?organization=ID）")),
    ("weak-branches/", _("软弱涣散党支部名单")),
    ("reports/development-pipeline/", _("发展党员统计（?organization=ID）")),
    ("schema/", _("OpenAPI 接口说明")),
    ("docs/", _("Swagger 接口文档")),
]


class ApiRootView(APIView):
    """The entry points of the API, each with what it is for; open to everyone (it names no data)."""

    permission_classes = []
    authentication_classes = []

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request) -> Response:
        base = request.build_absolute_uri("/api/")
        return Response(
            {
                "name": "partyflow",
                "message": _(
                    "党务工作流程接口。先用 auth/token/ 取得令牌，再在请求头写 Authorization: Token <令牌>。"
                ),
                "entry_points": [
                    {"url": base + path, "description": str(text)} for path, text in ENTRY_POINTS
                ],
            }
        )


def api_not_found(request, path="") -> JsonResponse:
    """Any unknown path under /api/: JSON like every other error, pointing to the entry points."""
    message = _("没有这个接口：/api/%(p)s。可用的接口见 /api/。") % {"p": path}
    if path and not path.endswith("/"):
        message = _(
            "没有这个接口：/api/%(p)s。接口地址以斜杠结尾（/api/%(p)s/）；可用的接口见 /api/。"
        ) % {"p": path}
    return JsonResponse(
        {"code": "not_found", "message": str(message), "fields": {}, "entry_points": "/api/"},
        status=404,
    )
