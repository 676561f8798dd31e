"""Member status events (死亡, 停止党籍, 恢复党籍, 开除党籍, 除名) recorded by the committee over the API
and on the member's page: the date it happened, the reason, who decided and the document are on the
member's page and the roster, and the statistics count each in its year (DT-2017 表1 rows 5–6,
10–12); a branch cannot record them, bad input names the field, a second recording is a 409."""

from django.test import Client

from organizations.models import MemberStatus

from ..conftest import client_for

CUTOFF = "2026-12-31"


def _record(user, member, **body):
    return client_for(user).post(f"/api/members/{member.pk}/status-events/", body, format="json")


def _change(user, org):
    r = client_for(user).get("/api/statistics/", {"cutoff": CUTOFF, "organization": org.pk})
    table = {t["key"]: t for t in r.json()["tables"]}["membership_change"]
    return {row["key"]: row["cells"][0]["value"] for row in table["rows"]}, r.json()


def test_committee_records_status_events_and_the_years_table_counts_them(university):
    u = university
    died, suspended = u.full_b[0], u.full_b[1]
    r = _record(
        u.users.officer,
        died,
        event="death",
        on="2026-03-10",
        reason="病故",
        decided_by="计算机学院党委",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["event_display"] == "死亡" and r.json()["to_status"] == "deceased"
    r = _record(
        u.users.officer,
        suspended,
        event="suspension",
        on="2026-05-01",
        reason="失去联系超过六个月",
        decided_by="计算机学院党委",
        document_no="计院党〔2026〕7号",
    )
    assert r.status_code == 201, r.json()
    # By hand, branch B: 5 at the opening; 死亡 1, 停止党籍 1; 3 at the close = 5 − 2.
    cells, body = _change(u.users.officer, u.branch_b)
    assert [cells[k] for k in ("1", "9", "11", "12", "15", "16", "17")] == [5, 2, 1, 1, 3, 3, 0]
    # the fixture's records lack birth dates and categories (C2 names them); the year and the
    # tables between them agree
    assert all(c["ok"] for c in body["checks"] if c["code"] in ("C1", "C3")), body["checks"]
    # 恢复党籍 on 2026-11-02: an increase (其中 停止党籍后恢复); the year still balances.
    r = _record(
        u.users.orgdept,
        suspended,
        event="restoration",
        on="2026-11-02",
        reason="已恢复联系，经审查符合条件",
        decided_by="某大学党委",
        document_no="校党〔2026〕21号",
    )
    assert r.status_code == 201 and r.json()["to_status"] == MemberStatus.FULL
    cells, body = _change(u.users.officer, u.branch_b)
    assert [cells[k] for k in ("2", "5", "6", "9", "16", "17")] == [1, 1, 1, 2, 4, 0]
    assert all(c["ok"] for c in body["checks"] if c["code"] in ("C1", "C3"))
    # the member's page shows the events with their reason, decision and document
    page = Client()
    page.force_login(u.users.officer)
    html = page.get(f"/members/{suspended.pk}/development/").content.decode()
    assert "2026-05-01 · <strong>停止党籍</strong>" in html
    assert "文号：计院党〔2026〕7号" in html and "决定组织：某大学党委" in html
    assert 'data-testid="status-event-form"' in html


def test_a_branch_cannot_record_bad_input_names_the_field_and_a_second_recording_is_409(
    university,
):
    u = university
    m = u.full_a[5]
    r = _record(u.users.sec_a, m, event="death", on="2026-03-10", reason="病故", decided_by="支部")
    assert r.status_code == 403 and r.json()["code"] == "not_committee"
    for body, field in (
        ({"event": "nope", "on": "2026-03-10"}, "event"),
        ({"event": "death", "on": "2026-02-30"}, "on"),
        ({"event": "death", "on": "2099-01-01"}, "on"),
        ({"event": "suspension", "on": "2026-03-10", "reason": "失联"}, "decided_by"),
        (
            {"event": "expulsion", "on": "2026-03-10", "reason": "违纪", "decided_by": "党委"},
            "document_no",
        ),
    ):
        r = _record(u.users.officer, m, **body)
        assert r.status_code == 400 and field in r.json()["fields"], (body, r.json())
    ok = {
        "event": "suspension",
        "on": "2026-04-01",
        "reason": "失联",
        "decided_by": "党委",
        "document_no": "1号",
    }
    assert _record(u.users.officer, m, **ok).status_code == 201
    again = _record(u.users.officer, m, **ok)
    assert again.status_code == 409 and again.json()["code"] == "status_event_not_allowed"
    # out of scope: the other college's officer does not see the member
    assert _record(u.users.sec_b, m, **ok).status_code == 404
    # the roster keeps the suspended member with the date and document
    page = Client()
    page.force_login(u.users.sec_a)
    html = page.get("/records/roster/", {"organization": u.branch_a.pk}).content.decode()
    assert "停止党籍（2026年4月1日 1号）" in html
    # the page refuses in the browser exactly as over HTTP
    page.force_login(u.users.officer)
    r = page.post(
        f"/members/{u.full_a[6].pk}/status-events/", {"event": "death", "on": ""}, follow=True
    )
    assert "日期格式应为 YYYY-MM-DD" in r.content.decode()
