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

import time_machine
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from engine.calendar import CST
from engine.calendar import today as cst_today
from engine.rules import at_least_ceil, strictly_more_than
from notifications.services import alerts_raise
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
from procedures.democratic_review import measurement_ballot_cast, participants
from procedures.member_development.services import obligation_submit
from workflows.models import Case, CaseStatus, TaskStatus, TimerStatus
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
    "member_se": "普通党员：可查看本人和本支部信息；民主评议时个人自评在本人待办中",
}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "建华",
    "文博",
    "志强",
    "晓明",
    "婷",
    "雪",
    "鹏",
    "辉",
    "宇航",
    "浩然",
    "欣怡",
    "颖",
    "佳琪",
    "晨曦",
]


def _names():
    """Distinct, deterministic Chinese names."""
    for i in range(len(_SURNAMES) * 3):
        yield _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i * 7 + i // len(_SURNAMES)) % len(_GIVEN)]


@dataclass
class _Branch:
    key: str  # used in usernames: secretary_<key>
    college: str  # "cs" or "marx"
    name: str
    kind: str
    reminder_days: int  # days from today to the term-expiry reminder (negative: already due)
    target: str  # the step the seeded election case waits at
    full: int = 4
    statuses: dict = field(default_factory=dict)  # extra members by status
    suspended: int = 0
    cadres: int = 0
    departments: int = 1
    under_general_branch: bool = False


# target: "timer" (reminder not yet fired) or the element id of the open user task; "returned" is
# submit_request again after the committee sent the request back with a reason.
BRANCHES = [
    # The request is due election.request_lead before the term ends: already overdue here, so the
    # secretary has an overdue alert and the college committee an escalation (督办) right away.
    _Branch(
        "se",
        "cs",
        "软件工程系教工党支部",
        BranchKind.TEACHING,
        -160,
        "submit_request",
        full=9,
        statuses={MemberStatus.PROBATIONARY: 1},
        suspended=1,
        cadres=2,
    ),
    _Branch(
        "cs_stu",
        "cs",
        "计算机科学专业学生党支部",
        BranchKind.STUDENT,
        -100,
        "record_vote",
        full=5,
        statuses={
            MemberStatus.APPLICANT: 3,
            MemberStatus.ACTIVIST: 3,
            MemberStatus.DEVELOPMENT_OBJECT: 2,
            MemberStatus.PROBATIONARY: 2,
        },
    ),
    _Branch(
        "cs_admin",
        "cs",
        "计算机学院行政教辅党支部",
        BranchKind.ADMIN,
        -30,
        "reply_request",
        full=5,
        cadres=1,
    ),
    _Branch(
        "cs_grad",
        "cs",
        "计算机学院研究生第一党支部",
        BranchKind.STUDENT,
        -75,
        "review_candidates",
        full=5,
        statuses={
            MemberStatus.PROBATIONARY: 2,
            MemberStatus.DEVELOPMENT_OBJECT: 1,
            MemberStatus.ACTIVIST: 1,
        },
        under_general_branch=True,
    ),
    _Branch(
        "marx_retired",
        "marx",
        "马克思主义学院离退休党支部",
        BranchKind.RETIRED,
        -150,
        "approve_results",
        full=6,
    ),
    _Branch(
        "marx_joint",
        "marx",
        "马克思主义学院资料室、实验中心、学院办公室联合党支部",
        BranchKind.JOINT,
        -20,
        "returned",
        full=4,
        statuses={MemberStatus.PROBATIONARY: 1},
        departments=3,
    ),
    _Branch(
        "marx_temp",
        "marx",
        "马克思主义学院赴新疆支教临时党支部",
        BranchKind.TEMPORARY,
        60,
        "timer",
        full=3,
        statuses={MemberStatus.PROBATIONARY: 1},
    ),
    _Branch(
        "marx_teach",
        "marx",
        "马克思主义基本原理教研室教工党支部",
        BranchKind.TEACHING,
        400,
        "timer",
        full=7,
        statuses={MemberStatus.PROBATIONARY: 1},
        suspended=1,
        cadres=1,
    ),
]

COLLEGES = {"cs": "计算机学院党委", "marx": "马克思主义学院党委"}
COLLEGE_SHORT = {"cs": "计院党委", "marx": "马院党委"}
GENERAL_BRANCH_NAME = "计算机学院研究生党总支"
PARTY_GROUP_NAME = "软件工程系教工党支部第一党小组"

# The order of the steps of P2 the seed walks through.
_STEPS = [
    "submit_request",
    "reply_request",
    "nominate_candidates",
    "review_candidates",
    "record_vote",
    "elect_officers",
    "approve_results",
]


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

    def user(
        self,
        username: str,
        *,
        member: Member | None = None,
        first_name: str = "",
        superuser: bool = False,
    ):
        # Hashing is slow on purpose (PBKDF2); every demo user shares one password, so hash it once.
        if self.password_hash is None:
            self.password_hash = make_password(DEMO_PASSWORD)
        user = user_create(
            actor=None,
            username=username,
            password_hash=self.password_hash,
            first_name=member.name if member else first_name,
            is_superuser=superuser,
            is_staff=superuser,
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
            fields.setdefault(
                "joined_on",
                self.today - dt.timedelta(days=365 * (2 + self.count % 30) + self.count),
            )
        return member_create(
            actor=None, organization=org, name=next(self.names), status=status, **fields
        )

    # --- tree ----------------------------------------------------------------------------------

    def run(self):
        school = organization_create(
            actor=None,
            parent=None,
            name=SCHOOL_NAME,
            kind=OrgKind.COMMITTEE,
            has_approval_authority=True,
        )
        colleges = {
            key: organization_create(
                actor=None,
                parent=school,
                name=name,
                kind=OrgKind.COMMITTEE,
                has_approval_authority=True,
            )
            for key, name in COLLEGES.items()
        }
        general_branch = organization_create(
            actor=None, parent=colleges["cs"], name=GENERAL_BRANCH_NAME, kind=OrgKind.GENERAL_BRANCH
        )

        self.user(ADMIN_USERNAME, first_name="系统管理员", superuser=True)
        role_assignment_create(
            actor=None,
            user=self.user("orgdept", first_name="组织部"),
            role=Role.ORG_DEPARTMENT,
            organization=school,
        )
        role_assignment_create(
            actor=None,
            user=self.user("auditor", first_name="审计员"),
            role=Role.AUDITOR,
            organization=school,
        )
        role_assignment_create(
            actor=None,
            user=self.user("officer_cs", first_name="计算机学院组织员"),
            role=Role.COMMITTEE_OFFICER,
            organization=colleges["cs"],
        )
        role_assignment_create(
            actor=None,
            user=self.user("officer_marx", first_name="马克思主义学院组织员"),
            role=Role.COMMITTEE_OFFICER,
            organization=colleges["marx"],
        )

        lead = self.rules.get("election.reminder_lead")
        term = self.rules.get("election.term")
        for spec in BRANCHES:
            reminder_day = self.today + dt.timedelta(days=spec.reminder_days)
            term_end = lead.add_to(reminder_day)
            branch = organization_create(
                actor=None,
                parent=general_branch if spec.under_general_branch else colleges[spec.college],
                name=spec.name,
                kind=OrgKind.BRANCH,
                branch_kind=spec.kind,
                departments=spec.departments,
                term_start=term.add_to(term_end, -1),
                term_end=term_end,
            )
            self.branches[spec.key] = branch
            people = [
                self.member(branch, is_leading_cadre=i < spec.cadres) for i in range(spec.full)
            ]
            people += [
                self.member(branch, rights_suspended=True, suspension_reason="留党察看期间")
                for _ in range(spec.suspended)
            ]
            for status, n in spec.statuses.items():
                people += [self.member(branch, status=status) for _ in range(n)]
            self.members[spec.key] = people
            # The secretary is the first full member; leading cadres come first, as is common.
            secretary = self.user(f"secretary_{spec.key}", member=people[0])
            role_assignment_create(
                actor=None,
                user=secretary,
                role=Role.BRANCH_SECRETARY,
                organization=branch,
                term_start=branch.term_start,
            )

        se = self.branches["se"]
        group = organization_create(
            actor=None, parent=se, name=PARTY_GROUP_NAME, kind=OrgKind.PARTY_GROUP
        )
        grouped = [
            self.member(group),
            self.member(group),
            self.member(group, status=MemberStatus.PROBATIONARY),
        ]
        self.members["se"] += grouped
        committee = self.user("committee_se", member=self.members["se"][1])
        role_assignment_create(
            actor=None,
            user=committee,
            role=Role.BRANCH_COMMITTEE,
            organization=se,
            term_start=se.term_start,
        )
        plain = self.user("member_se", member=grouped[0])
        role_assignment_create(actor=None, user=plain, role=Role.MEMBER, organization=se)

        self.cases()

    # --- cases ---------------------------------------------------------------------------------

    def cases(self):
        cases = {}
        for spec in BRANCHES:
            branch = self.branches[spec.key]
            cases[spec.key] = case_start(
                actor=None,
                process_id="branch_election",
                organization=branch,
                subject=f"{branch.name}换届选举",
                data={"term_end": branch.term_end.isoformat()},
                business_key=f"branch_election:{branch.pk}",
            )
        # Step 0: the reminders whose time has come open the request in the branches' inboxes.
        timers_run()
        for spec in BRANCHES:
            if spec.target != "timer":
                self.advance(spec, cases[spec.key])
        self.development_and_records()
        self.development_archived()
        self.democratic_review()
        self.review_and_remediation()
        self.compliance_records()
        # The alerts sweep the demo server runs every few minutes, once now: the due-soon talk and the
        # overdue election request are in the notifications before anyone logs in.
        alerts_raise(send_email=False)

    def development_and_records(self):
        """P1: an applicant of the software-engineering branch whose talk (due
        development.talk_within after the application) falls due in two days: in the secretary's
        inbox with a due-soon reminder. P5: this month's themed Party day of the same branch."""

        se, secretary = self.branches["se"], self.users["secretary_se"]
        person = self.member(
            se,
            status=MemberStatus.APPLICANT,
            birth_date=self.today.replace(year=self.today.year - 20),
        )
        case = case_start(
            actor=secretary, process_id="member_development", organization=se, subject_member=person
        )
        applied = self.rules.get("development.talk_within").add_to(self.today, -1) + dt.timedelta(
            days=2
        )
        self.complete(
            case,
            "submit_application",
            secretary,
            {
                "application_date": applied.isoformat(),
                "letter_summary": "志愿加入中国共产党，拥护党的纲领，遵守党的章程。",
            },
        )
        present = [
            m.pk
            for m in self.members["se"]
            if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        ]
        meeting_record(
            actor=None,
            organization=se,
            kind="themed_party_day",
            held_on=self.today.replace(day=1),
            title="主题党日：学习党章",
            attendees=present,
            starts_at=dt.time(14, 30),
            ends_at=dt.time(16, 30),
            place="信息楼 305 会议室",
            chair=self.members["se"][0].pk,
            recorder=self.members["se"][1].pk,
            content="一、集体学习《中国共产党章程》总纲和第一章。\n二、党员交流学习体会，联系岗位实际谈认识。\n三、支部书记作总结。",
            resolutions="一、本月内每名党员提交一篇学习心得。\n二、下月主题党日开展志愿服务。",
        )

    def development_archived(self):
        """P1 from application to archive for one person of the administrative branch (all 25 steps,
        every thought report and inspection), each step done on its own date with the clock moved
        there, so the 发展党员全程纪实表 prints filled (`partyflow documents samples`). It ends
        archived: nobody's inbox changes."""
        branch, secretary = self.branches["cs_admin"], self.users["secretary_cs_admin"]
        officer, orgdept = self.users["officer_cs"], self.users["orgdept"]
        voters = [m for m in self.members["cs_admin"] if m.has_full_rights]
        applied = self.today - relativedelta(months=28)
        person = self.member(
            branch,
            status=MemberStatus.APPLICANT,
            birth_date=applied.replace(year=applied.year - 21),
        )

        def on(day):
            return time_machine.travel(
                dt.datetime(day.year, day.month, day.day, 10, tzinfo=CST), tick=False
            )

        def reports(phase_start, kind, every, seqs):
            for n in seqs:
                due = phase_start + relativedelta(months=every * n)
                with on(due):
                    obligation_submit(
                        actor=secretary,
                        case=Case.objects.get(pk=case.pk),
                        kind=kind,
                        seq=n,
                        data={
                            "submitted_on": due.isoformat(),
                            "summary": f"第{n}次{'思想汇报' if kind == 'thought_report' else '培养考察'}：表现良好",
                        },
                    )

        with on(applied):
            case = case_start(
                actor=secretary,
                process_id="member_development",
                organization=branch,
                subject_member=person,
            )
            self.complete(
                case,
                "submit_application",
                secretary,
                {
                    "application_date": applied.isoformat(),
                    "letter_summary": "志愿加入中国共产党，愿意为共产主义事业奋斗终身。",
                },
            )
        talk = applied + dt.timedelta(days=10)
        with on(talk):
            self.complete(
                case,
                "talk_with_applicant",
                secretary,
                {
                    "talk_date": talk.isoformat(),
                    "talker": voters[0].name,
                    "summary": "了解入党动机和对党的认识，动机端正。",
                },
            )
        activist = applied + relativedelta(months=1)
        with on(activist):
            self.complete(
                case,
                "select_activist",
                secretary,
                {
                    "decision_date": activist.isoformat(),
                    "recommendation": "member_recommendation",
                    "minutes": "支委会讨论同意",
                },
            )
            self.complete(
                case,
                "file_activist",
                officer,
                {
                    "filed_date": activist.isoformat(),
                    "document_no": f"计院党委备〔{activist.year}〕3号",
                },
            )
            self.complete(
                case,
                "appoint_contacts",
                secretary,
                {"decision_date": activist.isoformat(), "contacts": [voters[1].pk, voters[2].pk]},
            )
        reports(activist, "thought_report", 3, range(1, 5))
        reports(activist, "inspection", 6, range(1, 3))
        designated = activist + relativedelta(months=12, days=3)
        with on(designated):
            self.complete(
                case,
                "cultivation_review",
                secretary,
                {
                    "review_date": designated.isoformat(),
                    "summary": "培养期间表现良好，按期提交思想汇报。",
                },
            )
            self.complete(
                case,
                "designate_development_object",
                secretary,
                {
                    "designation_date": designated.isoformat(),
                    "opinions_heard": "党小组、培养联系人、党员和群众意见均同意",
                },
            )
            self.complete(
                case,
                "file_development_object",
                officer,
                {"approved": True, "decision_date": designated.isoformat()},
            )
            self.complete(
                case,
                "assign_introducers",
                secretary,
                {
                    "decision_date": designated.isoformat(),
                    "introducers": [voters[1].pk, voters[2].pk],
                },
            )
            self.complete(
                case,
                "political_review",
                secretary,
                {
                    "concluded_on": designated.isoformat(),
                    "conclusion": "政治立场坚定，历史清白，遵纪守法，直系亲属无政治问题，政治审查合格。",
                    "passed": True,
                },
            )
        trained = designated + dt.timedelta(days=10)
        with on(trained):
            self.complete(
                case,
                "centralized_training",
                officer,
                {
                    "start_date": (trained - dt.timedelta(days=2)).isoformat(),
                    "end_date": trained.isoformat(),
                    "class_hours": 24,
                    "certificate_no": f"党校结〔{trained.year}〕18号",
                },
            )
            self.complete(
                case,
                "branch_committee_review",
                secretary,
                {"approved": True, "decision_date": trained.isoformat()},
            )
        prereview = trained + dt.timedelta(days=7)
        with on(prereview):
            self.complete(
                case,
                "pre_review",
                officer,
                {
                    "prereview_date": prereview.isoformat(),
                    "passed": True,
                    "conclusion": "同意",
                    "form_no": f"志愿书{prereview.year}0217",
                },
            )
            self.complete(
                case, "fill_application_form", secretary, {"filled_date": prereview.isoformat()}
            )
        voted = prereview + dt.timedelta(days=14)
        with on(voted):
            self.complete(
                case,
                "admission_vote",
                secretary,
                {
                    "meeting_date": voted.isoformat(),
                    "present": [m.pk for m in voters],
                    "yes": len(voters),
                    "no": 0,
                    "abstain": 0,
                    "resolution": "admit",
                    "minutes": "支部党员大会一致同意",
                },
            )
        approved = voted + dt.timedelta(days=20)
        with on(approved):
            self.complete(
                case,
                "committee_talk",
                officer,
                {
                    "talk_date": approved.isoformat(),
                    "talker": "计算机学院组织员",
                    "summary": "谈话合格",
                },
            )
            self.complete(
                case,
                "approve_admission",
                officer,
                {
                    "approved": True,
                    "decision_date": approved.isoformat(),
                    "document_no": f"计院党委〔{approved.year}〕41号",
                },
            )
            self.complete(case, "file_admission", orgdept, {"filed_date": approved.isoformat()})
            self.complete(
                case,
                "place_in_group",
                secretary,
                {"party_group": "第一党小组", "placed_on": approved.isoformat()},
            )
            self.complete(
                case,
                "take_oath",
                secretary,
                {"oath_date": approved.isoformat(), "record": "在学院党委组织下集体宣誓"},
            )
        reports(voted, "thought_report", 3, range(1, 5))
        converted = voted + relativedelta(years=1, days=2)
        with on(converted):
            self.complete(
                case,
                "probation_review",
                secretary,
                {"review_date": converted.isoformat(), "summary": "预备期表现良好，达到党员标准。"},
            )
            self.complete(
                case,
                "conversion_application",
                secretary,
                {
                    "application_date": converted.isoformat(),
                    "letter_summary": "申请按期转为正式党员",
                },
            )
            self.complete(
                case,
                "conversion_vote",
                secretary,
                {
                    "meeting_date": converted.isoformat(),
                    "present": [m.pk for m in voters],
                    "yes": len(voters),
                    "no": 0,
                    "abstain": 0,
                    "decision": "convert",
                },
            )
        final = converted + dt.timedelta(days=15)
        with on(final):
            self.complete(
                case,
                "approve_conversion",
                officer,
                {
                    "approved": True,
                    "decision_date": final.isoformat(),
                    "document_no": f"计院党委〔{final.year}〕77号",
                },
            )
            self.complete(
                case,
                "archive_file",
                orgdept,
                {"archived_on": final.isoformat(), "file_no": f"档{final.year}-0031"},
            )

    def democratic_review(self):
        """P3: last year's democratic review of the Marxism teaching branch, carried to the end (its
        members get accounts for their own self-assessment tasks and ballots), so its results summary
        can be printed (`partyflow documents samples`). Nobody is rated unqualified: no case follows."""
        branch, secretary = self.branches["marx_teach"], self.users["secretary_marx_teach"]
        people = participants(branch)
        for i, member in enumerate(people):
            if member.user_id is None:
                self.user(f"marx_teach_{i}", member=member)
        people = participants(branch)
        year = self.today.year - 1
        day = dt.date(year, 12, 1)
        case = case_start(
            actor=secretary,
            process_id="democratic_review",
            organization=branch,
            data={"year": year},
        )
        self.complete(
            case,
            "file_plan",
            secretary,
            {
                "plan": f"{year}年度民主评议党员工作方案",
                "review_date": f"{year}-12-20",
                "filed_document": f"马教支〔{year}〕3号",
            },
        )
        self.complete(
            case,
            "record_study",
            secretary,
            {"held_on": day.isoformat(), "summary": "集中学习党章和党员义务"},
        )
        for member in people:
            self.complete(
                case,
                "self_assessment",
                member.user,
                {"text": f"{member.name}对照党员标准的自我评价"},
            )
        self.complete(
            case,
            "mutual_assessment",
            secretary,
            {"held_on": f"{year}-12-20", "summary": "召开组织生活会开展党员互评"},
        )
        rated = [r["id"] for r in case_data(case)["rated"]]
        excellent = set(rated[:2])
        grade = {m: ("excellent" if m in excellent else "qualified") for m in rated}
        for i, member in enumerate(people):
            # Anonymous ballots: most follow the branch's view; a few rate one member basically qualified.
            ratings = [
                {
                    "member": m,
                    "grade": "basically_qualified" if (i < 2 and m == rated[-1]) else grade[m],
                }
                for m in rated
            ]
            measurement_ballot_cast(actor=member.user, case=case, ratings=ratings)
        self.complete(case, "democratic_measurement", secretary, {"close": True})
        self.complete(
            case,
            "organizational_rating",
            secretary,
            {"ratings": [{"member": m, "grade": grade[m]} for m in rated]},
        )
        self.complete(
            case,
            "give_feedback",
            secretary,
            {"feedback": [{"member": m, "text": "已当面反馈评议结果"} for m in rated]},
        )
        self.complete(
            case,
            "report_results",
            secretary,
            {"held_on": f"{year}-12-28", "summary": f"优秀{len(excellent)}人，其余合格"},
        )
        self.complete(case, "receive_results", self.users["officer_marx"], {"approved": True})

    def review_and_remediation(self):
        """P3: this year's democratic review of the software-engineering branch at the members' self
        assessments (one task in each member's own inbox, member_se's included; every participant gets
        an account). P4: the administrative branch designated weak by the college committee, its
        rectification plan in the branch's inbox."""
        se, secretary = self.branches["se"], self.users["secretary_se"]
        for i, m in enumerate(p for p in participants(se) if not p.user_id):
            self.user(f"member_se_{i + 2}", member=m)
        review = case_start(
            actor=secretary,
            process_id="democratic_review",
            organization=se,
            subject=f"{se.name}{self.today.year}年度民主评议党员",
            data={"year": self.today.year},
        )
        self.complete(
            review,
            "file_plan",
            secretary,
            {
                "plan": "学习党章党规，个人自评、党员互评、民主测评，组织评定。",
                "review_date": (self.today + dt.timedelta(days=14)).isoformat(),
            },
        )
        self.complete(
            review,
            "record_study",
            secretary,
            {
                "held_on": self.today.isoformat(),
                "summary": "集中学习党章和《关于新形势下党内政治生活的若干准则》。",
            },
        )

        admin, officer = self.branches["cs_admin"], self.users["officer_cs"]
        remediation = case_start(
            actor=officer,
            process_id="weak_branch_remediation",
            organization=admin,
            subject=admin.name,
        )
        self.complete(
            remediation,
            "designate",
            officer,
            {
                "designated": True,
                "document_no": f"计院党委〔{self.today.year}〕21号",
                "problems_found": "组织生活不经常、不认真，支部委员会长期不健全。",
            },
        )

    def compliance_records(self):
        """P5: last quarter's records of the software-engineering branch: the general meeting, a Party
        lesson and the themed Party day of two months out of three (the third month's is missed)."""
        se = self.branches["se"]
        present = [
            m.pk
            for m in self.members["se"]
            if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
        ]
        quarter = (self.today.month - 1) // 3
        start = (
            dt.date(self.today.year - 1, 10, 1)
            if quarter == 0
            else dt.date(self.today.year, 3 * quarter - 2, 1)
        )
        months = [start.replace(month=start.month + i, day=10) for i in range(3)]
        meeting_record(
            actor=None,
            organization=se,
            kind="general_meeting",
            held_on=months[0],
            title="支部党员大会：年度工作部署",
            attendees=present,
        )
        meeting_record(
            actor=None,
            organization=se,
            kind="party_lesson",
            held_on=months[1],
            title="书记讲党课",
            attendees=present,
        )
        for day in months[:2]:
            meeting_record(
                actor=None,
                organization=se,
                kind="themed_party_day",
                held_on=day,
                title="主题党日：志愿服务",
                attendees=present,
            )

    def advance(self, spec: _Branch, case):
        """Complete the steps of one case, as its secretary and its officer would, up to spec.target."""
        branch, people = self.branches[spec.key], self.members[spec.key]
        secretary, officer = (
            self.users[f"secretary_{spec.key}"],
            self.users[f"officer_{spec.college}"],
        )
        voters = [m for m in people if m.has_full_rights]
        committee = len(voters) >= self.rules.get("branch.committee_min_full_members")
        seats = 5 if committee else 1
        candidates = voters[
            : at_least_ceil(Fraction(seats) * (1 + self.rules.get("election.candidate_margin")))
        ]
        if spec.target == "approve_results":
            # The vote was held today: its date may be neither before the request's approval nor
            # after today, and the planned date not in the past.
            election_date = self.today
        else:
            election_date = max(
                self.today,
                min(branch.term_end - dt.timedelta(days=10), self.today + dt.timedelta(days=30)),
            )
        # One voter absent when the quorum still holds; the first `seats` candidates win clearly.
        absent = (
            1
            if strictly_more_than(len(voters) - 1, self.rules.get("election.quorum"), len(voters))
            else 0
        )
        present = voters[: len(voters) - absent]
        yes = [len(present) - 1] * seats + [1] * (len(candidates) - seats)
        forms = {
            "submit_request": (
                secretary,
                {
                    "election_date": election_date.isoformat(),
                    "seats": seats,
                    "nomination_method": "committee_proposal"
                    if committee
                    else "member_recommendation",
                    "request_text": f"{branch.name}本届任期将于{branch.term_end:%Y年%m月%d日}届满，拟召开党员大会进行换届选举。",
                },
            ),
            "reply_request": (
                officer,
                {
                    "approved": True,
                    "document_no": f"{COLLEGE_SHORT[spec.college]}〔{self.today.year}〕{10 + len(spec.key)}号",
                },
            ),
            "nominate_candidates": (
                secretary,
                {"candidates": [m.pk for m in candidates], "basis": "支部根据多数党员意见提出"},
            ),
            "review_candidates": (officer, {"approved": True}),
            "record_vote": (
                secretary,
                {
                    "meeting_date": election_date.isoformat(),
                    "present": [m.pk for m in present],
                    "ballots_issued": len(present),
                    "ballots_returned": len(present),
                    "invalid_ballots": 0,
                    "votes": [{"candidate": m.pk, "yes": n} for m, n in zip(candidates, yes)],
                    "elected": [m.pk for m in candidates[:seats]],
                },
            ),
            "elect_officers": (
                secretary,
                {
                    "meeting_date": election_date.isoformat(),
                    "secretary": candidates[0].pk,
                    "deputy": None,
                },
            ),
        }
        if spec.target == "returned":
            self.complete(case, "submit_request", *forms["submit_request"])
            self.complete(
                case,
                "reply_request",
                officer,
                {"approved": False, "reason": "请补充说明候选人推荐方式和党员大会的组织安排。"},
            )
            return
        for step in _STEPS[: _STEPS.index(spec.target)]:
            self.complete(case, step, *forms[step])

    @staticmethod
    def complete(case, element_id, actor, data):
        task = task_inbox(actor).get(case=case, element_id=element_id)
        task_complete(actor=actor, task=task, data=data)


def case_data(case) -> dict:
    return Case.objects.only("data").get(pk=case.pk).data


# --- the login table ---------------------------------------------------------------------------


def demo_logins() -> list[dict]:
    """One row per demo user, with what is in their inbox now."""

    User = get_user_model()
    usernames = [
        ADMIN_USERNAME,
        "orgdept",
        "auditor",
        "officer_cs",
        "officer_marx",
        "committee_se",
        "member_se",
    ]
    usernames[5:5] = [f"secretary_{b.key}" for b in BRANCHES]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    assignments = {}
    for a in (
        RoleAssignment.objects.filter(user__in=users.values())
        .select_related("organization")
        .order_by("id")
    ):
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
        rows.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": "superuser" if user.is_superuser else (a.role if a else ""),
                "role_label": "超级管理员"
                if user.is_superuser
                else (str(Role(a.role).label) if a else ""),
                "organization": a.organization.name if a else "—",
                "open_tasks": len(inbox),
                "note": note,
            }
        )
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
