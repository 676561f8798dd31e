"""The caller's own notifications (/api/notifications/): reminders, overdue alerts, escalations."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors as notification_selectors
from notifications import services as notification_services
from notifications.models import Notification
from notifications.render import notification_state_label, render
from workflows import display

from .params import bool_param


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    subject = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()
    task = serializers.PrimaryKeyRelatedField(read_only=True)
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    due_at = serializers.SerializerMethodField()
    resolved = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_display",
            "subject",
            "message",
            "task",
            "case",
            "due_at",
            "created_at",
            "read_at",
            "resolved",
            "resolved_at",
            "state_display",
            "emailed_at",
        ]

    def get_subject(self, obj) -> str:
        return render(obj.kind, obj.params, resolved=obj.resolved_at is not None)[0]

    def get_message(self, obj) -> str:
        return render(obj.kind, obj.params, resolved=obj.resolved_at is not None)[1]

    def get_resolved(self, obj) -> bool:
        """The task it is about is done (or cancelled): nobody is asked to act."""
        return obj.resolved_at is not None

    def get_state_display(self, obj) -> str:
        return notification_state_label(obj)

    def get_due_at(self, obj) -> str | None:
        return display.iso_cst(obj.params.get("due_at"))


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's own reminders, overdue alerts and escalations; newest first."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool)], responses=NotificationSerializer(many=True)
    )
    def list(self, request) -> Response:
        qs = notification_selectors.notifications_for(
            request.user, unread=bool_param(request, "unread")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(responses=NotificationSerializer)
    def retrieve(self, request, pk=None) -> Response:
        return Response(
            NotificationSerializer(
                notification_selectors.notification_for_user(request.user, pk)
            ).data
        )

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None) -> Response:
        n = notification_services.notification_mark_read(
            actor=request.user,
            notification=notification_selectors.notification_for_user(request.user, pk),
        )
        return Response(NotificationSerializer(n).data)

    @extend_schema(request=None, responses=MarkedReadSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request) -> Response:
        return Response(
            {"marked_read": notification_services.notifications_mark_all_read(actor=request.user)}
        )
