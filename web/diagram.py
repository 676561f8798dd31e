"""The diagram the case page shows: the process's BPMN with its diagram interchange (BPMNDI).

Every file in bpmn/ carries its layout (shapes, edges, label bounds), written once from the layout
computed here (`partyflow bpmn-layout`) and free to be moved by hand in a modeler afterwards. The
page draws the file's own layout; a process version deployed before the files had one (or a file
that lost it) gets the computed layout: one column per step distance from the start, one band per
lane, boundary events on their host's edge, flows as orthogonal lines (back edges below).
Either way names are shown in the active language and lanes with their role's name. Computed once
per process version and language.
"""

from __future__ import annotations

import re
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

COL, ROW, LEFT, TOP, HEADER = 200, 120, 80, 30, 30
TRACK, LABEL_W, LABEL_H = 16, 90, 30
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
    """`xml` as the page draws it: its own BPMNDI layout, else the computed one for `process_id`;
    `lane_labels` ((lane name, label), …) and `names` ((element name, shown name), …) rename
    for display."""
    root = ET.fromstring(xml)
    rename, lane_rename = dict(names), dict(lane_labels)
    for el in root.iter():
        if _local(el.tag) == "lane":
            name = el.get("name") or ""
            el.set("name", lane_rename.get(name, rename.get(name, name)))
        elif el.get("name") in rename:
            el.set("name", rename[el.get("name")])
    if root.find(f"{{{BPMNDI}}}BPMNDiagram") is None:
        add_layout(root, process_id)
    return ET.tostring(root, encoding="unicode")


def missing_layout(xml: str) -> list[str]:
    """The flow nodes, lanes, participants and sequence flows of `xml` that its BPMNDI does not
    draw (every one of them when it has none)."""
    root = ET.fromstring(xml)
    drawn = {
        el.get("bpmnElement")
        for tag in ("BPMNShape", "BPMNEdge")
        for el in root.iter(f"{{{BPMNDI}}}{tag}")
    }
    wanted = [p.get("id") for p in root.iter(f"{{{BPMN}}}participant")]
    for process in root.iter(f"{{{BPMN}}}process"):
        wanted += [lane.get("id") for lane in process.iter(f"{{{BPMN}}}lane")]
        wanted += [
            el.get("id") for el in process if el.get("id") and _local(el.tag) not in NON_NODES
        ]
        wanted += [f.get("id") for f in process if _local(f.tag) == "sequenceFlow"]
    return [i for i in wanted if i not in drawn]


def with_layout(text: str) -> str:
    """The file `text` with the computed BPMNDI of its process (replacing any it had), the rest of
    the file byte for byte as it was: the diagram goes before the closing tag of the definitions,
    its namespaces onto the opening one."""
    text = re.sub(r"\n?\s*<bpmndi:BPMNDiagram\b.*?</bpmndi:BPMNDiagram>", "", text, flags=re.S)
    root = ET.fromstring(text)
    process = next(p for p in root.iter(f"{{{BPMN}}}process") if p.get("isExecutable") == "true")
    diagram = add_layout(root, process.get("id"))
    ET.indent(diagram, space="  ", level=1)
    block = ET.tostring(diagram, encoding="unicode", xml_declaration=False)
    # ElementTree writes the namespaces it needs onto the block, under the prefixes registered last
    # (openpyxl, once imported, takes "dc" for Dublin Core): the block gets ours, declared on the
    # definitions
    ours = {BPMNDI: "bpmndi", DC: "dc", DI: "di"}
    for prefix, uri in re.findall(r' xmlns:(\w+)="([^"]+)"', block):
        block = re.sub(rf"(</?){prefix}:", rf"\g<1>{ours[uri]}:", block)
    block = re.sub(r' xmlns:\w+="[^"]+"', "", block)
    opening = re.search(r"<bpmn:definitions\b[^>]*>", text)
    assert opening is not None, "a BPMN file opens with <bpmn:definitions>"
    tag = opening.group(0)
    for prefix, uri in (("bpmndi", BPMNDI), ("dc", DC), ("di", DI)):
        if f"xmlns:{prefix}=" not in tag:  # after the last namespace, spaced as the ones before it
            last = list(re.finditer(r'(\s+)xmlns:\w+="[^"]*"', tag))[-1]
            tag = f'{tag[: last.end()]}{last.group(1)}xmlns:{prefix}="{uri}"{tag[last.end() :]}'
    text = text[: opening.start()] + tag + text[opening.end() :]
    close = text.rindex("</bpmn:definitions>")
    return text[:close] + "  " + block + "\n" + text[close:]


def add_layout(root: ET.Element, process_id: str) -> ET.Element | None:
    """Append to `root` the computed BPMNDiagram of `process_id` and return it (None when the
    file has no such process)."""
    process = next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == process_id), None)
    if process is None:
        return None
    nodes = {el.get("id"): el for el in process if el.get("id") and _local(el.tag) not in NON_NODES}
    flows = [f for f in process if _local(f.tag) == "sequenceFlow"]
    out = defaultdict(list)
    for f in flows:
        out[f.get("sourceRef")].append(f.get("targetRef"))
    attached = {
        n: el.get("attachedToRef") for n, el in nodes.items() if _local(el.tag) == "boundaryEvent"
    }

    # columns: the longest path from the start events over the forward flows (a loop's flow back
    # is left out), so a step sits right of every step before it; boundary events sit on their host
    succ: dict[str, list[str]] = defaultdict(list)
    for n, targets in out.items():
        succ[attached.get(n, n)].extend(t for t in targets if t in nodes)
    back = _back_edges(
        [n for n, el in nodes.items() if _local(el.tag) == "startEvent"] + list(nodes), succ
    )
    level: dict[str, int] = {}
    indegree: dict[str, int] = defaultdict(int)
    for n in list(succ):
        for m in succ[n]:
            if (n, m) not in back:
                indegree[m] += 1
    queue = deque(n for n in nodes if n not in attached and indegree[n] == 0)
    for n in queue:
        level[n] = 0
    while queue:
        n = queue.popleft()
        for m in succ[n]:
            if (n, m) in back or m in attached:
                continue
            level[m] = max(level.get(m, 0), level[n] + 1)
            indegree[m] -= 1
            if indegree[m] == 0:
                queue.append(m)
    for n in nodes:
        level.setdefault(n, max(level.values(), default=0) + 1)
    for b, host in attached.items():
        level[b] = level.get(host, 0)

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
    # a forward flow that skips columns (a gateway's entry into a later step) runs on its own track
    # above the pool, the farthest highest, so no line crosses a step and no label another
    long = sorted(
        (
            f
            for f in flows
            if f.get("sourceRef") in slot
            and f.get("targetRef") in slot
            and (f.get("sourceRef"), f.get("targetRef")) not in back
            and level[f.get("targetRef")] - level[f.get("sourceRef")] > 1
        ),
        key=lambda f: (-level[f.get("targetRef")], f.get("id")),
    )
    track_y = {f.get("id"): TOP + i * TRACK for i, f in enumerate(long)}
    # a label sits where its line turns down to its target, or where it leaves its source when
    # several tracks share a target
    shared = {
        t
        for t in {f.get("targetRef") for f in long}
        if sum(f.get("targetRef") == t for f in long) > 1
    }
    top = TOP + (len(long) * TRACK + LABEL_H if long else 0)
    band_top, y = {}, top
    for b in band_ids:
        band_top[b] = y
        y += band_rows[b] * ROW
    height = y - top
    width = (max(level.values(), default=0) + 1) * COL + LEFT

    bounds = {}
    for n, (band, col, row) in slot.items():
        w, h = SIZES[_kind(nodes[n].tag)]
        cx, cy = LEFT + HEADER + col * COL + COL // 2, band_top[band] + row * ROW + ROW // 2
        bounds[n] = (cx - w // 2, cy - h // 2, w, h)
    # boundary events along their host's lower edge from the right, 60 apart; each one's name
    # beside the line leaving it, the first on the right, the second on the left
    event_label = {}
    on_host: dict[str, int] = defaultdict(int)
    for b, host in attached.items():
        hx, hy, hw, hh = bounds.get(host, (LEFT, TOP, 110, 70))
        k = on_host[host]
        on_host[host] += 1
        bounds[b] = (hx + hw - 46 - 60 * k, hy + hh - 18, 36, 36)
        cx = hx + hw - 28 - 60 * k
        event_label[b] = (cx + 4 if k % 2 == 0 else cx - 4 - LABEL_W, hy + hh + 22)

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

    def label(parent, at):
        lab = ET.SubElement(parent, f"{{{BPMNDI}}}BPMNLabel")
        ET.SubElement(
            lab,
            f"{{{DC}}}Bounds",
            x=str(at[0]),
            y=str(at[1]),
            width=str(LABEL_W),
            height=str(LABEL_H),
        )

    def shape(element_id, x, y, w, h, label_at=None, **extra):
        s = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id, **extra
        )
        ET.SubElement(s, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))
        if label_at:
            label(s, label_at)

    if participant is not None:
        shape(
            participant.get("id"), LEFT - HEADER, top, width + HEADER, height, isHorizontal="true"
        )
        for lane in lanes:
            shape(
                lane.get("id"),
                LEFT,
                band_top[lane.get("id")],
                width,
                band_rows[lane.get("id")] * ROW,
                isHorizontal="true",
            )
    for n, (x, y0, w, h) in bounds.items():
        shape(n, x, y0, w, h, event_label.get(n) if nodes[n].get("name") else None)
    for f in flows:
        s, t = f.get("sourceRef"), f.get("targetRef")
        if s not in bounds or t not in bounds:
            continue
        edge = ET.SubElement(
            plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id")
        )
        if f.get("id") in track_y:
            points = _track(bounds[s], bounds[t], track_y[f.get("id")])
            vx, ty = points[1] if t in shared else points[2]
            label_at = (vx + 6, ty + 4)
        else:
            points = _route(bounds[s], bounds[t], s in attached)
            (x1, _y1), (x2, y2) = points[-2], points[-1]
            if x2 > x1:  # above the last horizontal run, in the gap before the target
                label_at = (x2 - LABEL_W - 4, y2 - LABEL_H + 4)
            else:  # under the lowest run of a loop
                label_at = ((points[1][0] + points[2][0]) // 2 - LABEL_W // 2, points[1][1] + 2)
        for px, py in points:
            ET.SubElement(edge, f"{{{DI}}}waypoint", x=str(px), y=str(py))
        if f.get("name"):
            label(edge, label_at)
    return diagram


def _back_edges(order: list[str], succ: dict[str, list[str]]) -> set[tuple[str, str]]:
    """The flows that close a loop (to a step still on the depth-first path), from the starts."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    for root in order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ.get(root, ())))]
        while stack:
            n, it = stack[-1]
            m = next(it, None)
            if m is None:
                state[n] = 2
                stack.pop()
            elif state.get(m) == 1:
                back.add((n, m))
            elif m not in state:
                state[m] = 1
                stack.append((m, iter(succ.get(m, ()))))
    return back


def _track(a, b, y: int) -> list[tuple[int, int]]:
    """Up out of the source's top to the track, along it, down just left of the target, in."""
    ax, ay, aw, _ah = a
    bx, by, _bw, bh = b
    vx = bx - 14
    return [(ax + aw // 2, ay), (ax + aw // 2, y), (vx, y), (vx, by + bh // 4), (bx, by + bh // 4)]


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
