"""A golden year of 软件工程教工党支部 (issue 25, "what is printed is what happened"): its 2026
election (P2) and a general meeting with minutes (P5) scripted through the API on fixed dates;
each printed document's text is compared, line by line, with a golden file under golden/ whose
values were written by hand from the rules and this script, not dumped from the output.

Golden file format: one expected line per row, `field<TAB>text`; the document must have a
paragraph or table cell whose whole text is `text` (the field names what it is, for the reader
of a failure). Covered: 换届请示, 批复, 选举结果报告, 三会一课记录. Not covered yet: the 纪实表
(P1), 公示, 民主评议汇总 (P3), 落实情况报告, 流程审计报告."""

from pathlib import Path

import pytest
import time_machine

from organizations.services import member_update

from ..helpers import complete, cst, only_task, run_timers
from ..procedures.election_helpers import start_election, vote_data
from .test_documents import assert_no_tags, docx_text, get_doc

pytestmark = pytest.mark.django_db(transaction=False)

GOLDEN = Path(__file__).parent / "golden"
# Branch A's nine full members renamed so that the 姓氏笔画 order is visible: 丁 2, 马 3, 王 4,
# 白 5, 刘 6, 陈 7 strokes; 甲6..甲8 keep their fixture names.
NAMES = ["王明", "陈静", "丁一", "白雪", "马力", "刘洋"]


def golden(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (GOLDEN / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            field, text = line.split("\t", 1)
            rows.append((field, text))
    return rows


def assert_golden(name: str, text: str) -> None:
    assert_no_tags(text)
    lines = {line.strip() for line in text.splitlines()}
    missing = [(f, t) for f, t in golden(name) if t not in lines]
    assert not missing, "\n".join(f"{f}: {t}" for f, t in missing) + "\n---\n" + text


@pytest.fixture
def year(api, university):
    """The script. 2026-06-01 the election case starts (term 2024-01-10 – 2027-01-10); 07-11 the
    request (election 2026-12-20, 5 seats, proposed by the committee) and the college's reply
    (计党发〔2026〕12号) and the six candidates; 07-10 a general meeting; 12-20 the vote (8 of
    the 9 voters due present) and the new committee's first meeting (丁一 secretary, 白雪 deputy);
    12-22 the college approves the result."""
    u = university
    for member, name in zip(u.full_a[:6], NAMES):
        member_update(actor=None, member=member, name=name)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    docs = {}
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        case = start_election(sec, u.branch_a)
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        meeting = sec.post(
            "/api/meetings/",
            {
                "organization": u.branch_a.pk,
                "kind": "general_meeting",
                "held_on": "2026-07-10",
                "title": "第三季度支部党员大会",
                "starts_at": "14:30",
                "ends_at": "16:00",
                "place": "信息楼305",
                "chair": u.full_a[0].pk,
                "recorder": u.full_a[1].pk,
                "nonvoting_attendees": "学院党委组织员",
                "content": "一、传达上级精神\n二、讨论换届选举工作",
                "resolutions": "同意向学院党委报送换届请示",
                "attendees": [m.pk for m in u.full_a[:8]],
                "absentees": [{"member": u.full_a[8].pk, "reason": "出差"}],
            },
            format="json",
        )
        assert meeting.status_code == 201, meeting.json()
        docs["minutes"] = get_doc(
            sec, f"/api/meetings/{meeting.json()['id']}/documents/generate/minutes/"
        )
        complete(
            sec,
            only_task(sec, "submit_request")["id"],
            {"election_date": "2026-12-20", "seats": 5, "nomination_method": "committee_proposal"},
        )
        complete(
            officer,
            only_task(officer, "reply_request")["id"],
            {"approved": True, "document_no": "计党发〔2026〕12号"},
        )
        complete(
            sec,
            only_task(sec, "nominate_candidates")["id"],
            {"candidates": [m.pk for m in u.full_a[:6]]},
        )
        complete(officer, only_task(officer, "review_candidates")["id"], {"approved": True})
    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        complete(
            sec,
            only_task(sec, "record_vote")["id"],
            vote_data(u, u.full_a[:6], u.full_a[:8], [8, 7, 6, 5, 5, 3], u.full_a[:5]),
        )
        complete(
            sec,
            only_task(sec, "elect_officers")["id"],
            {"meeting_date": "2026-12-20", "secretary": u.full_a[2].pk, "deputy": u.full_a[3].pk},
        )
    with time_machine.travel(cst(2026, 12, 22, 10), tick=False):
        complete(officer, only_task(officer, "approve_results")["id"], {"approved": True})
    url = f"/api/cases/{case['id']}/documents/generate/"
    with time_machine.travel(cst(2027, 1, 5, 10), tick=False):
        docs["election_request"] = get_doc(sec, url + "election_request/")
        docs["election_reply"] = get_doc(officer, url + "election_reply/")
        docs["election_report"] = get_doc(sec, url + "election_report/")
    return {k: docx_text(r.content) for k, r in docs.items()}


@pytest.mark.parametrize(
    "kind", ["election_request", "election_reply", "election_report", "minutes"]
)
def test_golden_year_document(year, kind):
    assert_golden(kind, year[kind])
