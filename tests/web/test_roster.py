"""The roster (花名册) of a branch as its secretary reads it: each member with status, rights,
years of standing, the month dues are paid through and, for people in development, the stage;
each name opens the member's record; scoped to the branches whose records one keeps; exported to
Excel with names kept as text."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from engine.calendar import month_label, today
from organizations.models import MemberStatus
from organizations.services import member_update
from orglife.services import dues_record
from oversight.roster import branch_roster
from workflows.models import Case

from ..factories import MemberFactory
from ..procedures.md_helpers import start_development
from .helpers import text

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def month_before(day: dt.date, n: int) -> dt.date:
    y, m = day.year, day.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


@pytest.fixture
def dues(university):
    """Dues kept from three months before this one: 甲0 paid all three, 甲1 only the first."""
    u = university
    first = month_before(today(), 3)
    for i in range(3):
        dues_record(
            actor=None,
            member=u.full_a[0],
            month=month_before(today(), 3 - i),
            amount=10,
            paid_on=first,
        )
    dues_record(actor=None, member=u.full_a[1], month=first, amount=10, paid_on=first)
    member_update(actor=None, member=u.full_a[0], party_standing_from=dt.date(2001, 7, 1))
    return first


def test_the_secretary_reads_the_roster_with_dues_standing_and_stage(university, web, api, dues):
    u = university
    applicant = MemberFactory(organization=u.branch_a, name="林晓", status=MemberStatus.APPLICANT)
    case = start_development(api(u.users.sec_a), u, applicant)
    MemberFactory(organization=u.branch_a, name='=HYPERLINK("x")', status=MemberStatus.APPLICANT)
    rows = {r.member.name: r for r in branch_roster(u.branch_a)}
    assert rows["甲0"].paid_through == month_before(today(), 1) and rows["甲0"].months_owed == 0
    assert rows["甲1"].paid_through == dues and rows["甲1"].months_owed == 2
    assert rows["甲0"].standing_years == today().year - 2001 - (
        (today().month, today().day) < (7, 1)
    )
    assert rows["停权丙"].rights == "停止党员权利（留党察看期间）"
    assert rows['=HYPERLINK("x")'].paid_through is None and rows['=HYPERLINK("x")'].dues_note == ""
    page = web(u.users.sec_a).get("/records/roster/")
    assert page.status_code == 200
    shown = text(page)
    assert "软件工程教工党支部" in shown and "欠缴 2 个月" in shown and "入党申请人" in shown
    assert month_label(month_before(today(), 1)) in shown and "预备党员" in shown
    assert f'href="/members/{u.full_a[0].pk}/development/"' in page.content.decode()
    assert "丁0" not in shown  # another branch's member
    stage = Case.objects.get(pk=case["id"]).stage
    assert stage and rows["林晓"].stage == stage
    row = re.search(r'<tr data-member="林晓">.*?</tr>', page.content.decode(), re.S).group()
    assert stage in text_of(row)


def test_the_roster_is_the_branch_committees_and_no_one_elses(university, web, dues):
    u = university
    assert web(u.users.committee_a).get("/records/roster/").status_code == 200
    for user in (u.users.member_a, u.users.auditor):
        assert web(user).get("/records/roster/").status_code == 404, user
    other = web(u.users.sec_b)
    assert other.get(f"/records/roster/?organization={u.branch_a.pk}").status_code == 404
    assert "甲0" not in text(other.get("/records/roster/"))
    assert other.get(f"/records/roster.xlsx?organization={u.branch_a.pk}").status_code == 404


def test_the_roster_exports_to_excel_with_names_as_text(university, web, dues):
    u = university
    MemberFactory(organization=u.branch_a, name="=1+2", status=MemberStatus.ACTIVIST)
    r = web(u.users.sec_a).get("/records/roster.xlsx")
    assert (
        r.status_code == 200 and "%E8%8A%B1%E5%90%8D%E5%86%8C" in r["Content-Disposition"]
    )  # 花名册
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "软件工程教工党支部 党员花名册"
    assert rows[1][:6] == ("姓名", "党小组", "状态", "党员权利", "党龄（年）", "党费缴至")
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name["甲1"][5] == month_label(dues) and by_name["甲1"][6] == "欠缴 2 个月"
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=1+2")
    assert cell.data_type == "s"  # stored as text, never run as a formula
