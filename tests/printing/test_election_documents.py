"""The P2 documents print what happened (issue 25): the 请示 counts 党员 as the full and the
probationary members, lists the candidates by surname strokes and, printed after the election,
still describes the outgoing term; the 选举结果报告's 委员分工 is the new committee's, each post once."""

import pytest
import time_machine

from organizations.models import MemberStatus
from organizations.services import member_update

from ..factories import MemberFactory
from ..helpers import complete, cst, only_task
from ..procedures.election_helpers import drive_to_vote, vote_and_elect
from .helpers import docx_text, get_doc

pytestmark = pytest.mark.django_db(transaction=False)

# Surnames of 2 to 7 strokes (丁 2, 马 3, 王 4, 白 5, 刘 6, 陈 7), nominated out of order.
NOMINATED = ["王明", "陈静", "丁一", "白雪", "马力", "刘洋"]
BY_STROKES = "丁一、马力、王明、白雪、刘洋、陈静"


def _elect(api, u):
    for member, name in zip(u.full_a[:6], NOMINATED):
        member_update(actor=None, member=member, name=name)
    MemberFactory(organization=u.branch_a, name="申请丁", status=MemberStatus.APPLICANT)
    MemberFactory(organization=u.branch_a, name="积极戊", status=MemberStatus.ACTIVIST)
    case = drive_to_vote(api, u)
    sec = api(u.users.sec_a)
    url = f"/api/cases/{case['id']}/documents/generate/"
    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        before = docx_text(get_doc(sec, url + "election_request/").content)
        vote_and_elect(sec, u, secretary=2, deputy=3)
    officer = api(u.users.officer)
    with time_machine.travel(cst(2026, 12, 22, 10), tick=False):
        complete(officer, only_task(officer, "approve_results")["id"], {"approved": True})
    with time_machine.travel(cst(2027, 1, 5, 10), tick=False):
        report = docx_text(get_doc(sec, url + "election_report/").content)
        after = docx_text(get_doc(sec, url + "election_request/").content)
    return before, after, report


def test_election_request_counts_members_sorts_candidates_and_keeps_the_outgoing_term(
    api, university
):
    before, after, _report = _elect(api, university)
    # 9 full, 停权丙 (full, rights suspended) and 预备乙: 11 党员; the applicant and the
    # activist are not members.
    intro = "软件工程教工党支部现有党员11名，其中正式党员10名、预备党员1名。"
    term = "本届支部委员会于2024年1月10日选举产生，任期将于2027年1月10日届满。"
    for text in (before, after):
        assert intro in text and term in text
        assert f"候选人预备人选（按姓氏笔画排列）：{BY_STROKES}。" in text
        assert "2026年7月11日" in text  # the day the branch asked, not the day it is printed
    assert before == after


def test_election_report_lists_the_new_committee_posts_once_each(api, university):
    _before, _after, report = _elect(api, university)
    assert "委员分工：丁一任书记，白雪任副书记，王明、陈静、马力任委员。" in report, report
    assert report.count("任书记") == 1
