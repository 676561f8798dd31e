"""The records behind 党统 表7, 表11 and 表43, as offices type them: a student's level, 入学年份 and
学制 on the member record (API and page); what an expulsion or removal was for (违纪行为 or 具体表现,
required with the committee's event); the branch's 失去联系 and 恢复联系 (API and page). Each shows in
its table; bad input is a 400 naming the field, a member out of scope a 404."""

import io

from django.test import Client
from openpyxl import load_workbook

from ..conftest import client_for

CUTOFF = "2026-12-31"


def _tables(user, org) -> dict:
    r = client_for(user).get("/api/statistics/", {"cutoff": CUTOFF, "organization": org.pk})
    assert r.status_code == 200, r.json()
    return {t["key"]: t for t in r.json()["tables"]}


def _cell(table: dict, row: str, col: str) -> int:
    cols = [c["key"] for c in table["cols"]]
    for r in table["rows"]:
        if r["key"] == row:
            return r["cells"][cols.index(col)]["value"]
    raise KeyError(row)


def test_an_expulsion_needs_what_it_was_for_and_table_11_counts_it(university):
    u = university
    m = u.full_b[2]
    api = client_for(u.users.officer)
    body = {
        "event": "expulsion",
        "on": "2026-04-20",
        "reason": "严重违纪",
        "decided_by": "计算机学院党委",
        "document_no": "计院党〔2026〕9号",
    }
    r = api.post(f"/api/members/{m.pk}/status-events/", body, format="json")
    assert r.status_code == 400 and r.json()["code"] == "misconduct_required"
    assert "misconduct" in r.json()["fields"]
    r = api.post(
        f"/api/members/{m.pk}/status-events/", {**body, "misconduct": "nope"}, format="json"
    )
    assert r.status_code == 400 and "misconduct" in r.json()["fields"]
    r = api.post(
        f"/api/members/{u.full_b[3].pk}/status-events/",
        {"event": "death", "on": "2026-03-01", "reason": "病故", "decided_by": "党委",
         "misconduct": "integrity"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 400 and r.json()["code"] == "misconduct_not_applicable"
    r = api.post(
        f"/api/members/{m.pk}/status-events/", {**body, "misconduct": "integrity"}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["misconduct_display"] == "违反廉洁纪律"
    t = _tables(u.users.officer, u.branch_b)
    assert _cell(t["exits_by_misconduct"], "integrity", "expelled") == 1
    assert _cell(t["exits_by_misconduct"], "total", "total") == 1
    assert _cell(t["exits"], "total", "expelled") == 1
    page = Client()
    page.force_login(u.users.officer)
    html = page.get(f"/members/{m.pk}/development/").content.decode()
    assert "违纪行为或具体表现：违反廉洁纪律" in html


def test_the_branch_records_lost_contact_and_table_43_counts_it_until_found(university):
    u = university
    m = u.full_b[0]
    api = client_for(u.users.sec_b)
    url = f"/api/members/{m.pk}/lost-contact/"
    for body, field in (
        ({"lost_on": "2026-02-30", "reason": "moved"}, "lost_on"),
        ({"lost_on": "2099-01-01", "reason": "moved"}, "lost_on"),
        ({"lost_on": "2026-03-01", "reason": "nope"}, "reason"),
    ):
        r = api.post(url, body, format="json")
        assert r.status_code == 400 and field in r.json()["fields"], (body, r.json())
    # another branch's secretary does not see the member
    assert (
        client_for(u.users.sec_a)
        .post(url, {"lost_on": "2026-03-01", "reason": "moved"}, format="json")
        .status_code
        == 404
    )
    r = api.post(
        url, {"lost_on": "2026-03-01", "reason": "migrant_work", "note": "外出打工"}, format="json"
    )
    assert r.status_code == 201, r.json()
    assert r.json()["reason_display"] == "外出务工经商" and r.json()["found_on"] is None
    again = api.post(url, {"lost_on": "2026-04-01", "reason": "moved"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "member_already_lost"
    # By hand: lost 2026-03-01, 10 months on 2026-12-31: one member, 6个月以上不满1年, 外出务工经商.
    t = _tables(u.users.officer, u.branch_b)["lost_contact"]
    assert [_cell(t, "total", c) for c in ("total", "lost_1", "migrant_work")] == [1, 1, 1]
    # the export has the table in its layout; a filing freezes it, and the later 恢复联系 shows
    # as a difference against it
    officer = client_for(u.users.officer)
    q = {"organization": u.branch_b.pk, "cutoff": CUTOFF}
    wb = load_workbook(io.BytesIO(officer.get("/api/statistics/export/", q).content))
    rows = list(wb["失去联系党员"].iter_rows(values_only=True))
    assert rows[2][1:5] == ("总数", "预备党员", "女", "少数民族")
    assert rows[3][:2] == ("总计", 1)
    assert officer.post("/api/statistics/filings/", q, format="json").status_code == 201
    # the member's page shows it, with the branch's form
    page = Client()
    page.force_login(u.users.sec_b)
    html = page.get(f"/members/{m.pk}/development/").content.decode()
    assert "2026年3月1日 起失去联系（外出务工经商）" in html and "尚未恢复联系" in html
    assert 'data-testid="lost-contact-form"' in html
    # found again before the cut-off: not counted
    r = api.post(url, {"found_on": "2026-02-01"}, format="json")
    assert r.status_code == 400 and "found_on" in r.json()["fields"]
    r = api.post(url, {"found_on": "2026-06-15"}, format="json")
    assert r.status_code == 200 and r.json()["found_on"] == "2026-06-15"
    t = _tables(u.users.officer, u.branch_b)["lost_contact"]
    assert _cell(t, "total", "total") == 0
    body = officer.get("/api/statistics/", q).json()
    diffs = {(d["table"], d["row"], d["col"]): d for d in body["filing"]["differences"]}
    lost = diffs[("lost_contact", "total", "total")]
    assert (lost["filed"], lost["now"]) == (1, 0)
    assert [p["name"] for p in lost["removed"]] == [m.name]
    # on the page, the refusal is the same message as over HTTP
    r = page.post(
        f"/members/{m.pk}/lost-contact/", {"action": "found", "found_on": "2026-07-01"}, follow=True
    )
    assert "没有未结束的失去联系登记" in r.content.decode()


def test_a_students_level_and_enrolment_are_on_the_member_record(university):
    u = university
    m = u.full_a[4]
    api = client_for(u.users.orgdept)
    r = api.patch(
        f"/api/members/{m.pk}/",
        {"person_category": "student", "student_level": "undergraduate", "enrollment_year": 2026},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["student_level_display"] == "大学本科生"
    r = api.patch(f"/api/members/{m.pk}/", {"enrollment_year": 26}, format="json")
    assert r.status_code == 400 and "enrollment_year" in r.json()["fields"]
    r = api.patch(f"/api/members/{m.pk}/", {"student_level": "phd"}, format="json")
    assert r.status_code == 400 and "student_level" in r.json()["fields"]
    t = _tables(u.users.orgdept, u.branch_a)["students"]
    # By hand: enrolled September 2026, 学制 4 by default: 本科 一年级 on 2026-12-31.
    assert _cell(t, "undergraduate_first", "total") == 1
    page = Client()
    page.force_login(u.users.orgdept)
    html = page.get(f"/members/{m.pk}/development/").content.decode()
    assert "学生层次 大学本科生 · 入学年份 2026" in html


def test_a_withdrawal_counts_in_table_10_and_in_no_row_or_column_of_table_11(university):
    """丁2 of branch B advised to withdraw (劝退) on 2026-05-10, the reason in words only: 表10
    出党情况（一） counts one 劝退 (合计 1); 表11 出党情况（二） counts people by what they left for
    (违纪行为 or 具体表现), which a 劝退's record does not hold, so its 劝退 column and 总计 stay 0,
    its checks still balance, and the page's note says why."""
    u = university
    m = u.full_b[2]
    r = client_for(u.users.orgdept).patch(
        f"/api/members/{m.pk}/",
        {
            "status": "withdrawn",
            "left_on": "2026-05-10",
            "left_reason": "理想信念动摇，经教育仍无转变",
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    got = (
        client_for(u.users.officer)
        .get("/api/statistics/", {"cutoff": CUTOFF, "organization": u.branch_b.pk})
        .json()
    )
    t = {t["key"]: t for t in got["tables"]}
    assert (_cell(t["exits"], "total", "withdrawn"), _cell(t["exits"], "total", "total")) == (1, 1)
    why = t["exits_by_misconduct"]
    assert [_cell(why, "total", c) for c in ("withdrawn", "cancelled", "total")] == [0, 0, 0]
    assert any("劝退、取消预备党员资格" in n and "不计入本表" in n for n in why["notes"]), why
    assert not [c for c in got["checks"] if "exits_by_misconduct" in str(c)], got["checks"]
