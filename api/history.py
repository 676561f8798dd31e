"""A case's history: its audit events as a reader may see them, who of the auditors read the case,
the verification of its hash chain, and the printable HTML report (/api/cases/ID/history/,
access-log/, audit-verification/, report/ on `api.cases.CaseViewSet`)."""

import datetime as dt

from django.template.loader import render_to_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from printing.contexts.case_history import case_history
from workflows import display
from workflows.actions import action_label
from workflows.labels import label
from workflows.models import AuditEvent, CaseAccess
from workflows.selectors import event_date

from .fields import LabelField


class ActedAsSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_display = serializers.CharField()
    organization = serializers.IntegerField()
    organization_name = serializers.CharField()
    on_behalf_of = serializers.CharField(allow_blank=True)


class AuditEventSerializer(serializers.ModelSerializer):
    """An event of a case's history. `actor_roles` is the role the actor acted in, labelled and
    limited to organizations the reader can see, when the events come from
    `workflows.selectors.case_history_for`. Names come from the context's `names` (built once per
    page by `workflows.selectors.history_names`); without it the event shows what it recorded."""

    task = serializers.IntegerField(source="task_id", allow_null=True)
    task_name = LabelField()
    action_display = serializers.SerializerMethodField()
    on_behalf_of = serializers.CharField(source="on_behalf_of_name")
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_person = serializers.SerializerMethodField()
    on_behalf_of_person = serializers.SerializerMethodField()
    actor_display = serializers.SerializerMethodField()
    actor_roles = serializers.SerializerMethodField()
    acted_as_display = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()
    event_date = serializers.SerializerMethodField(
        help_text="The day the step took place (its form's event date, or an imported step's "
        "ledger date); created_at is when it was entered."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "created_at",
            "action",
            "action_display",
            "actor",
            "actor_name",
            "actor_person",
            "on_behalf_of",
            "on_behalf_of_person",
            "actor_display",
            "actor_roles",
            "acted_as_display",
            "task",
            "task_name",
            "event_date",
            "data",
            "prev_hash",
            "hash",
        ]

    def _names(self) -> dict:
        return self.context.get("names") or {
            "users": {},
            "organizations": {},
            "members": {},
            "member_keys": frozenset(),
            "counts": frozenset(),
            "codes": {},
        }

    def get_event_date(self, obj) -> dt.date | None:
        process_id = self._names().get("process_id")
        return event_date(process_id, obj) if process_id else None

    def get_action_display(self, obj) -> str:
        return action_label(obj.action)

    def get_actor_person(self, obj) -> str:
        if obj.actor_id is None:
            return str(display.SYSTEM_NAME)
        return self._names()["users"].get(obj.actor_id) or obj.actor_name

    def get_on_behalf_of_person(self, obj) -> str:
        if obj.on_behalf_of_id is None:
            return ""
        return self._names()["users"].get(obj.on_behalf_of_id) or obj.on_behalf_of_name

    def get_actor_display(self, obj) -> str:
        """ "王伟（代 李芳）" when a delegate acted on behalf of the holder."""
        return display.acting_for(self.get_actor_person(obj), self.get_on_behalf_of_person(obj))

    @extend_schema_field(ActedAsSerializer(many=True))
    def get_actor_roles(self, obj) -> list[dict]:
        acted_as = getattr(obj, "acted_as", None)
        if acted_as is not None:  # the role acted in, only where the reader can see it
            return ActedAsSerializer(acted_as, many=True).data
        return display.roles_display(obj.actor_roles, self._names()["organizations"])

    def get_data(self, obj) -> dict:
        names = self._names()
        data = display.annotate(
            obj.data,
            member_keys=names["member_keys"],
            names=names["members"],
            codes=names["codes"],
            counts=names["counts"],
            cases=names.get("cases", {}),
        )
        for key in ("opened", "fired_timers"):
            for item in data.get(key) or []:
                if isinstance(item, dict):
                    if item.get("due_at"):
                        item["due_at"] = display.iso_cst(item["due_at"])
                    if "task" in item:
                        item["task"] = label(item["task"])
                    if "timer" in item:
                        item["timer"] = label(item["timer"])
                    if "lane" in item:
                        item["lane_display"] = display.lane_label(item["lane"])
        if obj.action == "case_started" and "process" in data:
            data["process_display"] = display.process_label(data["process"])
        if obj.action == "case_started" and "rule_set" in data:
            data["rule_set_display"] = display.rule_set_label(data["rule_set"])
        return data

    def get_acted_as_display(self, obj) -> str:
        """ "软件工程教工党支部 支部书记": the role acted in, where the reader can see it."""
        roles = getattr(obj, "acted_as", [])
        return "、".join(f"{r['organization_name']} {r['role_display']}" for r in roles)


class CaseAccessSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    view_display = serializers.SerializerMethodField()

    class Meta:
        model = CaseAccess
        fields = ["id", "username", "user_name", "view", "view_display", "created_at"]

    def get_user_name(self, obj) -> str:
        return display.person_name(obj.user) if obj.user_id else obj.username

    def get_view_display(self, obj) -> str:
        return display.access_view_label(obj.view)


class AuditVerificationSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_bad_event = serializers.IntegerField(allow_null=True)
    first_bad_seq = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField()
    reason = serializers.CharField()


def history_report_html(case, request) -> str:
    """The printable report in the reader's language: a title block, the timeline (minute, person,
    role, what they did in words, hash) and the documents, laid out for A4. Its context is the
    printed audit report's (`printing.contexts.case_history`)."""
    context = case_history(case, user=request.user)
    # Its <style> element carries the response's Content-Security-Policy nonce.
    return render_to_string(
        "api/case_report.html", {**context, "csp_nonce": getattr(request, "csp_nonce", "")}
    )
