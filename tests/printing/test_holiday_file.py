"""A 公示 whose period runs into a year chinesecalendar does not cover: printed from the holiday file
PARTYFLOW_HOLIDAYS_FILE names, and without it refused with the year and the setting (503)."""

import json

import pytest
from django.conf import settings
from django.test import override_settings

from ..calendar_helpers import TEST_2027
from ..procedures.md_helpers import applicant, at, drive_to_designation
from .helpers import assert_no_tags, docx_text, get_doc

pytestmark = pytest.mark.django_db(transaction=False)

URL = "/api/members/{pk}/documents/generate/publication_notice/?format=docx&stage=probationary&start=2026-12-31"


def test_publication_notice_into_2027_counts_the_holiday_files_days(api, university, tmp_path):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(TEST_2027, ensure_ascii=False), encoding="utf-8")
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)
    with (
        override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": str(path)}),
        at(2026, 12, 31, 10),
    ):
        r = get_doc(api(u.users.sec_a), URL.format(pk=person.pk))
    text = docx_text(r.content)
    assert_no_tags(text)
    # Thursday 31 Dec counts; 1-5 Jan 2027 off (the test file); 6, 7, 8 Jan and Saturday 9 Jan (a
    # make-up working day in the test file)
    assert "公示时间：2026年12月31日至2027年1月9日（5个工作日）" in text


def test_publication_notice_into_2027_without_a_holiday_file_says_what_to_supply(api, university):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)
    with at(2026, 12, 31, 10):
        r = get_doc(api(u.users.sec_a), URL.format(pk=person.pk), status=503)
    body = r.json()
    assert body["code"] == "calendar_unavailable"
    assert "2027 年" in body["message"] and "PARTYFLOW_HOLIDAYS_FILE" in body["message"]
