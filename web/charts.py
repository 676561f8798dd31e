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


# One colour and one marker shape per series, so lines stay apart without telling hues apart.
SERIES = [
    ("#1d5fa8", "circle"),
    ("#c62828", "square"),
    ("#2e7d32", "diamond"),
    ("#ef6c00", "triangle"),
    ("#6a1b9a", "circle"),
    ("#00838f", "square"),
    ("#5d4037", "diamond"),
    ("#455a64", "triangle"),
]


def _marker(shape: str, x: float, y: float, colour: str, title: str) -> str:
    t = f"<title>{escape(title)}</title>"
    if shape == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{t}</rect>'
        )
    if shape == "diamond":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}">{t}</polygon>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{pts}" fill="{colour}">{t}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}">{t}</circle>'


def _open(width: int, height: int, label: str, desc: str, cls: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{cls}-t {cls}-d" class="pf-chart {cls}" '
        f'style="max-width:{width}px;font-family:sans-serif">'
        f'<title id="{cls}-t">{escape(label)}</title><desc id="{cls}-d">{escape(desc)}</desc>'
    )


def _legend(names: Sequence[str], y: float, width: int) -> tuple[list[str], float]:
    """Legend entries flowing in rows across the chart; returns the parts and the height used."""
    parts, x, row = [], 10.0, 0
    for i, name in enumerate(names):
        colour, shape = SERIES[i % len(SERIES)]
        w = 30 + 13 * len(name)
        if x + w > width and x > 10:
            x, row = 10.0, row + 1
        yy = y + row * 20
        parts.append(
            f'<g class="pf-legend"><line x1="{x:.0f}" y1="{yy:.0f}" x2="{x + 18:.0f}" y2="{yy:.0f}" '
            f'stroke="{colour}" stroke-width="2"/>{_marker(shape, x + 9, yy, colour, name)}'
            + _text(x + 24, yy + 4, name, size=12)
            + "</g>"
        )
        x += w
    return parts, (row + 1) * 20


def line_svg(
    *,
    columns: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    label: str,
    desc: str,
    percent: bool = True,
) -> SafeString:
    """Lines over `columns` (months): one per series ((name, values); None leaves a gap), values 0-1
    drawn as percentages, every point with its own tooltip."""
    width, left, right, top, plot_h = 640, 44, 14, 12, 200
    step = (width - left - right) / max(1, len(columns) - 1)
    legend, legend_h = _legend([n for n, _v in series], top + plot_h + 44, width)
    height = top + plot_h + 44 + legend_h
    parts = [_open(width, height, label, desc, "pf-trend")]
    for k in range(0, 5):  # gridlines at 0, 25, 50, 75, 100 %
        y = top + plot_h - k * plot_h / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.0f}" x2="{width - right}" y2="{y:.0f}" stroke="#e3e6ea"/>'
            + _text(left - 6, y + 4, f"{k * 25}%", anchor="end", size=11, fill="#5f6b7a")
        )
    for j, col in enumerate(columns):
        parts.append(
            _text(left + j * step, top + plot_h + 18, col, anchor="middle", size=11, fill="#5f6b7a")
        )
    for i, (name, values) in enumerate(series):
        colour, shape = SERIES[i % len(SERIES)]
        points = [
            (left + j * step, top + plot_h - v * plot_h, v)
            for j, v in enumerate(values)
            if v is not None
        ]
        parts.append(f'<g class="pf-series" data-series="{escape(name)}">')
        if len(points) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in points)
            parts.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y, v), col in zip(
            points, [c for c, v in zip(columns, values, strict=True) if v is not None], strict=True
        ):
            shown = f"{round(v * 100)}%" if percent else f"{v:g}"
            parts.append(_marker(shape, x, y, colour, f"{name} · {col}：{shown}"))
        parts.append("</g>")
    parts.extend(legend)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bars_svg(
    *,
    columns: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    label: str,
    desc: str,
) -> SafeString:
    """Grouped bars: one group per column (year), one bar per series (stage) with its count on top."""
    width, left, top, plot_h = 640, 40, 16, 200
    top_value = max((v for _n, vs in series for v in vs), default=0) or 1
    group = (width - left - 10) / max(1, len(columns))
    bar = min(22.0, (group - 12) / max(1, len(series)))
    legend, legend_h = _legend([n for n, _v in series], top + plot_h + 44, width)
    height = top + plot_h + 44 + legend_h
    parts = [_open(width, height, label, desc, "pf-bars")]
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#9aa5b1"/>'
    )
    for j, col in enumerate(columns):
        gx = left + j * group + (group - bar * len(series)) / 2
        parts.append(
            _text(left + j * group + group / 2, top + plot_h + 18, col, anchor="middle", size=12)
        )
        for i, (name, values) in enumerate(series):
            colour, _shape = SERIES[i % len(SERIES)]
            v = values[j]
            h = plot_h * v / top_value
            x, y = gx + i * bar, top + plot_h - h
            parts.append(
                f'<g class="pf-bar" data-count="{v}"><rect x="{x:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(name)} · {escape(col)}：{v}</title></rect>'
                + _text(x + (bar - 2) / 2, y - 3, str(v), anchor="middle", size=10)
                + "</g>"
            )
    parts.extend(legend)
    parts.append("</svg>")
    return mark_safe("".join(parts))
