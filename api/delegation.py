"""Delegations (/api/delegations/): the caller hands their tasks to an eligible colleague for a
period, and revokes it."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from engine.errors import ValidationFailed
from engine.i18n import _
from workflows import display, selectors, services
from workflows.models import Delegation, Task

User = get_user_model()


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.CharField(source="delegator.username", read_only=True)
    delegator_name = serializers.SerializerMethodField()
    delegate_username = serializers.CharField(source="delegate.username", read_only=True)
    delegate_name = serializers.SerializerMethodField()
    slots_display = serializers.SerializerMethodField()
    process_display = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = [
            "id",
            "delegator",
            "delegator_name",
            "delegate",
            "delegate_username",
            "delegate_name",
            "slots",
            "slots_display",
            "starts_at",
            "ends_at",
            "process_id",
            "process_display",
            "task",
            "reason",
            "revoked_at",
            "created_at",
            "active",
        ]

    def get_delegator_name(self, obj) -> str:
        return display.person_name(obj.delegator)

    def get_delegate_name(self, obj) -> str:
        return display.person_name(obj.delegate)

    def get_slots_display(self, obj) -> list[str]:
        orgs, members = display.slot_refs(obj.slots)
        names = (display.organization_names(orgs), display.member_names(members))
        return [display.slot_display(s, *names) for s in obj.slots]

    def get_process_display(self, obj) -> str:
        return display.process_label(obj.process_id) if obj.process_id else ""

    def get_active(self, obj) -> bool:

        now = timezone.now()
        return obj.revoked_at is None and obj.starts_at <= now < obj.ends_at


class DelegationCreateSerializer(serializers.Serializer):
    delegate = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    process = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    task = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DelegationViewSet(viewsets.GenericViewSet):
    """Delegations the caller gave or received; POST hands the caller's tasks to an eligible colleague."""

    serializer_class = DelegationSerializer
    queryset = Delegation.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    def list(self, request) -> Response:
        page = self.paginate_queryset(selectors.delegations_visible(request.user))
        return self.get_paginated_response(DelegationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None) -> Response:
        return Response(DelegationSerializer(selectors.delegation_for_user(request.user, pk)).data)

    @extend_schema(request=DelegationCreateSerializer, responses={201: DelegationSerializer})
    def create(self, request) -> Response:
        body = DelegationCreateSerializer(data=request.data)
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
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DelegationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None) -> Response:
        delegation = services.delegation_revoke(
            actor=request.user, delegation=selectors.delegation_for_user(request.user, pk)
        )
        return Response(DelegationSerializer(delegation).data)
