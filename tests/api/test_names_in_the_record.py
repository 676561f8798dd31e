"""The record is true (issue 25): wherever a person reads who was named or who acted — P1's contacts
and introducers, P2's term-expiry recipients, the printed audit report, the web case history —
they read the person's name, never an id or a login name alone."""

import html as html_lib
import re

import pytest
import time_machine

from printing.contexts.case_history import audit_report
from workflows.models import AuditEvent, Case

from ..helpers import cst
from ..printing.helpers import get_doc, pdf_text
from ..procedures.election_helpers import drive_to_vote
from ..procedures.md_helpers import applicant, drive_to_political_review

pytestmark = pytest.mark.django_db


def test_p1_contacts_and_introducers_read_with_names_in_the_api(api, university):
    u = university
    person = applicant(u)
    case = drive_to_political_review(api, u, person)
    data = api(u.users.sec_a).get(f"/api/cases/{case['id']}/").json()["data"]
    assert data["contacts"] == [u.full_a[2].pk, u.full_a[3].pk]
    assert data["contacts_display"] == ["甲2", "甲3"]
    assert data["introducers_display"] == ["甲2", "甲3"]


def test_p1_audit_report_prints_field_titles_and_names_not_raw_ids(api, university, tmp_path):
    u = university
    case = drive_to_political_review(api, u, applicant(u))
    r = get_doc(
        api(u.users.auditor), f"/api/cases/{case['id']}/documents/generate/audit_report/?format=pdf"
    )
    text = pdf_text(r.content, tmp_path)
    ids = [u.full_a[2].pk, u.full_a[3].pk]
    assert f"introducers: {ids}".replace(" ", "") not in text.replace(" ", "")
    assert "入党介绍人" in text and "甲2" in text and "甲3" in text
    # who acted: the secretary by name (甲0, the member behind the account), not the login name
    rows = audit_report(Case.objects.get(pk=case["id"]), user=u.users.auditor)["events"]
    line = "入党介绍人：甲2、甲3"  # by name, never by number
    introducers = next(r for r in rows if line in r["details"])
    assert introducers["actor"] == "甲0"
    assert all(r["actor"] != "system" for r in rows) and any(r["actor"] == "系统" for r in rows)


def test_p2_term_expiry_recipients_are_recorded_by_name(api, university):
    u = university
    case = drive_to_vote(api, u)
    effect = AuditEvent.objects.get(
        case_id=case["id"], action="effect_applied", data__operation="notify_term_expiry"
    )
    branch = effect.data["result"]["branch"]
    assert {"username": "sec_a", "name": "甲0"} in branch
    assert all(p["name"] for p in branch)
    history = api(u.users.sec_a).get(f"/api/cases/{case['id']}/history/").json()
    result = next(e for e in history if e["data"].get("operation") == "notify_term_expiry")
    assert {"username": "sec_a", "name": "甲0"} in result["data"]["result"]["branch"]
    # the operation by the label the printed report and the web history read, not its code
    assert result["data"]["operation_display"] == "换届提醒支部和上级党委"
    # the step is the service task that ran it, by the name the diagram shows
    assert effect.task_name == "换届提醒支部和上级党委"


def test_web_case_history_shows_names_and_the_system_not_login_names(client, university, api):
    u = university
    case = drive_to_vote(api, u)
    client.force_login(u.users.sec_a)
    with time_machine.travel(cst(2026, 7, 12, 9), tick=False):
        page = client.get(f"/cases/{case['id']}/").content.decode()
    timeline = page[page.index('class="timeline"') :]
    assert "甲0" in timeline and "系统" in timeline
    assert "sec_a" not in timeline and ">system<" not in timeline
    # the nominated candidates read by name in the history's submitted data
    assert "甲5" in timeline
    # the reminder the system ran by its step's label, not its operation code
    assert "换届提醒支部和上级党委" in timeline and "notify_term_expiry" not in timeline


def _cells(text: str) -> str:
    return "".join(html_lib.unescape(re.sub(r"<[^>]+>", "", text)).split())


def test_html_report_and_audit_pdf_print_the_same_events_with_the_same_details(
    api, university, tmp_path
):
    """One case history (issue 24): the HTML report and the PDF are filled from one context, so
    both carry every event the reader may see, each with the same details in words."""
    u = university
    case = drive_to_political_review(api, u, applicant(u))
    auditor = api(u.users.auditor)
    pdf = pdf_text(
        get_doc(
            auditor, f"/api/cases/{case['id']}/documents/generate/audit_report/?format=pdf"
        ).content,
        tmp_path,
    )
    page = auditor.get(f"/api/cases/{case['id']}/report/").content.decode()
    rows = audit_report(Case.objects.get(pk=case["id"]), user=u.users.auditor)["events"]
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    timeline = page[page.index('class="timeline"') :]
    found = re.findall(r'<tr><td class="n">(\d+)</td>(.*?)</tr>', timeline, re.S)
    assert [int(n) for n, _ in found] == [r["seq"] for r in rows]
    for (_, cells), row in zip(found, rows, strict=True):
        html_row = _cells(cells)
        for line in row["details"]:
            assert "".join(line.split()) in html_row and "".join(line.split()) in pdf, line
        assert row["hash"] in html_row and row["actor"] in html_row
    introducers = "入党介绍人：甲2、甲3"  # by name, never by number
    assert introducers in _cells(timeline) and introducers in pdf
