"""Messages that leave the system: the caller's own delivery preferences
(/api/notification-preferences/), the delivery log (/api/deliveries/) and each channel's health
(/api/delivery-channels/), the last two for the organization department (others: 404)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.errors import ValidationFailed
from engine.i18n import _
from notifications import deliveries as delivery_services
from notifications import selectors as notification_selectors
from notifications.channels import configured_codes
from notifications.models import Channel, Delivery, DeliveryStatus
from workflows import display

from .params import text_param


class ChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class PreferenceSerializer(serializers.Serializer):
    channels = serializers.ListField(child=serializers.CharField(max_length=20), max_length=10)
    channels_display = serializers.SerializerMethodField()
    digest = serializers.BooleanField()
    overdue_immediate = serializers.BooleanField()
    quiet_start = serializers.TimeField(allow_null=True, format="%H:%M")
    quiet_end = serializers.TimeField(allow_null=True, format="%H:%M")
    wecom_userid = serializers.CharField(max_length=64, allow_blank=True, required=False)
    mobile = serializers.CharField(max_length=20, allow_blank=True, required=False)
    available_channels = serializers.SerializerMethodField()

    def get_channels_display(self, obj) -> list[str]:
        return [str(Channel(c).label) for c in obj.channels if c in Channel.values]

    @extend_schema_field(ChoiceSerializer(many=True))
    def get_available_channels(self, obj) -> list[dict]:
        return [{"code": c, "label": str(Channel(c).label)} for c in configured_codes()]


class PreferenceView(APIView):
    """GET: how the caller is reached (without a saved choice: e-mail, each message at once).
    PUT: change it; a channel not configured here, a personal channel without its address, half a
    quiet window answer 400 naming the field."""

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request) -> Response:
        return Response(PreferenceSerializer(delivery_services.preference_of(request.user)).data)

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def put(self, request) -> Response:
        s = PreferenceSerializer(data=request.data)
        if not s.is_valid():
            raise ValidationFailed(
                _("通知设置有误。"),
                code="invalid_preferences",
                fields={k: " ".join(str(m) for m in v) for k, v in s.errors.items()},
            )
        d = s.validated_data
        pref = delivery_services.preference_update(
            actor=request.user,
            channels=d["channels"],
            digest=d["digest"],
            overdue_immediate=d["overdue_immediate"],
            quiet_start=d["quiet_start"],
            quiet_end=d["quiet_end"],
            wecom_userid=d.get("wecom_userid", ""),
            mobile=d.get("mobile", ""),
        )
        return Response(PreferenceSerializer(pref).data)


class AttemptSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    outcome = serializers.CharField()
    outcome_display = serializers.CharField(source="get_outcome_display")
    error = serializers.CharField()


class DeliverySerializer(serializers.ModelSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    recipient_name = serializers.SerializerMethodField()
    log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "channel_display",
            "recipient",
            "recipient_name",
            "digest",
            "notification",
            "subject",
            "text",
            "link",
            "status",
            "status_display",
            "attempts",
            "last_error",
            "created_at",
            "next_attempt_at",
            "sent_at",
            "log",
        ]

    def get_recipient_name(self, obj) -> str:
        """The person's name; a group robot's message: the channel's group."""
        if obj.recipient_id is None:
            return str(_("群消息"))
        return self.context.get("names", {}).get(obj.recipient_id, "")


class DeliveryViewSet(viewsets.GenericViewSet):
    """The delivery log, newest first, each with its tries (sent, failed with the reason, retried).
    For the organization department; anyone else: 404."""

    serializer_class = DeliverySerializer
    queryset = Delivery.objects.none()  # for the schema; requests use the selectors
    lookup_value_regex = r"[0-9]+"

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("channel", str, enum=Channel.values),
        ],
        responses=DeliverySerializer(many=True),
    )
    def list(self, request) -> Response:
        status = text_param(request, "status")
        channel = text_param(request, "channel")
        if status and status not in DeliveryStatus.values:
            raise ValidationFailed(
                _("状态只能是：%(values)s。") % {"values": "、".join(DeliveryStatus.values)},
                code="invalid_parameter",
                fields={"status": status},
            )
        if channel and channel not in Channel.values:
            raise ValidationFailed(
                _("渠道只能是：%(values)s。") % {"values": "、".join(Channel.values)},
                code="invalid_parameter",
                fields={"channel": channel},
            )
        qs = notification_selectors.deliveries_for_user(
            request.user, status=status, channel=channel
        )
        page = self.paginate_queryset(qs)
        names = display.user_names(d.recipient_id for d in page)
        return self.get_paginated_response(
            DeliverySerializer(page, many=True, context={"names": names}).data
        )


class ChannelHealthSerializer(serializers.Serializer):
    channel = serializers.CharField()
    channel_display = serializers.CharField()
    configured = serializers.BooleanField()
    sent = serializers.IntegerField()
    pending = serializers.IntegerField()
    retrying = serializers.IntegerField()
    failed = serializers.IntegerField()
    reported_on = serializers.DateField(allow_null=True)
    reported_failed = serializers.IntegerField()
    reported_error = serializers.CharField()


class ChannelHealthView(APIView):
    """Per channel, the last seven days: sent, pending (retrying), failed; the latest day it was
    reported to the organization department as failing. Organization department only (else 404)."""

    @extend_schema(responses=ChannelHealthSerializer(many=True))
    def get(self, request) -> Response:
        since = timezone.now() - dt.timedelta(days=7)
        return Response(
            ChannelHealthSerializer(
                notification_selectors.channel_health(request.user, since=since), many=True
            ).data
        )
