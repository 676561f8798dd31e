"""Deployment: the BPMN in `bpmn/` parsed, validated and stored as process versions."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.db import transaction

from engine.errors import BpmnError
from engine.i18n import _
from engine.loader import load_directory
from engine.runtime import WorkflowRun
from forms.validation import load_schema

from .. import registry
from ..assignment import LANES
from ..display import forget_process_names
from ..models import ProcessVersion

# A name people read: Chinese text (a service task's name is the label of its operation).
READABLE = re.compile(r"[\u4e00-\u9fff]")


def process_deploy(*, directory=None) -> list[tuple[ProcessVersion, bool]]:
    """Parse, validate and store every process in `bpmn/`. Changed content → a new version that new
    cases start on; running cases keep theirs. Checks lanes, forms and service operations too."""
    definitions = load_directory(directory or settings.PARTYFLOW["BPMN_DIR"])
    results = []
    for definition in definitions.values():
        for ts in definition.task_specs():
            if ts["kind"] == "user":
                if ts["lane"] not in LANES:
                    raise BpmnError(
                        _("用户任务须放在角色泳道中（%(lanes)s）。") % {"lanes": ", ".join(LANES)},
                        file=ts["file"],
                        element_id=ts["element_id"],
                        code="unknown_lane",
                    )
                if ts["properties"].get("formJsonSchemaFilename"):
                    try:
                        load_schema(ts["properties"]["formJsonSchemaFilename"])
                    except BpmnError as exc:
                        raise BpmnError(
                            str(exc.message),
                            file=ts["file"],
                            element_id=ts["element_id"],
                            code="form_missing",
                        ) from exc
            elif not READABLE.search(ts["name"] or ""):
                # what the history and the audit report show for the operation (effect_labels)
                raise BpmnError(
                    _("服务任务须有中文名称（流程图和审计记录显示它）。"),
                    file=ts["file"],
                    element_id=ts["element_id"],
                    code="service_task_unnamed",
                )
            elif ts["operation"] not in registry.effect_names():
                raise BpmnError(
                    _("未注册的服务任务：%(op)s") % {"op": ts["operation"]},
                    file=ts["file"],
                    element_id=ts["element_id"],
                    code="unknown_service_operation",
                )
        with transaction.atomic():
            version, created = ProcessVersion.objects.get_or_create(
                process_id=definition.process_id,
                version=definition.version,
                defaults={
                    "name": definition.name,
                    "documentation": definition.documentation,
                    "files": definition.files,
                    "spec": json.dumps(
                        definition.spec_dict(), separators=(",", ":"), ensure_ascii=False
                    ),
                    "serializer_version": WorkflowRun.serializer_version,
                },
            )
            ProcessVersion.objects.filter(process_id=definition.process_id).exclude(
                pk=version.pk
            ).update(is_current=False)
            if not version.is_current:
                version.is_current = True
                version.save(update_fields=["is_current"])
        results.append((version, created))
    forget_process_names()
    return results
