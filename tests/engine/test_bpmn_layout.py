"""Every BPMN file carries its diagram layout (BPMNDI), and the layout never changes what a process
does: SpiffWorkflow 3.2.0 orders a gateway's outgoing flows by the y of their targets' shapes, so the
loader hands it the file without the layout."""

import re
from pathlib import Path

import pytest

from engine.errors import BpmnParseError
from engine.loader import load_directory, load_files
from web.diagram import missing_layout

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
FILES = sorted(BPMN_DIR.glob("*.bpmn"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_step_lane_and_flow_of_the_file_has_its_shape_or_edge(path):
    assert missing_layout(path.read_text(encoding="utf-8")) == [], (
        f"{path.name} lacks layout: run `partyflow bpmn-layout`"
    )


def test_a_step_without_a_shape_is_named():
    text = (BPMN_DIR / "self_lapse.bpmn").read_text(encoding="utf-8")
    cut = re.sub(
        r'<bpmndi:BPMNShape id="review_lapse_di".*?</bpmndi:BPMNShape>', "", text, flags=re.S
    )
    cut = re.sub(r'<bpmndi:BPMNEdge id="f_start_di".*?</bpmndi:BPMNEdge>', "", cut, flags=re.S)
    assert missing_layout(cut) == ["review_lapse", "f_start"]


def _flow_order(definitions) -> dict:
    return {
        (pid, spec.name, name): [o.name for o in ts.outputs]
        for pid, d in definitions.items()
        for spec in (d.spec, *d.subprocess_specs.values())
        for name, ts in spec.task_specs.items()
    }


def test_moving_every_shape_upside_down_leaves_every_process_as_it_was():
    as_drawn = load_directory(BPMN_DIR)
    flipped = {
        p.name: re.sub(
            r'(<dc:Bounds x="-?\d+" y=")(-?\d+)"',
            lambda m: f'{m.group(1)}{5000 - int(m.group(2))}"',
            p.read_text(encoding="utf-8"),
        )
        for p in FILES
    }
    moved = load_files(flipped)
    assert sorted(moved) == sorted(as_drawn) and len(as_drawn) == len(FILES)
    # the gateways with several ways out try them in the file's order, wherever their shapes sit
    order = _flow_order(as_drawn)
    assert order == _flow_order(moved)
    assert order[("unqualified_member", "unqualified_member", "gw_measure")] == [
        "correction_deadline",
        "record_withdrawal",
        "strike_off_vote",
    ]
    for pid, d in as_drawn.items():
        assert d.spec_dict() == moved[pid].spec_dict()


def test_a_broken_layout_is_refused_like_broken_bpmn():
    text = (BPMN_DIR / "self_lapse.bpmn").read_text(encoding="utf-8")
    broken = text.replace('<dc:Bounds x="', '<dc:Bounds x="wide', 1)
    with pytest.raises(BpmnParseError) as exc:
        load_files({"self_lapse.bpmn": broken})
    assert exc.value.file == "self_lapse.bpmn" and exc.value.line
