"""Mobile members (流动党员) and members abroad (出国（境）党员), P7 through the API: registered by the
branch with where they are and how they are reached, contacted at the rule set's interval, a
member out of contact put before the committee (never automatic), and — while registered — not an
absentee of the branch's organizational life in the compliance table."""

import datetime as dt

import time_machine
from django.test import Client

from organizations.models import LostContact, MemberAway
from orglife.services import meeting_record

from ..helpers import complete, cst, inbox, only_task, run_timers
from .review_helpers import review_branch, start_review  # noqa: F401 (fixture)

START = {"kind": "mobile", "place": "上海市浦东新区", "started_on": "2027-03-01"}


def register(client, u, member, data, status=201, branch=None) -> dict:
    r = client.post(
        "/api/cases/",
        {
            "process": "member_away",
            "organization": (branch or u.branch_a).pk,
            "subject_member": member.pk,
            "data": {"member": {"id": member.pk}, **data},
        },
        format="json",
    )
    assert r.status_code == status, r.json()
    return r.json()


def stop_standing(officer, sec, case, away, decided_on, reason, document_no) -> None:
    """The committee stops the standing: refused without a 文号, then the member is 停止党籍 and
    no longer registered away; the case ends."""
    decide = contact_task(officer, case["id"])
    stop = {"decision": "propose_stop_standing", "decided_on": decided_on, "reason": reason}
    body = complete(officer, decide["id"], stop, status=400)
    assert body["code"] == "document_no_required" and "document_no" in body["fields"]
    complete(officer, decide["id"], {**stop, "document_no": document_no})
    assert sec.get(f"/api/cases/{case['id']}/").json()["status"] == "completed"
    roster = sec.get(f"/api/members/{away.pk}/").json()
    assert (roster["status"], roster["away"]) == ("suspended", "")


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
        back = {"contact_date": "2027-12-20", "contact_outcome": "returned", "note": "已返校"}
        body = complete(sec, task["id"], back, status=400)  # a mobile member hands in the card
        assert body["code"] == "mobile_card_not_returned" and "card_returned" in body["fields"]
        complete(sec, task["id"], {**back, "card_returned": True})
        assert sec.get(f"/api/members/{away.pk}/").json()["away"] == ""
        registration = MemberAway.objects.get(member=away)
        assert (registration.ended_on, registration.card_returned_on) == (
            dt.date(2027, 12, 20),
            dt.date(2027, 12, 20),
        )
        # he applies to resume organizational life within a month of his return (local rule)
        resume = contact_task(sec, case["id"])
        assert resume["element_id"] == "record_resume"
        assert resume["due_at"].startswith("2028-01-21T00:00")  # 24:00 of 2028-01-20
        early = {"applied_on": "2027-12-19", "note": "申请恢复组织生活"}
        body = complete(sec, resume["id"], early, status=400)
        assert body["code"] == "date_out_of_order" and "applied_on" in body["fields"]
    with time_machine.travel(cst(2027, 12, 28, 9), tick=False):
        meeting(u, dt.date(2027, 12, 25), present, away, "未请假")
        year = sessions(orgdept, u, "2027-12")  # the year's rate: March excused, December not
        assert (year["present"], year["due"]) == (2 * len(present), 2 * len(present) + 1)
    with time_machine.travel(cst(2028, 1, 25, 9), tick=False):  # after 2028-01-20: late
        complete(sec, resume["id"], {**early, "applied_on": "2028-01-25"})
        done = sec.get(f"/api/cases/{case['id']}/").json()
        assert done["status"] == "completed"
        assert (done["data"]["resume_applied_on"], done["data"]["resume_late"]) == (
            "2028-01-25",
            True,
        )


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
        reason = "失去联系超过六个月，经查找仍无下落"
        stop_standing(officer, sec, case, away, "2027-10-08", reason, "计院党〔2027〕9号")
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


ABROAD = {
    "kind": "abroad",
    "place": "英国",
    "started_on": "2027-03-01",
    "expected_return_on": "2031-07-01",
    "contact_person": "父亲 张某",
}


def test_abroad_five_years_without_return_goes_to_the_committee_which_keeps_or_stops(
    university, api
):
    """EDU-2019 Art. 24 (the 5 years a local setting): registered abroad on 2027-03-01, the limit
    passes on 2032-03-01 (09:00 of that day the timer fires, not a minute before); the committee
    decides in its inbox — it keeps him once with a reason and a day to look again, then stops
    his standing with a document no. Nothing happens by itself."""
    u = university
    away, sec, officer = u.full_a[3], api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 3, 1, 9), tick=False):
        case = register(sec, u, away, ABROAD)
    assert "timers fired: 0" in run_timers(cst(2032, 3, 1, 8, 59))
    assert contact_task(sec, case["id"])["element_id"] == "record_contact"
    assert "timers fired: 1" in run_timers(cst(2032, 3, 1, 9, 0))
    with time_machine.travel(cst(2032, 3, 3, 9), tick=False):
        assert not [t for t in inbox(sec) if t["case"] == case["id"]]  # the contact gave way
        decide = contact_task(officer, case["id"])
        assert decide["element_id"] == "decide_abroad_limit"
        assert decide["due_at"].startswith("2032-04-02T00:00")  # a month to decide (local)
        keep = {"decision": "keep", "decided_on": "2032-03-03", "reason": "在读博士，预计明年回国"}
        body = complete(officer, decide["id"], keep, status=400)
        assert body["code"] == "review_again_on_required" and "review_again_on" in body["fields"]
        body = complete(officer, decide["id"], {**keep, "review_again_on": "2032-03-03"}, 400)
        assert body["code"] == "date_out_of_order" and "review_again_on" in body["fields"]
        complete(officer, decide["id"], {**keep, "review_again_on": "2033-03-01"})
        assert contact_task(sec, case["id"])["element_id"] == "record_contact"
        assert sec.get(f"/api/members/{away.pk}/").json()["status"] == "full"
    assert "timers fired: 0" in run_timers(cst(2033, 2, 28, 23))
    assert "timers fired: 1" in run_timers(cst(2033, 3, 1, 9))
    with time_machine.travel(cst(2033, 3, 10, 9), tick=False):
        assert contact_task(officer, case["id"])["element_id"] == "decide_abroad_limit"
        reason = "出国逾五年未归，本人表示不再回国"
        stop_standing(officer, sec, case, away, "2033-03-10", reason, "计院党〔2033〕3号")
    assert MemberAway.objects.get(member=away).ended_on == dt.date(2033, 3, 10)


def test_settled_abroad_privately_goes_to_the_same_committee_step(university, api):
    u = university
    away, sec, officer = u.full_a[3], api(u.users.sec_a), api(u.users.officer)
    with time_machine.travel(cst(2027, 3, 1, 9), tick=False):
        mobile = register(sec, u, u.full_a[4], {**START, "card_no": "沪流2027-0302"})
        case = register(sec, u, away, ABROAD)
    with time_machine.travel(cst(2028, 5, 6, 9), tick=False):
        settled = {"contact_date": "2028-05-06", "contact_outcome": "settled_abroad"}
        settled["note"] = "其父告知已在当地定居，未办理手续"
        body = complete(sec, contact_task(sec, mobile["id"])["id"], settled, status=400)
        assert body["code"] == "settled_abroad_not_abroad" and "contact_outcome" in body["fields"]
        complete(sec, contact_task(sec, case["id"])["id"], settled)
        assert contact_task(officer, case["id"])["element_id"] == "decide_abroad_limit"
        stop_standing(officer, sec, case, away, "2028-05-06", "私自定居国外", "计院党〔2028〕5号")


def test_the_mobile_card_is_checked_yearly_shown_on_the_away_page_and_counted_with_the_review(
    university, api
):
    """FORM-2006: registered on 2027-03-01, the card check opens on 2028-03-01 (transfer.card_check,
    1 year) and is due a month later; the check is recorded with the 流入地 branch's comments and
    the next check at most a year on; his page shows it."""
    u = university
    away, sec = u.full_a[3], api(u.users.sec_a)
    with time_machine.travel(cst(2027, 3, 1, 9), tick=False):
        case = register(sec, u, away, {**START, "card_no": "沪流2027-0301"})
    assert "timers fired: 0" in run_timers(cst(2028, 2, 29, 23))
    assert "timers fired: 1" in run_timers(cst(2028, 3, 1, 9))
    with time_machine.travel(cst(2028, 3, 12, 9), tick=False):
        task = contact_task(sec, case["id"])
        assert task["element_id"] == "check_card" and task["due_at"].startswith("2028-04-02T00:00")
        check = {
            "checked_on": "2028-03-12",
            "inflow_branch": "浦东新区张江镇流动党员党支部",
            "participation": "按时参加支部主题党日，表现良好",
            "dues": "已交至2028年2月",
            "next_check_on": "2029-03-13",
        }
        body = complete(sec, task["id"], check, status=400)  # more than a year on
        assert body["code"] == "card_check_interval" and "next_check_on" in body["fields"]
        body = complete(sec, task["id"], {**check, "checked_on": "2027-02-28"}, status=400)
        assert body["code"] == "date_out_of_order" and "checked_on" in body["fields"]
        complete(sec, task["id"], {**check, "next_check_on": "2029-03-12"})
        assert contact_task(sec, case["id"])["element_id"] == "record_contact"
        registration = MemberAway.objects.get(member=away)
        (saved,) = registration.card_checks.all()
        assert (saved.checked_on, saved.next_check_on, saved.dues) == (
            dt.date(2028, 3, 12),
            dt.date(2029, 3, 12),
            "已交至2028年2月",
        )
        page = Client()
        page.force_login(u.users.sec_a)
        html = page.get(f"/members/{away.pk}/away/").content.decode()
        assert "浦东新区张江镇流动党员党支部" in html and "2029-03-12" in html
    # the next check follows the date the branch set
    assert "timers fired: 0" in run_timers(cst(2029, 3, 11, 23))
    assert "timers fired: 1" in run_timers(cst(2029, 3, 12, 9))
    with time_machine.travel(cst(2029, 3, 12, 10), tick=False):
        assert contact_task(sec, case["id"])["element_id"] == "check_card"


def test_the_democratic_review_counts_the_years_card_checks(review_branch, api):
    """Two mobile members of the branch in 2026: 评5 (registered 2025-12-01, checked 2026-12-03)
    and 评6 (registered 2026-03-01, not yet due): the review's branch steps show 1 / 2 checked."""
    rb = review_branch
    sec = api(rb.members[0].user)

    def away(member, started, card):
        data = {**START, "started_on": started, "card_no": card}
        return register(sec, rb.u, member, data, branch=rb.branch)

    with time_machine.travel(cst(2025, 12, 1, 9), tick=False):
        first = away(rb.members[5], "2025-12-01", "沪流2025-1201")
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        away(rb.members[6], "2026-03-01", "沪流2026-0301")
    run_timers(cst(2026, 12, 1, 9))
    with time_machine.travel(cst(2026, 12, 3, 9), tick=False):
        task = contact_task(sec, first["id"])
        assert task["element_id"] == "check_card"
        check = {
            "checked_on": "2026-12-03",
            "inflow_branch": "浦东新区张江镇流动党员党支部",
            "participation": "参加流入地支部组织生活",
            "dues": "按月交纳",
            "next_check_on": "2027-12-03",
        }
        complete(sec, task["id"], check)
    with time_machine.travel(cst(2026, 12, 4, 9), tick=False):
        start_review(api, rb)
        committee = api(rb.members[1].user)
        plan = only_task(committee, "file_plan")
        facts = committee.get(f"/api/tasks/{plan['id']}/").json()["facts"]
        (card,) = [f for f in facts if f["key"] == "card_checks"]
        assert card["items"] == [{"label": "本年度已查验", "value": "1 / 2 人"}]
        assert card["rows"] == [
            ["评5", "沪流2025-1201", "2026-12-03"],
            ["评6", "沪流2026-0301", "未查验"],
        ]
