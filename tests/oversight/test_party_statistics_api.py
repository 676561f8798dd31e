"""党内统计 over the API and on the page: scoped (a college sees its part, another organization is
not found), every cell opens its people, a filed year is frozen and a later change to the records
shows against it, the export is in the tables' layout and formula-safe, bad input is a 400 naming
the field."""

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from organizations.models import MemberStatus
from organizations.services import member_update

from ..conftest import client_for
from ..factories import MemberFactory, OrganizationFactory

CUTOFF = "2026-12-31"


def _get(user, **params):
    return client_for(user).get("/api/statistics/", {"cutoff": CUTOFF, **params})


def test_a_college_sees_its_part_and_another_organization_is_not_found(university):
    u = university
    college = _get(u.users.officer, organization=u.college.pk)
    assert college.status_code == 200
    table = {t["key"]: t for t in college.json()["tables"]}["members_basic"]
    total = table["rows"][0]["cells"][0]
    assert table["rows"][0]["label"] == "总计" and total["value"] == 16  # 11 in A, 5 in B
    branch_b = _get(u.users.sec_b, organization=u.branch_b.pk).json()
    assert {t["key"]: t for t in branch_b["tables"]}["members_basic"]["rows"][0]["cells"][0][
        "value"
    ] == 5
    assert _get(u.users.sec_b, organization=u.college.pk).status_code == 404
    other = OrganizationFactory(name="外校党委", kind="committee")
    assert _get(u.users.officer, organization=other.pk).status_code == 404


def test_every_cell_opens_the_people_it_counts(university):
    u = university
    r = client_for(u.users.officer).get(
        "/api/statistics/cell/",
        {
            "organization": u.branch_a.pk,
            "cutoff": CUTOFF,
            "table": "members_basic",
            "row": "total",
            "col": "probationary",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["value"] == 1
    assert [(p["name"], p["organization_name"]) for p in body["people"]] == [
        ("预备乙", "软件工程教工党支部")
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cutoff": "2026-13-01"}, "cutoff"),
        ({"table": "nope", "row": "total", "col": "total"}, "table"),
        ({"table": "members_basic", "row": "nope", "col": "total"}, "row"),
        ({"table": "members_basic", "row": "total", "col": "nope"}, "col"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(university, params, field):
    r = client_for(university.users.officer).get(
        "/api/statistics/cell/",
        {"organization": university.college.pk, "cutoff": CUTOFF, **params},
    )
    assert r.status_code == 400 and field in r.json()["fields"], r.json()


def test_a_filed_year_is_frozen_and_a_later_change_shows_against_it(university):
    u = university
    r = client_for(u.users.officer).post(
        "/api/statistics/filings/",
        {"organization": u.college.pk, "cutoff": CUTOFF},
        format="json",
    )
    assert r.status_code == 201 and r.json()["members"] == 16
    again = client_for(u.users.officer).post(
        "/api/statistics/filings/", {"organization": u.college.pk, "cutoff": CUTOFF}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "statistics_already_filed"
    assert (
        client_for(u.users.auditor)
        .post(
            "/api/statistics/filings/",
            {"organization": u.college.pk, "cutoff": "2025-12-31"},
            format="json",
        )
        .status_code
        == 403
    )
    # Later, a member is struck off (dated 2026-11-30): the filed tables stay, the difference shows.
    member_update(
        actor=None,
        member=u.full_b[0],
        status=MemberStatus.REMOVED,
        left_on=dt.date(2026, 11, 30),
        left_reason="自行脱党",
    )
    body = _get(u.users.officer, organization=u.college.pk).json()
    diffs = {(d["table"], d["row"], d["col"]): d for d in body["filing"]["differences"]}
    closing = diffs[("membership_change", "16", "count")]
    assert (closing["filed"], closing["now"]) == (16, 15)
    assert [p["name"] for p in closing["removed"]] == [u.full_b[0].name]
    left = diffs[("membership_change", "10", "count")]
    assert [p["name"] for p in left["added"]] == [u.full_b[0].name]


def test_the_export_is_in_the_tables_layout_and_formula_safe(university):
    u = university
    MemberFactory(organization=u.branch_b, name="=HYPERLINK(1)", status=MemberStatus.REMOVED)
    r = client_for(u.users.officer).get(
        "/api/statistics/export/", {"organization": u.college.pk, "cutoff": CUTOFF}
    )
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["党员基本情况"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "党员基本情况"
    assert rows[2][1:5] == ("总数", "预备党员", "女", "少数民族")
    assert rows[3][:3] == ("总计", 16, 1)
    checks = list(wb["校验"].iter_rows(values_only=True))
    # Struck off with no date on the record: the year's balance names them, as text.
    at = next(
        i for i, row in enumerate(checks) if (row[0] or "").startswith("C1 党员数量变化情况·17")
    )
    assert checks[at][1:4] == ("未通过", -1, 0)
    assert checks[at + 1][4:6] == ("=HYPERLINK(1)", "计算机学生第一党支部")
    cell = next(c for row in wb["校验"].iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s" and cell.quotePrefix
    pdf = client_for(u.users.officer).get(
        "/api/statistics/export/", {"organization": u.college.pk, "cutoff": CUTOFF, "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client_for(u.users.officer).get(
        "/api/statistics/export/", {"organization": u.college.pk, "format": "doc"}
    )
    assert bad.status_code == 400 and "format" in bad.json()["fields"]


def test_the_old_statistics_entry_point_answers_with_the_new_workbook(university):
    u = university
    r = client_for(u.users.officer).get(
        "/api/onboarding/statistics/", {"organization": u.college.pk}
    )
    assert r.status_code == 200
    assert "党员数量变化情况" in load_workbook(io.BytesIO(r.content)).sheetnames


def test_the_page_shows_the_tables_and_each_cell_links_to_its_people(university):
    u = university
    browser = Client()
    browser.force_login(u.users.officer)
    page = browser.get("/committee/statistics/", {"organization": u.college.pk, "cutoff": CUTOFF})
    assert page.status_code == 200
    html = page.content.decode()
    assert "党员数量变化情况" in html
    # The fixture's records have no birth dates: the age bands do not add up, and the check
    # names the people whose record lacks one.
    assert "党员基本情况·总计·总数 = 各年龄段之和" in html
    assert "预备乙（软件工程教工党支部，预备党员）" in html
    assert 'data-cell="members_basic:total:probationary"' in html
    cell = browser.get(
        "/committee/statistics/cell/",
        {
            "organization": u.college.pk,
            "cutoff": CUTOFF,
            "table": "members_basic",
            "row": "total",
            "col": "probationary",
        },
    )
    assert "预备乙" in cell.content.decode()
    bad = browser.get("/committee/statistics/", {"organization": u.college.pk, "cutoff": "x"})
    assert bad.status_code == 400 and 'data-field="cutoff"' in bad.content.decode()
