"""The 党员组织关系介绍信 (FORM-2006) prints its three parts under one serial number: stub, letter
and receipt, with the member's status, ID number, dues paid to year/month from the dues records,
and the validity in capital numerals; Word and PDF say the same (a golden text read by a person)."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from engine.calendar import ISO_DATE
from organizations.services import member_update

from ..helpers import complete, cst, only_task
from ..procedures.transfer_helpers import pay_dues, start_out
from .helpers import assert_no_tags, docx_text, get_doc, pdf_text

pytestmark = pytest.mark.django_db(transaction=False)
GOLDEN = Path(__file__).parent / "golden" / "transfer_letter.txt"


def test_the_letter_prints_stub_letter_and_receipt_with_one_serial_number(
    api, university, tmp_path
):
    u = university
    grad = u.full_a[5]
    member_update(
        actor=None,
        member=grad,
        name="毕业庚",
        gender="1",
        ethnicity="01",
        birth_date=dt.date(1999, 3, 7),
        id_number="110105199903071234",
        phone="13800000000",
    )
    pay_dues(u, grad, dt.date(2027, 1, 1), dt.date(2027, 6, 1))
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 6, 20, 9), tick=False):
        case = start_out(sec, u, grad, heading="中共某某科技有限公司委员会")
        url = f"/api/cases/{case['id']}/documents/generate/transfer_letter/"
        assert get_doc(sec, url, status=409).json()["code"] == "document_not_ready"
        complete(
            officer,
            only_task(officer, "issue_letter")["id"],
            {"issued_on": "2027-06-20", "validity_days": 30},
        )
        word = docx_text(get_doc(sec, url + "?format=docx").content)
        pdf = pdf_text(get_doc(sec, url + "?format=pdf").content, tmp_path)
    assert_no_tags(word)
    assert not ISO_DATE.findall(word) and not ISO_DATE.findall(pdf)  # 2027年6月20日, as written
    lines = [line for line in word.splitlines() if line.strip()]
    expected = (
        GOLDEN.read_text(encoding="utf-8").replace("{case}", f"{case['id']:06d}").splitlines()
    )
    assert lines == expected
    # the PDF says the same (pdftotext drops spaces; the cut lines are drawn, and the receipt's
    # blank date and handler are laid out side by side)
    for line in expected:
        if line.startswith("－") or "年　　月" in line or line.startswith("经办人"):
            continue
        assert "".join(line.split()) in pdf, line
