"""P4/P5 rule fidelity (issue 12): founding and dissolution dates bound what is counted; an open
period that can no longer reach its attendance shows at_risk; the committee meeting's quorum counts
committee members; heart-to-heart talks are counted per member; organization checks count Party
members only; committee posts are recorded with role assignments and "committee incomplete" names
the empty post; a committee officer cannot be assigned at a general branch."""

import datetime as dt

import pytest
import time_machine

from engine.rules import get_rule_set
from engine.standards import load_all
from organizations.models import MemberStatus, OrgKind, Role
from organizations.rules import deployment_rule_set
from organizations.selectors import committee_basis
from organizations.services import role_assignment_create
from orglife.services import meeting_record
from oversight.standards import branch_indicators

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..helpers import cst

pytestmark = pytest.mark.django_db


def compliance(client, org, period):
    r = client.get("/api/compliance/", {"organization": org.pk, "period": period})
    assert r.status_code == 200, r.json()
    return {row["name"]: {ob["code"]: ob for ob in row["obligations"]} for row in r.json()}


def identification(client, org):
    r = client.get("/api/branch-identification/", {"organization": org.pk})
    assert r.status_code == 200, r.json()
    return {row["name"]: {s["code"]: s for s in row["signals"]} for row in r.json()}


def test_a_branch_is_not_counted_for_periods_before_its_founding_or_after_its_dissolution(
    api, university
):
    u = university
    new = OrganizationFactory(
        name="新成立党支部", kind=OrgKind.BRANCH, parent=u.college, founded_on=dt.date(2026, 2, 1)
    )
    gone = OrganizationFactory(
        name="已撤销党支部",
        kind=OrgKind.BRANCH,
        parent=u.college,
        dissolved_on=dt.date(2025, 6, 30),
    )
    for branch in (new, gone):
        sec = UserFactory()
        MemberFactory(organization=branch, user=sec)
        role_assignment_create(
            actor=None, user=sec, role=Role.BRANCH_SECRETARY, organization=branch
        )
    officer = api(u.users.officer)
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        year_2025 = compliance(officer, u.college, "2025")
        assert "新成立党支部" not in year_2025
        themed = year_2025["已撤销党支部"]["themed_party_day"]
        assert [p["period"] for p in themed["periods"]] == [f"2025-{m:02d}" for m in range(1, 7)]
        assert [p["period"] for p in year_2025["已撤销党支部"]["dues"]["periods"]] == [
            f"2025-{m:02d}" for m in range(1, 7)
        ]
        q1 = compliance(officer, u.college, "2026-Q1")
        assert "已撤销党支部" not in q1
        assert [p["period"] for p in q1["新成立党支部"]["themed_party_day"]["periods"]] == [
            "2026-02",
            "2026-03",
        ]
        # the branch did not exist for the whole of 2026: the year's quotas do not apply to it
        for code in ("sessions", "study_hours", "heart_to_heart_talk", "democratic_review"):
            assert q1["新成立党支部"][code]["status"] == "not_applicable", code
        assert year_2025["已撤销党支部"]["sessions"]["status"] == "not_applicable"
        found = identification(officer, u.college)
    # Branches A and B kept no records in 2025 and are flagged; the new and the dissolved are not.
    assert "organizational_life_missed" in found["软件工程教工党支部"]
    assert "新成立党支部" not in found and "已撤销党支部" not in found


def test_an_open_year_whose_attendance_can_no_longer_reach_the_minimum_is_at_risk(api, university):
    u = university
    b = u.full_b  # branch B: 5 members
    with time_machine.travel(cst(2026, 11, 15, 9), tick=False):
        for month in range(1, 9):  # 8 sessions, 2 of 5 present at each: 40%
            meeting_record(
                actor=None,
                organization=u.branch_b,
                kind="themed_party_day",
                held_on=dt.date(2026, month, 10),
                title="主题党日",
                attendees=[b[0].pk, b[1].pk],
                absentees=[{"member": m.pk, "reason": "出差"} for m in b[2:]],
            )
        for month in (1, 2):  # branch A: 2 sessions, everyone present
            meeting_record(
                actor=None,
                organization=u.branch_a,
                kind="themed_party_day",
                held_on=dt.date(2026, month, 10),
                title="主题党日",
                attendees=[m.pk for m in [*u.full_a, u.probationary, u.suspended]],
            )
        rows = compliance(api(u.users.officer), u.college, "2026")
    low = rows["计算机学生第一党支部"]["sessions"]
    assert (low["status"], low["periods"][0]["status"], low["periods"][0]["attendance"]) == (
        "at_risk",
        "at_risk",
        40.0,
    )
    assert (
        rows["软件工程教工党支部"]["sessions"]["status"] == "due"
    )  # still reachable: just not done yet


def test_the_committee_meeting_quorum_counts_committee_members_present(api, university):
    """Branch A's committee: sec_a (甲0) and committee_a (甲1). Six ordinary members present with
    the secretary alone are not a quorum of the committee."""
    u = university
    a = u.full_a
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        meeting_record(
            actor=None,
            organization=u.branch_a,
            kind="committee_meeting",
            held_on=dt.date(2025, 1, 10),
            title="支委会（扩大）",
            attendees=[a[0].pk, *[m.pk for m in a[2:8]]],
            absentees=[{"member": a[1].pk, "reason": "病假"}],
        )
        meeting_record(
            actor=None,
            organization=u.branch_a,
            kind="committee_meeting",
            held_on=dt.date(2025, 2, 10),
            title="支委会",
            attendees=[a[0].pk, a[1].pk],
        )
        obs = compliance(api(u.users.officer), u.college, "2025-Q1")["软件工程教工党支部"]
    assert [
        (p["period"], p["status"], p["count"]) for p in obs["committee_meeting"]["periods"]
    ] == [("2025-01", "missed", 0), ("2025-02", "met", 1), ("2025-03", "missed", 0)]


def test_heart_to_heart_talks_are_counted_per_member(api, university):
    u = university
    b = u.full_b
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        for day in (
            dt.date(2025, 3, 5),
            dt.date(2025, 9, 5),
        ):  # two talks, both with the same two members
            meeting_record(
                actor=None,
                organization=u.branch_b,
                kind="heart_to_heart_talk",
                held_on=day,
                title="谈心谈话",
                attendees=[b[0].pk, b[1].pk],
            )
        meeting_record(
            actor=None,
            organization=u.branch_b,
            kind="heart_to_heart_talk",
            held_on=dt.date(2025, 10, 5),
            title="谈心谈话",
            attendees=[b[0].pk, b[2].pk],
        )
        talks = compliance(api(u.users.officer), u.college, "2025")["计算机学生第一党支部"][
            "heart_to_heart_talk"
        ]
    assert talks["status"] == "missed" and talks["frequency"] == "每名党员每年至少2次"
    period = talks["periods"][0]
    assert (period["members"], period["met"], period["required"]) == (5, 2, 2)
    assert [(s["name"], s["count"]) for s in period["short"]] == [
        ("丁2", 1),
        ("丁3", 0),
        ("丁4", 0),
    ]


def test_organization_checks_count_party_members_only(api, university):
    u = university
    branch = OrganizationFactory(name="大支部", kind=OrgKind.BRANCH, parent=u.college)
    for i in range(25):
        MemberFactory(organization=branch, name=f"正{i}")
    for status in (
        [MemberStatus.ACTIVIST] * 6 + [MemberStatus.APPLICANT] * 4 + [MemberStatus.REMOVED] * 3
    ):
        MemberFactory(organization=branch, status=status)
    group = OrganizationFactory(name="第一党小组", kind=OrgKind.PARTY_GROUP, parent=branch)
    MemberFactory(organization=group, name="组员甲")
    MemberFactory(organization=group, name="组员乙", status=MemberStatus.PROBATIONARY)
    for status in (MemberStatus.ACTIVIST, MemberStatus.APPLICANT, MemberStatus.WITHDRAWN):
        MemberFactory(organization=group, status=status)
    orgdept = api(u.users.orgdept)
    # 27 Party members in the branch and its group (plus 16 others): under the 30-member warning.
    assert [w["code"] for w in orgdept.get(f"/api/organizations/{branch.pk}/checks/").json()] == []
    # the group has 2 Party members (3 others do not count): too small
    assert [w["code"] for w in orgdept.get(f"/api/organizations/{group.pk}/checks/").json()] == [
        "party_group_too_small"
    ]
    for i in range(4):
        MemberFactory(organization=branch, name=f"新{i}", status=MemberStatus.PROBATIONARY)
    assert [w["code"] for w in orgdept.get(f"/api/organizations/{branch.pk}/checks/").json()] == [
        "branch_too_large"
    ]


def test_committee_posts_are_recorded_through_the_roles_api_and_refused_where_they_do_not_apply(
    api, university
):
    u = university
    orgdept = api(u.users.orgdept)
    user = UserFactory(username="org_member")
    r = orgdept.post(
        "/api/role-assignments/",
        {
            "user": user.pk,
            "role": "branch_committee",
            "organization": u.branch_a.pk,
            "post": "organization",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert (r.json()["post"], r.json()["post_display"]) == ("organization", "组织委员")
    r = orgdept.post(
        "/api/role-assignments/",
        {"user": user.pk, "role": "branch_secretary", "organization": u.branch_b.pk},
        format="json",
    )
    assert (r.status_code, r.json()["post"], r.json()["post_display"]) == (201, "secretary", "书记")
    r = orgdept.post(
        "/api/role-assignments/",
        {"user": user.pk, "role": "member", "organization": u.branch_a.pk, "post": "propaganda"},
        format="json",
    )
    assert (
        r.status_code == 400
        and r.json()["code"] == "post_not_applicable"
        and "post" in r.json()["fields"]
    )
    r = orgdept.post(
        "/api/role-assignments/",
        {
            "user": user.pk,
            "role": "branch_deputy_secretary",
            "organization": u.branch_a.pk,
            "post": "discipline",
        },
        format="json",
    )
    assert (
        r.status_code == 400
        and r.json()["code"] == "post_not_for_role"
        and "post" in r.json()["fields"]
    )


def test_a_committee_officer_cannot_be_assigned_at_a_general_branch(api, university):
    u = university
    general = OrganizationFactory(name="机关党总支", kind=OrgKind.GENERAL_BRANCH, parent=u.college)
    orgdept = api(u.users.orgdept)
    for org in (general, u.branch_a):
        r = orgdept.post(
            "/api/role-assignments/",
            {"user": u.users.member_a.pk, "role": "committee_officer", "organization": org.pk},
            format="json",
        )
        assert (
            r.status_code == 400
            and r.json()["code"] == "officer_needs_committee"
            and "organization" in r.json()["fields"]
        )
    r = orgdept.post(
        "/api/role-assignments/",
        {"user": u.users.member_a.pk, "role": "committee_officer", "organization": u.college.pk},
        format="json",
    )
    assert r.status_code == 201


def test_committee_incomplete_compares_holders_with_the_elected_seats_and_names_the_empty_post(
    api, university
):
    """Branch A elected five for its term from 2024-01-10: secretary, a committee member and three
    posts. The propaganda member left in 2025: four holders are still a committee of more than
    three, but one elected seat is empty."""
    u = university
    orgdept = api(u.users.orgdept)
    ids = {}
    for post in ("organization", "propaganda", "discipline"):
        r = orgdept.post(
            "/api/role-assignments/",
            {
                "user": UserFactory(username=f"u_{post}").pk,
                "role": "branch_committee",
                "organization": u.branch_a.pk,
                "post": post,
                "term_start": "2024-01-10",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        ids[post] = r.json()["id"]
    r = orgdept.patch(
        f"/api/role-assignments/{ids['propaganda']}/", {"term_end": "2025-06-30"}, format="json"
    )
    assert r.status_code == 200, r.json()
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        signal = identification(api(u.users.officer), u.college)["软件工程教工党支部"][
            "committee_incomplete"
        ]
    evidence = signal["evidence"]
    assert (evidence["seats"], evidence["committee_members"]) == (5, 4)
    assert [
        (p["post"], p["post_display"], p["last_holder"], p["left_on"])
        for p in evidence["empty_posts"]
    ] == [("propaganda", "宣传委员", "u_propaganda", "2025-06-30")]
    assert sorted(h["post"] for h in evidence["holders"]) == [
        "discipline",
        "member",
        "organization",
        "secretary",
    ]
    # the post filled again: the committee is complete
    r = orgdept.post(
        "/api/role-assignments/",
        {
            "user": UserFactory(username="u_new").pk,
            "role": "branch_committee",
            "organization": u.branch_a.pk,
            "post": "propaganda",
            "term_start": "2025-07-15",
        },
        format="json",
    )
    assert r.status_code == 201
    with time_machine.travel(cst(2026, 3, 1, 9), tick=False):
        assert "committee_incomplete" not in identification(api(u.users.officer), u.college).get(
            "软件工程教工党支部", {}
        )


def test_a_branch_whose_full_members_are_partly_in_its_party_groups_has_a_committee_everywhere(
    api, university
):
    """One definition of "has a committee" (organizations.selectors.committee_basis): full members
    with rights intact in the branch and its Party groups, as P2 counts voters. Identification
    counted only the branch's own members before, so this branch (4 + 3 full members) was not
    flagged although compliance, the standards and P2 all saw a committee."""
    u = university
    branch = OrganizationFactory(
        name="组内党员支部",
        kind=OrgKind.BRANCH,
        parent=u.college,
        term_start=dt.date(2025, 1, 1),
        term_end=dt.date(2028, 1, 1),
    )
    group = OrganizationFactory(name="第一党小组", kind=OrgKind.PARTY_GROUP, parent=branch)
    for i in range(4):
        MemberFactory(organization=branch, name=f"支{i}")
    for i in range(3):
        MemberFactory(organization=group, name=f"组{i}")
    # Not counted: a suspended full member, a probationary member (both in the group).
    MemberFactory(organization=group, name="停权", rights_suspended=True)
    MemberFactory(organization=group, name="预备", status=MemberStatus.PROBATIONARY)
    role_assignment_create(
        actor=None,
        user=UserFactory(username="sec_group_branch"),
        role=Role.BRANCH_SECRETARY,
        organization=branch,
        term_start=dt.date(2025, 1, 1),
    )
    officer = api(u.users.officer)
    with time_machine.travel(cst(2026, 3, 2, 9), tick=False):
        signals = identification(officer, u.college)["组内党员支部"]
        obligations = compliance(officer, u.college, "2026")["组内党员支部"]
    incomplete = signals["committee_incomplete"]["evidence"]
    assert (incomplete["full_members"], incomplete["committee_members"]) == (7, 1)
    assert incomplete["required"] == 3
    assert "committee_meeting" in obligations
    indicator = branch_indicators(
        [branch],
        load_all()["jsnu-2020"],
        year=2025,
        rules=deployment_rule_set(),
        on=dt.date(2026, 3, 1),
    )[branch.pk]["jsnu.leadership.team.2"]
    period = indicator["periods"][0]
    assert (period["full_members"], period["count"], period["required"]) == (7, 1, 3)
    assert committee_basis([branch], get_rule_set("cpc-2014"))[branch.pk] == (7, True)
