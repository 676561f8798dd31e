"""The pages through Django's test client: login, inbox, task form, refusals, scope, query counts,
the admin's saves through the services. (tests/web/test_browser.py drives a real browser.)"""

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from docx import Document as Docx

from forms.validation import load_schema
from notifications.models import Notification
from notifications.services import alerts_raise
from organizations.models import MemberStatus, Organization
from organizations.services import member_create
from partyflow.management.commands.demo import Command
from web.diagram import BPMNDI, DC, laid_out, missing_layout
from web.selectors import case_diagram, with_member_hints
from workflows.display import user_names, value_in_words
from workflows.models import Case, Task, TaskStatus
from workflows.services import case_start

from .conftest import PASSWORD
from .helpers import open_task, submit_request, text

pytestmark = pytest.mark.django_db


def test_login_page_at_root_and_each_person_lands_on_their_inbox(university):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/")
    assert page.status_code == 200 and "登录党务工作台" in text(page)
    token = client.cookies["csrftoken"].value
    refused = Client(enforce_csrf_checks=True).post(
        "/", {"username": "sec_a", "password": PASSWORD}
    )
    assert refused.status_code == 403  # no CSRF token, no login
    wrong = client.post(
        "/", {"username": "sec_a", "password": "nope", "csrfmiddlewaretoken": token}
    )
    assert wrong.status_code == 200 and "请输入一个正确的" in text(wrong)
    r = client.post("/", {"username": "sec_a", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert client.get("/").status_code == 302  # already logged in: to the inbox


def test_pages_need_a_login(university):
    r = Client().get("/inbox/")
    assert r.status_code == 302 and r["Location"].startswith("/?next=/inbox/")


def test_inbox_lists_the_request_with_counts_and_days_left(web, university, election):
    sec = web(university.users.sec_a)
    page = sec.get("/inbox/?tab=queue")
    body = text(page)
    assert "提交换届请示" in body and "软件工程教工党支部" in body and "党支部换届选举" in body
    assert (
        re.search(r"待认领 1", body)
        and re.search(r"我的待办 0", body)
        and re.search(r"我已办理 0", body)
    )
    assert re.search(r"剩 \d+ 天", body)
    # searching by the subject's name finds it; another name does not
    assert "提交换届请示" in text(sec.get("/inbox/?tab=queue&q=软件工程"))
    assert "没有待认领的任务" in text(sec.get("/inbox/?tab=queue&q=不存在的人"))
    # htmx asks for the list only
    part = sec.get(
        "/inbox/?tab=queue&q=软件工程", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list"
    )
    assert "<html" not in part.content.decode() and "提交换届请示" in text(part)


def test_bulk_claim_moves_tasks_from_the_queue_to_mine(web, university, election):
    sec = web(university.users.sec_a)
    task = open_task(election, "submit_request")
    r = sec.post("/inbox/claim/", {"task": [task.pk]})
    assert r.status_code == 302
    body = text(sec.get("/inbox/?tab=mine"))
    assert "我的待办 1" in body and "待认领 0" in body and "提交换届请示" in body
    assert Task.objects.get(pk=task.pk).claimed_by == university.users.sec_a


def test_task_page_renders_the_schema_with_labels_and_the_rule(web, university, election):
    sec = web(university.users.sec_a)
    task = open_task(election, "submit_request")
    page = sec.get(f"/tasks/{task.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<label for="f-election_date">拟选举日期' in html and 'type="date"' in html
    assert '<label for="f-seats">应选委员名额' in html and 'type="number"' in html
    assert "支委会根据多数党员意见提出" in html  # enum shown by its label, not its code
    assert "办理依据" in html and "本届任期届满日期" in text(page)


def test_a_step_runs_through_the_same_service_as_the_api(web, university, election):
    sec, officer = web(university.users.sec_a), web(university.users.officer)
    task = open_task(election, "submit_request")
    election_date = election.data["term_end"]
    r = submit_request(sec, task, election_date=election_date)
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.COMPLETED
    assert "批复换届请示" in text(officer.get("/inbox/?tab=queue"))


def test_too_few_candidates_shows_the_rule_at_the_field_and_changes_nothing(
    web, university, election
):
    u = university
    sec, officer = web(u.users.sec_a), web(u.users.officer)
    submit_request(
        sec, open_task(election, "submit_request"), election_date=election.data["term_end"]
    )
    officer.post(f"/tasks/{open_task(election, 'reply_request').pk}/", {"approved": "true"})
    task = open_task(election, "nominate_candidates")
    before = Case.objects.get(pk=election.pk)
    page = sec.get(f"/tasks/{task.pk}/")
    # only full members with rights are offered
    assert "甲3" in text(page) and "预备乙" not in re.sub(r"不能参加.*", "", text(page))
    r = sec.post(
        f"/tasks/{task.pk}/",
        {"candidates": [m.pk for m in u.full_a[:5]], "candidates.present": "1"},
    )
    assert r.status_code == 400
    html = r.content.decode()
    field = html[html.index('data-field="candidates"') : html.index('data-field="basis"')]
    assert "至少 6 人" in field and "候选人应多于应选人数的 20%" in field
    after = Case.objects.get(pk=election.pk)
    assert (after.state, after.audit_seq, after.data) == (
        before.state,
        before.audit_seq,
        before.data,
    )
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    # the ticked candidates stay ticked
    assert html.count("checked") >= 5


def test_a_bad_number_is_named_at_its_field(web, university, election):
    sec = web(university.users.sec_a)
    task = open_task(election, "submit_request")
    r = submit_request(sec, task, election_date="2027-01-01", seats="五")
    assert r.status_code == 400
    html = r.content.decode()
    field = html[html.index('data-field="seats"') : html.index('data-field="nomination_method"')]
    assert "应选委员名额：应为整数" in field


def test_someone_in_scope_but_not_holding_the_step_sees_it_read_only(web, university, election):
    task = open_task(election, "submit_request")
    page = web(university.users.auditor).get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="read-only"' in html and "软件工程教工党支部支部委员会办理" in text(page)
    assert 'class="form taskform"' not in html


def test_another_branchs_task_and_case_answer_404(web, university, election):
    sec_b = web(university.users.sec_b)
    task = open_task(election, "submit_request")
    assert sec_b.get(f"/tasks/{task.pk}/").status_code == 404
    assert sec_b.post(f"/tasks/{task.pk}/", {"seats": "5"}).status_code == 404
    assert sec_b.get(f"/cases/{election.pk}/").status_code == 404
    assert sec_b.get("/cases/999999/").status_code == 404
    assert "不在您的管理范围内" in text(sec_b.get(f"/cases/{election.pk}/"))


def test_case_page_shows_status_steps_diagram_data_and_audit_chain(web, university, election):
    sec = web(university.users.sec_a)
    page = sec.get(f"/cases/{election.pk}/")
    body = text(page)
    assert page.status_code == 200
    assert "进行中" in body and "换届请示" in body and "2014年《发展党员工作细则》" in body
    assert "cpc-2014" not in body
    assert "条记录完整" in body
    assert 'data-element="submit_request" data-state="open"' in page.content.decode()
    assert "bpmn-navigated-viewer.production.min.js" in page.content.decode()


def test_the_diagram_draws_the_files_own_layout_with_lanes_named_by_role(web, university, election):
    page = web(university.users.sec_a).get(f"/cases/{election.pk}/").content.decode()
    xml = json.loads(re.search(r'id="diagram-data"[^>]*>(.*?)</script>', page, re.S).group(1))[
        "xml"
    ]
    stored = election.process_version.files["branch_election.bpmn"]

    def bounds(text, element):
        # by namespace, not prefix: openpyxl re-registers "dc" for Dublin Core when it is imported
        shape = next(
            s
            for s in ET.fromstring(text).iter(f"{{{BPMNDI}}}BPMNShape")
            if s.get("bpmnElement") == element
        )
        return shape.find(f"{{{DC}}}Bounds").attrib

    assert bounds(xml, "submit_request") == bounds(stored, "submit_request")
    assert 'name="支部委员会"' in xml and 'name="branch_committee"' not in xml
    assert missing_layout(xml) == []
    # a version deployed before the files carried their layout is drawn the same, computed
    bare = re.sub(r"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", "", stored, flags=re.S)
    computed = laid_out(bare, "branch_election")
    assert missing_layout(computed) == [] and bounds(computed, "submit_request") == bounds(
        stored, "submit_request"
    )


def test_p6_records_name_the_branches_the_items_and_the_counts_a_round_stored(university):
    u = university
    reviews = load_schema("model_branch_evaluation/college_review.json")["properties"]["reviews"]
    text = value_in_words(
        "reviews",
        reviews,
        [
            {
                "branch": u.branch_a.pk,
                "insufficient": [{"item": "jsnu.leadership.team.3", "comment": "缺"}],
            }
        ],
        {},
        (),
    )
    assert u.branch_a.name in text and "各项制度完善，做到有章可循" in text and "jsnu" not in text
    surveys = load_schema("model_branch_evaluation/record_survey.json")["properties"]["surveys"]
    text = value_in_words(
        "surveys",
        surveys,
        [{"branch": u.branch_b.pk, "tallies": {"satisfied": 3, "very_satisfied": 12}}],
        {},
        (),
    )
    assert text == f"党支部 {u.branch_b.name}，票数 非常满意 12，满意 3"
    # the form offers the round's branches by name, without the hint a member would get
    same_id = u.full_a[0].pk
    offered = with_member_hints(
        {"branches": [{"id": same_id, "name": "甲支部", "organization": True}]}
    )
    assert offered["branches"][0]["hint"] == ""


def test_notifications_bell_counts_unread_and_marks_read(web, university, election):
    u = university
    task = open_task(election, "submit_request")
    alerts_raise(now=task.due_at - dt.timedelta(days=1), send_email=False)
    n = Notification.objects.get(recipient=u.users.sec_a, kind="due_soon", task=task)
    # The term-expiry reminder (P2 step 0) told the branch too: two unread.
    unread = Notification.objects.filter(recipient=u.users.sec_a, read_at__isnull=True).count()
    assert unread == 2
    sec = web(u.users.sec_a)
    assert 'data-testid="unread-count">2<' in sec.get("/inbox/").content.decode()
    assert "任务即将到期：提交换届请示" in text(sec.get("/notifications/"))
    assert web(u.users.sec_b).post(f"/notifications/{n.pk}/read/").status_code == 404
    sec.post(f"/notifications/{n.pk}/read/")
    assert 'data-testid="unread-count">1<' in sec.get("/inbox/").content.decode()


def test_language_switch_to_english(web, university, election):
    sec = web(university.users.sec_a)
    # Chinese by default, whatever the browser asks for
    assert "待办事项" in text(sec.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    sec.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
    body = text(sec.get("/inbox/?tab=queue"))
    assert "Inbox" in body and "Submit the election request" in body


def test_password_change(web, university):
    sec = web(university.users.sec_a)
    r = sec.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Neu-Passwort-2027",
            "new_password2": "Neu-Passwort-2027",
        },
    )
    assert r.status_code == 302
    assert Client().login(username="sec_a", password="Neu-Passwort-2027")


# --- query counts: no page grows with its rows --------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow_with_rows(web, university, election):
    u = university
    sec = web(u.users.sec_a)
    assert "提交换届请示" in text(sec.get("/inbox/?tab=queue"))
    one = _queries(sec, "/inbox/?tab=queue")
    for i in range(5):  # five applications: five more rows in the same queue
        person = member_create(
            actor=None,
            organization=u.branch_a,
            name=f"申请人{i}",
            status=MemberStatus.APPLICANT,
            birth_date=dt.date(2000, 1, 1),
        )
        case_start(
            actor=u.users.sec_a,
            process_id="member_development",
            organization=u.branch_a,
            subject_member=person,
        )
    page = sec.get("/inbox/?tab=queue")
    assert text(page).count("递交入党申请书") == 5 and "待认领 6" in text(page)
    assert _queries(sec, "/inbox/?tab=queue") == one


def test_case_and_task_page_query_counts_do_not_grow_with_history(web, university, election):
    u = university
    sec, officer = web(u.users.sec_a), web(u.users.officer)
    case_q = _queries(sec, f"/cases/{election.pk}/")
    submit_request(
        sec, open_task(election, "submit_request"), election_date=election.data["term_end"]
    )
    first_reply = _queries(officer, f"/tasks/{open_task(election, 'reply_request').pk}/")
    officer.post(
        f"/tasks/{open_task(election, 'reply_request').pk}/",
        {"approved": "false", "reason": "请补充说明"},
    )
    submit_request(
        sec, open_task(election, "submit_request"), election_date=election.data["term_end"]
    )
    # more history (a rejection and a second request): the same number of queries
    assert _queries(sec, f"/cases/{election.pk}/") == case_q
    assert _queries(officer, f"/tasks/{open_task(election, 'reply_request').pk}/") == first_reply
    # the history says what was submitted in words
    body = text(sec.get(f"/cases/{election.pk}/"))
    assert (
        "是否同意 否" in body
        and "意见或退回理由 请补充说明" in body
        and "候选人推荐方式 支委会根据多数党员意见提出" in body
    )


# --- the admin: organization department only, saves through the services ------------------------


def test_admin_is_for_the_organization_department_and_saves_through_the_service(web, university):
    u = university
    assert (
        web(u.users.sec_a).get("/admin/organizations/organization/").status_code == 302
    )  # to the admin login
    dept = web(u.users.orgdept)
    page = dept.get("/admin/organizations/organization/")
    assert page.status_code == 200 and "计算机学院党委" in text(page)
    r = dept.post(
        "/admin/organizations/organization/add/",
        {
            "parent": u.college.pk,
            "name": "网络工程教工党支部",
            "kind": "branch",
            "branch_kind": "teaching",
            "departments": 1,
        },
    )
    assert r.status_code == 302, text(r)[:2000]
    org = Organization.objects.get(name="网络工程教工党支部")
    assert org.path == f"{u.college.path}{org.pk}/"  # the service computed the path
    # a rule of the service refuses: a party group cannot sit under a committee
    r = dept.post(
        "/admin/organizations/organization/add/",
        {"parent": u.college.pk, "name": "错误小组", "kind": "party_group", "departments": 1},
        follow=True,
    )
    assert "不能设在" in text(r) and not Organization.objects.filter(name="错误小组").exists()


def test_the_demo_printout_names_the_browser_url_and_the_logins():
    out = Command.how_to_log_in("127.0.0.1:8000")
    assert (
        "http://127.0.0.1:8000/  " in out
        and "demo12345" in out
        and "http://127.0.0.1:8000/admin/" in out
    )


def test_delegating_a_task_puts_it_in_the_colleagues_delegated_list(web, university):
    u = university
    person = member_create(
        actor=None,
        organization=u.branch_a,
        name="申请人李",
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(2000, 1, 1),
    )
    case = case_start(
        actor=u.users.sec_a,
        process_id="member_development",
        organization=u.branch_a,
        subject_member=person,
    )
    task = open_task(
        case, "submit_application"
    )  # the secretary's own lane: committee members do not hold it
    committee = web(u.users.committee_a)
    assert (
        committee.get(f"/tasks/{task.pk}/").status_code == 200
    )  # in scope (same branch) but not theirs to act on
    assert "递交入党申请书" not in text(committee.get("/inbox/?tab=queue"))
    sec = web(u.users.sec_a)
    page = text(sec.get(f"/tasks/{task.pk}/"))
    # the colleague by name, not by login
    name = user_names([u.users.committee_a.pk])[u.users.committee_a.pk]
    assert "委托他人办理" in page and name in page and "committee_a" not in page
    until = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    r = sec.post(
        f"/tasks/{task.pk}/delegate/",
        {"delegate": u.users.committee_a.pk, "ends_on": until, "reason": "出差"},
    )
    assert r.status_code == 302
    assert "已委托" in text(sec.get(f"/tasks/{task.pk}/"))
    assert "递交入党申请书" in text(committee.get("/inbox/?tab=queue&delegated=1"))


def test_done_by_me_and_the_escalated_list(web, university, election):
    u = university
    sec, officer = web(u.users.sec_a), web(u.users.officer)
    task = open_task(election, "submit_request")
    # overdue: the request is escalated to the college committee (督办) and shows in its list
    alerts_raise(now=task.due_at + dt.timedelta(days=1), send_email=False)
    assert "提交换届请示" in text(officer.get("/inbox/?tab=queue&escalated=1"))
    assert "提交换届请示" not in text(officer.get("/inbox/?tab=queue"))
    submit_request(sec, task, election_date=election.data["term_end"])
    done = text(sec.get("/inbox/?tab=done"))
    assert "我已办理 1" in done and "提交换届请示" in done and "办结于" in done


def test_the_diagram_states_open_overdue_done_and_repeats(web, university, election):
    u = university
    task = open_task(election, "submit_request")
    assert case_diagram(election)["submit_request"] == {"state": "open", "count": 1}
    assert (
        case_diagram(election, now=task.due_at + dt.timedelta(hours=1))["submit_request"]["state"]
        == "overdue"
    )
    sec, officer = web(u.users.sec_a), web(u.users.officer)
    submit_request(sec, task, election_date=election.data["term_end"])
    officer.post(
        f"/tasks/{open_task(election, 'reply_request').pk}/",
        {"approved": "false", "reason": "请补充说明"},
    )
    states = case_diagram(election)
    assert states["submit_request"] == {"state": "open", "count": 2} and states[
        "reply_request"
    ] == {"state": "done", "count": 1}


def test_a_page_loads_the_user_with_roles_and_delegations_in_one_query(web, university, election):
    sec = web(university.users.sec_a)
    with CaptureQueriesContext(connection) as ctx:
        page = sec.get("/inbox/?tab=queue")
    assert page.status_code == 200 and "提交换届请示" in text(page)
    sql = [q["sql"] for q in ctx.captured_queries]
    [user_query] = [q for q in sql if 'FROM "auth_user"' in q and "workflows_delegation" in q]
    assert "organizations_roleassignment" in user_query
    standalone = [
        q
        for q in sql
        if q.startswith(('SELECT "workflows_delegation"', 'SELECT "organizations_roleassignment"'))
    ]
    assert standalone == []


def test_the_case_page_prints_the_procedures_documents(web, university, election):
    """The 换届请示 is offered on the election's page; before the request is submitted the page says
    why it cannot be made yet; afterwards it downloads as a Word file with the branch's name, and
    the audit report as a PDF. Another branch's secretary gets the 404 page."""
    u = university
    sec = web(u.users.sec_a)
    page = sec.get(f"/cases/{election.pk}/")
    links = re.findall(r'href="(/cases/\d+/print/[^"]+)"', page.content.decode())
    assert f"/cases/{election.pk}/print/election_request/?format=docx" in links
    assert f"/cases/{election.pk}/print/audit_report/?format=pdf" in links
    assert "换届选举请示：" in text(page) and "publication_notice" not in " ".join(links)

    early = sec.get(f"/cases/{election.pk}/print/election_request/?format=docx", follow=True)
    assert early.redirect_chain == [(f"/cases/{election.pk}/", 302)]
    assert "尚未办理，还不能生成换届选举请示" in text(early)

    submit_request(
        sec, open_task(election, "submit_request"), election_date=election.data["term_end"]
    )
    r = sec.get(f"/cases/{election.pk}/print/election_request/?format=docx")
    assert r.status_code == 200 and r["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert ".docx" in r["Content-Disposition"]
    body = "\n".join(p.text for p in Docx(io.BytesIO(r.content)).paragraphs)
    assert "软件工程教工党支部" in body and "{{" not in body
    pdf = sec.get(f"/cases/{election.pk}/print/audit_report/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    wrong = sec.get(f"/cases/{election.pk}/print/election_request/?format=pdf", follow=True)
    assert "只能生成 docx 格式" in text(wrong)
    assert (
        web(u.users.sec_b).get(f"/cases/{election.pk}/print/election_request/").status_code == 404
    )


def test_a_member_picker_tells_people_apart_by_branch_and_status_not_by_number(
    web, university, election
):
    u = university
    sec, officer = web(u.users.sec_a), web(u.users.officer)
    submit_request(
        sec, open_task(election, "submit_request"), election_date=election.data["term_end"]
    )
    officer.post(f"/tasks/{open_task(election, 'reply_request').pk}/", {"approved": "true"})
    html = sec.get(f"/tasks/{open_task(election, 'nominate_candidates').pk}/").content.decode()
    picker = html[html.index('data-field="candidates"') : html.index('data-field="basis"')]
    three = u.full_a[3]
    label = re.search(
        r'<label class="check" data-name="甲3 [^"]*">.*?</label>', picker, re.S
    ).group(0)
    assert "软件工程教工党支部 · 正式党员" in label
    assert f"#{three.pk}" not in picker and not re.search(r"#\d", picker)
