"""Deciding with the facts (issue 27): an approving step shows what is being approved, the same facts
in the API's task detail (`facts`) and on the task page. In the demo university: 马克思主义学院党委
approves 离退休党支部's election results (the tally and the elected with their posts), 计算机学院党委
reviews 研究生第一党支部's candidates (each candidate's record), and 行政教辅党支部 files its
rectification plan (why it was designated)."""

import pytest
import time_machine
from django.test import Client

from partyflow.demo import DEMO_PASSWORD
from tests.conftest import client_for
from workflows.models import Task

from ..demo_helpers import SEED_MOMENT, seeded_module  # noqa: F401 (the demo university fixture, once per module)
from .helpers import text

pytestmark = pytest.mark.django_db


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _page(username: str, task: Task) -> str:
    client = Client()
    client.post("/", {"username": username, "password": DEMO_PASSWORD})
    r = client.get(f"/tasks/{task.pk}/")
    assert r.status_code == 200
    return text(r)


def _facts(username: str, task: Task, language: str = "zh-hans") -> dict:
    r = client_for(_user(username)).get(f"/api/tasks/{task.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 200, r.json()
    return {s["key"]: s for s in r.json()["facts"]}


def _open(element_id: str) -> Task:
    return Task.objects.get(element_id=element_id, status="open")


def test_the_result_approval_shows_the_tally_and_the_elected_with_their_posts(seeded_module):
    task = _open("approve_results")
    with time_machine.travel(SEED_MOMENT, tick=False):
        facts = _facts("officer_marx", task)
        page = _page("officer_marx", task)
    vote = {i["label"]: i["value"] for i in facts["vote"]["items"]}
    assert vote["发出选票"] == "5 张" and vote["收回选票"] == "5 张"
    assert vote["无效票"] == "0 张" and vote["有效票"] == "5 张"
    assert vote["到会人数要求"].startswith("须超过应到会人数的4/5")
    assert vote["当选票数要求"].startswith("赞成票须超过实到会人数的半数")
    assert vote["计票结果"] == "全部当选"
    assert facts["votes"]["columns"] == ["候选人", "赞成票", "结果"]
    assert facts["votes"]["rows"] == [["杜伟", "4 票", "当选"], ["叶磊", "1 票", "未当选"]]
    assert facts["elected"]["rows"] == [["杜伟", "书记", "4 票"]]
    # The page shows the same facts above the form.
    assert "办理所依据的情况" in page and "各候选人得票" in page and "当选委员及分工" in page
    assert "杜伟" in page and "4 票" in page and "全部当选" in page


def test_the_candidate_review_shows_each_candidates_record(seeded_module):
    task = _open("review_candidates")
    with time_machine.travel(SEED_MOMENT, tick=False):
        facts = _facts("officer_cs", task)
        page = _page("officer_cs", task)
    assert facts["candidates"]["columns"] == [
        "姓名",
        "状态",
        "党龄",
        "所在支部",
        "现任职务",
        "资格",
    ]
    rows = {r[0]: r for r in facts["candidates"]["rows"]}
    assert set(rows) == {"曾磊", "肖涛"}
    assert rows["曾磊"][1] == "正式党员" and rows["曾磊"][3] == "计算机学院研究生第一党支部"
    assert rows["曾磊"][4] == "计算机学院研究生第一党支部书记"
    assert rows["肖涛"][4] == "无" and rows["肖涛"][5] == "有被选举权"
    request = {i["label"]: i["value"] for i in facts["request"]["items"]}
    assert request["应选委员名额"] == "1 人" and request["候选人至少"] == "2 人"
    assert "候选人预备人选" in page and "曾磊" in page and "现任职务" in page


def test_every_remediation_step_shows_why_the_branch_was_designated(seeded_module):
    task = _open("file_plan")
    with time_machine.travel(SEED_MOMENT, tick=False):
        facts = _facts("secretary_cs_admin", task)
        page = _page("secretary_cs_admin", task)
    reasons = {i["label"]: i["value"] for i in facts["designation"]["items"]}
    assert reasons["未开展民主评议"] == "2025 年未开展民主评议党员"
    assert reasons["组织生活不正常"].startswith(
        "2025 年未按规定开展：支部党员大会（2025年第一季度、2025年第二季度、2025年第三季度、2025年第四季度）"
    )
    assert "确定为软弱涣散党支部的原因" in page and "组织生活不正常" in page


def test_facts_read_in_english_and_a_closed_step_has_none(seeded_module):
    task = _open("approve_results")
    with time_machine.travel(SEED_MOMENT, tick=False):
        facts = _facts("officer_marx", task, language="en")
        assert facts["votes"]["columns"] == ["Candidate", "Votes in favour", "Result"]
        done = Task.objects.filter(element_id="submit_request", status="completed").first()
        r = client_for(_user("orgdept")).get(f"/api/tasks/{done.pk}/")
    assert r.status_code == 200 and r.json()["facts"] == []
