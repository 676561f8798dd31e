"""The server-side SVG charts: what a reader of the picture (or of its tooltips) is told."""

import xml.etree.ElementTree as ET

from web.charts import Cell, funnel_svg, heatmap_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_heat_map_colours_each_cell_by_status_and_links_to_its_records():
    svg = heatmap_svg(
        rows=["软件工程教工党支部", "计算机学生第一党支部"],
        columns=["支部党员大会", "主题党日"],
        cells={
            (0, 0): Cell("met", "软件工程教工党支部 · 支部党员大会：已完成", "/web/x?a=1&b=2"),
            (1, 1): Cell("missed", "计算机学生第一党支部 · 主题党日：未完成 <1/3>"),
        },
        label="组织生活落实情况",
    )
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-label") == "组织生活落实情况"
    cells = root.findall(".//*[@class='pf-cell']")
    assert [c.get("data-status") for c in cells] == [
        "met",
        "not_applicable",
        "not_applicable",
        "missed",
    ]
    assert cells[0].tag == f"{SVG}a" and cells[0].get("href") == "/web/x?a=1&b=2"
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert (
        "计算机学生第一党支部 · 主题党日：未完成 <1/3>" in titles
    )  # escaped in the markup, intact when read
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "软件工程教工党支部" in texts and "主题党日" in texts and "✗" in texts


def test_the_funnel_draws_one_bar_per_stage_widest_for_the_largest_count():
    svg = funnel_svg(
        stages=[("入党申请人", 40), ("入党积极分子", 20), ("发展对象", 5), ("预备党员", 0)],
        label="发展党员各阶段人数",
    )
    root = ET.fromstring(str(svg))
    bars = root.findall(f".//{SVG}rect")
    widths = [float(b.get("width")) for b in bars]
    assert widths == sorted(widths, reverse=True) and widths[0] > 2 * widths[2]
    assert [g.get("data-count") for g in root.findall(".//*[@class='pf-stage']")] == [
        "40",
        "20",
        "5",
        "0",
    ]
    assert "发展对象  5" in [t.text for t in root.iter(f"{SVG}text")]
