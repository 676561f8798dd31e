"""A hostile value in a page's query string or form (issue 26) answers a 400 page naming the field and
the rule, and records nothing. (Every page of the demo with hostile values: test_hostile_pages.py.)"""

import pytest

from orglife.models import Meeting

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query, field, words",
    [
        ("organization=abc", "organization", "组织（organization）：须为数字编号"),
        ("due_within=1e400", "due_within", "到期天数（due_within）：须为整数"),
        ("due_within=999999999999", "due_within", "须在 0 到 3650 之间"),
        ("q=%E5%BC%A0%00", "q", "不能包含控制字符"),
        ("q=" + "x" * 3000, "q", "不能超过 2000 个字符"),
        ("q=%E2%80%AE", "q", "不可见的格式字符（U+202E）"),
    ],
)
def test_a_hostile_query_value_is_a_400_page_naming_the_field_and_the_rule(
    web, university, query, field, words
):
    r = web(university.users.sec_a).get(f"/inbox/?{query}")
    assert r.status_code == 400
    page = r.content.decode()
    assert f'data-field="{field}"' in page and words in page, page[-1500:]


def test_a_hostile_form_value_is_a_400_page_and_nothing_is_recorded(web, university):
    r = web(university.users.sec_a).post(
        "/records/meetings/new/",
        {
            "organization": university.branch_a.pk,
            "kind": "themed_party_day",
            "title": "主题\x00党日",
            "held_on": "2026-03-01",
            "hours": "NaN",
        },
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert (
        'data-field="title"' in page
        and 'data-field="hours"' in page
        and "学时（hours）：须为数字" in page
    )
    assert not Meeting.objects.exists()
