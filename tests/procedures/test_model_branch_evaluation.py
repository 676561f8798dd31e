"""P6 evaluation of model service-oriented branches through the API on a round of three branches of
one college, evaluated on 2025 against the JSNU 六好 standard:

- A keeps every record the measurable items need (lessons and themed days each semester, 8 sessions
  at full attendance, the secretary's trainings and lesson, pairings, volunteer service every
  quarter, a democratic review) and is designated;
- B misses the attendance target and the autumn semester's themed Party day and gets feedback naming
  exactly those items;
- C is under remediation (P4 running) and cannot be designated.
One of A's items is sent back once; the survey stores only tallies; the matrix agrees with the
records.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from openpyxl import load_workbook

from organizations.models import OrgKind, Role
from organizations.services import member_update, role_assignment_create
from orglife.models import SatisfactionSurvey
from orglife.services import (
    meeting_record,
    pairing_record,
    training_record,
    volunteer_service_record,
)
from workflows.models import AuditEvent, Case, CaseStatus
from workflows.services import case_start

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..helpers import assert_round_trip, complete, cst, inbox, only_task
from ..printing.helpers import docx_text
from ..web.conftest import login as login_page
from .evaluation_helpers import JSNU, self_assessment, upload

pytestmark = pytest.mark.django_db
SPRING, AUTUMN = dt.date(2025, 3, 10), dt.date(2025, 10, 10)
ORG_LIFE_ITEM, THEMED_DAY_ITEM, RULES_ITEM = (
    "jsnu.team.management.4",
    "jsnu.carrier.activities.3",
    "jsnu.leadership.team.3",
)


def keep_records(
    sec_user, branch, members, secretary, committee, *, absent_per_session=0, autumn_themed_day=True
):
    """A year of records: 9 sessions (4 general meetings, a lesson given by the secretary and a
    themed day each semester, a democratic-review meeting), trainings, pairings, quarterly
    volunteering."""
    ids = [m.pk for m in members]

    def session(kind, day, **kw):
        absent = ids[:absent_per_session]
        meeting_record(
            actor=sec_user,
            organization=branch,
            kind=kind,
            held_on=day,
            title=f"{kind} {day}",
            attendees=[i for i in ids if i not in absent],
            absentees=[{"member": i, "reason": "出差"} for i in absent],
            **kw,
        )

    for month in (1, 4, 7, 12):
        session("general_meeting", dt.date(2025, month, 20))
    session("party_lesson", SPRING, lecturer=secretary.pk, hours=2)
    session("party_lesson", AUTUMN, lecturer=secretary.pk, hours=2)
    session("themed_party_day", dt.date(2025, 4, 5))
    if autumn_themed_day:
        session("themed_party_day", dt.date(2025, 11, 5))
    session("democratic_review_meeting", dt.date(2025, 12, 10))
    for day in (dt.date(2025, 5, 1), dt.date(2025, 10, 20)):
        training_record(
            actor=sec_user,
            organization=branch,
            member=secretary.pk,
            attended_on=day,
            kind="secretary_training",
            title="支部书记服务能力培训",
            hours=8,
        )
    for m in committee:
        for n in range(2):
            pairing_record(
                actor=sec_user,
                organization=branch,
                member=m.pk,
                partner_name=f"{m.name}联系学生{n}",
                partner_kind="student",
                started_on=dt.date(2025, 1, 5),
            )
    for m in members:
        for month in (2, 5, 8, 11):
            volunteer_service_record(
                actor=sec_user,
                organization=branch,
                member=m.pk,
                served_on=dt.date(2025, month, 15),
                hours=2,
                activity="社区志愿服务",
            )


@pytest.fixture
def round_of_three(university):
    u = university
    # A: 9 full members need a committee of at least 3: the secretary, committee_a and one more.
    extra = UserFactory(username="committee_a2")
    member_update(actor=None, member=u.full_a[2], user=extra)
    role_assignment_create(
        actor=None,
        user=extra,
        role=Role.BRANCH_COMMITTEE,
        organization=u.branch_a,
        term_start=dt.date(2024, 1, 10),
    )
    # B: its secretary is one of its 5 members (no committee needed below 7 full members).
    member_update(actor=None, member=u.full_b[0], user=u.users.sec_b)
    branch_c = OrganizationFactory(
        name="计算机学生第二党支部",
        kind=OrgKind.BRANCH,
        parent=u.college,
        branch_kind="student",
        term_start=dt.date(2024, 3, 1),
        term_end=dt.date(2027, 3, 1),
    )
    sec_c = UserFactory(username="sec_c")
    MemberFactory(organization=branch_c, name="己0", user=sec_c)
    for i in range(1, 4):
        MemberFactory(organization=branch_c, name=f"己{i}")
    role_assignment_create(
        actor=None, user=sec_c, role=Role.BRANCH_SECRETARY, organization=branch_c
    )
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        members_a = [*u.full_a, u.probationary, u.suspended]
        keep_records(u.users.sec_a, u.branch_a, members_a, u.full_a[0], u.full_a[:3])
        keep_records(
            u.users.sec_b,
            u.branch_b,
            u.full_b,
            u.full_b[0],
            u.full_b[:1],
            absent_per_session=1,
            autumn_themed_day=False,
        )
        remediation = case_start(
            actor=u.users.officer, process_id="weak_branch_remediation", organization=branch_c
        )
        election = case_start(
            actor=u.users.sec_a, process_id="branch_election", organization=u.branch_a
        )
        election_b = case_start(
            actor=u.users.sec_b, process_id="branch_election", organization=u.branch_b
        )
    return SimpleNamespace(
        u=u,
        a=u.branch_a,
        b=u.branch_b,
        c=branch_c,
        sec_c=sec_c,
        remediation=remediation,
        election=election,
        election_b=election_b,
    )


def test_round_designates_a_branch_meeting_every_indicator_and_refuses_one_under_remediation(
    api, client, round_of_three
):
    r3, u = round_of_three, round_of_three.u
    officer, orgdept = api(u.users.officer), api(u.users.orgdept)
    sec_a, sec_b, sec_c = api(u.users.sec_a), api(u.users.sec_b), api(r3.sec_c)

    with time_machine.travel(cst(2026, 3, 10, 9), tick=False):
        doc_a = upload(sec_a, r3.election.pk, "换届选举工作方案.pdf")
        doc_b = upload(sec_b, r3.election_b.pk, "支部换届材料.pdf")
        # Only the approving committee opens a round, over branches of its own subtree.
        refused = sec_a.post(
            "/api/cases/",
            {
                "process": "model_branch_evaluation",
                "organization": r3.a.pk,
                "data": {"standard_set": "jsnu-2020", "year": 2025, "branches": [r3.a.pk]},
            },
            format="json",
        )
        assert refused.status_code == 400 and refused.json()["code"] == "evaluation_needs_committee"
        bad_set = officer.post(
            "/api/cases/",
            {
                "process": "model_branch_evaluation",
                "organization": u.college.pk,
                "data": {"standard_set": "no-such-set", "year": 2025, "branches": [r3.a.pk]},
            },
            format="json",
        )
        assert bad_set.status_code == 400 and bad_set.json()["fields"] == {
            "data.standard_set": ["未知的标准集"]
        }
        r = officer.post(
            "/api/cases/",
            {
                "process": "model_branch_evaluation",
                "organization": u.college.pk,
                "data": {
                    "standard_set": "jsnu-2020",
                    "year": 2025,
                    "branches": [r3.a.pk, r3.b.pk, r3.c.pk],
                },
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        case_id = r.json()["id"]
        assert_round_trip(case_id)
        # No 考评结果表 before the school committee has decided.
        result_url = f"/api/cases/{case_id}/documents/generate/evaluation_result/"
        body = officer.get(result_url, {"branch": r3.a.pk}).json()
        assert body["code"] == "document_not_ready"

        # Each branch's self-assessment is in its own committee's inbox, due from the rule set: the
        # deadline ends at 24:00 of its last day, 2026-04-10.
        task_a = only_task(sec_a, "self_assessment")
        assert task_a["due_at"] == "2026-04-11T00:00:00+08:00"
        assert [t["element_id"] for t in inbox(officer, process="model_branch_evaluation")] == []
        detail = sec_a.get(f"/api/tasks/{task_a['id']}/").json()["context"]
        measurable = [i.code for i in JSNU.items if i.indicator]
        assert {code: detail["indicators"][code]["status"] for code in measurable} == {
            code: "met" for code in measurable if code != "jsnu.results.satisfaction.2"
        } | {"jsnu.results.satisfaction.2": "no_evidence"}
        assert detail["indicators"][ORG_LIFE_ITEM]["periods"][0] | {"records": None} == {
            "period": "2025",
            "period_display": "2025年度",
            "start": "2025-01-01",
            "end": "2025-12-31",
            "status": "met",
            "count": 9,
            "required": 8,
            "attendance": 100.0,
            "attendance_required": 90.0,
            "records": None,
        }
        assert doc_a in [d["id"] for d in detail["documents"]] and doc_b not in [
            d["id"] for d in detail["documents"]
        ]

        detail_b = sec_b.get(f"/api/tasks/{only_task(sec_b, 'self_assessment')['id']}/").json()[
            "context"
        ]
        assert detail_b["indicators"][ORG_LIFE_ITEM]["periods"][0]["attendance"] == 80.0
        assert [
            (p["period"], p["period_display"], p["status"])
            for p in detail_b["indicators"][THEMED_DAY_ITEM]["periods"]
        ] == [
            ("2025-spring", "2025年春季学期", "met"),
            ("2025-autumn", "2025年秋季学期", "not_met"),
        ]

        # Evidence is linked from the branch's own cases: another branch's document is refused,
        # nothing changes.
        body = complete(sec_a, task_a["id"], self_assessment({RULES_ITEM: [doc_b]}), status=400)
        assert body["code"] == "document_not_of_branch"
        missing = self_assessment()
        missing["standards"].pop()
        assert complete(sec_a, task_a["id"], missing, status=400)["code"] == "standards_missing"
        assert_round_trip(case_id)
        complete(sec_a, task_a["id"], self_assessment({"jsnu.leadership.team.1": [doc_a]}))
        complete(
            sec_b,
            only_task(sec_b, "self_assessment")["id"],
            self_assessment({"jsnu.leadership.team.1": [doc_b]}),
        )
        complete(sec_c, only_task(sec_c, "self_assessment")["id"], self_assessment())
        assert_round_trip(case_id)

        # College review: A's rules item is insufficient and sent back once.
        review = only_task(officer, "college_review")
        reviews = [
            {
                "branch": r3.a.pk,
                "insufficient": [{"item": RULES_ITEM, "comment": "请补充支部规章制度文本"}],
            },
            {"branch": r3.b.pk},
            {"branch": r3.c.pk},
        ]
        complete(officer, review["id"], {"reviews": reviews, "send_back": True})
        assert_round_trip(case_id)
        completion = only_task(sec_a, "complete_items")
        assert inbox(sec_b, process="model_branch_evaluation") == []
        ctx = sec_a.get(f"/api/tasks/{completion['id']}/").json()["context"]
        assert [i["item"] for i in ctx["sent_back"]] == [RULES_ITEM]
        assert (
            complete(
                sec_a,
                completion["id"],
                {"items": [{"item": THEMED_DAY_ITEM, "note": "x"}]},
                status=400,
            )["code"]
            == "item_not_sent_back"
        )
        complete(
            sec_a,
            completion["id"],
            {"items": [{"item": RULES_ITEM, "note": "已补充规章制度", "document_ids": [doc_a]}]},
        )
        review = only_task(officer, "college_review")
        assert (
            complete(officer, review["id"], {"reviews": reviews, "send_back": True}, status=400)[
                "code"
            ]
            == "already_sent_back"
        )
        complete(
            officer,
            review["id"],
            {"reviews": [{"branch": r3.a.pk}, {"branch": r3.b.pk}, {"branch": r3.c.pk}]},
        )
        assert_round_trip(case_id)

        # The survey: tallies only, at least survey.min_ballots each.
        survey = only_task(officer, "record_survey")
        tallies_ok = {
            "very_satisfied": 12,
            "satisfied": 6,
            "basically_satisfied": 1,
            "dissatisfied": 1,
        }
        few = [
            {"branch": b.pk, "surveyed_on": "2026-03-10", "tallies": {"satisfied": 3}}
            for b in (r3.a, r3.b, r3.c)
        ]
        body = complete(officer, survey["id"], {"surveys": few}, status=400)
        assert (body["code"], list(body["fields"])) == (
            "survey_too_few_ballots",
            ["surveys.0.tallies"],
        )
        complete(
            officer,
            survey["id"],
            {
                "surveys": [
                    {"branch": b.pk, "surveyed_on": "2026-03-10", "tallies": tallies_ok}
                    for b in (r3.a, r3.b, r3.c)
                ]
            },
        )
        stored = SatisfactionSurvey.objects.filter(case_id=case_id).order_by("organization_id")
        assert [(s.organization_id, s.ballots, s.very_satisfied) for s in stored] == [
            (r3.a.pk, 20, 12),
            (r3.b.pk, 20, 12),
            (r3.c.pk, 20, 12),
        ]
        assert {f.name for f in SatisfactionSurvey._meta.get_fields()}.isdisjoint(
            {"member", "voter", "respondent", "user"}
        )
        assert_round_trip(case_id)

        # The school committee: C cannot be designated while its remediation runs.
        decision = only_task(orgdept, "school_decision")
        ctx = orgdept.get(f"/api/tasks/{decision['id']}/").json()["context"]
        assert [(b["name"], b["under_remediation"]) for b in ctx["branches"]] == [
            (r3.a.name, False),
            (r3.b.name, False),
            (r3.c.name, True),
        ]
        assert ctx["branches"][0]["indicators"]["jsnu.results.satisfaction.2"]["status"] == "met"
        decisions = [
            {"branch": r3.a.pk, "decision": "designate"},
            {"branch": r3.b.pk, "decision": "feedback"},
            {"branch": r3.c.pk, "decision": "designate"},
        ]
        body = complete(
            orgdept,
            decision["id"],
            {"decided_on": "2026-03-10", "decisions": decisions},
            status=400,
        )
        assert (body["code"], body["fields"]) == (
            "branch_under_remediation",
            {"decisions.2.decision": ["整顿中的党支部不能确定为示范点"]},
        )
        assert_round_trip(case_id)
        decisions[2]["decision"] = "feedback"
        complete(
            orgdept,
            decision["id"],
            {
                "decided_on": "2026-03-10",
                "document_no": "校党委〔2026〕8号",
                "decisions": decisions,
            },
        )
        assert_round_trip(case_id)

    case = Case.objects.get(pk=case_id)
    assert case.status == CaseStatus.COMPLETED
    results = {r["branch"]: r for r in case.data["results"]}
    assert results[r3.a.pk]["decision"] == "designate"
    assert results[r3.a.pk]["title"] == {
        "name": "服务型党支部示范点",
        "from": "2026-03-10",
        "until": "2028-03-10",
    }
    missed_b = {
        i["item"] for i in results[r3.b.pk]["improve"] if i["reason"] == "indicator_not_met"
    }
    assert missed_b == {ORG_LIFE_ITEM, THEMED_DAY_ITEM}
    assert results[r3.c.pk]["decision"] == "feedback"
    published = AuditEvent.objects.filter(
        action__in=["model_branch_designated", "model_branch_feedback_given"]
    ).order_by("organization_id")
    assert [(e.organization_id, e.action) for e in published] == [
        (r3.a.pk, "model_branch_designated"),
        (r3.b.pk, "model_branch_feedback_given"),
        (r3.c.pk, "model_branch_feedback_given"),
    ]

    # Published: the branch sees its own result; the college sees the list of model branches.
    with time_machine.travel(cst(2026, 3, 21, 9), tick=False):
        own = sec_b.get("/api/model-branches/", {"organization": r3.b.pk}).json()
        assert [(r["name"], r["decision_label"]) for r in own] == [(r3.b.name, "反馈改进")]
        assert {i["item"] for i in own[0]["improve"] if i["reason"] == "indicator_not_met"} == {
            ORG_LIFE_ITEM,
            THEMED_DAY_ITEM,
        }
        listed = officer.get("/api/model-branches/", {"organization": u.college.pk}).json()
        assert [(r["name"], r["in_force"]) for r in listed if r["decision"] == "designate"] == [
            (r3.a.name, True)
        ]
        assert sec_b.get("/api/model-branches/", {"organization": r3.a.pk}).status_code == 404

    # The 考评结果表 prints one branch of the round: A's reads its designation, its period and the
    # decision's document number; the case page links one per branch.
    with time_machine.travel(cst(2026, 3, 21, 9), tick=False):
        body = officer.get(result_url).json()
        assert (body["code"], list(body["fields"])) == ("branch_required", ["branch"])
        body = officer.get(result_url, {"branch": 999999}).json()
        assert (body["code"], body["fields"]) == (
            "branch_not_in_round",
            {"branch": ["不在本轮评估中"]},
        )
        printed = officer.get(result_url, {"branch": r3.a.pk, "format": "docx"})
        assert printed.status_code == 200
        text = docx_text(printed.content)
        assert "评审结论：确定为服务型党支部示范点，有效期自2026年3月10日至2028年3月10日" in text
        assert "评审日期：2026年3月10日　　　文号：校党委〔2026〕8号" in text
        client.force_login(u.users.officer)
        page = client.get(f"/cases/{case_id}/").content.decode()
        for b in (r3.a, r3.b, r3.c):
            assert f"evaluation_result/?format=pdf&amp;branch={b.pk}" in page
            assert f"服务型党支部示范点考评结果表（{b.name}）" in page

    # The matrix agrees with the records: A meets every measured standard, B misses exactly two.
    with time_machine.travel(cst(2026, 3, 21, 9), tick=False):
        r = officer.get(
            "/api/standards/matrix/",
            {"organization": u.college.pk, "period": "2025", "standard_set": "jsnu-2020"},
        )
        assert r.status_code == 200, r.json()
        rows = {
            b["organization"]: {c["standard"]: c for c in b["cells"]} for b in r.json()["branches"]
        }
        measured = {s.code for s in JSNU.standards if s.measurable}
        assert {code: c["status"] for code, c in rows[r3.a.pk].items() if code in measured} == {
            code: "met" for code in measured
        }
        assert {
            code for code, c in rows[r3.b.pk].items() if c["status"] != "met" and code in measured
        } == {"jsnu.team.management", "jsnu.carrier.activities"}
        assert rows[r3.b.pk]["jsnu.team.management"]["status"] == "not_met"
        assert rows[r3.a.pk]["jsnu.leadership.plan"]["status"] == "no_evidence"  # judgement-only
        # The judgement-only item completed after the send-back was accepted: met, with its file.
        team = rows[r3.a.pk]["jsnu.leadership.team"]
        rules_item = next(i for i in team["judgement_only"] if i["item"] == RULES_ITEM)
        assert (team["status"], rules_item["status"]) == ("met", "met")
        assert [d["id"] for d in rules_item["documents"]] == [doc_a]
        assert [(d["item"], d["label"]) for d in team["documents"]] == [
            ("jsnu.leadership.team.1", "换届选举工作方案.pdf"),
            (RULES_ITEM, "换届选举工作方案.pdf"),
        ]
        sessions = rows[r3.b.pk]["jsnu.team.management"]["items"][0]
        assert (sessions["periods"][0]["count"], sessions["periods"][0]["attendance"]) == (8, 80.0)
        assert all(rec["present"] == 4 and rec["due"] == 5 for rec in sessions["records"])
        themed = rows[r3.b.pk]["jsnu.carrier.activities"]["items"][0]
        assert [rec["date"] for rec in themed["records"]] == ["2025-04-05"]
        # Out of scope answers like a missing organization.
        assert (
            sec_b.get(
                "/api/standards/matrix/", {"organization": r3.a.pk, "period": "2025"}
            ).status_code
            == 404
        )
        export = officer.get(
            "/api/standards/matrix/export/", {"organization": u.college.pk, "period": "2025"}
        )
        assert export.status_code == 200
        ws = load_workbook(__import__("io").BytesIO(export.content)).active
        header = [c.value for c in ws[1]]
        row_b = next(r for r in ws.iter_rows(values_only=True) if r[0] == r3.b.name)
        assert (
            row_b[header.index("管理严格规范")] == "未达标"
            and row_b[header.index("书记精干高效")] == "达标"
        )


def test_low_satisfaction_is_a_weak_branch_signal(api, round_of_three):
    r3, u = round_of_three, round_of_three.u
    officer = api(u.users.officer)
    with time_machine.travel(cst(2025, 12, 20, 9), tick=False):
        r = api(u.users.sec_b).post(
            "/api/satisfaction-surveys/",
            {
                "organization": r3.b.pk,
                "surveyed_on": "2025-12-20",
                "tallies": {"satisfied": 7, "dissatisfied": 3},
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        assert (r.json()["ballots"], r.json()["organization_name"]) == (10, r3.b.name)
    with time_machine.travel(cst(2026, 1, 5, 9), tick=False):
        rows = officer.get("/api/branch-identification/", {"organization": u.college.pk}).json()
        signal = next(
            s
            for row in rows
            if row["organization"] == r3.b.pk
            for s in row["signals"]
            if s["code"] == "low_satisfaction"
        )
        assert (signal["label"], signal["evidence"]["rate"], signal["evidence"]["required"]) == (
            "群众满意度低",
            70.0,
            90.0,
        )
        assert not any(
            s["code"] == "low_satisfaction"
            for row in rows
            if row["organization"] == r3.a.pk
            for s in row["signals"]
        )


def test_a_branchs_self_assessment_and_review_are_seen_by_the_college_not_by_another_branch(
    api, round_of_three
):
    """Per-branch steps of a college's round: each branch's self-assessment is kept beside the
    others for the college; a branch committee, reading its own task, sees its branch's entries
    only (not another branch's statements, nor the college's comments on another branch)."""
    r3, u = round_of_three, round_of_three.u
    officer, sec_a, sec_b = api(u.users.officer), api(u.users.sec_a), api(u.users.sec_b)
    with time_machine.travel(cst(2026, 3, 10, 9), tick=False):
        r = officer.post(
            "/api/cases/",
            {
                "process": "model_branch_evaluation",
                "organization": u.college.pk,
                "data": {"standard_set": "jsnu-2020", "year": 2025, "branches": [r3.a.pk, r3.b.pk]},
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        case_id = r.json()["id"]
        task_a, task_b = only_task(sec_a, "self_assessment"), only_task(sec_b, "self_assessment")
        own_a, own_b = self_assessment(), self_assessment()
        own_a["standards"][0]["statement"] = "甲支部的自评陈述"
        own_b["standards"][0]["statement"] = "乙支部的自评陈述"
        complete(sec_a, task_a["id"], own_a)
        complete(sec_b, task_b["id"], own_b)
        kept = officer.get(f"/api/cases/{case_id}/").json()["data"]["self_assessments"]
        assert [(x["branch"], x["standards"][0]["statement"]) for x in kept] == [
            (r3.a.pk, "甲支部的自评陈述"),
            (r3.b.pk, "乙支部的自评陈述"),
        ]
        for client, task, own, other in ((sec_a, task_a, "甲", "乙"), (sec_b, task_b, "乙", "甲")):
            body = client.get(f"/api/tasks/{task['id']}/").content.decode()
            assert f"{own}支部的自评陈述" in body and f"{other}支部的自评陈述" not in body
        complete(
            officer,
            only_task(officer, "college_review")["id"],
            {
                "reviews": [
                    {
                        "branch": r3.a.pk,
                        "insufficient": [{"item": RULES_ITEM, "comment": "甲支部须补充规章制度"}],
                    },
                    {
                        "branch": r3.b.pk,
                        "insufficient": [{"item": RULES_ITEM, "comment": "乙支部须补充规章制度"}],
                    },
                ],
                "send_back": True,
            },
        )
        for client, own, other in ((sec_a, "甲", "乙"), (sec_b, "乙", "甲")):
            task = only_task(client, "complete_items")
            body = client.get(f"/api/tasks/{task['id']}/").content.decode()
            assert f"{own}支部须补充规章制度" in body and f"{other}支部须补充规章制度" not in body
            page = login_page(client_user(u, client is sec_a)).get(f"/tasks/{task['id']}/")
            assert page.status_code == 200
            assert f"{other}支部须补充规章制度" not in page.content.decode()
            assert f"{other}支部的自评陈述" not in page.content.decode()


def client_user(u, is_a):
    return u.users.sec_a if is_a else u.users.sec_b
