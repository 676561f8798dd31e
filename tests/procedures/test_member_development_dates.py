"""What P1 records is the day each step took place, not the day someone typed it in: the 纪实表, the
case history, the development read model all show that day; 转正 takes effect when probation ends;
a designation recorded late closes the activist phase on its own date."""

from organizations.models import Member
from printing.contexts.member_record import member_record
from workflows.models import Case

from .md_helpers import (
    activist_reports,
    applicant,
    at,
    drive_to_conversion_vote,
    drive_to_designation,
    drive_to_political_review,
    step,
    vote,
)


def _row(record, no):
    return next(r for s in record["stages"] for r in s["steps"] if r["no"] == no)


def test_a_political_review_entered_late_is_dated_the_day_of_its_conclusion(api, university):
    u = university
    person = applicant(u)
    sec = api(u.users.sec_a)
    case = drive_to_political_review(api, u, person)  # designated 2027-02-01
    with at(2027, 2, 20, 10):
        missing = step(sec, "political_review", {"conclusion": "合格", "passed": True}, status=400)
        assert missing["code"] == "form_invalid" and "concluded_on" in missing["fields"]
        future = step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-21", "conclusion": "合格", "passed": True},
            status=400,
        )
        assert future["code"] == "date_in_future" and "concluded_on" in future["fields"]
        early = step(
            sec,
            "political_review",
            {"concluded_on": "2027-01-31", "conclusion": "合格", "passed": True},
            status=400,
        )
        assert early["code"] == "political_review_before_designation"
        step(
            sec,
            "political_review",
            {"concluded_on": "2027-02-12", "conclusion": "政治审查合格", "passed": True},
            case_id=case["id"],
        )
        dev = sec.get(f"/api/members/{person.pk}/development/").json()
        history = sec.get(f"/api/cases/{case['id']}/history/").json()
    review = next(s for s in dev["steps_done"] if s["element_id"] == "political_review")
    assert review["on"] == "2027-02-12" and review["entered_at"].startswith("2027-02-20")
    assert next(e for e in dev["evidence"] if e["element_id"] == "political_review")["on"] == (
        "2027-02-12"
    )
    events = history if isinstance(history, list) else history["results"]
    [event] = [
        e for e in events if e["task_name"] == "政治审查" and e["action"] == "task_completed"
    ]
    assert event["event_date"] == "2027-02-12" and event["created_at"].startswith("2027-02-20")
    c = Case.objects.select_related("organization").get(pk=case["id"])
    record = member_record(c, c.subject_member, reveal=False)
    assert _row(record, 10)["date"] == "2027年2月12日"
    # the contacts and introducers carry the day they were decided, not the day of entry
    assert _row(record, 5)["date"] == "2026年2月1日"
    assert _row(record, 9)["date"] == "2027年2月10日"


def test_conversion_takes_effect_when_probation_ends_not_on_the_day_of_the_vote(api, university):
    u = university
    person = applicant(u)
    sec, officer = api(u.users.sec_a), api(u.users.officer)
    case = drive_to_conversion_vote(api, u, person)  # admitted by the vote of 2027-03-20
    with at(2028, 3, 25, 15):
        step(
            sec, "conversion_vote", vote(u.full_a[:6], 6, meeting="2028-03-25", decision="convert")
        )
    with at(2028, 4, 2, 10):
        step(officer, "approve_conversion", {"approved": True, "decision_date": "2028-03-28"})
        dev = sec.get(f"/api/members/{person.pk}/development/").json()
    assert Member.objects.get(pk=person.pk).party_standing_from.isoformat() == "2028-03-20"
    assert dev["member"]["party_standing_from"] == "2028-03-20"
    assert dev["status_history"][-1]["to"] == "full" and dev["status_history"][-1]["on"] == (
        "2028-03-20"
    )
    c = Case.objects.select_related("organization").get(pk=case["id"])
    record = member_record(c, c.subject_member, reveal=False)
    assert record["person"]["converted_on"] == "2028年3月20日"
    assert record["person"]["party_standing_from"] == "2028年3月20日"
    assert _row(record, 23)["date"] == "2028年3月25日"
    assert _row(record, 24)["date"] == "2028年3月28日"


def test_a_designation_recorded_late_ends_the_activist_obligations_on_its_date(api, university):
    u = university
    person = applicant(u)
    sec = api(u.users.sec_a)
    drive_to_designation(api, u, person)  # an activist since 2026-02-01
    with at(2027, 8, 10, 10):
        # Everything due up to the designation on 2027-02-01 was handed in; the records are entered
        # half a year later, when three more would be "overdue" if the phase were still open.
        activist_reports(sec, person, 4, 2, "2027-02-01")
        step(sec, "cultivation_review", {"review_date": "2027-02-01", "summary": "考察合格"})
        step(
            sec,
            "designate_development_object",
            {"designation_date": "2027-02-01", "opinions_heard": "均同意"},
        )
        dev = sec.get(f"/api/members/{person.pk}/development/").json()
    activist = [o for o in dev["obligations"] if o["phase"] == "activist"]
    assert max(o["due_on"] for o in activist) == "2027-02-01"
    assert all(o["status"] == "submitted" for o in activist)
    assert [o for o in dev["overdue"] if o["kind"] != "task"] == []
