"""The diagram the case page shows: the process's BPMN with a generated layout.

Our BPMN files carry no diagram interchange (BPMNDI: no shapes, no coordinates), and bpmn-js draws
only what has them. Rather than adding coordinates to the BPMN files (which would change every
process version's content hash), the page gets a copy with a simple layered layout: one column
per step distance from the start, one band per lane (the pool and lanes drawn with the lane's
role name), boundary events on their host's edge, flows as orthogonal lines (back edges below).
Names are shown in the active language. Computed once per process version and language.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from functools import lru_cache

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
for prefix, uri in (
    ("bpmn", BPMN),
    ("bpmndi", BPMNDI),
    ("dc", DC),
    ("di", DI),
    ("spiffworkflow", "http://spiffworkflow.org/bpmn/schema/1.0/core"),
):
    ET.register_namespace(prefix, uri)

COL, ROW, LEFT, TOP, HEADER = 170, 120, 80, 30, 30
SIZES = {"task": (110, 70), "event": (36, 36), "gateway": (50, 50)}
NON_NODES = {
    "sequenceFlow",
    "laneSet",
    "documentation",
    "extensionElements",
    "dataObject",
    "dataObjectReference",
    "textAnnotation",
    "association",
    "ioSpecification",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kind(tag: str) -> str:
    name = _local(tag)
    if name.endswith("Event"):
        return "event"
    if name.endswith("Gateway"):
        return "gateway"
    return "task"


@lru_cache(maxsize=64)
def laid_out(
    xml: str,
    process_id: str,
    lane_labels: tuple[tuple[str, str], ...] = (),
    names: tuple[tuple[str, str], ...] = (),
) -> str:
    """`xml` with a BPMNDI layout for `process_id` (unchanged when it already has one).
    `lane_labels` ((lane name, label), …) and `names` ((element name, shown name), …) rename
    for display."""
    root = ET.fromstring(xml)
    if root.find(f"{{{BPMNDI}}}BPMNDiagram") is not None:
        return xml
    process = next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == process_id), None)
    if process is None:
        return xml
    rename = dict(names)
    for el in root.iter():
        if el.get("name") in rename:
            el.set("name", rename[el.get("name")])
    nodes = {el.get("id"): el for el in process if el.get("id") and _local(el.tag) not in NON_NODES}
    flows = [f for f in process if _local(f.tag) == "sequenceFlow"]
    out = defaultdict(list)
    for f in flows:
        out[f.get("sourceRef")].append(f.get("targetRef"))
    attached = {
        n: el.get("attachedToRef") for n, el in nodes.items() if _local(el.tag) == "boundaryEvent"
    }

    # columns: breadth-first distance from the start events (boundary events sit on their host)
    level: dict[str, int] = {}
    queue = deque(n for n, el in nodes.items() if _local(el.tag) == "startEvent")
    for n in queue:
        level[n] = 0
    while queue:
        n = queue.popleft()
        nexts = list(out[n]) + [b for b, host in attached.items() if host == n]
        for m in nexts:
            if m in nodes and m not in level:
                level[m] = level[n] if m in attached else level[n] + 1
                queue.append(m)
    for n in nodes:
        level.setdefault(n, max(level.values(), default=0) + 1)

    # bands: one per lane, in the file's order; rows within a band per column
    lane_of, lanes = {}, []
    for lane in process.iter(f"{{{BPMN}}}lane"):
        lanes.append(lane)
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane.get("id")
    band_ids = [lane.get("id") for lane in lanes] or [""]
    rows_used: dict[tuple[str, int], int] = defaultdict(int)
    band_rows: dict[str, int] = defaultdict(lambda: 1)
    slot = {}
    for n in sorted(nodes, key=lambda n: (level[n], list(nodes).index(n))):
        if n in attached:
            continue
        band = lane_of.get(n, band_ids[0])
        row = rows_used[(band, level[n])]
        rows_used[(band, level[n])] += 1
        band_rows[band] = max(band_rows[band], row + 1)
        slot[n] = (band, level[n], row)
    band_top, y = {}, TOP
    for b in band_ids:
        band_top[b] = y
        y += band_rows[b] * ROW
    height = y - TOP
    width = (max(level.values(), default=0) + 1) * COL + LEFT

    bounds = {}
    for n, (band, col, row) in slot.items():
        w, h = SIZES[_kind(nodes[n].tag)]
        cx, cy = LEFT + HEADER + col * COL + COL // 2, band_top[band] + row * ROW + ROW // 2
        bounds[n] = (cx - w // 2, cy - h // 2, w, h)
    for b, host in attached.items():
        hx, hy, hw, hh = bounds.get(host, (LEFT, TOP, 110, 70))
        bounds[b] = (hx + hw - 46, hy + hh - 18, 36, 36)

    diagram = ET.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"diagram_{process_id}")
    collab = root.find(f"{{{BPMN}}}collaboration")
    participant = None
    if collab is not None:
        participant = next(
            (
                p
                for p in collab.findall(f"{{{BPMN}}}participant")
                if p.get("processRef") == process_id
            ),
            None,
        )
    plane = ET.SubElement(
        diagram,
        f"{{{BPMNDI}}}BPMNPlane",
        id=f"plane_{process_id}",
        bpmnElement=collab.get("id") if participant is not None else process_id,
    )

    def shape(element_id, x, y, w, h, **extra):
        s = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id, **extra
        )
        ET.SubElement(s, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))

    if participant is not None:
        shape(
            participant.get("id"), LEFT - HEADER, TOP, width + HEADER, height, isHorizontal="true"
        )
        for lane in lanes:
            lane.set("name", dict(lane_labels).get(lane.get("name"), lane.get("name") or ""))
            shape(
                lane.get("id"),
                LEFT,
                band_top[lane.get("id")],
                width,
                band_rows[lane.get("id")] * ROW,
                isHorizontal="true",
            )
    for n, (x, y0, w, h) in bounds.items():
        shape(n, x, y0, w, h)
    for f in flows:
        s, t = f.get("sourceRef"), f.get("targetRef")
        if s not in bounds or t not in bounds:
            continue
        edge = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id")
        )
        for px, py in _route(bounds[s], bounds[t], s in attached):
            ET.SubElement(edge, f"{{{DI}}}waypoint", x=str(px), y=str(py))
    return ET.tostring(root, encoding="unicode")


def _route(a, b, from_boundary: bool) -> list[tuple[int, int]]:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    if from_boundary:
        start = (ax + aw // 2, ay + ah)
        return (
            [start, (start[0], by + bh // 2), (bx, by + bh // 2)]
            if bx > start[0]
            else [
                start,
                (start[0], by + bh + 20),
                (bx + bw // 2, by + bh + 20),
                (bx + bw // 2, by + bh),
            ]
        )
    if bx >= ax + aw:  # forward: right side to left side, with one bend
        sx, sy, tx, ty = ax + aw, ay + ah // 2, bx, by + bh // 2
        if sy == ty:
            return [(sx, sy), (tx, ty)]
        mid = (sx + tx) // 2
        return [(sx, sy), (mid, sy), (mid, ty), (tx, ty)]
    # back edge (a loop): out of the bottom, along below both, into the bottom
    low = max(ay + ah, by + bh) + 22
    return [
        (ax + aw // 2, ay + ah),
        (ax + aw // 2, low),
        (bx + bw // 2, low),
        (bx + bw // 2, by + bh),
    ]
