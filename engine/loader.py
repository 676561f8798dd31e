"""Load and version BPMN.

A process version is the process id plus a content hash of every file it uses (its own file and
the files of the call activities it reaches). Deploying changed BPMN yields a new version; a case
keeps the version it started on, because the spec of every version is stored (once) in the database
and restored from there, never re-read from `bpmn/`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .errors import BpmnParseError
from .i18n import _
from .serialization import spec_from_dict, spec_to_dict


@dataclass
class ProcessDefinition:
    process_id: str
    name: str
    version: str
    files: dict[str, str]
    spec: object = field(repr=False)
    subprocess_specs: dict = field(repr=False)
    documentation: str = ""

    def spec_dict(self) -> dict:
        return spec_to_dict(self.spec, self.subprocess_specs)

    def task_specs(self) -> list[dict]:
        """Every user and service task of the process and its call activities, for deploy-time checks."""
        found = []
        for spec in (self.spec, *self.subprocess_specs.values()):
            for ts in spec.task_specs.values():
                ext = getattr(ts, "extensions", None) or {}
                kind = (
                    "user"
                    if getattr(ts, "manual", False)
                    else ("service" if hasattr(ts, "operation_name") else None)
                )
                if kind:
                    found.append(
                        {
                            "kind": kind,
                            "element_id": ts.bpmn_id,
                            "name": ts.bpmn_name,
                            "lane": ts.lane,
                            "file": Path(spec.file or "").name,
                            "properties": dict(ext.get("properties", {})),
                            "operation": getattr(ts, "operation_name", None),
                        }
                    )
        return found


def _version_hash(process_id: str, files: dict[str, str]) -> str:
    h = hashlib.sha256(process_id.encode())
    for name in sorted(files):
        h.update(b"\0" + name.encode() + b"\0" + files[name].encode())
    return h.hexdigest()[:16]


def _parse_error(exc: Exception, filename=None) -> BpmnParseError:
    if isinstance(exc, ValidationException):
        return BpmnParseError(
            str(exc.args[0]) if exc.args else str(exc),
            file=Path(exc.file_name or filename or "").name or None,
            element_id=getattr(exc, "id", None) or None,
            line=getattr(exc, "line_number", None) or None,
        )
    if isinstance(exc, etree.XMLSyntaxError):
        return BpmnParseError(
            _("BPMN 文件不是有效的 XML：%(msg)s") % {"msg": exc.msg}, file=filename, line=exc.lineno
        )
    return BpmnParseError(str(exc), file=filename)


def load_directory(directory) -> dict[str, ProcessDefinition]:
    """Parse and validate every `*.bpmn` in `directory`; one definition per executable process."""
    paths = sorted(Path(directory).glob("*.bpmn"))
    return load_files({p.name: p.read_text(encoding="utf-8") for p in paths})


BPMNDI_DIAGRAM = "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"


def _without_layout(text: str, name: str):
    """The file as SpiffWorkflow should see it: validated whole (its layout included), then without
    its diagram interchange. SpiffWorkflow 3.2.0 does not ignore BPMNDI: it orders each step's
    outgoing flows by the y of their targets' shapes (`TaskParser.parse_node`), which is the order an
    exclusive gateway tries its conditions in. Dropping the layout keeps that order the file's, so
    moving a shape in a modeler can never change what a process does."""
    tree = etree.fromstring(text.encode("utf-8"))
    VALIDATOR.validate(tree, name)
    for diagram in tree.findall(BPMNDI_DIAGRAM):
        tree.remove(diagram)
    return tree


def load_files(files: dict[str, str]) -> dict[str, ProcessDefinition]:
    parser = SpiffBpmnParser(validator=None)  # each file is validated by _without_layout
    for name, text in files.items():
        try:
            parser.add_bpmn_xml(_without_layout(text, name), filename=name)
        except (ValidationException, etree.XMLSyntaxError, SpiffWorkflowException) as exc:
            raise _parse_error(exc, name) from exc
    definitions = {}
    for process_id in parser.get_process_ids():
        process_parser = parser.get_process_parser(process_id)
        if not process_parser.node.get("isExecutable", "false") == "true":
            continue
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except (ValidationException, SpiffWorkflowException) as exc:
            raise _parse_error(exc, Path(process_parser.filename or "").name) from exc
        used = {Path(process_parser.filename).name}
        used.update(
            Path(s.file).name for s in subprocess_specs.values() if getattr(s, "file", None)
        )
        used_files = {n: files[n] for n in used if n in files}
        definitions[process_id] = ProcessDefinition(
            process_id=process_id,
            name=spec.description or process_id,
            version=_version_hash(process_id, used_files),
            files=used_files,
            spec=spec,
            subprocess_specs=subprocess_specs,
            documentation=(
                process_parser.node.findtext(
                    "{http://www.omg.org/spec/BPMN/20100524/MODEL}documentation"
                )
                or ""
            ).strip(),
        )
    return definitions


_SPEC_CACHE: dict[str, tuple] = {}


def specs_for_version(version: str, spec_dict_loader) -> tuple:
    """(spec, subprocess_specs) of a version, restored once per process from the stored spec dict.

    `spec_dict_loader()` is called only on a cache miss (it reads the database)."""
    cached = _SPEC_CACHE.get(version)
    if cached is None:
        cached = _SPEC_CACHE[version] = spec_from_dict(spec_dict_loader())
    return cached


BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def user_task_property(path: Path, name: str) -> dict[str, str]:
    """{user task id: the value of its extension property `name`} in one BPMN file (tasks without
    it are left out): what a procedure derives from its diagram (P1's step numbers)."""
    tree = etree.parse(str(path))
    found = {}
    for task in tree.iter(f"{{{BPMN_NS}}}userTask"):
        for prop in task.iter(f"{{{SPIFF_NS}}}property"):
            if prop.get("name") == name:
                found[task.get("id")] = prop.get("value")
    return found
