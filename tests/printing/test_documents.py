"""Printed documents through the API: each generated .docx opened with python-docx (filled values,
no template tag left), each PDF read back with pdftotext (the Chinese text is there, not boxes) and
pdffonts (the fonts are embedded); a template override is used; out of scope answers 404."""

import hashlib
import io
import subprocess

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from docx import Document as Docx

from printing.render import SHIPPED_DIR
from printing.selectors import generate_for_case
from workflows.audit import verify_case
from workflows.models import AuditEvent, Case, Document

from ..helpers import complete, cst, only_task
from ..procedures.election_helpers import drive_to_vote, vote_and_elect
from ..procedures.md_helpers import (
    applicant,
    at,
    drive_to_admission_vote,
    drive_to_designation,
    step,
    vote,
)
from ..procedures.review_helpers import ballot, drive_to_measurement
from .helpers import assert_no_tags, docx_text, general_meeting, get_doc, pdf_text

pytestmark = pytest.mark.django_db(transaction=False)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def pdf_fonts(content: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def test_member_record_has_every_step_with_dates_people_votes_and_signature_lines(api, university):
    u = university
    person = applicant(u, id_number="11010120000501123X", phone="13800001111")
    sec = api(u.users.sec_a)
    case = drive_to_admission_vote(api, u, person)
    with at(2027, 3, 20, 15):
        step(
            sec,
            "admission_vote",
            vote(u.full_a[:7], 6, no=1, meeting="2027-03-20", resolution="admit"),
        )
        r = get_doc(sec, f"/api/cases/{case['id']}/documents/generate/member_record/")
    assert r["Content-Type"] == DOCX and r["X-Document-Template"] == "member_record.docx"
    assert r["X-Document-Template-Source"] == "shipped"
    assert (
        r["X-Document-Template-SHA256"]
        == hashlib.sha256((SHIPPED_DIR / "member_record.docx").read_bytes()).hexdigest()
    )
    text = docx_text(r.content)
    assert_no_tags(text)
    assert "申请人张" in text and u.branch_a.name in text and "计算机学院党委" in text
    assert "2000年5月1日" in text  # birth date
    assert (
        "110***********123X" in text and "11010120000501123X" not in text
    )  # masked for a branch secretary
    assert "2026年1月5日" in text and "志愿加入中国共产党" in text  # step 1
    assert "谈话人：甲0" in text and "2026年1月20日" in text  # step 2: the talker
    assert "培养联系人：甲2、甲3" in text  # step 5: contacts by name
    assert "入党介绍人：甲2、甲3" in text  # step 9
    assert "政治审查结论：政治审查合格" in text and "政治审查是否合格：合格（通过）" in text
    assert "培训学时：20" in text and "2027年3月3日" in text
    # step 15: the vote as the branch counted it (voters due, present, yes/no/abstain, resolution)
    assert (
        "应到会 9 名，实到会 7 名" in text and "到会党员赞成 6 票、不赞成 1 票、弃权 0 票" in text
    )
    assert "决议：同意接收为预备党员" in text
    for stage in ("第一阶段", "第二阶段", "第三阶段", "第四阶段", "第五阶段"):
        assert stage in text
    assert text.count("支部书记签字：") >= 10 and "党委书记签字：" in text and "年　月　日" in text
    # one query per kind of record, however many steps and reports the case has
    case_row = Case.objects.select_related(
        "organization", "process_version", "subject_member__organization"
    ).get(pk=case["id"])
    with CaptureQueriesContext(connection) as queries:
        generate_for_case(u.users.sec_a, case_row, "member_record")
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]
    doc = Docx(io.BytesIO(r.content))
    steps_table = doc.tables[1]
    numbers = [row.cells[0].text for row in steps_table.rows[1:] if row.cells[0].text.isdigit()]
    assert numbers == [str(n) for n in range(1, 26)]  # 25 steps, done or blank for the hand


def test_the_organization_department_sees_the_full_id_number(api, university):
    u = university
    person = applicant(u, id_number="11010120000501123X")
    with at(2026, 1, 5, 10):
        r = api(u.users.sec_a).post(
            "/api/cases/",
            {
                "process": "member_development",
                "organization": u.branch_a.pk,
                "subject_member": person.pk,
            },
            format="json",
        )
        body = get_doc(
            api(u.users.orgdept), f"/api/members/{person.pk}/documents/generate/member_record/"
        ).content
    assert r.status_code == 201
    assert "11010120000501123X" in docx_text(body)


def test_publication_notice_pdf_has_chinese_text_the_working_day_end_and_embedded_fonts(
    api, university, tmp_path
):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)
    sec = api(u.users.sec_a)
    with at(2026, 3, 2, 10):
        r = get_doc(
            sec,
            f"/api/members/{person.pk}/documents/generate/publication_notice/?format=pdf&start=2026-03-02",
        )
    assert r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content, tmp_path)
    assert "关于拟确定发展对象人选的公示" in text  # an activist's next stage
    assert (
        "申请人张" in text
        and "2000年5月" in text
        and "2026年1月5日" in text
        and "2026年2月1日" in text
    )
    # 5 working days (cpc-2014's development.publication_notice) from Monday 2 March: to Friday 6 March
    assert "2026年3月2日至2026年3月6日" in text and "5个工作日" in text
    assert "反映" in text and "甲0" in text  # how to object, and to whom (the branch secretary)
    assert "\ufffd" not in text and "□" not in text
    fonts = pdf_fonts(r.content, tmp_path)
    assert fonts and all(f[-5] == "yes" for f in fonts)  # emb column
    assert any("CJK" in f[0] for f in fonts)


def test_publication_notice_across_a_holiday_and_as_docx(api, university):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)
    with at(2026, 9, 29, 10):
        r = get_doc(
            api(u.users.sec_a),
            f"/api/members/{person.pk}/documents/generate/publication_notice/?format=docx&stage=probationary&start=2026-09-29",
        )
    text = docx_text(r.content)
    assert_no_tags(text)
    # 29, 30 Sept, the National Day holiday (1-7 Oct) skipped, 8 and 9 Oct, then Saturday 10 Oct, a make-up working day
    assert "关于拟接收预备党员人选的公示" in text
    assert "公示时间：2026年9月29日至2026年10月10日（5个工作日）" in text


def test_election_request_reply_and_report_show_seats_candidates_quorum_and_votes(api, university):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_vote(api, u)
    url = f"/api/cases/{case['id']}/documents/generate/"
    with time_machine.travel(cst(2026, 12, 20, 15), tick=False):
        request = docx_text(get_doc(sec, url + "election_request/").content)
        assert_no_tags(request)
        assert (
            "关于召开软件工程教工党支部党员大会进行换届选举的请示" in request
            and "计算机学院党委：" in request
        )
        assert "2026年12月20日" in request and "由5名委员组成" in request and "不少于6名" in request
        assert "甲0、甲1、甲2、甲3、甲4、甲5" in request  # the preliminary candidates
        assert "停权丙（党员权利停止（留党察看期间））" in request  # not counted, with the reason
        assert "当否，请批示。" in request

        vote_and_elect(sec, u)
        report = docx_text(get_doc(sec, url + "election_report/").content)
        reply = docx_text(get_doc(officer, url + "election_reply/").content)
    assert_no_tags(report)
    assert "应到会9名，实到会8名" in report and "超过应到会人数的4/5" in report
    assert "共发出选票8张，收回8张，其中有效票8张、无效票0张" in report
    doc_votes = [
        line for line in report.splitlines() if line in ("甲0", "8", "甲5", "3", "当选", "未当选")
    ]
    assert "未当选" in doc_votes and "当选" in doc_votes
    assert (
        "甲0、甲1、甲2、甲3、甲4等5名同志得票超过实到会有选举权党员的半数，当选为新一届支部委员会委员"
        in report
    )
    assert "选举甲0为书记，甲1为副书记" in report and "（待审批）" in report
    assert_no_tags(reply)
    assert (
        "同意你支部于2026年12月20日召开党员大会进行换届选举" in reply
        and "同意甲0、甲1、甲2、甲3、甲4、甲56名同志为候选人预备人选" in reply
    )


def test_meeting_minutes_carry_the_new_meeting_fields(api, university):
    u = university
    sec = api(u.users.sec_a)
    with time_machine.travel(cst(2026, 7, 11, 10), tick=False):
        r = sec.post(
            "/api/meetings/",
            general_meeting(
                u, content="一、传达上级精神\n二、讨论发展计划", resolutions="同意年度发展计划"
            ),
            format="json",
        )
        assert r.status_code == 201, r.json()
        meeting = r.json()
        assert (
            meeting["place"],
            meeting["chair_name"],
            meeting["recorder_name"],
            meeting["starts_at"],
        ) == ("信息楼305", "甲0", "甲1", "14:30:00")
        bad = sec.post(
            "/api/meetings/",
            {
                "organization": u.branch_a.pk,
                "kind": "party_lesson",
                "held_on": "2026-07-10",
                "attendees": [u.full_a[0].pk],
                "chair": u.full_b[0].pk,
            },
            format="json",
        )
        assert bad.status_code == 400 and "chair" in bad.json()["fields"]
        text = docx_text(
            get_doc(sec, f"/api/meetings/{meeting['id']}/documents/generate/minutes/").content
        )
    assert_no_tags(text)
    assert "软件工程教工党支部支部党员大会记录" in text
    assert (
        "2026年7月10日 14:30—16:00" in text
        and "信息楼305" in text
        and "甲0" in text
        and "甲1" in text
    )
    assert "甲8（出差）" in text and "学院党委组织员" in text
    assert "一、传达上级精神" in text and "二、讨论发展计划" in text and "同意年度发展计划" in text
    assert "\n9\n" in f"\n{text}\n" and "\n8\n" in f"\n{text}\n"  # due and present


def test_review_summary_counts_per_grade_and_no_individual_ballot(api, review_branch):
    rb = review_branch
    sec, committee = api(rb.members[0].user), api(rb.members[1].user)
    target = rb.rated[-1]
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        case = drive_to_measurement(api, rb)
        url = f"/api/cases/{case['id']}/measurement-ballots/"
        for m in rb.members:
            api(m.user).post(
                url,
                ballot(
                    rb,
                    lambda x: (
                        "unqualified"
                        if x == target
                        else "excellent"
                        if x in rb.rated[:3]
                        else "qualified"
                    ),
                ),
                format="json",
            )
        complete(sec, only_task(sec, "democratic_measurement")["id"], {"close": True})
        ratings = [
            {
                "member": m.pk,
                "grade": "unqualified"
                if m == target
                else "excellent"
                if m in rb.rated[:3]
                else "qualified",
            }
            for m in rb.rated
        ]
        complete(
            committee, only_task(committee, "organizational_rating")["id"], {"ratings": ratings}
        )
        r = get_doc(sec, f"/api/cases/{case['id']}/documents/generate/review_summary/")
    doc = Docx(io.BytesIO(r.content))
    text = docx_text(r.content)
    assert_no_tags(text)
    assert "数学教工党支部2026年度民主评议党员结果汇总表" in text
    participation = [c.text for c in doc.tables[0].rows[1].cells]
    assert participation == ["12", "12", "10", "2"]  # due, ballots, rated, cadres not rated
    measurement = {row.cells[0].text: row.cells[1].text for row in doc.tables[1].rows[1:]}
    assert measurement == {
        "优秀": "36",
        "合格": "72",
        "基本合格": "0",
        "不合格": "12",
    }  # 12 ballots × 10 rated, summed
    rating = {
        row.cells[0].text: (row.cells[1].text, row.cells[2].text) for row in doc.tables[2].rows[1:]
    }
    assert rating == {
        "优秀": ("3", "30.0%"),
        "合格": ("6", "60.0%"),
        "基本合格": ("0", "0.0%"),
        "不合格": ("1", "10.0%"),
    }
    assert f"{target.name}（不合格）" in text and "评2、" not in text
    assert "自我评价" not in text  # nothing of what members wrote or how anyone voted


def test_compliance_report_of_a_subtree_for_a_period(api, university):
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2026, 7, 11, 10), tick=False):
        sec.post(
            "/api/meetings/",
            {
                "organization": u.branch_a.pk,
                "kind": "general_meeting",
                "held_on": "2026-05-10",
                "attendees": [m.pk for m in u.full_a],
            },
            format="json",
        )
        r = get_doc(officer, f"/api/compliance/report/?organization={u.college.pk}&period=2026-Q2")
        bad = officer.get(f"/api/compliance/report/?organization={u.college.pk}&period=2026-Q9")
    text = docx_text(r.content)
    assert_no_tags(text)
    assert (
        "计算机学院党委组织生活制度落实情况报告" in text
        and "统计期间：2026年第二季度（截至2026年7月11日）" in text
    )
    assert u.branch_a.name in text and u.branch_b.name in text
    lines = text.splitlines()
    general = lines.index("支部党员大会")
    assert lines[general + 2] == "达标"  # branch A held its quarterly general meeting
    assert "未落实" in text  # … and missed others
    assert bad.status_code == 400 and "period" in bad.json()["fields"]


def test_audit_report_pdf_has_the_chain_verification_and_the_document_hashes(
    api, university, tmp_path
):
    u = university
    sec, auditor = api(u.users.sec_a), api(u.users.auditor)
    case = drive_to_vote(api, u)
    with time_machine.travel(cst(2026, 7, 12, 9), tick=False):
        stored = sec.post(f"/api/cases/{case['id']}/documents/generate/election_request/")
        assert stored.status_code == 201, stored.json()
        r = get_doc(auditor, f"/api/cases/{case['id']}/documents/generate/audit_report/?format=pdf")
    text = pdf_text(r.content, tmp_path)
    assert "流程审计报告" in text and "哈希链校验" in text and "完整" in text
    assert stored.json()["sha256"] in text
    assert "提交换届请示" in text and "软件工程教工党支部" in text
    fonts = pdf_fonts(r.content, tmp_path)
    assert fonts and all(f[-5] == "yes" for f in fonts)
    # the auditor's read is logged like any other read of the case
    assert any(
        a.view == "document_audit_report"
        for a in Document.objects.get(pk=stored.json()["id"]).case.accesses.all()
    )


def test_storing_a_generated_document_puts_its_sha256_and_template_in_the_audit_chain(
    api, university
):
    u = university
    sec = api(u.users.sec_a)
    case = drive_to_vote(api, u)
    with time_machine.travel(cst(2026, 7, 12, 9), tick=False):
        r = sec.post(f"/api/cases/{case['id']}/documents/generate/election_request/")
        auditor = api(u.users.auditor).post(
            f"/api/cases/{case['id']}/documents/generate/election_request/"
        )
    assert r.status_code == 201, r.json()
    body = r.json()
    doc = Document.objects.get(pk=body["id"])
    assert (
        doc.content_type == DOCX
        and doc.sha256 == hashlib.sha256(bytes(doc.content)).hexdigest() == body["sha256"]
    )
    template_sha = hashlib.sha256((SHIPPED_DIR / "election_request.docx").read_bytes()).hexdigest()
    assert body["template"] == {
        "name": "election_request.docx",
        "source": "shipped",
        "sha256": template_sha,
    }
    event = AuditEvent.objects.filter(case_id=case["id"], action="document_uploaded").get()
    assert (
        event.data["sha256"] == doc.sha256
        and event.data["provenance"]["template_sha256"] == template_sha
    )
    assert verify_case(case["id"]).ok
    assert (
        "换届选举请示" in doc.filename
        and "关于召开软件工程教工党支部党员大会进行换届选举的请示" in docx_text(bytes(doc.content))
    )
    assert auditor.status_code == 403  # auditors read, they do not file


def test_a_template_dropped_in_the_override_directory_is_used(api, university, tmp_path):
    u = university
    tmp_path = tmp_path / "templates"
    tmp_path.mkdir()
    person = applicant(u)
    custom = Docx()
    custom.add_paragraph("本校自定格式：{{ person.name }}，{{ branch }}")
    custom.save(tmp_path / "member_record.docx")
    override_sha = hashlib.sha256((tmp_path / "member_record.docx").read_bytes()).hexdigest()
    with override_settings(
        PARTYFLOW={**settings.PARTYFLOW, "DOCUMENT_TEMPLATES_DIR": str(tmp_path)}
    ):
        r = get_doc(
            api(u.users.sec_a), f"/api/members/{person.pk}/documents/generate/member_record/"
        )
        shipped = get_doc(
            api(u.users.sec_a),
            f"/api/members/{person.pk}/documents/generate/publication_notice/?format=docx&stage=activist",
        )
    assert docx_text(r.content).strip() == f"本校自定格式：申请人张，{u.branch_a.name}"
    assert (r["X-Document-Template-Source"], r["X-Document-Template-SHA256"]) == (
        "override",
        override_sha,
    )
    assert (
        shipped["X-Document-Template-Source"] == "shipped"
    )  # only the template of that name is replaced
    # the HTML of a PDF is overridden the same way
    (tmp_path / "publication_notice.html").write_text(
        '<html><body style="font-family: Noto Sans CJK SC">本校公示：{{ people.0.name }}，{{ notice.start }}起</body></html>',
        encoding="utf-8",
    )
    with (
        override_settings(
            PARTYFLOW={**settings.PARTYFLOW, "DOCUMENT_TEMPLATES_DIR": str(tmp_path)}
        ),
        at(2026, 3, 2, 10),
    ):
        pdf = get_doc(
            api(u.users.sec_a),
            f"/api/members/{person.pk}/documents/generate/publication_notice/?format=pdf&stage=activist&start=2026-03-02",
        )
    assert pdf["X-Document-Template-Source"] == "override"
    assert pdf_text(pdf.content, tmp_path) == "本校公示：申请人张，2026年3月2日起"
    # a template naming a field the document does not have is refused naming the template, not a 500
    broken = Docx()
    broken.add_paragraph("{{ no_such_field }}")
    broken.save(tmp_path / "member_record.docx")
    with override_settings(
        PARTYFLOW={**settings.PARTYFLOW, "DOCUMENT_TEMPLATES_DIR": str(tmp_path)}
    ):
        bad = api(u.users.sec_a).get(f"/api/members/{person.pk}/documents/generate/member_record/")
    assert (
        bad.status_code == 409
        and bad.json()["code"] == "document_template_invalid"
        and "member_record.docx" in bad.json()["message"]
    )


def test_documents_outside_ones_scope_answer_404_like_missing_ones(api, university):
    u = university
    person = applicant(u)
    case = drive_to_vote(api, u)
    outsider = api(u.users.sec_b)
    with time_machine.travel(cst(2026, 7, 12, 9), tick=False):
        hidden = outsider.get(f"/api/cases/{case['id']}/documents/generate/election_request/")
        missing = outsider.get("/api/cases/999999/documents/generate/election_request/")
        member = outsider.get(f"/api/members/{person.pk}/documents/generate/member_record/")
        stored = outsider.post(f"/api/cases/{case['id']}/documents/generate/election_request/")
        report = outsider.get(f"/api/compliance/report/?organization={u.branch_a.pk}&period=2026")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    assert member.status_code == 404 and stored.status_code == 404 and report.status_code == 404
    assert not Document.objects.exists()


def test_a_wrong_kind_or_format_is_a_400_naming_the_parameter(api, university):
    u = university
    sec = api(u.users.sec_a)
    case = drive_to_vote(api, u)
    with time_machine.travel(cst(2026, 7, 12, 9), tick=False):
        unknown = sec.get(f"/api/cases/{case['id']}/documents/generate/no_such/")
        wrong = sec.get(f"/api/cases/{case['id']}/documents/generate/member_record/")
        fmt = sec.get(f"/api/cases/{case['id']}/documents/generate/election_request/?format=pdf")
    assert (
        unknown.status_code == 400
        and unknown.json()["code"] == "document_kind_unknown"
        and "kind" in unknown.json()["fields"]
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "document_kind_not_applicable"
    assert (
        fmt.status_code == 400
        and fmt.json()["code"] == "document_format_unsupported"
        and "format" in fmt.json()["fields"]
    )


def test_a_document_whose_step_is_not_done_yet_is_refused_naming_the_step(api, university):
    u = university
    sec = api(u.users.sec_a)
    case = drive_to_vote(api, u)
    with time_machine.travel(cst(2026, 7, 12, 9), tick=False):
        r = sec.get(f"/api/cases/{case['id']}/documents/generate/election_report/")
    assert (
        r.status_code == 409
        and r.json()["code"] == "document_not_ready"
        and "党员大会选举" in r.json()["message"]
    )
