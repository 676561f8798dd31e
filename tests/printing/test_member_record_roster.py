"""The 纪实表's 基本情况 is the member's roster record (issue 25): each labelled cell holds the
roster's value, the national code read as its label."""

import io

import pytest
from docx import Document as Docx

from ..procedures.md_helpers import applicant, at
from .helpers import get_doc

pytestmark = pytest.mark.django_db(transaction=False)


def labelled_cells(content: bytes, table: int = 0) -> dict[str, str]:
    """The 基本情况 table as {label: value}: labels in columns 1, 3, 5, each value to its right."""
    rows = Docx(io.BytesIO(content)).tables[table].rows
    cells = {}
    for row in rows:
        texts = [c.text for c in row.cells]
        for i in range(0, len(texts) - 1, 2):
            cells.setdefault(texts[i].replace("\u3000", ""), texts[i + 1].strip())
    return cells


def test_member_record_fills_the_personal_data_from_the_roster(api, university):
    u = university
    person = applicant(
        u,
        gender="2",
        ethnicity="03",
        education="20",
        degree="4",
        person_category="student",
        job_post="计算机学院软件工程2023级本科生",
        phone="13800001111",
        native_place="山东济南",
    )
    with at(2026, 1, 6, 10):
        r = get_doc(
            api(u.users.sec_a), f"/api/members/{person.pk}/documents/generate/member_record/"
        )
    cells = labelled_cells(r.content)
    assert cells["姓名"] == "申请人张"
    assert cells["性别"] == "女"
    assert cells["民族"] == "回族"
    assert cells["出生日期"] == "2000年5月1日"
    assert cells["学历"] == "大学本科"
    assert cells["学位"] == "学士"
    assert cells["人员类别"] == "学生"
    assert cells["工作单位及职务"] == "计算机学院软件工程2023级本科生"
    assert cells["籍贯"] == "山东济南"
    assert cells["联系电话"] == "138****1111"
    assert cells["当前身份"] == "入党申请人"
    assert cells["所在党支部"] == "软件工程教工党支部"
