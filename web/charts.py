"""Charts drawn on the server as SVG: no CDN, no JavaScript, readable on a phone (they scale to the
width of the screen through their viewBox). Each chart is a picture of a table that the page shows
beside it for screen readers and for printing; the SVG carries `role="img"` and a label, and every
cell or bar its own `<title>` (the tooltip) and, where given, a link to the records behind it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colours chosen for contrast with white text and for readers who cannot tell red from green apart
# by hue alone: each status also has its own pattern letter in the cell.
STATUS_STYLE = {
    "met": ("#2e7d32", "✓"),
    "partly": ("#9e9d24", "±"),
    "due": ("#546e7a", "…"),
    "at_risk": ("#ef6c00", "!"),
    "missed": ("#c62828", "✗"),
    "not_met": ("#c62828", "✗"),
    "no_evidence": ("#8d6e63", "?"),
    "not_applicable": ("#e0e0e0", ""),
}


@dataclass(frozen=True)
class Cell:
    status: str
    title: str  # what the tooltip says: "软件工程教工党支部 · 主题党日：未完成 (2/3)"
    href: str = ""


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 12,
    fill: str = "#212121",
    weight: str = "normal",
    rotate: bool = False,
) -> str:
    transform = f' transform="rotate(-35 {x:.0f} {y:.0f})"' if rotate else ""
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}"{transform}>{escape(text)}</text>'
    )


def heatmap_svg(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[tuple[int, int], Cell],
    label: str,
) -> SafeString:
    """A grid of rows (branches) × columns (obligations or standards), each cell coloured by its status.

    `cells` maps (row index, column index) to a Cell; a missing cell is drawn empty (not applicable)."""
    cell_w, cell_h, gap = 44, 28, 3
    left = min(220, 14 + 13 * max((len(r) for r in rows), default=4))
    top = 20 + 9 * max((len(c) for c in columns), default=4)
    # Column labels lean right at 35°: leave room for the last one past the grid.
    width = (
        left + len(columns) * (cell_w + gap) + 10 + 7 * max((len(c) for c in columns), default=0)
    )
    height = top + len(rows) * (cell_h + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}" class="pf-chart pf-heatmap" '
        f'style="max-width:{width}px;font-family:sans-serif">'
    ]
    for j, column in enumerate(columns):
        x = left + j * (cell_w + gap) + cell_w / 2
        parts.append(_text(x, top - 8, column, rotate=True, size=11))
    for i, row in enumerate(rows):
        y = top + i * (cell_h + gap)
        parts.append(_text(left - 8, y + cell_h / 2 + 4, row, anchor="end"))
        for j in range(len(columns)):
            x = left + j * (cell_w + gap)
            cell = cells.get((i, j)) or Cell("not_applicable", f"{row} · {columns[j]}")
            colour, mark = STATUS_STYLE.get(cell.status, STATUS_STYLE["not_applicable"])
            rect = (
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" rx="4" fill="{colour}">'
                f"<title>{escape(cell.title)}</title></rect>"
            )
            text = (
                _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + 5,
                    mark,
                    anchor="middle",
                    size=14,
                    fill="#ffffff",
                    weight="bold",
                )
                if mark
                else ""
            )
            body = rect + text
            if cell.href:
                body = f'<a href="{escape(cell.href)}" class="pf-cell" data-status="{escape(cell.status)}">{body}</a>'
            else:
                body = f'<g class="pf-cell" data-status="{escape(cell.status)}">{body}</g>'
            parts.append(body)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def funnel_svg(*, stages: Sequence[tuple[str, int]], label: str) -> SafeString:
    """The development pipeline as a funnel: one bar per stage, its width proportional to its count,
    centred, with the stage's name and count written on it."""
    bar_h, gap, width = 34, 6, 560
    top_count = max((n for _s, n in stages), default=0) or 1
    height = len(stages) * (bar_h + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}" class="pf-chart pf-funnel" '
        f'style="max-width:{width}px;font-family:sans-serif">'
    ]
    shades = ["#b71c1c", "#c62828", "#d32f2f", "#e53935", "#ef5350", "#e57373"]
    for i, (stage, count) in enumerate(stages):
        w = max(120, (width - 20) * count / top_count)
        x, y = (width - w) / 2, 5 + i * (bar_h + gap)
        parts.append(
            f'<g class="pf-stage" data-count="{count}"><rect x="{x:.0f}" y="{y}" width="{w:.0f}" '
            f'height="{bar_h}" rx="6" fill="{shades[i % len(shades)]}">'
            f"<title>{escape(stage)}：{count}</title></rect>"
        )
        parts.append(
            _text(
                width / 2,
                y + bar_h / 2 + 5,
                f"{stage}  {count}",
                anchor="middle",
                size=14,
                fill="#ffffff",
                weight="bold",
            )
            + "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
