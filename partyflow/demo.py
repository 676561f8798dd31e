"""The demo university behind `partyflow seed-demo` and `make demo`.

Everything is written through the services (organizations.services, workflows.services), exactly as
the API would: the seed is also a check that the services can build a realistic tree and bring
P2 election cases to every step. Dates are relative to today so the demo never goes stale; the
reminder dates follow the rule set's `election.reminder_lead`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from engine.calendar import CST
from engine.calendar import today as cst_today
from engine.rules import at_least_ceil, strictly_more_than
from organizations.models import (
    BranchKind,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    Role,
    RoleAssignment,
)
from organizations.rules import deployment_rule_set
from organizations.services import (
    member_create,
    member_update,
    organization_create,
    role_assignment_create,
    user_create,
)
from orglife.services import meeting_record
from workflows.models import CaseStatus, TaskStatus, TimerStatus
from workflows.selectors import task_inbox
from workflows.services import case_start, task_complete, timers_run

SCHOOL_NAME = "示范大学党委"
DEMO_PASSWORD = "demo12345"
ADMIN_USERNAME = "admin"

# Users whose inbox is empty by design, and why (printed in the login table).
IDLE_NOTES = {
    "admin": "超级管理员：可查看全部组织和流程，本身不在任何泳道（superuser, no lane）",
    "orgdept": "P2 换届选举没有组织部泳道的任务，待办为空属正常；可查看全校流程",
    "auditor": "审计员只读：可查看全校流程与审计记录，没有待办",
    "member_se": "普通党员：可查看本人和本支部信息，没有待办",
}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
          "霞", "平", "刚", "建华", "文博", "志强", "晓明", "婷", "雪", "鹏", "辉", "宇航", "浩然", "欣怡", "颖", "佳琪", "晨曦"]


def _names():
    """Distinct, deterministic Chinese names."""
    for i in range(len(_SURNAMES) * 3):
        yield _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7 + i // len(_SURNAMES)) % len(_GIVEN)]


@dataclass
class _Branch:
    key: str            # used in usernames: secretary_<key>
    college: str        # "cs" or "marx"
    name: str
    kind: str
    reminder_days: int  # days from today to the term-expiry reminder (negative: already due)
    target: str         # the step the seeded election case waits at
    full: int = 4
    statuses: dict = field(default_factory=dict)  # extra members by status
    suspended: int = 0
    cadres: int = 0
    departments: int = 1
    under_general_branch: bool = False


# target: "timer" (reminder not yet fired) or the element id of the open user task; "returned" is
# submit_request again after the committee sent the request back with a reason.
BRANCHES = [
    _Branch("se", "cs", "软件工程系教工党支部", BranchKind.TEACHING, -45, "submit_request", full=9,
            statuses={MemberStatus.PROBATIONARY: 1}, suspended=1, cadres=2),
    _Branch("cs_stu", "cs", "计算机科学专业学生党支部", BranchKind.STUDENT, -100, "record_vote", full=5,
            statuses={MemberStatus.APPLICANT: 3, MemberStatus.ACTIVIST: 3, MemberStatus.DEVELOPMENT_OBJECT: 2, MemberStatus.PROBATIONARY: 2}),
    _Branch("cs_admin", "cs", "计算机学院行政教辅党支部", BranchKind.ADMIN, -30, "reply_request", full=5, cadres=1),
    _Branch("cs_grad", "cs", "计算机学院研究生第一党支部", BranchKind.STUDENT, -75, "review_candidates", full=5,
            statuses={MemberStatus.PROBATIONARY: 2, MemberStatus.DEVELOPMENT_OBJECT: 1, MemberStatus.ACTIVIST: 1},
            under_general_branch=True),
    _Branch("marx_retired", "marx", "马克思主义学院离退休党支部", BranchKind.RETIRED, -150, "approve_results", full=6),
    _Branch("marx_joint", "marx", "马克思主义学院资料室、实验中心、学院办公室联合党支部", BranchKind.JOINT, -20, "returned",
            full=4, statuses={MemberStatus.PROBATIONARY: 1}, departments=3),
    _Branch("marx_temp", "marx", "马克思主义学院赴新疆支教临时党支部", BranchKind.TEMPORARY, 60, "timer", full=3,
            statuses={MemberStatus.PROBATIONARY: 1}),
    _Branch("marx_teach", "marx", "马克思主义基本原理教研室教工党支部", BranchKind.TEACHING, 400, "timer", full=7,
            statuses={MemberStatus.PROBATIONARY: 1}, suspended=1, cadres=1),
]

COLLEGES = {"cs": "计算机学院党委", "marx": "马克思主义学院党委"}
COLLEGE_SHORT = {"cs": "计院党委", "marx": "马院党委"}
GENERAL_BRANCH_NAME = "计算机学院研究生党总支"
PARTY_GROUP_NAME = "软件工程系教工党支部第一党小组"

# The order of the steps of P2 the seed walks through.
_STEPS = ["submit_request", "reply_request", "nominate_candidates", "review_candidates", "record_vote", "elect_officers", "approve_results"]


def demo_exists() -> bool:
    return Organization.objects.filter(name=SCHOOL_NAME, parent__isnull=True).exists()


def seed_demo(*, today: dt.date | None = None) -> dict:
    """Seed the demo university once; a second call changes nothing.

    Returns {"created": bool, "logins": [row, ...]} where each row has username, password, role,
    role_label, organization, open_tasks (the size of the user's inbox now) and note.
    `today` defaults to today in China Standard Time; pass another date only together with a
    clock moved to it (time_machine), since the reminders fire by the real clock.
    Needs the BPMN deployed (`partyflow deploy-bpmn`)."""
    if demo_exists():
        return {"created": False, "logins": demo_logins()}
    with transaction.atomic():
        _Seeder(today or cst_today()).run()
    return {"created": True, "logins": demo_logins()}


class _Seeder:
    def __init__(self, today: dt.date):
        self.today = today
        self.rules = deployment_rule_set()
        self.names = _names()
        self.count = 0
        self.password_hash = None
        self.users: dict[str, object] = {}
        self.members: dict[str, list[Member]] = {}
        self.branches: dict[str, Organization] = {}

    # --- people --------------------------------------------------------------------------------

    def user(self, username: str, *, member: Member | None = None, first_name: str = "", superuser: bool = False):
        # Hashing is slow on purpose (PBKDF2); every demo user shares one password, so hash it once.
        if self.password_hash is None:
            self.password_hash = make_password(DEMO_PASSWORD)
        user = user_create(
            actor=None, username=username, password_hash=self.password_hash, first_name=member.name if member else first_name,
            is_superuser=superuser, is_staff=superuser,
        )
        if member is not None:
            member_update(actor=None, member=member, user=user)
        self.users[username] = user
        return user

    def member(self, org: Organization, status=MemberStatus.FULL, **fields) -> Member:
        self.count += 1
        if status == MemberStatus.PROBATIONARY:
            fields.setdefault("joined_on", self.today - dt.timedelta(days=100 + self.count))
        elif status == MemberStatus.FULL:
            fields.setdefault("joined_on", self.today - dt.timedelta(days=365 * (2 + self.count % 30) + self.count))
        return member_create(actor=None, organization=org, name=next(self.names), status=status, **fields)

    # --- tree ----------------------------------------------------------------------------------

    def run(self):
        school = organization_create(actor=None, parent=None, name=SCHOOL_NAME, kind=OrgKind.COMMITTEE, has_approval_authority=True)
        colleges = {key: organization_create(actor=None, parent=school, name=name, kind=OrgKind.COMMITTEE, has_approval_authority=True)
                    for key, name in COLLEGES.items()}
        general_branch = organization_create(actor=None, parent=colleges["cs"], name=GENERAL_BRANCH_NAME, kind=OrgKind.GENERAL_BRANCH)

        self.user(ADMIN_USERNAME, first_name="系统管理员", superuser=True)
        role_assignment_create(actor=None, user=self.user("orgdept", first_name="组织部"), role=Role.ORG_DEPARTMENT, organization=school)
        role_assignment_create(actor=None, user=self.user("auditor", first_name="审计员"), role=Role.AUDITOR, organization=school)
        role_assignment_create(actor=None, user=self.user("officer_cs", first_name="计算机学院组织员"), role=Role.COMMITTEE_OFFICER, organization=colleges["cs"])
        role_assignment_create(actor=None, user=self.user("officer_marx", first_name="马克思主义学院组织员"), role=Role.COMMITTEE_OFFICER, organization=colleges["marx"])

        lead = self.rules.get("election.reminder_lead")
        term = self.rules.get("election.term")
        for spec in BRANCHES:
            reminder_day = self.today + dt.timedelta(days=spec.reminder_days)
            term_end = lead.add_to(reminder_day)
            branch = organization_create(actor=None,
                parent=general_branch if spec.under_general_branch else colleges[spec.college], name=spec.name,
                kind=OrgKind.BRANCH, branch_kind=spec.kind, departments=spec.departments,
                term_start=term.add_to(term_end, -1), term_end=term_end,
            )
            self.branches[spec.key] = branch
            people = [self.member(branch, is_leading_cadre=i < spec.cadres) for i in range(spec.full)]
            people += [self.member(branch, rights_suspended=True, suspension_reason="留党察看期间") for _ in range(spec.suspended)]
            for status, n in spec.statuses.items():
                people += [self.member(branch, status=status) for _ in range(n)]
            self.members[spec.key] = people
            # The secretary is the first full member; leading cadres come first, as is common.
            secretary = self.user(f"secretary_{spec.key}", member=people[0])
            role_assignment_create(actor=None, user=secretary, role=Role.BRANCH_SECRETARY, organization=branch, term_start=branch.term_start)

        se = self.branches["se"]
        group = organization_create(actor=None, parent=se, name=PARTY_GROUP_NAME, kind=OrgKind.PARTY_GROUP)
        grouped = [self.member(group), self.member(group), self.member(group, status=MemberStatus.PROBATIONARY)]
        self.members["se"] += grouped
        committee = self.user("committee_se", member=self.members["se"][1])
        role_assignment_create(actor=None, user=committee, role=Role.BRANCH_COMMITTEE, organization=se, term_start=se.term_start)
        plain = self.user("member_se", member=grouped[0])
        role_assignment_create(actor=None, user=plain, role=Role.MEMBER, organization=se)

        self.cases()

    # --- cases ---------------------------------------------------------------------------------

    def cases(self):
        cases = {}
        for spec in BRANCHES:
            branch = self.branches[spec.key]
            cases[spec.key] = case_start(
                actor=None, process_id="branch_election", organization=branch, subject=f"{branch.name}换届选举",
                data={"term_end": branch.term_end.isoformat()}, business_key=f"branch_election:{branch.pk}",
            )
        # Step 0: the reminders whose time has come open the request in the branches' inboxes.
        timers_run()
        for spec in BRANCHES:
            if spec.target != "timer":
                self.advance(spec, cases[spec.key])
        self.development_and_records()

    def development_and_records(self):
        """P1: an applicant of the software-engineering branch whose application was received ten days
        ago, so the talk (due 1 month after it) is in the secretary's inbox. P5: this month's themed
        Party day of the same branch, for the compliance table."""

        se, secretary = self.branches["se"], self.users["secretary_se"]
        person = self.member(se, status=MemberStatus.APPLICANT, birth_date=self.today.replace(year=self.today.year - 20))
        case = case_start(actor=secretary, process_id="member_development", organization=se, subject_member=person)
        applied = self.today - dt.timedelta(days=10)
        self.complete(case, "submit_application", secretary, {"application_date": applied.isoformat(),
                                                               "letter_summary": "志愿加入中国共产党，拥护党的纲领，遵守党的章程。"})
        present = [m.pk for m in self.members["se"] if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)]
        meeting_record(actor=None, organization=se, kind="themed_party_day", held_on=self.today.replace(day=1),
                       title="主题党日：学习党章", attendees=present)

    def advance(self, spec: _Branch, case):
        """Complete the steps of one case, as its secretary and its officer would, up to spec.target."""
        branch, people = self.branches[spec.key], self.members[spec.key]
        secretary, officer = self.users[f"secretary_{spec.key}"], self.users[f"officer_{spec.college}"]
        voters = [m for m in people if m.has_full_rights]
        committee = len(voters) >= self.rules.get("branch.committee_min_full_members")
        seats = 5 if committee else 1
        candidates = voters[:at_least_ceil(Fraction(seats) * (1 + self.rules.get("election.candidate_margin")))]
        if spec.target == "approve_results":
            # The vote was held today: its date may be neither before the request's approval nor
            # after today, and the planned date not in the past.
            election_date = self.today
        else:
            election_date = max(self.today, min(branch.term_end - dt.timedelta(days=10), self.today + dt.timedelta(days=30)))
        # One voter absent when the quorum still holds; the first `seats` candidates win clearly.
        absent = 1 if strictly_more_than(len(voters) - 1, self.rules.get("election.quorum"), len(voters)) else 0
        present = voters[:len(voters) - absent]
        yes = [len(present) - 1] * seats + [1] * (len(candidates) - seats)
        forms = {
            "submit_request": (secretary, {"election_date": election_date.isoformat(), "seats": seats,
                                           "nomination_method": "committee_proposal" if committee else "member_recommendation",
                                           "request_text": f"{branch.name}本届任期将于{branch.term_end:%Y年%m月%d日}届满，拟召开党员大会进行换届选举。"}),
            "reply_request": (officer, {"approved": True, "document_no": f"{COLLEGE_SHORT[spec.college]}〔{self.today.year}〕{10 + len(spec.key)}号"}),
            "nominate_candidates": (secretary, {"candidates": [m.pk for m in candidates], "basis": "支部根据多数党员意见提出"}),
            "review_candidates": (officer, {"approved": True}),
            "record_vote": (secretary, {
                "meeting_date": election_date.isoformat(), "present": [m.pk for m in present],
                "ballots_issued": len(present), "ballots_returned": len(present), "invalid_ballots": 0,
                "votes": [{"candidate": m.pk, "yes": n} for m, n in zip(candidates, yes)],
                "elected": [m.pk for m in candidates[:seats]],
            }),
            "elect_officers": (secretary, {"meeting_date": election_date.isoformat(), "secretary": candidates[0].pk, "deputy": None}),
        }
        if spec.target == "returned":
            self.complete(case, "submit_request", *forms["submit_request"])
            self.complete(case, "reply_request", officer, {"approved": False, "reason": "请补充说明候选人推荐方式和党员大会的组织安排。"})
            return
        for step in _STEPS[:_STEPS.index(spec.target)]:
            self.complete(case, step, *forms[step])

    @staticmethod
    def complete(case, element_id, actor, data):
        task = task_inbox(actor).get(case=case, element_id=element_id)
        task_complete(actor=actor, task=task, data=data)


# --- the login table ---------------------------------------------------------------------------

def demo_logins() -> list[dict]:
    """One row per demo user, with what is in their inbox now."""

    User = get_user_model()
    usernames = [ADMIN_USERNAME, "orgdept", "auditor", "officer_cs", "officer_marx", "committee_se", "member_se"]
    usernames[5:5] = [f"secretary_{b.key}" for b in BRANCHES]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    assignments = {}
    for a in RoleAssignment.objects.filter(user__in=users.values()).select_related("organization").order_by("id"):
        assignments.setdefault(a.user_id, a)
    rows = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        a = assignments.get(user.pk)
        inbox = list(task_inbox(user))
        if inbox:
            note = "；".join(f"{t.case_organization.name}：{t.name}" for t in inbox)
        elif username in IDLE_NOTES:
            note = IDLE_NOTES[username]
        else:
            note = _waiting_note(a.organization if a else None)
        rows.append({
            "username": username, "password": DEMO_PASSWORD,
            "role": "superuser" if user.is_superuser else (a.role if a else ""),
            "role_label": "超级管理员" if user.is_superuser else (str(Role(a.role).label) if a else ""),
            "organization": a.organization.name if a else "—",
            "open_tasks": len(inbox), "note": note,
        })
    return rows


def _waiting_note(org) -> str:
    """Why a branch secretary has nothing to do: who holds the branch's election now, or when its reminder fires."""
    if org is None or org.kind != OrgKind.BRANCH:
        return ""

    case = org.cases.filter(process_id="branch_election", status=CaseStatus.RUNNING).first()
    if case is None:
        return "本支部没有进行中的换届选举"
    task = case.tasks.filter(status=TaskStatus.OPEN).select_related("assignee_organization").first()
    if task is not None:
        return f"等待 {task.assignee_organization.name} 办理：{task.name}"
    timer = case.timers.filter(status=TimerStatus.WAITING).order_by("due_at").first()
    if timer is not None:
        return f"换届提醒将于 {timer.due_at.astimezone(CST):%Y-%m-%d} 发出"
    return ""
