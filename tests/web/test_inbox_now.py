"""Issue 27, "what to do now": the inbox opens on one list (own work and the roles' queue, overdue
first, each row saying whether it is mine or to claim), the top bar counts what is overdue on every
page, "submit and open next" stays in the case, personal steps are never offered for claiming, and
a step's deadline names its rule (or says the rules set none)."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine.calendar import today
from organizations.models import MemberStatus
from organizations.services import member_create
from web.selectors import nav_counts
from workflows.models import Task, TaskStatus
from workflows.services import case_start, task_claim

from ..helpers import cst
from ..procedures.review_helpers import drive_to_self_assessment, review_branch  # noqa: F401
from .helpers import open_task, submit_request, text

pytestmark = pytest.mark.django_db


def _apply(u, name):
    person = member_create(
        actor=None,
        organization=u.branch_a,
        name=name,
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(2000, 1, 1),
    )
    return case_start(
        actor=u.users.sec_a,
        process_id="member_development",
        organization=u.branch_a,
        subject_member=person,
    )


def test_the_inbox_opens_on_mine_and_the_queue_together_overdue_first(web, university, election):
    u = university
    sec = web(u.users.sec_a)
    dev = _apply(u, "申请人甲")
    talk = Task.objects.get(case=dev, status=TaskStatus.OPEN)
    task_claim(actor=u.users.sec_a, task=talk)
    request = open_task(election, "submit_request")
    Task.objects.filter(pk=request.pk).update(due_at=request.due_at - dt.timedelta(days=60))
    page = sec.get("/inbox/")
    body = text(page)
    html = page.content.decode()
    assert re.search(r"全部待办 2", body) and re.search(r"我的待办 1", body)
    # the overdue request first, to claim (with its button); then my claimed talk, mine
    rows = re.findall(r"data-task=\"(\d+)\"", html)
    assert rows == [str(request.pk), str(talk.pk)]
    first, second = html.split(f'data-task="{talk.pk}"')
    assert "row-to-claim" in first and f'data-testid="claim-{request.pk}"' in first
    assert "row-mine" in second and 'data-testid="claim-' not in second
    # claim it from the same list: back to the same list, now mine
    r = sec.post("/inbox/claim/", {"task": [request.pk], "tab": "todo"})
    assert r.status_code == 302 and r["Location"] == "/inbox/?tab=todo"
    assert Task.objects.get(pk=request.pk).claimed_by == u.users.sec_a
    assert "row-to-claim" not in sec.get("/inbox/?tab=todo").content.decode()
    # the other tabs remain as filters
    assert "提交换届请示" in text(sec.get("/inbox/?tab=mine"))


def test_the_default_list_costs_the_same_statements_as_the_queue(web, university, election):
    sec = web(university.users.sec_a)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert sec.get(url).status_code == 200
        return len(ctx.captured_queries)

    queue = queries("/inbox/?tab=queue")
    todo = queries("/inbox/")
    for i in range(3):
        _apply(university, f"申请人{i}")
    assert queries("/inbox/") == todo == queue


def test_every_page_counts_the_overdue_in_the_top_bar(web, university, election):
    u = university
    sec = web(u.users.sec_a)
    assert "overdue-count" not in sec.get("/inbox/").content.decode()
    request = open_task(election, "submit_request")
    Task.objects.filter(pk=request.pk).update(due_at=request.due_at - dt.timedelta(days=60))
    for url in ("/inbox/", "/notifications/", f"/cases/{election.pk}/", "/cases/"):
        html = sec.get(url).content.decode()
        assert 'data-testid="overdue-count"' in html and "逾期 1" in html, url
        assert 'href="/inbox/?tab=todo&amp;overdue=1"' in html
    assert "提交换届请示" in text(sec.get("/inbox/?tab=todo&overdue=1"))
    # one statement for the bell and the overdue count together
    with CaptureQueriesContext(connection) as ctx:
        assert nav_counts(u.users.sec_a)["overdue"] == 1
    assert len(ctx.captured_queries) <= 2  # the member id lookup at most, then the counts
    # the college's officer holds nothing overdue
    assert "overdue-count" not in web(u.users.officer).get("/inbox/").content.decode()


def test_submit_and_open_next_stays_in_the_case_when_i_hold_its_next_step(web, university):
    u = university
    sec = web(u.users.sec_a)
    dev = _apply(u, "申请人乙")
    other = _apply(u, "申请人丙")
    # the other case's step is due first: "next" still opens this case's next step
    Task.objects.filter(case=other).update(due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    application = Task.objects.get(case=dev, status=TaskStatus.OPEN)
    assert "提交并打开下一项" in text(sec.get(f"/tasks/{application.pk}/"))
    nxt = _complete_with_next(sec, application)
    following = Task.objects.get(case=dev, status=TaskStatus.OPEN)
    assert nxt == f"/tasks/{following.pk}/"


def _complete_with_next(client, task):
    """Submit the application (P1's first step) with 提交并打开下一项; the redirect's target."""
    data = {"application_date": today().isoformat(), "letter_summary": "申请书", "next": "1"}
    r = client.post(f"/tasks/{task.pk}/", data)
    assert r.status_code == 302, text(r)[:800]
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED
    return r["Location"]


def test_submit_and_open_next_falls_back_to_the_most_urgent_then_the_inbox(
    web, university, election
):
    u = university
    sec = web(u.users.sec_a)
    request = open_task(election, "submit_request")
    # the election's next step is the college's: the secretary's next is their most urgent task
    dev = _apply(u, "申请人丁")
    r = submit_request(sec, request, election_date=election.data["term_end"], next="1")
    talk = Task.objects.get(case=dev, status=TaskStatus.OPEN)
    assert r.status_code == 302 and r["Location"] == f"/tasks/{talk.pk}/"
    # nothing left: the inbox, with a message
    officer = web(u.users.officer)
    reply = open_task(election, "reply_request")
    r = officer.post(f"/tasks/{reply.pk}/", {"approved": "true", "next": "1"}, follow=True)
    assert r.redirect_chain[-1][0] == "/inbox/" and "待办已全部处理完毕" in text(r)


def test_a_members_self_assessment_is_theirs_and_never_offered_for_claiming(
    api,
    web,
    review_branch,  # noqa: F811
):
    rb = review_branch
    with time_machine.travel(cst(2026, 12, 6, 9), tick=False):
        drive_to_self_assessment(api, rb)
        member = web(rb.members[5].user)
        page = member.get("/inbox/")
        html, body = page.content.decode(), text(page)
        task = Task.objects.get(element_id="self_assessment", slot=f"member@{rb.members[5].pk}")
        assert f'data-task="{task.pk}"' in html and "本人办理" in body
        assert f'data-testid="claim-{task.pk}"' not in html
        assert "待认领 0" in body
        task_page = member.get(f"/tasks/{task.pk}/").content.decode()
        assert 'data-shortcut="c"' not in task_page and "提交并打开下一项" in task_page
        # the secretary's queue holds nobody's self-assessment but their own
        sec_html = web(rb.members[0].user).get("/inbox/?tab=queue").content.decode()
        assert f'data-task="{task.pk}"' not in sec_html
        # nor can it be claimed through the API: the step stays the member's own
        r = api(rb.members[5].user).post(f"/api/tasks/{task.pk}/claim/")
        assert r.status_code == 409 and r.json()["code"] == "task_personal", r.json()
        task.refresh_from_db()
        assert task.claimed_by_id is None


def test_a_branchs_task_in_a_colleges_round_is_the_branchs_own_not_to_claim(web, university):
    u = university
    with time_machine.travel(cst(2026, 3, 10, 9), tick=False):
        case_start(
            actor=u.users.officer,
            process_id="model_branch_evaluation",
            organization=u.college,
            data={"standard_set": "jsnu-2020", "year": 2025, "branches": [u.branch_a.pk]},
        )
        task = Task.objects.get(element_id="self_assessment", status=TaskStatus.OPEN)
        for user in (u.users.sec_a, u.users.committee_a):  # both hold the branch committee
            client = web(user)
            html = client.get("/inbox/").content.decode()
            assert f'data-task="{task.pk}"' in html and f'data-testid="claim-{task.pk}"' not in html
            assert f'data-task="{task.pk}"' not in client.get("/inbox/?tab=queue").content.decode()
            assert 'data-shortcut="c"' not in client.get(f"/tasks/{task.pk}/").content.decode()


def test_a_deadline_names_its_rule_and_a_step_without_one_says_the_rules_set_none(
    web, university, election
):
    u = university
    sec, officer = web(u.users.sec_a), web(u.users.officer)
    request = open_task(election, "submit_request")
    page = text(sec.get(f"/tasks/{request.pk}/"))
    # election.request_lead: 换届请示应在任期届满前提交（P2 step 1, a local rule)
    assert "依据：换届请示应在任期届满前提交" in page and "规则未规定期限" not in page
    submit_request(sec, request, election_date=election.data["term_end"])
    reply = open_task(election, "reply_request")
    assert reply.due_at is None
    page = text(officer.get(f"/tasks/{reply.pk}/"))
    assert "规则未规定期限" in page and "依据：" not in page.split("期限")[1][:40]
    # a rule with an article: P1's talk within a month (DEV-2014 Art. 7)
    dev = _apply(u, "申请人戊")
    _complete_with_next(sec, Task.objects.get(case=dev, status=TaskStatus.OPEN))
    talk = Task.objects.get(case=dev, status=TaskStatus.OPEN)
    assert talk.element_id == "talk_with_applicant" and talk.due_at is not None
    page = text(sec.get(f"/tasks/{talk.pk}/"))
    assert "依据：收到入党申请书后派人谈话的期限（《中国共产党发展党员工作细则》第7条）" in page
