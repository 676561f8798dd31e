"""Saved filters that cannot hurt the inbox (issue 26): validated when saved, skipped with a note when
a stored one cannot be applied, and a filter shared with me can be hidden by me alone."""

import re

import pytest

from web.models import SavedFilter
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def _shared(u, query: str, name: str = "有问题的筛选") -> SavedFilter:
    """A filter the organization department shared with every branch secretary of the school, as
    stored before saving validated it (written directly: the service now refuses it)."""
    return SavedFilter.objects.create(
        owner=u.users.orgdept,
        name=name,
        page="inbox",
        query=query,
        shared_role="branch_secretary",
        shared_organization=u.school,
    )


@pytest.mark.parametrize(
    "query",
    ["process=%00", "organization=abc", "due_within=1e400", "q=%E2%80%AE", "q=" + "x" * 500],
)
def test_a_stored_shared_filter_that_cannot_be_applied_is_skipped_with_a_note(
    web, university, query
):
    u = university
    _shared(u, query)
    _shared(u, "tab=queue", name="待认领")
    for user in (u.users.sec_a, u.users.sec_b):
        page = web(user).get("/inbox/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "有问题的筛选" in body and "此筛选无法使用" in body, body[-3000:]
        assert 'data-count="0">待认领' in body  # the other filters still count
        assert not re.search(r'href="/inbox/\?[^"]*"[^>]*>有问题的筛选', body)


@pytest.mark.parametrize(
    "query, words",
    [
        ("process=%00", "不能包含控制字符"),
        ("organization=abc", "组织（organization）：须为数字编号"),
        ("due_within=999999999999", "须在 0 到 3650 之间"),
        ("q=%E2%80%AE", "不可见的格式字符"),
        ("tab=everything", "tab"),
    ],
)
def test_a_filter_is_validated_when_saved_with_the_field_named(web, university, query, words):
    r = web(university.users.sec_a).post(
        "/filters/",
        {"page": "inbox", "name": "坏筛选", "query": query, "next": "/inbox/"},
        follow=True,
    )
    body = r.content.decode()
    assert "筛选条件" in body and words in body, body[-3000:]
    assert not SavedFilter.objects.exists()


def test_a_name_with_invisible_characters_is_refused(web, university):
    r = web(university.users.sec_a).post(
        "/filters/", {"page": "inbox", "name": "我的\u200b筛选", "query": "tab=queue"}, follow=True
    )
    assert r.status_code == 400 and "不可见的格式字符" in r.content.decode()
    assert not SavedFilter.objects.exists()


def test_a_recipient_hides_a_shared_filter_for_themself_only(web, university):
    u = university
    saved = _shared(u, "tab=queue", name="全校待认领")
    sec_a, sec_b = web(u.users.sec_a), web(u.users.sec_b)
    assert 'data-count="0">全校待认领' in sec_a.get("/inbox/").content.decode()
    r = sec_a.post(f"/filters/{saved.pk}/hide/", {"next": "/inbox/"})
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert 'data-count="0">全校待认领' not in sec_a.get("/inbox/").content.decode()
    assert 'data-count="0">全校待认领' in sec_b.get("/inbox/").content.decode()
    assert list(saved.hidden_by.all()) == [u.users.sec_a]
    assert AuditEvent.objects.filter(action="saved_filter_hidden").count() == 1
    # shown again on request
    sec_a.post(f"/filters/{saved.pk}/unhide/", {"next": "/inbox/"})
    assert 'data-count="0">全校待认领' in sec_a.get("/inbox/").content.decode()
    # someone the filter is not shared with cannot hide it: the 404 page, like a missing one
    assert web(u.users.committee_a).post(f"/filters/{saved.pk}/hide/").status_code == 404
