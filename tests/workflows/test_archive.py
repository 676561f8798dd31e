"""The archive of closed years (`partyflow archive-closed`, workflows.services.archive): a case closed
before the year moves its tasks, timers and audit events to the archive tables, and every reader of
one case still reads it whole — its page, history, API, printed audit report and `verify-audit` —
while a running case and its rows stay where they are, a second run moves nothing, an event written
after the move continues the chain, and an archived event altered in SQL is detected."""

import json
import re
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from printing.contexts.case_history import audit_report
from workflows.audit import verify_case
from workflows.models import (
    AuditEvent,
    AuditEventArchive,
    Case,
    Task,
    TaskArchive,
    Timer,
    TimerArchive,
)
from workflows.selectors import case_history_for
from workflows.services import document_upload
from workflows.services.archive import MOVES, columns
from workflows.tasks import archive_closed_years

from ..helpers import complete, cst, only_task
from ..orglife.test_dues import _assess, _three
from ..printing.helpers import pdf_text
from .helpers import case_with_history, sql  # noqa: F401 (case_with_history: fixture)

pytestmark = pytest.mark.django_db

DECEMBER = cst(2026, 12, 15, 10)
NEXT_JANUARY = cst(2027, 1, 20, 3)
READ_AT = cst(2027, 2, 1, 9)  # both reads at one moment: the report prints when it was printed


@pytest.fixture
def relief_case(api, university):
    """A dues relief (少交党费) applied for by branch A and approved by the college committee in
    December 2026: a completed case with its two steps and the decision's comment."""
    u = university
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(DECEMBER, tick=False):
        saved = _assess(api, u, _three(u)).json()["saved"]
        worker = next(s for s in saved if s["member_name"] == "甲2")
        r = sec.post(
            f"/api/dues-assessments/{worker['id']}/relief/",
            {
                "relief": "reduced",
                "reason": "家属重病，生活困难",
                "amount": "20",
                "months": {"from": "2026-07", "until": "2026-12"},
            },
            format="json",
        )
        assert r.status_code == 200, r.json()
        complete(
            officer,
            only_task(officer, "decide_relief")["id"],
            {"decision": "approve", "comment": "同意7至12月少交"},
        )
    case = Case.objects.get(pk=r.json()["case"])
    assert case.status == "completed"
    return case


def archive(before=2027, batch=500) -> str:
    out = StringIO()
    with time_machine.travel(NEXT_JANUARY, tick=False):
        call_command("archive_closed", before=before, batch=batch, stdout=out)
    return out.getvalue()


def rows(case_id) -> dict:
    """(live, archived) rows of the case, by kind."""
    return {
        key: (
            live.objects.filter(case_id=case_id).count(),
            kept.objects.filter(case_id=case_id).count(),
        )
        for key, live, kept in MOVES
    }


def reads(api, university, case: Case, tmp_path) -> dict:
    """What the auditor reads of the case: the API's case and history, the audit report's rows and
    its PDF's text, the case page's text and the chain's verification."""
    with time_machine.travel(READ_AT, tick=False):
        return _reads(api, university, case, tmp_path)


def _reads(api, university, case: Case, tmp_path) -> dict:
    auditor = api(university.users.auditor)
    page = Client()
    page.force_login(university.users.orgdept)
    html = page.get(f"/cases/{case.pk}/").content.decode()
    history = auditor.get(f"/api/cases/{case.pk}/history/").json()
    detail = auditor.get(f"/api/cases/{case.pk}/").json()
    pdf = auditor.get(f"/api/cases/{case.pk}/documents/generate/audit_report/?format=pdf")
    assert pdf.status_code == 200
    case = Case.objects.get(pk=case.pk)
    return {
        "detail": {k: v for k, v in detail.items() if k != "updated_at"},
        "history": history,
        "report": audit_report(case, user=university.users.auditor)["events"],
        "pdf": pdf_text(pdf.content, tmp_path),
        "page": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)),
        "verification": auditor.get(f"/api/cases/{case.pk}/audit-verification/").json(),
    }


def test_the_archive_has_the_live_tables_columns():
    for _key, live, kept in MOVES:
        assert columns(live) == columns(kept)


def test_a_closed_case_is_read_whole_after_its_rows_move_to_the_archive(
    api, university, relief_case, case_with_history, tmp_path
):
    running_id, running_events = case_with_history
    running_before = rows(running_id)
    before = reads(api, university, relief_case, tmp_path)
    # what a person reads of it, worked out from the two steps: applied, then approved
    names = [e["task_name"] for e in before["history"] if e["action"] == "task_completed"]
    assert names == ["审批少交或免交党费"]
    assert "同意7至12月少交" in before["pdf"] and "家属重病，生活困难" in before["pdf"]
    assert "审批少交或免交党费" in before["page"]
    assert before["verification"]["ok"] is True
    counts = rows(relief_case.pk)
    assert all(live > 0 and kept == 0 for key, (live, kept) in counts.items() if key != "timers")

    out = archive()
    assert "archived cases closed before 2027: 1 case(s) in 1 batch(es)" in out

    moved = rows(relief_case.pk)
    assert moved == {key: (0, live) for key, (live, _kept) in counts.items()}
    assert Case.objects.get(pk=relief_case.pk).archived_at == NEXT_JANUARY
    after = reads(api, university, relief_case, tmp_path)
    for key in before:
        assert after[key] == before[key], key
    # the running election (opened July 2026) kept every row where it was, and its inbox task
    assert rows(running_id) == running_before
    assert Case.objects.get(pk=running_id).archived_at is None
    assert only_task(api(university.users.officer), "reply_request")["case"] == running_id
    assert verify_case(running_id).events == len(running_events)

    # a second run finds nothing left to move
    assert "0 case(s) in 0 batch(es)" in archive()
    assert rows(relief_case.pk) == moved


def test_the_chain_goes_on_in_the_live_table_after_the_move_and_still_verifies(
    api, university, relief_case
):
    archive()
    archived = AuditEventArchive.objects.filter(case=relief_case).count()
    with time_machine.travel(NEXT_JANUARY, tick=False):
        doc = document_upload(
            actor=university.users.officer,
            case=Case.objects.get(pk=relief_case.pk),
            file=SimpleUploadedFile("批复.pdf", b"%PDF-1.4\n%%EOF\n"),
            description="审批意见扫描件",
        )
    latest = AuditEvent.objects.get(case=relief_case)
    assert (latest.seq, latest.data["document"]) == (archived + 1, doc.pk)
    assert latest.prev_hash == AuditEventArchive.objects.filter(case=relief_case).last().hash
    result = verify_case(relief_case.pk)
    assert (result.ok, result.events) == (True, archived + 1)
    history = api(university.users.auditor).get(f"/api/cases/{relief_case.pk}/history/").json()
    assert [e["seq"] for e in history] == list(range(1, archived + 2))
    assert history[-1]["action"] == "document_uploaded"


def test_an_archived_event_altered_in_sql_fails_verification(api, university, relief_case):
    archive()
    ids = list(
        AuditEventArchive.objects.filter(case=relief_case)
        .order_by("id")
        .values_list("id", flat=True)
    )
    sql("UPDATE workflows_auditeventarchive SET actor_name = %s WHERE id = %s", "someone", ids[1])
    result = verify_case(relief_case.pk)
    assert (result.ok, result.problem, result.first_bad_event) == (False, "altered", ids[1])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", case=relief_case.pk, stdout=out)
    assert f"altered at event {ids[1]}" in out.getvalue()
    body = api(university.users.auditor).get(f"/api/cases/{relief_case.pk}/audit-verification/")
    assert body.json()["ok"] is False and body.json()["first_bad_event"] == ids[1]


def test_what_archived_rows_name_cannot_be_deleted_from_under_them(university, relief_case):
    """The archive tables keep no database constraints (the move copies rows the live tables'
    constraints checked); deleting the case, its branch or a person its events name is still
    refused, with the archived rows among what protects them."""
    archive()
    case = Case.objects.get(pk=relief_case.pk)
    for target, archived in (
        (case, {TaskArchive, AuditEventArchive}),
        (case.organization, {TaskArchive, AuditEventArchive}),
        (university.users.officer, {AuditEventArchive}),
    ):
        with pytest.raises(ProtectedError) as refused:
            target.delete()
        assert archived <= {type(row) for row in refused.value.protected_objects}, target
    assert rows(case.pk)["events"] == (0, AuditEventArchive.objects.filter(case=case).count())
    assert verify_case(case.pk).ok


def test_a_case_closed_in_the_year_itself_is_not_moved_and_the_command_checks_its_input(
    relief_case,
):
    assert "0 case(s)" in archive(before=2026)  # closed in December 2026: not before 2026
    assert Task.objects.filter(case=relief_case).exists()
    assert not TaskArchive.objects.exists() and not TimerArchive.objects.exists()
    with pytest.raises(CommandError, match="--batch"):
        archive(batch=0)
    with pytest.raises(CommandError, match="--before"):
        archive(before=2030)
    assert Timer.objects.filter(case=relief_case).count() == rows(relief_case.pk)["timers"][0]


def test_an_archived_cases_history_is_one_query_more(university, relief_case):
    """The archive's events, then the live table's: one query more than a live case's history."""

    def queries() -> int:
        case = Case.objects.get(pk=relief_case.pk)
        with CaptureQueriesContext(connection) as captured:
            case_history_for(university.users.auditor, case)
        return len(captured)

    queries()  # the auditor's scope, read once and kept on the user
    live = queries()
    archive()
    assert live > 0 and queries() == live + 1


def test_an_archived_cases_page_is_two_queries_more(university, relief_case):
    """The page reads the case's events twice (its timeline, the chain's verification), each from
    the archive and then the live table; its tasks from the archive alone."""
    page = Client()
    page.force_login(university.users.orgdept)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page.get(f"/cases/{relief_case.pk}/").status_code == 200
        return len(captured)

    queries()  # the reader's scope, read once and kept on the user
    live = queries()
    archive()
    assert live > 0 and queries() == live + 2


def planned_rows(qs) -> int:
    return json.loads(qs.explain(format="json"))[0]["Plan"]["Plan Rows"]


def test_the_move_leaves_the_planner_statistics_of_the_rows_it_moved(relief_case):
    """After a move the archive tables are analyzed: PostgreSQL estimates an archived case's rows
    as they are. Without statistics it guessed 0.5 % of the table for a case, which at millions of
    archived rows made it read the case page's tasks and events with parallel workers, ≈ 95 ms more
    a page (bench/README.md, "Tasks at national volume")."""
    archive()
    for model in (TaskArchive, AuditEventArchive):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
            )
            assert cur.fetchone()[0] == model.objects.count() > 0, model
    events = AuditEventArchive.objects.filter(case_id=relief_case.pk)
    assert planned_rows(events) == events.count() > 1


def test_the_yearly_archive_job_is_off_by_default_and_moves_what_the_setting_says(
    settings, relief_case
):
    assert "archive-closed-years" not in settings.CELERY_BEAT_SCHEDULE
    assert settings.PARTYFLOW["ARCHIVE_KEEP_YEARS"] is None
    settings.PARTYFLOW = {**settings.PARTYFLOW, "ARCHIVE_KEEP_YEARS": 1}
    with time_machine.travel(NEXT_JANUARY, tick=False):
        # 2027 less one year kept: cases closed before 2026; December 2026's stays live
        assert archive_closed_years()["cases"] == 0
    with time_machine.travel(cst(2028, 1, 15, 3), tick=False):
        assert archive_closed_years() == {
            "before": 2027,
            "cases": 1,
            **{key: kept for key, (_live, kept) in rows(relief_case.pk).items()},
        }
    assert Case.objects.get(pk=relief_case.pk).archived_at is not None


def test_an_archived_task_leads_to_its_case_for_those_in_scope_and_is_missing_for_others(
    api, university, relief_case
):
    """A link to a task of an archived case (an old notification or e-mail): the committee's
    officer who decided it is taken to the case's page, which says why and shows the decision;
    the API answers 404 `task_archived` with where the case is read. The secretary of branch B,
    outside the case's scope, gets exactly what a task that never existed gives."""
    u = university
    task_id = relief_case.tasks.get(element_id="decide_relief").pk
    archive()
    assert not Task.objects.filter(pk=task_id) and TaskArchive.objects.filter(pk=task_id)
    missing = task_id + 1000  # no task, live or archived, has this id

    with time_machine.travel(READ_AT, tick=False):
        page = Client()
        page.force_login(u.users.officer)
        r = page.get(f"/tasks/{task_id}/", follow=True)
        assert r.redirect_chain == [(f"/cases/{relief_case.pk}/", 302)]
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.content.decode()))
        assert "该任务所在的流程已办结并归档，办理记录请在流程页面查看。" in text
        assert "同意7至12月少交" in text

        got = api(u.users.officer).get(f"/api/tasks/{task_id}/")
        assert got.status_code == 404
        assert got.json() == {
            "code": "task_archived",
            "message": "该任务所在的流程已办结并归档，办理记录请在流程页面查看。",
            "fields": {},
            "details": {"case": relief_case.pk, "case_url": f"/api/cases/{relief_case.pk}/"},
        }
        # acting on it answers the same
        claim = api(u.users.officer).post(f"/api/tasks/{task_id}/claim/")
        assert (claim.status_code, claim.json()["code"]) == (404, "task_archived")

        outsider, outsider_page = api(u.users.sec_b), Client()
        outsider_page.force_login(u.users.sec_b)
        for tid in (task_id, missing):
            assert outsider_page.get(f"/tasks/{tid}/").status_code == 404
        assert (
            outsider.get(f"/api/tasks/{task_id}/").json()
            == outsider.get(f"/api/tasks/{missing}/").json()
            == {"code": "task_not_found", "message": "任务不存在。", "fields": {}}
        )
        assert outsider.get(f"/api/tasks/{task_id}/").status_code == 404
