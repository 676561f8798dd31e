"""The P1 case diagram as a person sees it at 1280 and 375 px: it opens at a readable scale inside
its box, 适应宽度 shows the whole width, ＋/－ zoom, no two labels overlap, and on a phone the step
list comes first with the diagram behind its button. Screenshots: `p1-case-*.png`,
`p1-case-fit-*.png` under var/screenshots/."""

import datetime as dt

import pytest

from engine.calendar import today
from organizations.models import MemberStatus
from organizations.services import member_create
from workflows.services import case_start

from ..conftest import PASSWORD
from .conftest import Person, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)

# every text bpmn-js draws (step names, flow and event labels, lanes) with its box on the screen
LABEL_BOXES = """() => [...document.querySelectorAll('#diagram .djs-element > .djs-visual > text')]
    .filter(t => t.textContent.trim())
    .map(t => { const r = t.getBoundingClientRect();
                return {id: t.closest('.djs-element').getAttribute('data-element-id'),
                        text: t.textContent, x: r.x, y: r.y, w: r.width, h: r.height}; })
    .filter(b => b.w > 0 && b.h > 0)"""


def overlapping(boxes):
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    ]


@pytest.fixture
def p1_case(university):
    u = university
    applicant = member_create(
        actor=None,
        organization=u.branch_a,
        name="申请人图",
        status=MemberStatus.APPLICANT,
        birth_date=today() - dt.timedelta(days=20 * 365),
    )
    return case_start(
        actor=u.users.sec_a,
        process_id="member_development",
        organization=u.branch_a,
        subject_member=applicant,
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_p1_diagram_fits_its_box_zooms_and_no_labels_overlap(chromium, live_server, p1_case, width):
    person = Person(chromium, live_server.url, "sec_a", PASSWORD, width)
    page = person.page
    try:
        page.goto(f"/cases/{p1_case.pk}/")
        box = page.locator("[data-testid=diagram-box]")
        if width == 375:
            # the step list is the primary view: above the diagram, which is closed
            assert not box.evaluate("d => d.open")
            steps_top = page.locator("#steps-title").bounding_box()["y"]
            assert steps_top < page.locator("#diagram-title").bounding_box()["y"]
            assert page.locator("li.step[data-state=open]").first.is_visible()
            page.get_by_text("显示流程图").click()
        page.wait_for_selector("#diagram[data-ready='1']", state="attached")
        assert [e for e in person.errors if "favicon" not in e and "Failed to load" not in e] == []
        container = page.locator("#diagram").bounding_box()
        # opens readable (at least 0.6), the open step in the box
        scale = float(page.get_attribute("#diagram", "data-scale"))
        assert scale >= 0.6
        open_step = page.locator("#diagram g.djs-element.pf-open").first.bounding_box()
        assert container["x"] <= open_step["x"] and (
            open_step["x"] + open_step["width"] <= container["x"] + container["width"]
        )
        boxes = page.evaluate(LABEL_BOXES)
        assert any(b["text"].startswith("导入") for b in boxes)  # the imported-history entries
        assert overlapping(boxes) == []
        assert no_horizontal_scroll(page)
        shoot(page, "p1-case")

        # 适应宽度: the whole pool fits the box's width
        page.get_by_role("button", name="适应宽度").click()

        fitted = page.evaluate(
            """() => { const r = document.querySelector('#diagram .djs-container svg .viewport').getBoundingClientRect();
                       return {x: r.x, w: r.width}; }"""
        )
        assert container["x"] - 1 <= fitted["x"]
        assert fitted["x"] + fitted["w"] <= container["x"] + container["width"] + 1
        fit_scale = float(page.get_attribute("#diagram", "data-scale"))
        assert fit_scale < scale
        # even fitted, no label the layout places (flows, events) lies on another
        placed = [b for b in page.evaluate(LABEL_BOXES) if b["id"].endswith("_label")]
        assert len(placed) > 10 and overlapping(placed) == []
        shoot(page, "p1-case-fit")
        page.get_by_role("button", name="放大").click()
        assert float(page.get_attribute("#diagram", "data-scale")) == pytest.approx(
            fit_scale * 1.25, rel=0.01
        )
        page.get_by_role("button", name="缩小").click()
        assert float(page.get_attribute("#diagram", "data-scale")) == pytest.approx(
            fit_scale, rel=0.01
        )
    finally:
        person.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_committee_trend_charts_render_beside_their_tables(
    chromium, live_server, university, width
):
    person = Person(chromium, live_server.url, "officer", PASSWORD, width)
    page = person.page
    try:
        page.goto(f"/committee/?organization={university.college.pk}")
        for testid, points in (
            ("compliance-trend", "circle, rect, polygon"),
            ("funnel-trend", ".pf-bar"),
        ):
            section = page.locator(f"[data-testid={testid}]")
            chart = section.locator("svg.pf-chart")
            assert chart.get_attribute("role") == "img"
            box = chart.bounding_box()
            assert box["width"] > 250 and box["height"] > 100  # drawn, and fits the screen
            # a phone scrolls a chart sideways inside its card, never the page
            holder = section.locator(".chart").bounding_box()
            assert holder["x"] + holder["width"] <= width
            assert chart.locator(points).count() > 0
            assert section.locator("table").is_visible()
        # the five stages, one bar each for each of five years
        assert page.locator("[data-testid=funnel-trend] .pf-bar").count() == 25
        assert no_horizontal_scroll(page)
        page.locator("[data-testid=compliance-trend]").scroll_into_view_if_needed()
        shoot(page, "committee-trends")
    finally:
        person.close()
