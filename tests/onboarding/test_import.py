"""Adopting partyflow: a whole small university imported from its workbook, then seen through the
API — each branch's inbox, ledger members' cases at the right step with the right due dates, a
re-import that changes nothing, a corrected file that changes what was corrected, a broken workbook
refused with its row-by-row report, the export round trip and the 党内统计 workbook."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from onboarding.columns import SHEETS
from onboarding.export import TEMPLATE_PATH
from onboarding.sample import small_university
from organizations.models import Member, MemberStatus, Organization, RecordEvent, Role
from organizations.services import role_assignment_create
from procedures.member_development.models import StatusChange
from workflows.models import AuditEvent, Case, CaseStatus

from ..conftest import client_for
from ..factories import OrganizationFactory, UserFactory
from ..helpers import cst, inbox, run_timers

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
NOW = cst(2026, 11, 20, 10)


@pytest.fixture
def orgdept(deployed):
    """The organization department of an adopting university that has only its root so far (created
    at installation, without a code: the import adopts it by name)."""
    root = OrganizationFactory(
        name="示范大学委员会", kind="committee", parent=None, has_approval_authority=True
    )
    user = UserFactory(username="zzb")
    role_assignment_create(actor=None, user=user, role=Role.ORG_DEPARTMENT, organization=root)
    return client_for(user)


def workbook(university=None, **kwargs) -> SimpleUploadedFile:
    buf = io.BytesIO()
    (university or small_university(TODAY)).save(buf, **kwargs)
    return SimpleUploadedFile("示范大学.xlsx", buf.getvalue())


def post(client, file, *, dry_run=False):
    return client.post(
        "/api/onboarding/import/" + ("?dry_run=1" if dry_run else ""),
        {"file": file},
        format="multipart",
    )


def as_user(username):
    from django.contrib.auth import get_user_model

    return client_for(get_user_model().objects.get(username=username))


def elements(client) -> list[str]:
    return sorted(t["element_id"] for t in inbox(client))


def case_of(no) -> Case:
    return Case.objects.get(process_id="member_development", subject_member__staff_or_student_no=no)


@time_machine.travel(NOW, tick=False)
def test_dry_run_previews_every_row_and_writes_nothing(orgdept):
    r = post(orgdept, workbook(), dry_run=True)
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["ok"] and body["dry_run"]
    assert {k: (c["created"], c["updated"], c["errors"]) for k, c in body["counts"].items()} == {
        "organizations": (7, 1, 0),
        "members": (25, 0, 0),
        "officers": (10, 0, 0),
        "ledger": (10, 0, 0),
    }
    assert {(row["sheet"], row["row"]) for row in body["rows"]} >= {
        ("党组织", 2),
        ("党员", 26),
        ("发展党员台账", 11),
    }
    assert sorted(
        c["imported_stage"] for c in body["cases"] if c["process"] == "member_development"
    ) == sorted(
        [
            "talk",
            "activist_selection",
            "contacts",
            "cultivation",
            "introducers",
            "introducers",
            "committee_talk",
            "admission_approval",
            "probation",
        ]
    )
    assert (
        Member.objects.count() == 0
        and Case.objects.count() == 0
        and Organization.objects.count() == 1
    )


@time_machine.travel(NOW, tick=False)
def test_a_whole_university_is_adopted_with_its_cases_in_flight(orgdept):
    r = post(orgdept, workbook())
    assert r.status_code == 201, r.json()
    assert r.json()["unknown_columns"] == []
    run_timers(NOW)

    # Each branch's inbox. The teaching branch's term ends in 11 days: its election reminder
    # (6 months ahead) has fired, so the request is waiting; its applicants wait for the talk and
    # the committee
    # (the election request is the committee's; the secretary holds the committee's lane too).
    committee_tasks = [
        "appoint_contacts",
        "assign_introducers",
        "cultivation_review",
        "select_activist",
        "submit_request",
    ]
    assert elements(as_user("T1102")) == committee_tasks
    assert elements(as_user("T1101")) == sorted(committee_tasks + ["talk_with_applicant"])
    # The student branch's term ends in 600 days: its election case waits for the real reminder.
    assert elements(as_user("T1202")) == ["assign_introducers", "probation_review"]
    election = Case.objects.get(process_id="branch_election", organization__code="1000102")
    detail = as_user("T1201").get(f"/api/cases/{election.pk}/").json()
    assert detail["open_tasks"] == []
    reminder = dt.datetime.fromisoformat(detail["waiting_timers"][0]["due_at"])
    assert reminder == cst(2028, 1, 12, 9)  # term end 2028-07-12, 6 months before, 09:00
    # The retired branch has no term: no election case. The college committee approves.
    assert not Case.objects.filter(
        process_id="branch_election", organization__code="1000202"
    ).exists()
    assert elements(as_user("T1007")) == ["approve_admission", "committee_talk"]

    # An activist since 2025-03-10 designated on 2026-03-10: at step 9 (introducers), its dates
    # in the case.
    case = case_of("S005")
    assert (
        case.stage
        and case.data["activist_date"] == "2025-03-10"
        and case.data["designation_date"] == "2026-03-10"
    )
    # A vote on 2026-09-15 and the committee's talk: the approval is due 3 months after the vote.
    approval = as_user("T1007").get(f"/api/cases/{case_of('S008').pk}/").json()
    assert [t["element_id"] for t in approval["open_tasks"]] == ["approve_admission"]
    # (a deadline ends at 24:00 of its last day, 2026-12-15)
    assert dt.datetime.fromisoformat(approval["open_tasks"][0]["due_at"]) == cst(2026, 12, 16, 0)
    # Admitted on the vote of 2026-03-01: probation ends one year after it; the record says so.
    probation = as_user("T1201").get(f"/api/cases/{case_of('S009').pk}/").json()
    assert probation["data"]["probation_end"] == "2027-03-01"
    member = Member.objects.get(staff_or_student_no="S009")
    assert (member.status, member.joined_on) == (MemberStatus.PROBATIONARY, dt.date(2026, 3, 1))
    assert list(
        StatusChange.objects.filter(member=member).values_list("to_status", "effective_on")
    ) == [
        ("applicant", dt.date(2024, 2, 24)),
        ("activist", dt.date(2024, 9, 11)),
        ("development_object", dt.date(2025, 9, 26)),
        ("probationary", dt.date(2026, 3, 1)),
    ]
    # The earlier steps are history, marked imported, with who imported them.
    history = as_user("T1201").get(f"/api/cases/{case_of('S009').pk}/history/").json()
    history = history["results"] if isinstance(history, dict) else history
    imported = [e for e in history if e["action"] == "step_imported"]
    assert [e["data"]["element_id"] for e in imported] == [
        "submit_application",
        "talk_with_applicant",
        "select_activist",
        "designate_development_object",
        "admission_vote",
        "approve_admission",
    ]
    assert all(e["data"]["imported"] and e["data"]["imported_by"] == "zzb" for e in imported)
    # Development complete (转正): a full member, no case.
    done = Member.objects.get(staff_or_student_no="S010")
    assert (
        done.status == MemberStatus.FULL and not Case.objects.filter(subject_member=done).exists()
    )

    # Dates that already break a rule: imported, flagged for the committee, visible to it.
    flags = as_user("T1007").get("/api/onboarding/flags/").json()
    assert [(f["subject"], [x["code"] for x in f["flags"]]) for f in flags] == [
        ("发展对象乙", ["designation_too_early"])
    ]
    assert (
        as_user("T2101").get("/api/onboarding/flags/").json() == []
    )  # another college's branch sees none


@time_machine.travel(NOW, tick=False)
def test_time_rules_count_from_the_imported_dates(orgdept):
    assert post(orgdept, workbook()).status_code == 201
    committee = as_user("T1102")
    case = case_of("S004")  # activist since 2026-05-10, contacts appointed
    [review] = [t for t in inbox(committee) if t["case"] == case.pk]
    # Inspections and thought reports that fell due before the import are not asked for here.
    r = committee.post(
        f"/api/tasks/{review['id']}/complete/",
        {"data": {"review_date": "2026-11-20", "summary": "培养考察合格"}},
        format="json",
    )
    assert r.status_code == 200, r.json()
    [designate] = [t for t in inbox(committee) if t["case"] == case.pk]
    r = committee.post(
        f"/api/tasks/{designate['id']}/complete/",
        {
            "data": {
                "designation_date": "2026-11-20",
                "opinions_heard": "党小组和培养联系人意见一致",
            }
        },
        format="json",
    )
    assert r.status_code == 400
    assert (
        r.json()["code"] == "designation_too_early"
        and "2027-05-10" in r.json()["fields"]["designation_date"][0]
    )


@time_machine.travel(NOW, tick=False)
def test_importing_the_same_file_again_changes_nothing(orgdept):
    assert post(orgdept, workbook()).status_code == 201
    events, records, cases = (
        AuditEvent.objects.count(),
        RecordEvent.objects.count(),
        Case.objects.count(),
    )
    r = post(orgdept, workbook())
    assert r.status_code == 201, r.json()
    body = r.json()
    assert all(c["created"] == c["updated"] == 0 for c in body["counts"].values()), body["counts"]
    assert (
        body["counts"]["members"]["unchanged"] == 25 and body["counts"]["ledger"]["unchanged"] == 10
    )
    assert {c["action"] for c in body["cases"]} == {"unchanged"}
    assert (AuditEvent.objects.count(), RecordEvent.objects.count(), Case.objects.count()) == (
        events,
        records,
        cases,
    )


@time_machine.travel(NOW, tick=False)
def test_a_corrected_file_updates_what_changed_with_an_audit_event(orgdept):
    u = small_university(TODAY)
    assert post(orgdept, workbook(u)).status_code == 201
    row = next(m for m in u.rows["members"] if m["staff_or_student_no"] == "T1203")
    row.update(phone="13912345678", ethnicity="03", is_floating=True)
    body = post(orgdept, workbook(u)).json()
    assert (
        body["counts"]["members"]["updated"] == 1 and body["counts"]["members"]["unchanged"] == 24
    )
    [updated] = [r for r in body["rows"] if r["action"] == "updated"]
    assert (updated["key"], updated["changes"]) == (
        "T1203",
        {"phone": ["***", "***"], "ethnicity": ["01", "03"], "is_floating": [False, True]},
    )
    member = Member.objects.get(staff_or_student_no="T1203")
    assert (member.phone, member.get_ethnicity_display(), member.is_floating) == (
        "13912345678",
        "回族",
        True,
    )
    # (the first import's officers sheet linked the member's account: an earlier update)
    event = (
        RecordEvent.objects.filter(action="member_import_updated", entity_id=member.pk)
        .order_by("seq")
        .last()
    )
    assert event.actor.username == "zzb" and event.data["changes"]["ethnicity"] == {
        "before": "01",
        "after": "03",
    }
    assert event.data["source"]["sheet"] == "党员"


@time_machine.travel(NOW, tick=False)
def test_a_broken_workbook_is_refused_with_its_row_by_row_report(orgdept):
    u = small_university(TODAY)
    retired = u.rows["members"][
        18:22
    ]  # the retired branch's: no officer or ledger row refers to them (rows 20-23)
    retired[0]["id_number"] = retired[0]["id_number"][:-1] + (
        "0" if retired[0]["id_number"][-1] != "0" else "1"
    )  # checksum
    retired[1]["party_standing_from"] = retired[1]["joined_on"] - dt.timedelta(
        days=30
    )  # 转正 before 入党
    retired[2]["organization_code"] = "999999"  # no such branch
    retired[3].update(
        status="probationary", joined_on=dt.date(2023, 9, 1), party_standing_from=None
    )  # probation over in 2024
    u.rows["ledger"][0]["application_date"] = "2026-02-30"
    r = post(orgdept, workbook(u))
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "import_rows_invalid" and "file" in body["fields"]
    errors = {
        (e["sheet"], e["row"], e["column"], e["code"]) for e in body["details"]["report"]["errors"]
    }
    assert errors == {
        ("党员", 20, "公民身份号码", "id_number_checksum"),
        ("党员", 21, "转正日期", "conversion_before_joining"),
        ("党员", 22, "所在党支部编码", "unknown_organization"),
        ("党员", 23, "党籍状态", "probation_long_over"),
        ("发展党员台账", 2, "申请入党日期", "invalid_date"),
    }
    messages = {
        e["row"]: e["message"] for e in body["details"]["report"]["errors"] if e["sheet"] == "党员"
    }
    assert "999999" in messages[22] and "2024-09-01" in messages[23]
    assert (
        Member.objects.count() == 0
        and Case.objects.count() == 0
        and Organization.objects.count() == 1
    )


@time_machine.travel(NOW, tick=False)
def test_unknown_columns_are_ignored_and_reported_and_required_ones_named(orgdept):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "党员"
    ws.append(["学工号", "姓名", "婚姻状况", "党籍状态"])
    ws.append(["T1", "甲", "山东", "正式党员"])
    buf = io.BytesIO()
    wb.save(buf)
    body = post(orgdept, SimpleUploadedFile("x.xlsx", buf.getvalue()), dry_run=True).json()
    assert body["unknown_columns"] == [{"sheet": "党员", "column": "婚姻状况"}]
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (1, "所在党支部编码", "missing_column")
    ]
    assert body["missing_sheets"] == ["党组织", "班子成员", "发展党员台账"]


@time_machine.travel(NOW, tick=False)
def test_export_in_the_same_format_imports_back_unchanged(orgdept):
    assert post(orgdept, workbook(as_typed=False)).status_code == 201
    root = Organization.objects.get(code="100")
    r = orgdept.get(f"/api/onboarding/export/?organization={root.pk}")
    assert r.status_code == 200
    exported = SimpleUploadedFile("export.xlsx", r.content)
    body = post(orgdept, exported).json()
    assert all(c["created"] == c["updated"] == c["errors"] == 0 for c in body["counts"].values()), (
        body
    )
    assert body["counts"]["ledger"]["unchanged"] == 9  # the completed one is a roster row now
    assert body["counts"]["members"]["unchanged"] == 26


@time_machine.travel(NOW, tick=False)
def test_party_statistics_workbook(orgdept):
    assert post(orgdept, workbook()).status_code == 201
    college = Organization.objects.get(code="10001")
    r = as_user("T1007").get(f"/api/onboarding/statistics/?organization={college.pk}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    # The 党内统计 tables (oversight.party_statistics) as of 12-31 of this year.
    basic = {row[0]: row[1:3] for row in wb["党员基本情况"].iter_rows(min_row=4, values_only=True)}
    # 7 in 软件工程系教工党支部, 8 in 计算机专业学生党支部 (6 + the converted S010; S009 probationary)
    assert basic["总计"] == (15, 1)
    assert basic["四、学生"] == (2, 1)
    pipeline = {
        row[0]: row[1]
        for row in wb["入党申请人、积极分子和发展对象"].iter_rows(
            min_row=4, max_row=6, values_only=True
        )
    }
    assert pipeline == {"入党申请人": 2, "入党积极分子": 2, "发展对象": 4}


def test_only_the_organization_department_imports(orgdept, db):
    u = UserFactory(username="secretary")
    r = client_for(u).post("/api/onboarding/import/", {"file": workbook()}, format="multipart")
    assert r.status_code == 403 and r.json()["code"] == "org_department_only"


@time_machine.travel(NOW, tick=False)
def test_an_org_department_cannot_import_outside_its_subtree(deployed):
    root = OrganizationFactory(
        name="示范大学委员会", kind="committee", parent=None, has_approval_authority=True
    )
    college = OrganizationFactory(
        name="外语学院党委", kind="committee", parent=root, has_approval_authority=True
    )
    user = UserFactory(username="college_zzb")
    role_assignment_create(actor=None, user=user, role=Role.ORG_DEPARTMENT, organization=college)
    body = post(client_for(user), workbook(), dry_run=True).json()
    first = body["errors"][0]
    assert (first["sheet"], first["row"], first["code"]) == (
        "党组织",
        2,
        "organization_code_unavailable",
    )
    assert {e["code"] for e in body["errors"]} >= {
        "unknown_organization"
    }  # and nothing below it can be placed


@time_machine.travel(NOW, tick=False)
def test_cli_import_dry_run_then_import(orgdept, tmp_path):
    path = tmp_path / "u.xlsx"
    small_university(TODAY).save(path)
    out, err = io.StringIO(), io.StringIO()
    call_command("import_workbook", str(path), "--dry-run", stdout=out, stderr=err)
    assert (
        "DRY RUN" in out.getvalue()
        and "党员: 25 created" in out.getvalue()
        and "100%" in err.getvalue()
    )
    assert Member.objects.count() == 0
    call_command("import_workbook", str(path), stdout=out, stderr=err)
    assert (
        Member.objects.count() == 35
        and Case.objects.filter(status=CaseStatus.RUNNING).count() == 12
    )


def test_the_shipped_template_matches_the_mapping(tmp_path):

    wb = load_workbook(TEMPLATE_PATH, read_only=True)
    assert wb.sheetnames == [s.title for s in SHEETS]
    for sheet in SHEETS:
        assert next(wb[sheet.title].iter_rows(max_row=1, values_only=True)) == tuple(
            c.header for c in sheet.columns
        )


@time_machine.travel(NOW, tick=False)
def test_a_college_org_department_exports_its_college_only(orgdept):
    assert post(orgdept, workbook()).status_code == 201
    college = Organization.objects.get(code="10001")
    user = UserFactory(username="college_zzb")
    role_assignment_create(actor=None, user=user, role=Role.ORG_DEPARTMENT, organization=college)
    role_assignment_create(
        actor=None, user=user, role=Role.AUDITOR, organization=Organization.objects.get(code="100")
    )
    client = client_for(user)
    root = Organization.objects.get(code="100")
    assert client.get(f"/api/onboarding/export/?organization={root.pk}").status_code == 404
    r = client.get(f"/api/onboarding/export/?organization={college.pk}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    codes = [row[0] for row in wb["党组织"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["10001", "1000101", "1000102"]


def test_no_one_starts_a_case_at_a_later_step_through_the_api(api, university):
    sec = api(university.users.sec_a)
    applicant = university.full_a[3]  # any member record of the branch: the refusal comes first
    r = sec.post(
        "/api/cases/",
        {
            "process": "member_development",
            "organization": university.branch_a.pk,
            "subject_member": applicant.pk,
            "data": {"imported_stage": "probation", "obligations_from": "2030-01-01"},
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["code"] == "import_only_fields"
    assert set(r.json()["fields"]) == {"data.imported_stage", "data.obligations_from"}


@time_machine.travel(NOW, tick=False)
def test_one_person_per_staff_number_and_id_number_in_a_sheet(orgdept):
    u = small_university(TODAY)
    twin = dict(u.rows["members"][5], staff_or_student_no="T9999", name="同号")
    u.rows["members"].append(twin)
    body = post(orgdept, workbook(u), dry_run=True).json()
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        ("党员", 27, "公民身份号码", "duplicate_in_file")
    ]
    assert "第 7 行" in body["errors"][0]["message"]


@time_machine.travel(NOW, tick=False)
def test_an_officer_whose_account_name_belongs_to_another_member_is_refused(orgdept):
    assert post(orgdept, workbook()).status_code == 201
    # The account named like T1201's staff number is now another member's (T1206's).
    secretary = Member.objects.get(staff_or_student_no="T1201")
    account = secretary.user
    Member.objects.filter(pk=secretary.pk).update(user=None)
    Member.objects.filter(staff_or_student_no="T1206").update(user=account)
    body = post(orgdept, workbook(), dry_run=True).json()
    assert [(e["sheet"], e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        ("班子成员", 6, "学工号", "username_taken")
    ]


@time_machine.travel(NOW, tick=False)
def test_imported_officers_accounts_carry_their_names_also_on_re_import(orgdept):
    from django.contrib.auth import get_user_model

    u = small_university(TODAY)
    no = u.rows["officers"][0]["staff_or_student_no"]
    name = next(m["name"] for m in u.rows["members"] if m["staff_or_student_no"] == no)
    assert post(orgdept, workbook(u)).status_code == 201
    me = as_user(no).get("/api/me/").json()
    assert (me["username"], me["name"]) == (no, name)
    # an account an earlier import left without a name gets it on the next import
    get_user_model().objects.filter(username=no).update(first_name="", last_name="")
    assert post(orgdept, workbook(u)).status_code == 201
    assert as_user(no).get("/api/me/").json()["name"] == name
    assert get_user_model().objects.get(username=no).get_full_name() == name


@time_machine.travel(NOW, tick=False)
def test_a_branch_imported_after_its_term_ended_keeps_its_committee_until_the_next_election(
    orgdept,
):
    """The 思政 branch's term ended 40 days ago: its imported committee still serves, so its
    secretary holds the election request and the reminder reaches the branch and the approving
    college committee. The student branch comes with its term start only: its term ends after the
    rule set's term (3 years)."""
    university = small_university(TODAY)
    rows = {r["code"]: r for r in university.rows["organizations"]}
    rows["100020101"]["term_start"] = TODAY - dt.timedelta(days=3 * 365 + 40)
    rows["100020101"]["term_end"] = TODAY - dt.timedelta(days=40)
    student_start = rows["1000102"]["term_start"]
    del rows["1000102"]["term_end"]
    university.officer("10002", "T2106", "secretary")
    r = post(orgdept, workbook(university))
    assert r.status_code == 201, r.json()
    run_timers(NOW)

    assert "submit_request" in elements(as_user("T2101"))
    for no in ("T2101", "T2102", "T2106"):  # secretary, committee member, 马院党委 secretary
        told = as_user(no).get("/api/notifications/").json()["results"]
        assert [n["subject"] for n in told if n["kind"] == "term_expiry"] == [
            "换届提醒：思政教研室教工党支部"
        ], no
    student = Organization.objects.get(code="1000102")
    assert student.term_end == student_start.replace(year=student_start.year + 3)
    election = Case.objects.get(process_id="branch_election", organization=student)
    assert election.data["term_end"] == student.term_end.isoformat()


@time_machine.travel(NOW, tick=False)
def test_the_import_sets_since_when_a_branch_keeps_its_dues_here(orgdept):
    university = small_university(TODAY)
    rows = {r["code"]: r for r in university.rows["organizations"]}
    rows["1000101"]["dues_tracked_since"] = dt.date(2025, 1, 1)
    assert post(orgdept, workbook(university)).status_code == 201
    terms = {
        t["name"]: t
        for t in orgdept.get(
            f"/api/branch-terms/?organization={Organization.objects.get(code='100').pk}"
        ).json()
    }
    assert terms["软件工程系教工党支部"]["dues_tracked_since"] == "2025-01-01"
    assert terms["软件工程系教工党支部"]["dues_judged"] is True
    assert terms["计算机专业学生党支部"]["dues_judged"] is False


@time_machine.travel(NOW, tick=False)
def test_imported_steps_show_their_ledger_dates_on_the_member_page(orgdept):
    from django.contrib.auth import get_user_model
    from django.test import Client

    assert post(orgdept, workbook()).status_code == 201
    case = case_of("S004")  # applied d(400), talked d(390), activist d(194), contacts appointed
    client = Client()
    client.force_login(get_user_model().objects.get(username="T1102"))
    page = client.get(f"/members/{case.subject_member_id}/development/")
    assert page.status_code == 200
    steps = dict(re.findall(r'data-step="(\d+)">(.*?)</li>', page.content.decode(), re.S))
    for n, days in (("1", 400), ("2", 390), ("3", 194)):
        assert (TODAY - dt.timedelta(days=days)).isoformat() in steps[n], steps[n]
        assert "据台账导入" in steps[n] and "未开始" not in steps[n]
    assert "未开始" in steps["4"]  # the filing was not in the ledger
    dev = as_user("T1102").get(f"/api/members/{case.subject_member_id}/development/").json()
    assert [(s["element_id"], s["on"], s["imported"]) for s in dev["steps_done"]][:3] == [
        ("submit_application", (TODAY - dt.timedelta(days=400)).isoformat(), True),
        ("talk_with_applicant", (TODAY - dt.timedelta(days=390)).isoformat(), True),
        ("select_activist", (TODAY - dt.timedelta(days=194)).isoformat(), True),
    ]


@time_machine.travel(NOW, tick=False)
def test_native_place_is_imported_and_read_on_the_member_page_and_the_record(orgdept):
    """籍贯 is a roster column of the 党员 and 发展党员台账 sheets: kept on the member record, shown
    on the member page, printed in the 纪实表."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    university = small_university(TODAY)
    for row in university.rows["ledger"]:
        if row["staff_or_student_no"] == "S004":
            row["native_place"] = "江苏南京"
    university.rows["members"][0]["native_place"] = "山东济南"
    assert post(orgdept, workbook(university)).status_code == 201
    first = university.rows["members"][0]["staff_or_student_no"]
    assert Member.objects.get(staff_or_student_no=first).native_place == "山东济南"
    case = case_of("S004")
    assert case.subject_member.native_place == "江苏南京"
    client = Client()
    client.force_login(get_user_model().objects.get(username="T1102"))
    page = client.get(f"/members/{case.subject_member_id}/development/").content.decode()
    assert '<span data-testid="native-place">江苏南京</span>' in page
    record = as_user("T1102").get(f"/api/cases/{case.pk}/documents/generate/member_record/")
    assert record.status_code == 200
    from docx import Document as Docx

    cells = [
        c.text for t in Docx(io.BytesIO(record.content)).tables for r in t.rows for c in r.cells
    ]
    assert cells[cells.index("籍\u3000\u3000贯") + 1] == "江苏南京"


@time_machine.travel(NOW, tick=False)
def test_a_students_level_and_enrolment_are_imported_and_exported(orgdept):
    """学生层次, 入学年份 and 学制 are columns of the 党员 sheet (党统 表7 counts students by level
    and grade): imported onto the record, exported in the same format, a bad 学制 refused."""
    university = small_university(TODAY)
    row = university.rows["members"][0]
    row.update(
        person_category="student",
        student_level="postgraduate",
        enrollment_year=2025,
        programme_years=2,
    )
    assert post(orgdept, workbook(university)).status_code == 201
    m = Member.objects.get(staff_or_student_no=row["staff_or_student_no"])
    assert (m.student_level, m.enrollment_year, m.programme_years) == ("postgraduate", 2025, 2)
    root = Organization.objects.get(code="100")
    r = orgdept.get(f"/api/onboarding/export/?organization={root.pk}")
    sheet = load_workbook(io.BytesIO(r.content))["党员"]
    headers = [c.value for c in sheet[1]]
    values = next(
        [c.value for c in r]
        for r in sheet.iter_rows(min_row=2)
        if r[0].value == row["staff_or_student_no"]
    )
    got = dict(zip(headers, values, strict=False))
    assert (got["学生层次"], got["入学年份"], got["学制（年）"]) == ("研究生", 2025, 2)
    row["programme_years"] = 12
    r = post(orgdept, workbook(university))
    assert r.status_code == 400, r.json()
    assert "学制" in str(r.json())
