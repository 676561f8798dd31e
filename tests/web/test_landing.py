"""Where each person lands after login (and at "/"), the overdue dashboard of the organization
department and committee officers (their subtree only), and 我的事项: a member's own cases, never
another member's."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engine.calendar import today
from organizations.models import MemberStatus, Organization, OrgKind, Role
from organizations.services import role_assignment_create
from workflows.models import Case, Task, TaskStatus
from workflows.services import case_start, timers_run

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..procedures.md_helpers import start_development
from ..procedures.review_helpers import drive_to_self_assessment, review_branch  # noqa: F401
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def applicant(branch, name: str, **kw):
    return MemberFactory(
        organization=branch,
        name=name,
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(2000, 5, 1),
        **kw,
    )


def lands(user) -> tuple[Client, str]:
    client = Client()
    r = client.post("/", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    return client, r["Location"]


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("orgdept", "/overview/"),
        ("officer", "/overview/"),
        ("auditor", "/cases/"),
        ("sec_a", "/inbox/"),
        ("committee_a", "/inbox/"),
        ("member_a", "/inbox/"),
    ],
)
def test_each_role_lands_on_its_page_after_login_and_at_root(university, who, where):
    client, location = lands(getattr(university.users, who))
    assert location == where
    again = client.get("/")
    assert again.status_code == 302 and again["Location"] == where
    assert client.get(where).status_code == 200


def test_a_person_with_several_roles_lands_by_the_most_office_one_and_keeps_the_nav(university):
    u = university
    # branch A's secretary is also an officer of the college committee: the dashboard first
    role_assignment_create(
        actor=None, user=u.users.sec_a, role=Role.COMMITTEE_OFFICER, organization=u.college
    )
    client, location = lands(u.users.sec_a)
    assert location == "/overview/"
    page = client.get(location).content.decode()
    for href in ("/inbox/", "/cases/", "/records/meetings/", "/committee/", "/mine/"):
        assert f'href="{href}"' in page, href
    # an auditor who is also a branch secretary lands on the case search
    role_assignment_create(
        actor=None, user=u.users.sec_b, role=Role.AUDITOR, organization=u.college
    )
    assert lands(u.users.sec_b)[1] == "/cases/"


@pytest.fixture
def overdue_in_and_out(university):
    """Branch A's election request overdue (below the college), and the same in a branch of
    another college the officer does not oversee."""
    u = university
    other_college = OrganizationFactory(
        name="外国语学院党委", kind=OrgKind.COMMITTEE, parent=u.school, has_approval_authority=True
    )
    other_branch = OrganizationFactory(
        name="英语系教工党支部", kind=OrgKind.BRANCH, parent=other_college
    )
    other_sec = UserFactory(username="sec_other")
    role_assignment_create(
        actor=None, user=other_sec, role=Role.BRANCH_SECRETARY, organization=other_branch
    )
    cases = []
    for branch, sec in ((u.branch_a, u.users.sec_a), (other_branch, other_sec)):
        Organization.objects.filter(pk=branch.pk).update(
            term_start=today() - dt.timedelta(days=3 * 365),
            term_end=today() + dt.timedelta(days=40),
        )
        branch.refresh_from_db()
        cases.append(
            case_start(
                actor=sec,
                process_id="branch_election",
                organization=branch,
                subject=f"{branch.name}换届选举",
            )
        )
    timers_run(now=timezone.now())
    past = timezone.now() - dt.timedelta(days=5)
    Task.objects.filter(case__in=cases, status=TaskStatus.OPEN).update(due_at=past)
    return other_branch


def test_the_dashboard_lists_an_overdue_step_below_and_not_one_outside_scope(
    web, university, overdue_in_and_out
):
    u = university
    officer = web(u.users.officer)
    page = officer.get("/overview/")
    assert page.status_code == 200
    html = page.content.decode()
    overdue = re.search(r'data-testid="overdue">(.*?)</table>', html, re.S).group(1)
    assert "提交换届请示" in overdue and u.branch_a.name in overdue
    assert overdue_in_and_out.name not in html  # another college's branch
    by_branch = re.search(r'data-testid="overdue-by-branch">(.*?)</table>', html, re.S).group(1)
    assert u.branch_a.name in by_branch and "换届" in text_of(by_branch)
    # the organization department of the school sees both colleges' branches
    school = text(web(u.users.orgdept).get("/overview/"))
    assert u.branch_a.name in school and overdue_in_and_out.name in school
    # another college asked for by id answers 404
    assert officer.get(f"/overview/?organization={overdue_in_and_out.parent_id}").status_code == 404


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def test_the_dashboard_shows_expired_terms_and_its_query_count_does_not_grow(
    web, university, overdue_in_and_out
):
    u = university
    Organization.objects.filter(pk=u.branch_b.pk).update(
        term_start=today() - dt.timedelta(days=3 * 365 + 40),
        term_end=today() - dt.timedelta(days=40),
    )
    officer = web(u.users.officer)
    page = officer.get("/overview/")
    terms = re.search(r'data-testid="terms-expired">(.*?)</ul>', page.content.decode(), re.S)
    assert u.branch_b.name in terms.group(1) and "已逾期 40 天" in text_of(terms.group(1))
    with CaptureQueriesContext(connection) as few:
        officer.get("/overview/")
    Task.objects.filter(status=TaskStatus.OPEN).update(due_at=timezone.now() - dt.timedelta(days=1))
    for i in range(3):
        case_start(
            actor=u.users.sec_b,
            process_id="member_development",
            organization=u.branch_b,
            subject_member=applicant(u.branch_b, f"申请人{i}"),
        )
    Task.objects.filter(status=TaskStatus.OPEN).update(due_at=timezone.now() - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as more:
        page = officer.get("/overview/")
    assert "申请人2" in text(page)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_member_sees_their_own_development_and_review_not_another_members(
    web,
    api,
    university,
    review_branch,  # noqa: F811
):
    u, rb = university, review_branch
    # a P1 development case about rv5 (an applicant of branch A) and one about someone else
    me, other = rb.members[5], rb.members[6]
    mine = applicant(u.branch_a, "申请人我", user=UserFactory(username="applicant_me"))
    theirs = applicant(u.branch_a, "申请人他")
    sec = api(u.users.sec_a)
    dev = start_development(sec, u, mine)
    start_development(sec, u, theirs)
    drive_to_self_assessment(api, rb)
    # the applicant: their development, linked to their record, with the next step and holder
    page = web(mine.user).get("/mine/")
    assert page.status_code == 200
    seen = text(page)
    assert "发展党员" in seen and f'href="/members/{mine.pk}/development/"' in page.content.decode()
    assert "下一步" in seen and "申请人他" not in seen
    assert web(mine.user).get(f"/members/{mine.pk}/development/").status_code == 200
    assert web(mine.user).get(f"/members/{theirs.pk}/development/").status_code == 404
    # a member of the review branch: their own self-assessment, open, linked to their task
    own = Task.objects.get(slot=f"member@{me.pk}", status=TaskStatus.OPEN)
    page = web(me.user).get("/mine/")
    html = page.content.decode()
    assert "民主评议" in text(page) and f'href="/tasks/{own.pk}/"' in html and "待填写" in html
    others = Task.objects.get(slot=f"member@{other.pk}")
    assert f'href="/tasks/{others.pk}/"' not in html
    assert Case.objects.get(pk=dev["id"]).subject_member.name not in text(page)
    # the other member sees their own task, not this one's
    assert f'href="/tasks/{own.pk}/"' not in web(other.user).get("/mine/").content.decode()
    # a person with no member record has nothing there
    assert "目前没有与您本人有关的流程" in text(web(u.users.orgdept).get("/mine/"))


def test_the_top_bar_names_the_person_not_the_login(university):
    """An account with no name of its own (an imported officer's, a test user's) reads as the member
    it belongs to; the login name shows only for an account with neither."""
    u = university
    assert u.users.sec_a.get_full_name() == ""
    client, location = lands(u.users.sec_a)
    page = client.get(location)
    summary = re.search(r"<summary>([^<]*)</summary>", page.content.decode()).group(1)
    assert summary == u.users.sec_a.member.name
    assert "sec_a" not in summary
