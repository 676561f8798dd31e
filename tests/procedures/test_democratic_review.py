"""P3 annual democratic review: a branch of 12 members (two leading cadres, one probationary) through
the whole review via the API; the anonymous measurement (no voter-rating link stored anywhere); the
⅓ 优秀 warning; unqualified members get handling cases."""

import json

import time_machine
from django.db import connection

from orglife.models import MeasurementTally, MeasurementVoter
from workflows.models import AuditEvent, Case, Task

from ..helpers import assert_round_trip, complete, cst, only_task
from ..web.conftest import login
from .review_helpers import (  # noqa: F401 (fixture)
    ballot,
    drive_to_measurement,
    drive_to_self_assessment,
    review_branch,
)

GRADES = ["excellent", "qualified", "basically_qualified", "unqualified"]


def test_a_branch_of_twelve_through_the_whole_review(api, review_branch):
    rb = review_branch
    sec, committee, officer = (
        api(rb.members[0].user),
        api(rb.members[1].user),
        api(rb.u.users.officer),
    )
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        case = drive_to_measurement(api, rb)
        detail = sec.get(f"/api/cases/{case['id']}/").json()
        assert [r["id"] for r in detail["data"]["rated"]] == [m.pk for m in rb.rated]  # 10 rated
        assert [r["id"] for r in detail["data"]["not_rated"]] == [m.pk for m in rb.cadres]
        assert len(detail["data"]["self_assessments"]) == 12
        url = f"/api/cases/{case['id']}/measurement-ballots/"
        # a leading cadre votes but cannot be rated
        bad = api(rb.cadres[0].user).post(
            url,
            {
                "ratings": [
                    *ballot(rb, lambda m: "qualified")["ratings"],
                    {"member": rb.cadres[1].pk, "grade": "qualified"},
                ]
            },
            format="json",
        )
        assert (
            bad.status_code == 400
            and bad.json()["code"] == "leading_cadre_not_rated"
            and "ratings.10.member" in bad.json()["fields"]
        )
        target = rb.rated[-1]
        for m in rb.members:
            r = api(m.user).post(
                url,
                ballot(
                    rb,
                    lambda x: (
                        "unqualified"
                        if x == target
                        else "excellent"
                        if x in rb.rated[:3]
                        else "qualified"
                    ),
                ),
                format="json",
            )
            assert r.status_code == 201, r.json()
        twice = api(rb.members[4].user).post(url, ballot(rb, lambda m: "qualified"), format="json")
        assert twice.status_code == 409 and twice.json()["code"] == "already_voted"
        outsider = api(rb.u.users.member_a).post(
            url, ballot(rb, lambda m: "qualified"), format="json"
        )
        assert outsider.status_code == 404
        complete(sec, only_task(sec, "democratic_measurement")["id"], {"close": True})
        data = Case.objects.get(pk=case["id"]).data
        assert data["ballots"] == 12
        assert data["measurement"][str(target.pk)] == {
            "excellent": 0,
            "qualified": 0,
            "basically_qualified": 0,
            "unqualified": 12,
        }
        assert data["measurement"][str(rb.rated[0].pk)]["excellent"] == 12
        # organizational rating: 3 of 10 excellent is within 1/3, no warning
        ratings = [
            {
                "member": m.pk,
                "grade": "unqualified"
                if m == target
                else "excellent"
                if m in rb.rated[:3]
                else "qualified",
            }
            for m in rb.rated
        ]
        complete(
            committee, only_task(committee, "organizational_rating")["id"], {"ratings": ratings}
        )
        assert Case.objects.get(pk=case["id"]).data["rating_warnings"] == []
        complete(
            sec,
            only_task(sec, "give_feedback")["id"],
            {"feedback": [{"member": m.pk, "text": "已当面反馈"} for m in rb.rated]},
        )
        complete(
            sec,
            only_task(sec, "report_results")["id"],
            {"held_on": "2026-12-28", "summary": "优秀3人，合格6人，不合格1人"},
        )
        assert_round_trip(case["id"])
        complete(officer, only_task(officer, "receive_results")["id"], {"approved": True})
    assert Case.objects.get(pk=case["id"]).status == "completed"
    # A member reading their own (done) self-assessment sees the grade, the feedback and the
    # tallies given to them, not anyone else's; the committee sees everyone's.
    other = rb.rated[4]
    for member, grade in ((target, "unqualified"), (other, "qualified")):
        own = Task.objects.get(case_id=case["id"], slot=f"member@{member.pk}")
        seen = api(member.user).get(f"/api/tasks/{own.pk}/").json()["case_data"]
        assert [(r["member"], r["grade"]) for r in seen["ratings"]] == [(member.pk, grade)]
        assert [f["member"] for f in seen["feedback"]] == [member.pk]
        assert list(seen["measurement"]) == [str(member.pk)]
        assert seen["unqualified"] == ([target.pk] if member == target else [])
        assert [a["member"] for a in seen["self_assessments"]] == [member.pk]
    full = committee.get(f"/api/cases/{case['id']}/").json()["data"]
    assert len(full["ratings"]) == 10 and full["unqualified"] == [target.pk]
    [disposal] = Case.objects.filter(process_id="unqualified_member")
    assert disposal.subject_member == target and disposal.organization == rb.branch
    assert only_task(committee, "propose_handling")["case"] == disposal.pk


def test_more_than_a_third_excellent_is_a_warning_not_a_block(api, review_branch):
    rb = review_branch
    sec, committee = api(rb.members[0].user), api(rb.members[1].user)
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        case = drive_to_measurement(api, rb)
        for m in rb.members[:7]:  # more than half of the 12 entitled
            api(m.user).post(
                f"/api/cases/{case['id']}/measurement-ballots/",
                ballot(rb, lambda m: "qualified"),
                format="json",
            )
        complete(sec, only_task(sec, "democratic_measurement")["id"], {"close": True})
        task = only_task(committee, "organizational_rating")
        missing = committee.post(
            f"/api/tasks/{task['id']}/complete/",
            {"data": {"ratings": [{"member": rb.rated[0].pk, "grade": "qualified"}]}},
            format="json",
        )
        assert missing.status_code == 400 and missing.json()["code"] == "members_missing"
        ratings = [
            {"member": m.pk, "grade": "excellent" if i < 4 else "qualified"}
            for i, m in enumerate(rb.rated)
        ]  # 4 of 10 > 1/3
        complete(committee, task["id"], {"ratings": ratings})
    warnings = Case.objects.get(pk=case["id"]).data["rating_warnings"]
    assert [w["code"] for w in warnings] == ["too_many_excellent"] and "4" in warnings[0]["message"]
    assert only_task(sec, "give_feedback")["case"] == case["id"]


def test_the_measurement_stores_no_link_between_a_voter_and_a_rating(api, review_branch):
    rb = review_branch
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        case = drive_to_measurement(api, rb)
        url = f"/api/cases/{case['id']}/measurement-ballots/"
        # the only 基本合格 anywhere comes from one voter, about one member
        odd_voter, odd_member = rb.members[7], rb.rated[4]
        for m in rb.members:
            grade_of = (
                (lambda x: "basically_qualified" if x == odd_member else "qualified")
                if m == odd_voter
                else (lambda x: "qualified")
            )
            assert api(m.user).post(url, ballot(rb, grade_of), format="json").status_code == 201
    case_row = Case.objects.get(pk=case["id"])
    # what is stored: counts per member and grade; who voted (not how)
    assert {f.name for f in MeasurementTally._meta.get_fields()} == {
        "id",
        "case",
        "member",
        "grade",
        "count",
    }
    assert {f.name for f in MeasurementVoter._meta.get_fields()} == {"id", "case", "member"}
    assert (
        MeasurementTally.objects.get(
            case=case_row, member=odd_member, grade="basically_qualified"
        ).count
        == 1
    )
    assert MeasurementVoter.objects.filter(case=case_row).count() == 12
    # tally rows were all created by the first ballot, in member/grade order, not in the order grades were given
    rows = list(
        MeasurementTally.objects.filter(case=case_row)
        .order_by("id")
        .values_list("member_id", "grade")
    )
    assert rows == [(m.pk, g) for m in sorted(rb.rated, key=lambda m: m.pk) for g in GRADES]
    # every ballot rewrote every tally row: no row version singles out the last ballot's grades
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT DISTINCT xmin::text FROM orglife_measurementtally WHERE case_id = %s",
                [case_row.pk],
            )
            assert len(cur.fetchall()) == 1
    # nowhere else: not in the audit trail, the case data, the workflow state or the task rows
    for event in AuditEvent.objects.filter(action="measurement_ballot_cast"):
        assert event.data == {}
    stored = [json.dumps(e.data, ensure_ascii=False) for e in AuditEvent.objects.all()]
    stored += [case_row.state, json.dumps(case_row.data, ensure_ascii=False)]
    stored += [f"{t.name} {t.documentation}" for t in Task.objects.filter(case=case_row)]
    for text in stored:
        assert "basically_qualified" not in text and "基本合格" not in text


def test_the_measurement_closes_only_with_enough_ballots_and_the_history_names_no_voter(
    api, review_branch
):
    rb = review_branch
    sec = api(rb.members[0].user)
    with time_machine.travel(cst(2026, 12, 1, 9), tick=False):
        case = drive_to_measurement(api, rb)
        url = f"/api/cases/{case['id']}/measurement-ballots/"
        task = only_task(sec, "democratic_measurement")
        assert (
            sec.get(f"/api/tasks/{task['id']}/").json()["context"]["ballots_needed"] == 7
        )  # > half of 12, and >= 3
        lone = rb.members[5]
        assert (
            api(lone.user)
            .post(
                url,
                ballot(rb, lambda m: "unqualified" if m == rb.rated[0] else "qualified"),
                format="json",
            )
            .status_code
            == 201
        )
        # One ballot (or six of twelve) would publish tallies that reveal how the voters rated.
        for voters in (1, 6):
            for m in [m for m in rb.members if m != lone][: voters - 1]:
                if not MeasurementVoter.objects.filter(case_id=case["id"], member=m).exists():
                    assert (
                        api(m.user)
                        .post(url, ballot(rb, lambda x: "qualified"), format="json")
                        .status_code
                        == 201
                    )
            r = sec.post(
                f"/api/tasks/{task['id']}/complete/", {"data": {"close": True}}, format="json"
            )
            assert (
                r.status_code == 400
                and r.json()["code"] == "measurement_too_few_ballots"
                and "close" in r.json()["fields"]
            )
            assert "7" in r.json()["message"]
        seventh = [
            m
            for m in rb.members
            if not MeasurementVoter.objects.filter(case_id=case["id"], member=m).exists()
        ][0]
        assert (
            api(seventh.user)
            .post(url, ballot(rb, lambda x: "qualified"), format="json")
            .status_code
            == 201
        )
        complete(sec, task["id"], {"close": True})
    history = sec.get(f"/api/cases/{case['id']}/history/").json()
    cast = [e for e in history if e["action"] == "measurement_ballot_cast"]
    assert len(cast) == 7 and all(
        e["actor_name"] == "system" and not e["actor_roles"] for e in cast
    )
    assert lone.user.username not in json.dumps(cast, ensure_ascii=False)


def _texts_in(response) -> str:
    return response.content.decode()


def test_each_members_self_assessment_is_kept_and_seen_only_by_them_and_the_branch(
    api, review_branch
):
    """Two members submit their self-assessments: both texts are kept, each under its author's
    name for the secretary and the committee; a member reads only their own, in the API task detail
    and the task page (its facts and its history)."""
    rb = review_branch
    sec, committee = api(rb.members[0].user), api(rb.members[1].user)
    a, b, c = rb.members[5], rb.members[6], rb.members[7]
    with time_machine.travel(cst(2026, 12, 10, 9), tick=False):
        case = drive_to_self_assessment(api, rb)
        mine = {m.pk: only_task(api(m.user), "self_assessment")["id"] for m in (a, b, c)}
        complete(api(a.user), mine[a.pk], {"text": "甲的自我评价原文"})
        complete(api(b.user), mine[b.pk], {"text": "乙的自我评价原文"})
        for reader in (sec, committee):
            kept = reader.get(f"/api/cases/{case['id']}/").json()["data"]["self_assessments"]
            assert [(x["member"], x["member_display"], x["text"]) for x in kept] == [
                (a.pk, a.name, "甲的自我评价原文"),
                (b.pk, b.name, "乙的自我评价原文"),
            ]
        history = sec.get(f"/api/cases/{case['id']}/history/")
        assert "甲的自我评价原文" in _texts_in(history) and "乙的自我评价原文" in _texts_in(history)
        # each author sees their own words only; a member who has not written sees nobody's
        for member, own, other in ((a, "甲", "乙"), (b, "乙", "甲"), (c, None, None)):
            detail = api(member.user).get(f"/api/tasks/{mine[member.pk]}/")
            assert detail.status_code == 200
            body = _texts_in(detail)
            assert (other or "甲") + "的自我评价原文" not in body
            if own:
                assert detail.json()["case_data"]["self_assessments"] == [
                    {
                        "member": member.pk,
                        "member_display": member.name,
                        "text": f"{own}的自我评价原文",
                    }
                ]
            else:
                assert "乙的自我评价原文" not in body
                assert detail.json()["case_data"].get("self_assessments", []) == []
            page = login(member.user).get(f"/tasks/{mine[member.pk]}/")
            assert page.status_code == 200
            assert (other or "甲") + "的自我评价原文" not in _texts_in(page)
            if own is None:
                assert "乙的自我评价原文" not in _texts_in(page)
        # a member cannot read the case itself (no scope): not found, alike
        assert api(a.user).get(f"/api/cases/{case['id']}/").status_code == 404
