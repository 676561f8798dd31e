"""Seeding the demo university once: the organization tree and its people, then each procedure's
cases (elections, development, review, records), all through the services."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import transaction

from engine.calendar import today as cst_today
from notifications.services import alerts_raise
from organizations.codes import LostContactReason, Misconduct
from organizations.models import Member, MemberStatus, Organization, OrgKind, Role
from organizations.rules import deployment_rule_set
from organizations.services import (
    member_contact_lost,
    member_create,
    member_update,
    organization_create,
    role_assignment_create,
    user_create,
)
from procedures.member_development.models import StatusEvent
from procedures.member_development.services import member_status_event
from workflows.selectors import task_inbox
from workflows.services import case_start, task_complete, timers_run

from .development import _Development
from .elections import _Elections
from .evaluation import _Evaluation
from .logins import demo_logins
from .records import _Records
from .review import _Review
from .roster import roster_fields
from .university import (
    ADMIN_USERNAME,
    BRANCHES,
    COLLEGES,
    DEMO_PASSWORD,
    GENERAL_BRANCH_NAME,
    PARTY_GROUP_NAME,
    SCHOOL_NAME,
    _names,
)


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


class _Seeder(_Elections, _Development, _Review, _Records, _Evaluation):
    """The tree and its people; the cases each procedure's part seeds are in its mixin."""

    def __init__(self, today: dt.date):
        self.today = today
        self.rules = deployment_rule_set()
        self.names = _names()
        self.count = 0
        self.password_hash = None
        self.users: dict[str, object] = {}
        self.members: dict[str, list[Member]] = {}
        self.branches: dict[str, Organization] = {}
        self.colleges: dict[str, Organization] = {}

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
        kind = org.branch_kind or (org.parent.branch_kind if org.parent else "")
        fields = roster_fields(self.count, kind, status, self.today, fields)
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
        self.colleges = colleges
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
        self.statistics_records()

    def statistics_records(self):
        """What 党统 表11 and 表43 count: a graduate student abroad out of contact for ten months
        (recorded by his branch), and a teacher expelled for breaching integrity discipline
        (recorded by the college committee with its document)."""
        lost = self._plain_full_member("cs_grad")
        member_contact_lost(
            actor=self.users["secretary_cs_grad"],
            member=lost,
            lost_on=self.today - dt.timedelta(days=300),
            reason=LostContactReason.ABROAD,
            note="赴国外交流结束后未再联系",
        )
        expelled = self._plain_full_member("marx_teach")
        member_status_event(
            actor=self.users["officer_marx"],
            member=expelled,
            event=StatusEvent.EXPULSION,
            on=self.today - dt.timedelta(days=40),
            reason="利用职务便利收受礼金，情节严重",
            decided_by=COLLEGES["marx"],
            document_no=f"马院党〔{self.today.year}〕3号",
            misconduct=Misconduct.INTEGRITY,
        )

    def _plain_full_member(self, key: str) -> Member:
        """The branch's last full member with full rights who holds no role."""
        return (
            Member.objects.filter(
                pk__in=[m.pk for m in self.members[key]],
                status=MemberStatus.FULL,
                rights_suspended=False,
            )
            .exclude(user__role_assignments__isnull=False)
            .order_by("-id")
            .first()
        )

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
        self.dues_records()
        self.model_branch_round()
        # The alerts sweep the demo server runs every few minutes, once now: the due-soon talk and the
        # overdue election request are in the notifications before anyone logs in.
        alerts_raise(send_email=False)

    @staticmethod
    def complete(case, element_id, actor, data):
        task = task_inbox(actor).get(case=case, element_id=element_id)
        task_complete(actor=actor, task=task, data=data)
