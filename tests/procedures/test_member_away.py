"""Mobile members (流动党员) and members abroad (出国（境）党员), P7 through the API: registered by the
branch with where they are and how they are reached, contacted at the rule set's interval, a
member out of contact put before the committee (never automatic), and — while registered — not an
absentee of the branch's organizational life in the compliance table."""

import datetime as dt

import time_machine

from organizations.models import LostContact
from orglife.services import meeting_record

from ..helpers import complete, cst, inbox

START = {"kind": "mobile", "place": "上海市浦东新区", "started_on": "2027-03-01"}


def register(client, u, member, data, status=201) -> dict:
    r = client.post(
        "/api/cases/",
        {
            "process": "member_away",
            "organization": u.branch_a.pk,
            "subject_member": member.pk,
            "data": {"member": {"id": member.pk}, **data},
        },
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


def contact_task(client, case_id) -> dict:
    return next(t for t in inbox(client) if t["case"] == case_id)


def meeting(u, day, present, absent, reason) -> None:
    meeting_record(
        actor=u.users.sec_a,
        organization=u.branch_a,
        kind="general_meeting",
        held_on=day,
        attendees=present,
        absentees=[{"member": absent.pk, "reason": reason}],
    )


def sessions(client, u, period) -> dict:
    r = client.get("/api/compliance/", {"organization": u.branch_a.pk, "period": period})
    assert r.status_code == 200, r.json()
    return next(o for o in r.json()[0]["obligations"] if o["code"] == "sessions")["periods"][0]


def test_a_mobile_member_is_registered_contacted_flagged_and_back(university, api):
    u = university
    away, sec, officer = u.full_a[3], api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 3, 1, 9), tick=False):
        refused = register(sec, u, away, START, status=400)
        assert refused["code"] == "mobile_card_required" and "data.card_no" in refused["fields"]
        abroad = register(sec, u, away, {**START, "kind": "abroad", "place": "英国"}, status=400)
        assert abroad["code"] == "abroad_period_and_contact_required"
        assert set(abroad["fields"]) == {"data.expected_return_on", "data.contact_person"}
        case = register(sec, u, away, {**START, "card_no": "沪流2027-0301"})
        # another branch's secretary does not see it
        assert api(u.users.sec_b).get(f"/api/cases/{case['id']}/").status_code == 404
        task = contact_task(sec, case["id"])
        # a mobile member reports at least once a year (MOB-2006): the contact is due then
        assert task["element_id"] == "record_contact" and task["due_at"].startswith("2028-03-02")
        roster = sec.get(f"/api/members/{away.pk}/").json()
        assert roster["away"] == "流动党员（上海市浦东新区）"

    # a meeting he misses while registered is not an absence; after his return it is again
    present = [m.pk for m in u.full_a if m != away]
    orgdept = api(u.users.orgdept)
    with time_machine.travel(cst(2027, 3, 20, 9), tick=False):
        meeting(u, dt.date(2027, 3, 10), present, away, "在沪务工")
        march = sessions(orgdept, u, "2027-03")
        assert (march["present"], march["due"]) == (len(present), len(present))

    with time_machine.travel(cst(2027, 5, 1, 9), tick=False):
        body = complete(
            sec,
            task["id"],
            {"contact_date": "2027-05-01", "contact_outcome": "lost", "note": "电话未接"},
            status=400,
        )
        assert body["code"] == "lost_contact_too_soon" and "contact_outcome" in body["fields"]
        complete(
            sec,
            task["id"],
            {"contact_date": "2027-05-01", "contact_outcome": "in_contact", "note": "电话联系"},
        )
        task = contact_task(sec, case["id"])
    with time_machine.travel(cst(2027, 12, 1, 9), tick=False):
        complete(
            sec,
            task["id"],
            {"contact_date": "2027-12-01", "contact_outcome": "lost", "note": "半年多联系不上"},
        )
        # flagged for the committee, which decides; nothing is stopped by itself
        decide = contact_task(officer, case["id"])
        assert decide["element_id"] == "decide_lost_contact"
        # the report is his lost-contact record since the last contact (党统 表43)
        lost = LostContact.objects.get(member=away)
        assert (lost.lost_on, lost.reason, lost.found_on) == (
            dt.date(2027, 5, 1),
            "migrant_work",
            None,
        )
        complete(
            officer,
            decide["id"],
            {"decision": "found", "decided_on": "2027-12-01", "reason": "经查找已联系上"},
        )
        lost.refresh_from_db()
        assert lost.found_on == dt.date(2027, 12, 1)
        task = contact_task(sec, case["id"])
        assert task["element_id"] == "record_contact"
    with time_machine.travel(cst(2027, 12, 20, 9), tick=False):
        complete(
            sec,
            task["id"],
            {"contact_date": "2027-12-20", "contact_outcome": "returned", "note": "已返校"},
        )
        assert sec.get(f"/api/cases/{case['id']}/").json()["status"] == "completed"
        assert sec.get(f"/api/members/{away.pk}/").json()["away"] == ""
    with time_machine.travel(cst(2027, 12, 28, 9), tick=False):
        meeting(u, dt.date(2027, 12, 25), present, away, "未请假")
        year = sessions(orgdept, u, "2027-12")  # the year's rate: March excused, December not
        assert (year["present"], year["due"]) == (2 * len(present), 2 * len(present) + 1)


def test_the_committee_stopping_the_standing_records_the_status_event_the_statistics_count(
    university, api
):
    u = university
    away, sec, officer = u.full_a[3], api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 3, 1, 9), tick=False):
        case = register(sec, u, away, {**START, "card_no": "沪流2027-0301"})
    with time_machine.travel(cst(2027, 10, 8, 9), tick=False):
        complete(
            sec,
            contact_task(sec, case["id"])["id"],
            {"contact_date": "2027-10-08", "contact_outcome": "lost", "note": "半年多联系不上"},
        )
        decide = contact_task(officer, case["id"])
        stop = {"decision": "propose_stop_standing", "decided_on": "2027-10-08"}
        stop["reason"] = "失去联系超过六个月，经查找仍无下落"
        body = complete(officer, decide["id"], stop, status=400)
        assert body["code"] == "document_no_required" and "document_no" in body["fields"]
        complete(officer, decide["id"], {**stop, "document_no": "计院党〔2027〕9号"})
        assert sec.get(f"/api/cases/{case['id']}/").json()["status"] == "completed"
        roster = sec.get(f"/api/members/{away.pk}/").json()
        assert (roster["status"], roster["away"]) == ("suspended", "")
        # his lost-contact record stays open; 表43 counts members only, so not him
        lost = LostContact.objects.get(member=away)
        assert (lost.lost_on, lost.found_on) == (dt.date(2027, 3, 1), None)
    # the year's table counts him under 停止党籍 (DT-2017 表1 row 11), and the cell names him
    q = {"organization": u.branch_a.pk, "cutoff": "2027-12-31"}
    tables = {t["key"]: t for t in officer.get("/api/statistics/", q).json()["tables"]}
    rows = {r["key"]: r["cells"][0]["value"] for r in tables["membership_change"]["rows"]}
    assert rows["11"] == 1
    cell = officer.get(
        "/api/statistics/cell/", {**q, "table": "membership_change", "row": "11", "col": "count"}
    ).json()
    assert away.name in str(cell)
    history = sec.get(f"/api/cases/{case['id']}/history/")
    assert history.status_code == 200 and "计院党〔2027〕9号" in history.content.decode()
