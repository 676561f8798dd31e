from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from workflows.models import Timer

from .helpers import cst
from .procedures.election_helpers import start_election


@pytest.mark.django_db
def test_status_reports_due_late_and_failed_timers(api, university):
    with time_machine.travel(cst(2026, 6, 1, 9), tick=False):
        case = start_election(api(university.users.sec_a), university.branch_a)
    Timer.objects.create(
        case_id=case["id"],
        spiff_task_id="00000000-0000-0000-0000-000000000001",
        element_id="x",
        name="x",
        due_at=cst(2026, 7, 1),
        status="failed",
        error="NameError: term_end",
    )
    out = StringIO()
    with time_machine.travel(cst(2026, 7, 10, 9, 30), tick=False):
        call_command("status", no_workers=True, stdout=out)
    text = out.getvalue()
    assert "timers waiting: 1" in text and "timers due now: 1" in text
    assert "timers late (> 2 min past due): 1" in text
    assert "oldest late timer: 2026-07-10T01:00:00+00:00" in text
    assert "timers failed: 1" in text and "NameError: term_end" in text
    assert "calendar: working days can be computed up to 2026-12-31" in text


@pytest.mark.django_db
def test_status_warns_in_december_and_reports_the_error_in_january_without_a_holiday_file(settings):
    settings.PARTYFLOW = {**settings.PARTYFLOW, "HOLIDAYS_FILE": ""}
    out = StringIO()
    with time_machine.travel(cst(2026, 12, 7, 10), tick=False):
        call_command("status", no_workers=True, stdout=out)
    assert "calendar: WARNING holiday data ends 2026-12-31, within 45 days" in out.getvalue()
    out = StringIO()
    with time_machine.travel(cst(2027, 1, 2, 10), tick=False):
        call_command("status", no_workers=True, stdout=out)  # a report: exits 0 all the same
    assert "calendar: ERROR no holiday data for 2027" in out.getvalue()
