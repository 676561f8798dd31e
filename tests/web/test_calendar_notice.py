"""The organization department's overview warns, in Chinese, while the working-day calendar does
not reach 45 days ahead: on 7 December 2026 (chinesecalendar 1.11.0 ends with 2026) it names 2027,
the last day computed and who installs the file; with a 2027 holiday file (tests/data: MADE-UP
test data, not the State Council's arrangement) it is gone; a committee officer never sees it."""

import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from ..helpers import cst

pytestmark = pytest.mark.django_db

TEST_2027_FILE = Path(__file__).parents[1] / "data" / "holidays-2027-test.json"


def holidays_file(path) -> override_settings:
    return override_settings(PARTYFLOW={**settings.PARTYFLOW, "HOLIDAYS_FILE": str(path or "")})


def notice(page) -> str | None:
    """The banner's text as a person reads it, None when there is none."""
    m = re.search(r'data-testid="calendar-notice">(.*?)</div>', page.content.decode(), re.S)
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", m.group(1))) if m else None


def test_on_7_december_2026_the_organization_department_is_told_2027_is_missing(web, university):
    with holidays_file(None), time_machine.travel(cst(2026, 12, 7, 10), tick=True):
        page = web(university.users.orgdept).get("/overview/")
    assert page.status_code == 200
    assert notice(page) == (
        "工作日历缺少2027年的节假日安排：系统只能计算到2026年12月31日，从2027年1月1日起，"
        "按工作日计算的期限（公示期、答复期限等）将无法计算，相关步骤会被拒绝。"
        "请在国务院办公厅公布2027年部分节假日安排后，由信息化部门按通知逐日录入并安装2027年的"
        "节假日文件（检查无误后重启服务）。"
    )


def test_a_committee_officer_sees_no_calendar_banner(web, university):
    with holidays_file(None), time_machine.travel(cst(2026, 12, 7, 10), tick=True):
        page = web(university.users.officer).get("/overview/")
    assert page.status_code == 200 and "逾期" in page.content.decode()
    assert notice(page) is None


def test_with_a_2027_holiday_file_the_banner_is_gone(web, university):
    with holidays_file(TEST_2027_FILE), time_machine.travel(cst(2026, 12, 7, 10), tick=True):
        page = web(university.users.orgdept).get("/overview/")
    assert page.status_code == 200 and notice(page) is None


def test_in_june_2026_there_is_no_banner(web, university):
    with holidays_file(None), time_machine.travel(cst(2026, 6, 1, 10), tick=True):
        page = web(university.users.orgdept).get("/overview/")
    assert page.status_code == 200 and notice(page) is None


def test_on_2_january_2027_without_a_file_the_banner_says_deadlines_fail_now(web, university):
    with holidays_file(None), time_machine.travel(cst(2027, 1, 2, 10), tick=True):
        page = web(university.users.orgdept).get("/overview/")
    assert page.status_code == 200
    assert notice(page).startswith(
        "工作日历缺少2027年的节假日安排：按工作日计算的期限（公示期、答复期限等）现在无法计算，"
    )


def test_the_banner_reads_in_english_for_a_user_who_chose_english(web, university):
    client = web(university.users.orgdept)
    client.cookies["django_language"] = "en"
    with holidays_file(None), time_machine.travel(cst(2026, 12, 7, 10), tick=True):
        page = client.get("/overview/")
    m = re.search(r'data-testid="calendar-notice">(.*?)</div>', page.content.decode(), re.S)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))).strip()
    assert words.startswith(
        "The working-day calendar has no holiday arrangement for 2027: working days can be "
        "computed up to 2026年12月31日 only"
    )
    assert "the IT department should enter it day by day into the 2027 holiday file" in words
