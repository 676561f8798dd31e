"""A golden year of 软件工程教工党支部 (issue 25, "what is printed is what happened"). The year
starts from the onboarding import (year_helpers: the college and its branches in one workbook of
the onboarding format, imported through the real endpoint on 2026-01-02), then scripts through the
API on fixed dates: its 2026 election (P2, the case the import opened), a general meeting with
minutes (P5), P1 of one member from application to conversion, its democratic review (P3, its
members given accounts after the import), the 落实情况报告 of 2026-Q3 and the college's
evaluation of its 2026 against the 服务型党支部 standard (P6). Each printed document's text is compared, line by line, with a golden file under
golden/ whose values were written by hand from the rules and this script, not dumped from the
output.

Golden file format: one expected line per row, `field<TAB>text`; the document must have a
paragraph or table cell whose whole text is `text` (the field names what it is, for the reader
of a failure); a table row of a .docx also reads as one line `cell | cell | …`, so a value is
tied to its row. Covered: 换届请示, 批复, 选举结果报告, 三会一课记录, the 纪实表 and the 公示, the
民主评议汇总, the 落实情况报告, the 流程审计报告 of the election case, and for P6 the standards matrix's Excel export of the
branch for 2026 and the round's 服务型党支部示范点考评结果表 (Word and PDF).

The year is one history: the election (P2), the minutes, the democratic review (P3) of the same
branch, the 落实情况报告 and the P6 round read one database, so the standards matrix and the P6
result count the review the branch held. P1 of one member runs apart (its years reach 2028), on the
same imported branch.
"""

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from docx import Document as Docx
from openpyxl import load_workbook

from engine.calendar import ISO_DATE
from organizations.models import MemberStatus
from organizations.services import member_create
from workflows.models import Case

from ..helpers import complete, cst, only_task, run_timers
from ..procedures.election_helpers import vote_and_elect
from ..procedures.evaluation_helpers import self_assessment, upload
from ..procedures.md_helpers import at, start_development, step, submit_obligation, vote
from ..procedures.review_helpers import ballot, drive_to_measurement
from ..web.helpers import text as page_text
from ..web.walk_helpers import PROBLEMS
from .helpers import assert_no_tags, docx_text, general_meeting, get_doc, pdf_text
from .year_helpers import import_university

pytestmark = pytest.mark.django_db(transaction=False)

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def university(db, deployed):
    """The college as the organization department imports it on 2026-01-02 (year_helpers): branch
    A's nine full members named so that the 姓氏笔画 order is visible (丁 2, 马 3, 王 4, 白 5, 刘 6,
    陈 7 strokes; 甲6..甲8), its committee (王明 secretary, 陈静), the college committee's
    secretary 李华; the import opens branch A's election case, waiting for its term-expiry
    reminder."""
    with time_machine.travel(cst(2026, 1, 2, 9), tick=False):
        return import_university(dt.date(2026, 1, 2))


def golden(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (GOLDEN / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            field, text = line.split("\t", 1)
            rows.append((field, text.strip()))
    return rows


def docx_rows(content: bytes) -> str:
    """Every table row of a .docx as one line, `cell | cell | …`: a merged cell once, each cell
    by its first line (a signature cell by its label), so that a golden line ties a value to the
    row it belongs to (a step's date to that step)."""
    lines = []
    for table in Docx(io.BytesIO(content)).tables:
        for row in table.rows:
            cells = []
            for cell in row.cells:
                first = cell.text.split("\n", 1)[0].strip()
                if not cells or cell._tc is not cells[-1][0]:
                    cells.append((cell._tc, first))
            lines.append(" | ".join(text for _, text in cells))
    return "\n".join(lines)


def xlsx_rows(content: bytes) -> str:
    """Every row of every sheet of a workbook as one line, `cell | cell | …`."""
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        " | ".join("" if v is None else str(v) for v in row)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
    )


def assert_golden(name: str, text: str) -> None:
    assert_no_tags(text)
    lines = {line.strip() for line in text.splitlines()}
    missing = [(f, t) for f, t in golden(name) if t not in lines]
    assert not missing, "\n".join(f"{f}: {t}" for f, t in missing) + "\n---\n" + text


@pytest.fixture
def year(api, university, tmp_path):
    """The script. the imported election case (term 2024-01-10 – 2027-01-10) is reminded on 07-10; 07-11 the
    request (election 2026-12-20, 5 seats, proposed by the committee) and the college's reply
    (计党发〔2026〕12号) and the six candidates; 07-10 a general meeting; 12-20 the vote (8 of
    the 9 voters due present) and the new committee's first meeting (丁一 secretary, 白雪 deputy);
    12-22 the college approves the result; the branch's democratic review (P3) runs from 12-20 to
    its report on 12-28 and 刘洋's handling filed on 2027-01-04 (`review_to_feedback`,
    `review_to_handling`); 2027-01-05 the 落实情况报告 of 2026-Q3 and the review's 汇总表 are
    printed."""
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    docs = {}
    case = {"id": Case.objects.get(process_id="branch_election", organization=u.branch_a).pk}
    run_timers(cst(2026, 7, 10, 10))
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        meeting = sec.post(
            "/api/meetings/",
            general_meeting(
                u,
                content="一、传达上级精神\n二、讨论换届选举工作",
                resolutions="同意向学院党委报送换届请示",
            ),
            format="json",
        )
        assert meeting.status_code == 201, meeting.json()
        docs["minutes"] = get_doc(
            sec, f"/api/meetings/{meeting.json()['id']}/documents/generate/minutes/"
        )
        minutes_pdf = get_doc(
            sec, f"/api/meetings/{meeting.json()['id']}/documents/generate/minutes/?format=pdf"
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
        vote_and_elect(sec, u, secretary=2, deputy=3)
    # the same branch's democratic review (P3) of 2026, one history with its election: up to the
    # feedback on 12-20, before the new committee takes office
    review = review_to_feedback(api, u)
    with time_machine.travel(cst(2026, 12, 22, 10), tick=False):
        complete(officer, only_task(officer, "approve_results")["id"], {"approved": True})
    # reported by 丁一, the secretary the election gave the branch, accepted, 刘洋's handling filed
    review_to_handling(api, u, review, api(u.full_a[2].user))
    url = f"/api/cases/{case['id']}/documents/generate/"
    with time_machine.travel(cst(2027, 1, 5, 10), tick=False):
        docs["election_request"] = get_doc(sec, url + "election_request/")
        docs["election_reply"] = get_doc(officer, url + "election_reply/")
        docs["election_report"] = get_doc(sec, url + "election_report/")
        docs["review_summary"] = get_doc(
            sec, f"/api/cases/{review['id']}/documents/generate/review_summary/"
        )
        docs["compliance_report"] = get_doc(
            officer, f"/api/compliance/report/?organization={u.branch_a.pk}&period=2026-Q3"
        )
        audit = get_doc(api(u.users.auditor), url + "audit_report/?format=pdf")
        matrix = get_doc(
            officer,
            f"/api/standards/matrix/export/?organization={u.branch_a.pk}&period=2026",
        )
        # the same cells as the college reads them on the standards pages
        browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        browser.force_login(u.users.officer)
        cells = {
            code: browser.get(f"/committee/standards/{u.branch_a.pk}/{code}/?period=2026")
            for code in ("jsnu.leadership.team", "jsnu.team.role")
        }
        assert all(r.status_code == 200 for r in cells.values())
    # P6: the college evaluates the branch's 2026 against the JSNU standard. The branch links its
    # rules (uploaded to the election case) to the judgement-only item 各项制度完善; the college
    # accepts everything; the survey of 2026-12-28 (entered 01-12): 12 very satisfied, 6
    # satisfied, 1 basically satisfied, 1 dissatisfied; the school decides on feedback on 01-15.
    orgdept = api(u.users.orgdept)
    with time_machine.travel(cst(2027, 1, 6, 9), tick=False):
        rules_doc = upload(sec, case["id"], "软件工程教工党支部工作制度.pdf")
        r = officer.post(
            "/api/cases/",
            {
                "process": "model_branch_evaluation",
                "organization": u.college.pk,
                "data": {"standard_set": "jsnu-2020", "year": 2026, "branches": [u.branch_a.pk]},
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        p6 = r.json()["id"]
    with time_machine.travel(cst(2027, 1, 8, 10), tick=False):
        complete(
            sec,
            only_task(sec, "self_assessment")["id"],
            self_assessment({"jsnu.leadership.team.3": [rules_doc]}),
        )
    with time_machine.travel(cst(2027, 1, 11, 10), tick=False):
        complete(
            officer,
            only_task(officer, "college_review")["id"],
            {"reviews": [{"branch": u.branch_a.pk}]},
        )
    with time_machine.travel(cst(2027, 1, 12, 10), tick=False):
        tallies = {
            "very_satisfied": 12,
            "satisfied": 6,
            "basically_satisfied": 1,
            "dissatisfied": 1,
        }
        complete(
            officer,
            only_task(officer, "record_survey")["id"],
            {
                "surveys": [
                    {"branch": u.branch_a.pk, "surveyed_on": "2026-12-28", "tallies": tallies}
                ]
            },
        )
    with time_machine.travel(cst(2027, 1, 15, 10), tick=False):
        complete(
            orgdept,
            only_task(orgdept, "school_decision")["id"],
            {
                "decided_on": "2027-01-15",
                "document_no": "校党委〔2027〕3号",
                "decisions": [
                    {
                        "branch": u.branch_a.pk,
                        "decision": "feedback",
                        "comment": "组织生活和志愿服务未达到示范点标准，请对照改进",
                    }
                ],
            },
        )
    with time_machine.travel(cst(2027, 1, 18, 10), tick=False):
        url = f"/api/cases/{p6}/documents/generate/evaluation_result/"
        docs["evaluation_result"] = get_doc(officer, url + "?format=docx")
        evaluation_pdf = get_doc(officer, url)  # PDF by default
        (tmp_path / "evaluation_result.pdf").write_bytes(evaluation_pdf.content)
    texts = {k: docx_text(r.content) + "\n" + docx_rows(r.content) for k, r in docs.items()}
    texts["evaluation_result_pdf"] = pdf_text(evaluation_pdf.content, tmp_path, raw=True)
    texts["audit_report"] = pdf_text(audit.content, tmp_path)
    texts["standards_matrix"] = xlsx_rows(matrix.content)
    texts["minutes_pdf"] = pdf_text(minutes_pdf.content, tmp_path)
    texts.update({f"page {code}": page_text(r) for code, r in cells.items()})
    return texts


@pytest.mark.parametrize(
    "kind",
    [
        "election_request",
        "election_reply",
        "election_report",
        "minutes",
        "compliance_report",
        "standards_matrix",
        "evaluation_result",
    ],
)
def test_golden_year_document(year, kind):
    assert_golden(kind, year[kind])


def test_golden_year_documents_show_periods_in_words_never_by_code(year):
    """No printed document of the year (Word, PDF, the matrix's workbook) shows a period by its
    code (2026-Q3, 2026-07): people read 2026年第三季度, 2026年7月, 2026年度."""
    codes = {k: PROBLEMS["period"].findall(text) for k, text in year.items()}
    assert not {k: found for k, found in codes.items() if found}
    assert "2026年第三季度" in year["compliance_report"]  # the check reads the texts it guards


def iso_dates(texts: dict[str, str]) -> dict[str, list[str]]:
    """{document: [each ISO date in its text, with what surrounds it]}: none of the documents'
    layouts in the domain notes prescribes a numeric date, so every date reads 2026年7月10日."""
    found = {}
    for kind, text in texts.items():
        hits = [text[max(0, m.start() - 20) : m.end() + 10] for m in ISO_DATE.finditer(text)]
        if hits and not kind.startswith("page "):
            found[kind] = hits
    return found


def test_golden_year_documents_show_dates_as_offices_write_them(year):
    """No printed document of the year (Word, PDF, the matrix's workbook) shows a date as
    2026-07-10: the evidence lines, the audit report's times and the data it prints read
    2026年7月10日, as offices write them."""
    assert not iso_dates(year)
    # the check reads the texts it guards: the evidence line of the general meeting of 07-10
    assert "2026年7月10日 支部党员大会" in year["evaluation_result"]
    assert "拟选举日期：2026年12月20日" in year["audit_report"]


def test_golden_year_standards_pages_say_which_election_and_which_period(year):
    """The standards cell pages (/committee/standards/…) of the branch for 2026, as the college
    reads them on 2027-01-05: the term and the election that elected it, the periods by their
    names. Written from the script: elected 2026-12-20 for 3 years, so the term runs to
    2029-12-20. The next election's case, opened when the results were approved on 12-22, is not
    evidence: it has elected no one (it used to be listed as 换届选举（本届任期至2029年12月20日，
    尚未选举）, which a reader took for a second election of the year). No volunteer service
    recorded, so each quarter of 2026 closed unmet."""
    team = year["page jsnu.leadership.team"]
    for line in (
        "2026年度 达标",
        "任期 2026年12月20日至2029年12月20日",
        "换届选举（2026年12月20日，任期至2029年12月20日）",
    ):
        assert line in team, (line, team)
    assert team.count("换届选举（") == 1 and "尚未选举" not in team, team
    role = year["page jsnu.team.role"]
    quarters = ["2026年第一季度", "2026年第二季度", "2026年第三季度", "2026年第四季度"]
    assert all(f"{q} 未达标" in role for q in quarters), role


def test_golden_year_audit_report(year):
    """The printed history of the election case: the PDF's text without whitespace."""
    text = year["audit_report"]
    missing = [(f, t) for f, t in golden("audit_report") if "".join(t.split()) not in text]
    assert not missing, "\n".join(f"{f}: {t}" for f, t in missing) + "\n---\n" + text
    # no operation code, case id or raw key where a person reads
    raw = ["notify_term_expiry", "record_election_result", "case：", "officers：", "role："]
    # nor a flag the step reset for the next round, printed as if it were a blank answer
    raw += ["是否同意：—", "文号：—"]
    assert not [r for r in raw if r in text], text


def test_golden_year_evaluation_result_pdf_says_what_the_word_form_says(year):
    """The P6 考评结果表's PDF (from the HTML template) carries every golden value of its Word form."""
    pdf = year["evaluation_result_pdf"]  # without whitespace, a table row's cells in a row
    assert_no_tags(pdf)
    missing = [
        (f, t)
        for f, t in golden("evaluation_result")
        if "".join("".join(c.split()) for c in t.split("|")) not in pdf
    ]
    assert not missing, f"{missing}\n---\n{pdf}"


def test_golden_year_minutes_pdf_says_what_the_word_form_says(year):
    """The PDF of the minutes (its text without the spaces a table cell wraps at) carries every
    golden value of the Word form."""
    assert_no_tags(year["minutes_pdf"])
    missing = [
        (f, t) for f, t in golden("minutes") if "".join(t.split()) not in year["minutes_pdf"]
    ]
    assert not missing, f"{missing}\n---\n{year['minutes_pdf']}"


@pytest.fixture
def development(api, university, tmp_path):
    """P1 of 林晓 in the same branch, each step entered in the system a day or more after the
    day it happened (the entry day in `at`, the event day in the form): applied 2026-01-05, an
    activist from 2026-02-01, a development object from 2027-02-01, admitted by the general
    meeting of 2027-03-20 (probation one year: to 2028-03-20), converted by the meeting of
    2028-03-25, approved 2028-04-10, archived 2028-04-16. The 公示 of the 入党积极分子 is printed
    on 2026-01-23 for five working days from Monday 2026-01-26 (the business calendar knows no
    2027 yet); the 纪实表 on 2028-04-20, after the archive."""
    u = university
    person = member_create(
        actor=u.users.orgdept,
        organization=u.branch_a,
        name="林晓",
        status=MemberStatus.APPLICANT,
        birth_date=dt.date(1996, 3, 12),
        gender="2",
        ethnicity="02",
        education="14",
        degree="3",
        person_category="staff",
        job_post="软件工程系讲师",
        native_place="江苏南京",
    )
    sec, officer, orgdept = api(u.users.sec_a), api(u.users.officer), api(u.users.orgdept)
    introducers = [u.full_a[2].pk, u.full_a[3].pk]  # 丁一, 白雪
    with at(2026, 1, 7, 10):
        case = start_development(sec, u, person)
        step(
            sec,
            "submit_application",
            {"application_date": "2026-01-05", "letter_summary": "志愿加入中国共产党"},
        )
    with at(2026, 1, 22, 10):
        step(
            sec,
            "talk_with_applicant",
            {"talk_date": "2026-01-20", "talker": "王明", "summary": "谈话了解基本情况"},
        )
    with at(2026, 1, 23, 10):
        notice = get_doc(
            sec,
            f"/api/members/{person.pk}/documents/generate/publication_notice/"
            "?format=pdf&stage=activist&start=2026-01-26",
        )
        docs = {"publication_notice": pdf_text(notice.content, tmp_path)}
    with at(2026, 2, 3, 10):
        step(
            sec,
            "select_activist",
            {"decision_date": "2026-02-01", "recommendation": "member_recommendation"},
        )
    with at(2026, 2, 5, 10):
        step(officer, "file_activist", {"filed_date": "2026-02-04"})
        step(sec, "appoint_contacts", {"decision_date": "2026-02-02", "contacts": introducers})
    with at(2027, 2, 3, 10):
        for n, on in enumerate(["2026-04-30", "2026-07-31", "2026-10-31", "2027-01-31"], 1):
            submit_obligation(sec, person, "thought_report", n, on)
        for n, on in enumerate(["2026-07-31", "2027-01-31"], 1):
            submit_obligation(sec, person, "inspection", n, on)
        step(sec, "cultivation_review", {"review_date": "2027-01-31", "summary": "考察合格"})
        step(
            sec,
            "designate_development_object",
            {
                "designation_date": "2027-02-01",
                "opinions_heard": "党小组、联系人、党员和群众均同意",
            },
        )
    with at(2027, 2, 10, 10):
        step(officer, "file_development_object", {"approved": True, "decision_date": "2027-02-08"})
    with at(2027, 2, 12, 10):
        step(sec, "assign_introducers", {"decision_date": "2027-02-10", "introducers": introducers})
    with at(2027, 2, 25, 10):
        step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-20", "conclusion": "政治审查合格", "passed": True},
        )
    with at(2027, 3, 5, 10):
        step(
            officer,
            "centralized_training",
            {"start_date": "2027-03-01", "end_date": "2027-03-03", "class_hours": 24},
        )
    with at(2027, 3, 8, 10):
        step(sec, "branch_committee_review", {"approved": True, "decision_date": "2027-03-05"})
    with at(2027, 3, 11, 10):
        step(
            officer,
            "pre_review",
            {
                "prereview_date": "2027-03-10",
                "passed": True,
                "conclusion": "同意",
                "form_no": "志愿书001",
            },
        )
    with at(2027, 3, 13, 10):
        step(sec, "fill_application_form", {"filled_date": "2027-03-12"})
    with at(2027, 3, 21, 10):
        # 9 voters due (10 full − 停权丙); 8 present, 7 yes, 1 no; 甲8 absent, no written opinion
        step(
            sec,
            "admission_vote",
            vote(u.full_a[:8], 7, no=1, meeting="2027-03-20", resolution="admit"),
        )
    with at(2027, 4, 2, 10):
        step(
            officer,
            "committee_talk",
            {"talk_date": "2027-04-01", "talker": "李华", "summary": "谈话合格"},
        )
    with at(2027, 4, 12, 10):
        step(officer, "approve_admission", {"approved": True, "decision_date": "2027-04-10"})
    with at(2027, 4, 16, 10):
        step(orgdept, "file_admission", {"filed_date": "2027-04-15"})
        step(sec, "place_in_group", {"party_group": "第一党小组", "placed_on": "2027-04-15"})
    with at(2027, 4, 21, 10):
        step(sec, "take_oath", {"oath_date": "2027-04-20"})
    with at(2028, 3, 22, 10):
        for n, on in enumerate(["2027-06-30", "2027-09-30", "2027-12-31", "2028-03-15"], 1):
            submit_obligation(sec, person, "thought_report", n, on)
        step(sec, "probation_review", {"review_date": "2028-03-18", "summary": "预备期表现良好"})
        step(
            sec,
            "conversion_application",
            {"application_date": "2028-03-10", "letter_summary": "申请按期转正"},
        )
    with at(2028, 3, 26, 10):
        # the same 9 due; 7 present, all yes
        step(
            sec, "conversion_vote", vote(u.full_a[:7], 7, meeting="2028-03-25", decision="convert")
        )
    with at(2028, 4, 12, 10):
        step(officer, "approve_conversion", {"approved": True, "decision_date": "2028-04-10"})
    with at(2028, 4, 18, 10):
        step(orgdept, "archive_file", {"archived_on": "2028-04-16", "file_no": "档2028-017"})
    with at(2028, 4, 20, 10):
        record = get_doc(sec, f"/api/cases/{case['id']}/documents/generate/member_record/")
        docs["member_record"] = docx_text(record.content) + "\n" + docx_rows(record.content)
    return docs


def test_golden_year_member_record(development):
    assert_golden("member_record", development["member_record"])


def test_golden_year_development_documents_show_dates_as_offices_write_them(development):
    """The 纪实表 (Word) and the 公示 (PDF) of 林晓 show no ISO date (档2028-017 is a file number)."""
    assert not iso_dates(development)
    assert "2027年3月20日" in development["member_record"]


def test_golden_year_publication_notice(development):
    text = development["publication_notice"]  # the PDF's text without whitespace
    missing = [(f, t) for f, t in golden("publication_notice") if "".join(t.split()) not in text]
    assert not missing, "\n".join(f"{f}: {t}" for f, t in missing) + "\n---\n" + text


GRADES = {"优": "excellent", "合": "qualified", "基": "basically_qualified", "不": "unqualified"}


def review_to_feedback(api, u) -> dict:
    """P3 of 软件工程教工党支部, 2026 (year_helpers), on 2026-12-20 after the election's vote: its
    11 full and probationary members take part in member order — 王明 (secretary until the new
    committee takes office), 陈静 (committee), 丁一, 白雪, 马力, 刘洋, 甲6, 甲7 and 甲8 (leading
    cadres: not rated), 预备乙 (probationary), 停权丙 — so 9 are rated. The plan, the study (12-05),
    eleven self-assessments, the mutual assessment (12-20); ten ballots (停权丙 casts none): 王明
    and 陈静 优秀 on every ballot, 马力 基本合格 on the ballots of the first six voters and 合格 on
    the others, 刘洋 不合格 on every ballot, the rest 合格. The committee rates 王明 and 陈静 优秀,
    马力 基本合格, 刘洋 不合格, the rest 合格; feedback."""
    rb = u.review
    m = rb.members
    sec, committee = api(m[0].user), api(m[1].user)
    excellent, basic, unqualified = (m[0], m[1]), m[4], m[5]
    with time_machine.travel(cst(2026, 12, 20, 16), tick=False):
        case = drive_to_measurement(api, rb)
        url = f"/api/cases/{case['id']}/measurement-ballots/"
        for i, voter in enumerate(m[:10]):

            def grade(x, i=i):
                if x in excellent:
                    return "excellent"
                if x == basic:
                    return "basically_qualified" if i <= 5 else "qualified"
                return "unqualified" if x == unqualified else "qualified"

            r = api(voter.user).post(url, ballot(rb, grade), format="json")
            assert r.status_code == 201, r.json()
        complete(sec, only_task(sec, "democratic_measurement")["id"], {"close": True})
        rating = {excellent[0]: "优", excellent[1]: "优", basic: "基", unqualified: "不"}
        complete(
            committee,
            only_task(committee, "organizational_rating")["id"],
            {"ratings": [{"member": x.pk, "grade": GRADES[rating.get(x, "合")]} for x in rb.rated]},
        )
        complete(
            sec,
            only_task(sec, "give_feedback")["id"],
            {"feedback": [{"member": x.pk, "text": "已当面反馈"} for x in rb.rated]},
        )
    return case


def review_to_handling(api, u, case: dict, secretary) -> None:
    """The review's report (12-28, by the branch's secretary then in office), the college accepts
    it (12-30), which opens 刘洋's handling: the branch committee (陈静, re-elected) proposes a
    correction, the college files it on 2027-01-04."""
    committee, officer = api(u.review.members[1].user), api(u.users.officer)
    with time_machine.travel(cst(2026, 12, 28, 10), tick=False):
        complete(
            secretary,
            only_task(secretary, "report_results")["id"],
            {"held_on": "2026-12-28", "summary": "优秀2人，合格5人，基本合格1人，不合格1人"},
        )
    with time_machine.travel(cst(2026, 12, 30, 10), tick=False):
        complete(officer, only_task(officer, "receive_results")["id"], {"approved": True})
    with time_machine.travel(cst(2027, 1, 4, 10), tick=False):
        # 刘洋's handling (DISPOSAL-2024): the branch committee proposes a correction within the
        # normal period, the college files it the same day
        complete(
            committee,
            only_task(committee, "propose_handling")["id"],
            {"measure": "correction", "reason": "长期不参加组织生活，经教育仍无明显转变"},
        )
        complete(
            officer,
            only_task(officer, "file_handling")["id"],
            {"filed_on": "2027-01-04", "document_no": "计党备〔2027〕1号"},
        )


def test_golden_year_review_summary(year):
    assert_golden("review_summary", year["review_summary"])
