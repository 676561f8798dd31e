"""The committee page's trends: compliance by month and the development funnel by year, each a
server-drawn SVG (title and description for screen readers) with its table beside it; scoped, and
in a number of queries that does not grow with the branches, meetings or people."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orglife.services import meeting_record
from web.charts import bars_svg, line_svg

from ..factories import MemberFactory, OrganizationFactory
from ..procedures.md_helpers import applicant, at, drive_to_designation

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def test_the_line_chart_names_itself_and_every_point():
    svg = line_svg(
        columns=["2026-01", "2月", "3月"],
        series=[("主题党日", [0.5, None, 1.0]), ("支委会", [0.0, 0.25, 0.75])],
        label="计算机学院党委 近十二个月各项组织生活达标支部占比",
        desc="每月一条折线",
    )
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text.endswith("达标支部占比")
    assert root.find(f"{SVG}desc").text == "每月一条折线"
    titles = [t.text for t in root.iter(f"{SVG}title")]
    # a month without a judged branch is a gap, not a zero
    assert "主题党日 · 2026-01：50%" in titles and "主题党日 · 3月：100%" in titles
    assert not any(t.startswith("主题党日 · 2月") for t in titles)
    assert "支委会 · 2月：25%" in titles


def test_the_bar_chart_draws_each_count_with_its_year_and_stage():
    svg = bars_svg(
        columns=["2025", "2026"],
        series=[("递交申请", [3, 1]), ("接收预备党员", [0, 2])],
        label="发展党员逐年情况",
        desc="每年一组柱",
    )
    root = ET.fromstring(str(svg))
    bars = root.findall(".//*[@class='pf-bar']")
    assert [b.get("data-count") for b in bars] == ["3", "0", "1", "2"]  # 2025 first, then 2026
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "递交申请 · 2025：3" in titles and "接收预备党员 · 2026：2" in titles


def cells(html: str, testid: str) -> list[list[str]]:
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', html, re.S).group(1)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def test_the_committee_page_shows_both_trends_with_their_tables(api, web, university):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)  # an activist since 2026-02-01 (steps 1-5)
    with at(2026, 8, 10, 10):
        meeting_record(
            actor=u.users.sec_a,
            organization=u.branch_a,
            kind="themed_party_day",
            held_on=dt.date(2026, 7, 8),
            attendees=[m.pk for m in u.full_a],
        )
        page = web(u.users.officer).get(f"/committee/?organization={u.college.pk}")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="compliance-trend"' in html and 'data-testid="funnel-trend"' in html
        assert html.count("<desc id=") >= 2  # each chart describes itself

        trend = cells(html, "compliance-trend-table")
        head, rows = trend[0], trend[1:]
        assert head[0] == "月份" and "主题党日" in head
        assert [r[0] for r in rows] == [f"2025年{m}月" for m in range(9, 13)] + [
            f"2026年{m}月" for m in range(1, 9)
        ]
        july = dict(zip(head, rows[-2], strict=True))
        met, judged = re.match(r"(\d+)/(\d+)", july["主题党日"]).groups()
        assert int(met) >= 1 and int(judged) >= int(met)  # branch_a met it in July
        assert dict(zip(head, rows[-1], strict=True))["主题党日"] == "—"  # August still running

        funnel = cells(html, "funnel-trend-table")
        head, rows = funnel[0], funnel[1:]
        assert head == [
            "年份",
            "递交申请",
            "确定积极分子",
            "确定发展对象",
            "接收预备党员",
            "预备党员转正",
        ]
        assert [r[0] for r in rows] == ["2022", "2023", "2024", "2025", "2026"]
        assert rows[-1][2] == "1"  # the activist of 1 February 2026

        # another college's officer is not shown this committee (out of scope reads as not found)
        assert web(u.users.sec_b).get(f"/committee/?organization={u.college.pk}").status_code == 404


def test_the_trends_do_not_grow_their_queries_with_branches_and_people(web, university):
    u = university
    officer = web(u.users.officer)
    url = f"/committee/?organization={u.college.pk}"

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert officer.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(3):
        branch = OrganizationFactory(name=f"趋势支部{i}", kind="branch", parent=u.college)
        for j in range(3):
            MemberFactory(organization=branch, name=f"趋{i}{j}")
    assert queries() == before
