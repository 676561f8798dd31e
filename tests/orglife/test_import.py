"""Excel import of a year's dues and attendance: all rows or none, with a row-by-row report; through
the API (multipart) and the CLI."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from orglife.models import Attendance, DuesPayment, Meeting
from workflows.models import AuditEvent


def workbook(dues_rows, attendance_rows) -> bytes:
    wb = Workbook()
    dues = wb.active
    dues.title = "党费"
    dues.append(["党员", "月份", "金额", "缴纳日期"])
    for row in dues_rows:
        dues.append(row)
    att = wb.create_sheet("组织生活")
    att.append(["日期", "类型", "主题", "党员", "出席", "缺席原因", "学时"])
    for row in attendance_rows:
        att.append(row)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_year(u):
    members = u.full_a[:3]
    dues = [
        [m.name, f"2026-{month:02d}", 10, dt.date(2026, month, 5)]
        for m in members
        for month in range(1, 7)
    ]
    att = []
    for month in range(1, 4):
        for i, m in enumerate(members):
            att.append(
                [
                    dt.date(2026, month, 8),
                    "主题党日",
                    f"{month}月主题党日",
                    m.name,
                    "否" if i == 2 else "是",
                    "病假" if i == 2 else "",
                    None,
                ]
            )
    att.append([dt.date(2026, 4, 1), "study_session", "理论学习", u.full_a[0].pk, "是", "", 4])
    return dues, att


def upload(client, org, content):
    return client.post(
        "/api/orglife/import/",
        {"organization": org.pk, "file": SimpleUploadedFile("year.xlsx", content)},
        format="multipart",
    )


def test_a_good_workbook_imports_every_row(university, api):
    u = university
    dues, att = good_year(u)
    r = upload(api(u.users.sec_a), u.branch_a, workbook(dues, att))
    assert r.status_code == 201, r.json()
    assert r.json() == {"meetings": 4, "attendance": 10, "dues": 18}
    assert DuesPayment.objects.filter(member=u.full_a[0]).count() == 6
    march = Meeting.objects.get(held_on=dt.date(2026, 3, 8))
    assert march.kind == "themed_party_day"
    assert list(
        march.attendance.filter(present=False).values_list("member__name", "absence_reason")
    ) == [("甲2", "病假")]
    assert Meeting.objects.get(kind="study_session").hours == 4


def test_a_broken_workbook_imports_nothing_and_reports_each_wrong_row(university, api):
    u = university
    dues, att = good_year(u)
    dues[3][2] = -5  # 党费 row 5: negative amount
    dues[7][0] = "查无此人"  # 党费 row 9: not a member
    att[4][1] = "茶话会"  # 组织生活 row 6: unknown kind
    att[2][5] = ""  # 组织生活 row 4: absent without a reason
    events_before = AuditEvent.objects.count()
    r = upload(api(u.users.sec_a), u.branch_a, workbook(dues, att))
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "import_rows_invalid"
    rows = {(e["sheet"], e["row"], e["column"]) for e in body["details"]["rows"]}
    assert rows == {
        ("党费", 5, "金额"),
        ("党费", 9, "党员"),
        ("组织生活", 6, "类型"),
        ("组织生活", 4, "缺席原因"),
    }
    assert set(body["fields"]) == {"党费!5", "党费!9", "组织生活!6", "组织生活!4"}
    assert (
        not DuesPayment.objects.exists()
        and not Meeting.objects.exists()
        and not Attendance.objects.exists()
    )
    assert AuditEvent.objects.count() == events_before


def test_an_import_reads_the_date_forms_offices_type(university, api):
    u = university
    m = u.full_a[0]
    dues = [
        [m.name, "2026.01", 10, "2026.02.05"],
        [m.name, "2026/2", 10, "2026/2/5"],
        [m.name, "2026年3月", 10, "2026年3月5日"],
        [m.name, "2026-4", 10, "2026-4-5"],
    ]
    att = [["2026年3月8日", "主题党日", "三月", m.name, "是", "", None]]
    r = upload(api(u.users.sec_a), u.branch_a, workbook(dues, att))
    assert r.status_code == 201, r.json()
    paid = list(DuesPayment.objects.filter(member=m).values_list("month", "paid_on"))
    assert paid == [
        (dt.date(2026, 1, 1), dt.date(2026, 2, 5)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 5)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 5)),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 5)),
    ]
    assert Meeting.objects.get().held_on == dt.date(2026, 3, 8)


def test_a_date_no_office_types_names_the_forms_it_accepts(university, api):
    u = university
    r = upload(
        api(u.users.sec_a),
        u.branch_a,
        workbook([[u.full_a[0].name, "2026-01", 10, "5/2/2026"]], []),
    )
    assert r.status_code == 400
    (row,) = r.json()["details"]["rows"]
    assert (row["sheet"], row["row"], row["column"]) == ("党费", 2, "缴纳日期")
    assert "2025年7月1日" in row["message"] and "2025/7/1" in row["message"]


def test_an_import_into_another_branch_is_refused(university, api):
    dues, att = good_year(university)
    r = upload(api(university.users.sec_b), university.branch_a, workbook(dues, att))
    assert r.status_code == 400 and r.json()["code"] == "organization_not_in_scope"
    assert not DuesPayment.objects.exists()


def test_a_file_that_is_not_a_workbook_is_reported(university, api):
    r = upload(api(university.users.sec_a), university.branch_a, b"not a spreadsheet")
    assert (
        r.status_code == 400
        and r.json()["code"] == "workbook_unreadable"  # the one workbook reader (untrusted)
        and "file" in r.json()["fields"]
    )


def test_the_cli_imports_a_workbook_and_refuses_a_broken_one(university, tmp_path, capsys):
    u = university
    dues, att = good_year(u)
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(dues[:6], att[:3]))
    call_command("import_orglife", str(good), organization=u.branch_a.pk)
    assert DuesPayment.objects.count() == 6 and Meeting.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([[u.full_a[5].name, "2026-13", 10, "2026-01-05"]], []))
    with pytest.raises(CommandError):
        call_command("import_orglife", str(bad), organization=u.branch_a.pk)
    assert "党费!2 月份" in capsys.readouterr().err
    assert DuesPayment.objects.count() == 6


def test_an_import_starts_the_branchs_dues_tracking_from_its_earliest_month(university, api):
    u = university
    dues, att = good_year(u)
    dues.reverse()  # the rows come latest first: the earliest month still wins
    assert upload(api(u.users.sec_a), u.branch_a, workbook(dues, att)).status_code == 201
    u.branch_a.refresh_from_db()
    assert u.branch_a.dues_tracked_since == dt.date(2026, 1, 1)
