"""Member development (P1): a member's development read model and obligations (the actions on
/api/members/ID/development/ are on `api.organizations.MemberViewSet`) and the pipeline of an
organization subtree (/api/reports/development-pipeline/)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.codes import Misconduct
from procedures.member_development import selectors as development_selectors
from workflows import display
from workflows.audit import json_safe
from workflows.labels import label

from .params import organization_param


class ObligationSubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["inspection", "thought_report"])
    seq = serializers.IntegerField(min_value=1)
    data = serializers.DictField(help_text="{submitted_on, summary, document_ids}")


class StatusEventSerializer(serializers.Serializer):
    """A member's status event as the committee records it; the service checks each field."""

    event = serializers.CharField(
        help_text="death 死亡 · suspension 停止党籍 · restoration 恢复党籍 · expulsion 开除党籍 · "
        "removal 除名"
    )
    on = serializers.CharField(help_text="the date it happened, YYYY-MM-DD")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    decided_by = serializers.CharField(required=False, allow_blank=True, default="")
    document_no = serializers.CharField(required=False, allow_blank=True, default="")
    misconduct = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="开除党籍、除名: the 违纪行为 or 具体表现 (党统 表11), one of "
        + ", ".join(Misconduct.values),
    )


class StatusEventRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id")
    event = serializers.CharField()
    event_display = serializers.CharField(source="get_event_display")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    decided_by = serializers.CharField()
    document_no = serializers.CharField()
    misconduct = serializers.CharField()
    misconduct_display = serializers.CharField(source="get_misconduct_display")


class ObligationRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    phase = serializers.CharField()
    seq = serializers.IntegerField()
    due_on = serializers.DateField()
    submitted_on = serializers.DateField()
    record = serializers.JSONField()


class MemberDevelopmentSerializer(serializers.Serializer):
    """The selector's dict as it is; the schema documents the top-level keys."""

    member = serializers.JSONField()
    status_history = serializers.JSONField()
    case = serializers.JSONField(allow_null=True)
    stage = serializers.CharField(allow_blank=True)
    step = serializers.IntegerField(allow_null=True)
    steps_total = serializers.IntegerField()
    open_tasks = serializers.JSONField()
    next_due = serializers.DateField(allow_null=True)
    overdue = serializers.JSONField()
    obligations = serializers.JSONField()
    steps_done = serializers.JSONField(
        help_text="[{element_id, step, on: the day it took place, entered_at, imported, by}]"
    )
    evidence = serializers.JSONField()

    def to_representation(self, instance) -> dict:
        out = json_safe(instance)
        out["stage"] = label(out["stage"])
        for item in out["open_tasks"] + out["evidence"] + out["overdue"]:
            item["name"] = label(item["name"])
        for item in out["evidence"]:
            item["at"] = display.iso_cst(item["at"])
        for item in out["steps_done"]:
            item["entered_at"] = display.iso_cst(item["entered_at"])
        return out


class DevelopmentPipelineSerializer(serializers.Serializer):
    organization = serializers.JSONField()
    members_by_status = serializers.JSONField()
    status_labels = serializers.JSONField()
    cases_running = serializers.IntegerField()
    cases_by_stage = serializers.JSONField()
    overdue_tasks = serializers.IntegerField()
    overdue_obligations = serializers.IntegerField()
    this_year = serializers.JSONField()

    def to_representation(self, instance) -> dict:
        out = json_safe(instance)
        out["cases_by_stage"] = {label(k): v for k, v in out["cases_by_stage"].items()}
        return out


class DevelopmentPipelineView(APIView):
    """P1 pipeline of an organization subtree (党内统计): members per development status, running cases
    per stage, overdue tasks and obligations, this year's admissions and conversions."""

    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses=DevelopmentPipelineSerializer,
    )
    def get(self, request) -> Response:
        return Response(
            DevelopmentPipelineSerializer(
                development_selectors.development_pipeline(organization_param(request))
            ).data
        )
