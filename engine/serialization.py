"""Workflow state <-> JSON-compatible dicts, with the spec stored once per process version.

SpiffWorkflow embeds the whole spec in every serialized workflow; here the top-level converter
leaves `spec` and `subprocess_specs` out and takes them from the version when restoring. The state
carries `serializer_version`; older formats go through SpiffWorkflow's own migrations first.
"""

from __future__ import annotations

import copy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY

_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore(self, dct, spec, subprocess_specs):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_WORKFLOW = _SpeclessWorkflowConverter(BpmnWorkflow, _REGISTRY)


def spec_to_dict(spec, subprocess_specs) -> dict:
    return {
        "spec": _REGISTRY.convert(spec),
        "subprocess_specs": {name: _REGISTRY.convert(s) for name, s in subprocess_specs.items()},
        VERSION_KEY: SERIALIZER_VERSION,
    }


def spec_from_dict(dct: dict) -> tuple:
    dct = copy.deepcopy(dct)
    return _REGISTRY.restore(dct["spec"]), {
        name: _REGISTRY.restore(s) for name, s in dct["subprocess_specs"].items()
    }


def workflow_to_dict(workflow) -> dict:
    dct = _WORKFLOW.to_dict(workflow)
    dct[VERSION_KEY] = SERIALIZER_VERSION
    return dct


def workflow_from_dict(
    state: dict, spec, subprocess_specs, *, copy_state: bool = True
) -> BpmnWorkflow:
    """Restore a workflow. SpiffWorkflow consumes its input: pass copy_state=False only for a dict
    nobody else holds (e.g. just parsed from JSON). The caller attaches the script engine."""
    dct = copy.deepcopy(state) if copy_state else state
    version = dct.pop(VERSION_KEY, None)
    if version != SERIALIZER_VERSION and version in MIGRATIONS:
        # SpiffWorkflow's migrations expect the spec inside the state.
        dct["spec"], dct["subprocess_specs"] = (
            _REGISTRY.convert(spec),
            {n: _REGISTRY.convert(s) for n, s in subprocess_specs.items()},
        )
        MIGRATIONS[version](dct)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
    return _WORKFLOW.restore(dct, spec, subprocess_specs)
