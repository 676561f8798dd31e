"""The organization tree, members and role assignments. Writes go through `organizations.services`."""

from __future__ import annotations

import datetime as dt
from typing import Never

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from engine.errors import DomainError

from .codes import (
    Degree,
    Education,
    Ethnicity,
    Gender,
    LostContactReason,
    PersonCategory,
    StudentLevel,
)


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    PARTY_GROUP = "party_group", _("党小组")


class BranchKind(models.TextChoices):
    TEACHING = "teaching", _("教工党支部")
    STUDENT = "student", _("学生党支部")
    ADMIN = "admin", _("机关党支部")
    RETIRED = "retired", _("离退休党支部")
    JOINT = "joint", _("联合党支部")
    TEMPORARY = "temporary", _("临时党支部")


# The uniqueness rules of the numbers an import matches on (issue 32), as errors name them: the
# university's own numbers are unique within its root organization, the national ID nationally.
CODE_RULE = _("党组织编码在同一高校（根组织）内唯一")
ROOT_CODE_RULE = _("根组织（高校）的党组织编码在本系统内唯一")
STAFF_NO_RULE = _("学工号在同一高校（根组织）内唯一")
ID_NUMBER_RULE = _("公民身份号码全国唯一，一人一条记录")


class Organization(models.Model):
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("名称"), max_length=200)
    # 党组织编码 of the national system (or the university's own): the key an import matches on,
    # unique within a root organization (a university), not across the installation: two
    # universities of one province may number their branches alike (issue 32). A root's own code
    # names the university in the installation: unique among the roots.
    code = models.CharField(_("党组织编码"), max_length=50, null=True, blank=True)
    # The root organization (the university) this one belongs to, itself for a root: kept by
    # `organizations.services` (set on create, a move never leaves its root), indexed, so "the
    # same code in this university" is one lookup, not a path prefix.
    root = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    branch_kind = models.CharField(
        _("支部类型"), max_length=20, choices=BranchKind.choices, blank=True, default=""
    )
    # 具有审批权限的基层党委: approves admissions and election results for the branches below it.
    has_approval_authority = models.BooleanField(_("具有审批权限"), default=False)
    departments = models.PositiveSmallIntegerField(_("覆盖单位数"), default=1)
    # Materialized path "/1/4/9/" for subtree scoping with one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    term_start = models.DateField(_("本届任期开始"), null=True, blank=True)
    term_end = models.DateField(_("本届任期届满"), null=True, blank=True)
    # An organization exists from its founding to its dissolution: no period outside that span is
    # counted against it (identification, compliance).
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    # The branch keeps its dues accounts in partyflow from this date on: only from then is a missing
    # payment a fact (self-lapse by dues, CONST Art. 9), not a gap in the records.
    dues_tracked_since = models.DateField(_("党费在本系统记录起始日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("党组织")
        constraints = [
            models.UniqueConstraint(
                fields=["root", "code"], name="organization_code_unique_per_root"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(parent__isnull=True),
                name="organization_root_code_unique",
            ),
        ]

    def __str__(self):
        return self.name

    def ancestors_and_self_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class MemberStatus(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    DEVELOPMENT_OBJECT = "development_object", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")
    REMOVED = "removed", _("除名/自行脱党")
    WITHDRAWN = "withdrawn", _("劝退")
    CANCELLED = "cancelled", _("取消预备党员资格")
    # P7: the relationship moved out of the university (the receipt came back).
    TRANSFERRED_OUT = "transferred_out", _("组织关系已转出")
    # Status events the committee records (`member_development.services.member_status_event`):
    # each a dated decrease of the year in the statistics (DT-2017 表1 rows 10–12; S9).
    EXPELLED = "expelled", _("开除党籍")
    SUSPENDED = "suspended", _("停止党籍")
    DECEASED = "deceased", _("死亡")


class Member(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(_("姓名"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.FULL
    )
    # 留党察看 while it lasts, 留置/逮捕: cannot vote, elect, stand or introduce.
    rights_suspended = models.BooleanField(_("党员权利停止"), default=False)
    suspension_reason = models.CharField(_("停止权利原因"), max_length=200, blank=True, default="")
    is_leading_cadre = models.BooleanField(_("领导干部"), default=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # Indexed: an import matches people on it (with 学工号), one lookup per row.
    id_number = models.CharField(
        _("身份证号"), max_length=18, blank=True, default="", db_index=True
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    # 党龄: counted from the end of probation (DEV-2014 Art. 34), set when the conversion is approved.
    party_standing_from = models.DateField(_("党龄起算日期"), null=True, blank=True)
    # When the member was struck off (除名/自行脱党) or advised to withdraw (劝退): the 5-year
    # reapplication ban (DISPOSAL-2024) runs from this date.
    left_on = models.DateField(_("除名或劝退日期"), null=True, blank=True)
    left_reason = models.CharField(_("除名或劝退原因"), max_length=200, blank=True, default="")
    # What the offices' rosters keep (national Party-member information system columns); an import
    # matches a person on 学工号 and 公民身份号码. 学工号 is the university's own number: unique
    # within the member's root organization, not across the installation (two universities of one
    # province both have a 2021001, issue 32). 公民身份号码 is national: one person (`id_number`).
    staff_or_student_no = models.CharField(_("学工号"), max_length=32, null=True, blank=True)
    # The root organization (the university) of the member's branch: kept by
    # `organizations.services` with the branch (`_validate_member`), the first column of the
    # 学工号's uniqueness and of its lookups.
    root = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    gender = models.CharField(
        _("性别"), max_length=1, choices=Gender.choices, blank=True, default=""
    )
    ethnicity = models.CharField(
        _("民族"), max_length=2, choices=Ethnicity.choices, blank=True, default=""
    )
    # 籍贯 as the roster writes it (province and city or county, e.g. 江苏南京): a roster field of
    # the 纪实表 and of the personnel columns (data-and-documents.md).
    native_place = models.CharField(_("籍贯"), max_length=100, blank=True, default="")
    education = models.CharField(
        _("学历"), max_length=2, choices=Education.choices, blank=True, default=""
    )
    degree = models.CharField(
        _("学位"), max_length=1, choices=Degree.choices, blank=True, default=""
    )
    person_category = models.CharField(
        _("人员类别"), max_length=20, choices=PersonCategory.choices, blank=True, default=""
    )
    job_post = models.CharField(_("工作岗位"), max_length=100, blank=True, default="")
    # A student's level, 入学年份 and 学制 (years): 党统 表7 counts students by level and by the grade
    # computed for the cut-off date from these (`organizations.students.student_grade`).
    student_level = models.CharField(
        _("学生层次"), max_length=16, choices=StudentLevel.choices, blank=True, default=""
    )
    enrollment_year = models.PositiveSmallIntegerField(_("入学年份"), null=True, blank=True)
    programme_years = models.PositiveSmallIntegerField(_("学制（年）"), null=True, blank=True)
    is_floating = models.BooleanField(_("流动党员"), default=False)
    transferred_in_on = models.DateField(_("组织关系转入日期"), null=True, blank=True)
    # 延长预备期 (DEV-2014 Art. 33): months the probation was extended by, None when not extended.
    probation_extension_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), null=True, blank=True
    )
    party_post = models.CharField(_("党内职务"), max_length=100, blank=True, default="")
    joined_branch_name = models.CharField(
        _("入党时所在支部"), max_length=200, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization_id", "id"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["root", "staff_or_student_no"],
                name="member_staff_or_student_no_unique_per_root",
            )
        ]
        verbose_name = _("党员")

    def __str__(self):
        return self.name

    @property
    def has_full_rights(self) -> bool:
        """Only full members whose rights are not suspended may vote, elect, stand for election or introduce."""
        return self.status == MemberStatus.FULL and not self.rights_suspended


class AwayKind(models.TextChoices):
    """Why a member takes part in his branch's organizational life from afar (transfer.md rules
    12-13): the relationship stays with the branch in both cases."""

    MOBILE = "mobile", _("流动党员")
    ABROAD = "abroad", _("出国（境）党员")


class MemberAwayQuerySet(models.QuerySet):
    def on(self, day) -> MemberAwayQuerySet:
        """The registrations in force on `day`: started on or before it, not yet back (on the day
        he returns he takes part again). `day`: a date, or an expression (`OuterRef` to a
        meeting's date, `orglife.selectors.away_absence`)."""
        return self.filter(started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )


class MemberAway(models.Model):
    """A member registered as mobile (流动党员, holding the 流动党员活动证: CARD-1994, FORM-2006) or
    abroad (出国（境）学习研究: EDU-2019 Art. 34, GRAD-2015 三) from `started_on` until `ended_on`
    (his return). The branch keeps his relationship and contacts him at the rule set's interval
    (`transfer.mobile_report`, `transfer.abroad_contact`); while registered he is not an absentee
    of the branch's organizational life (`orglife.selectors.away_absence`). Written by the
    `member_away` procedure's effects through `organizations.services`."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="away_periods")
    kind = models.CharField(_("类别"), max_length=10, choices=AwayKind.choices)
    place = models.CharField(_("流入地或所在国家（地区）"), max_length=200)
    card_no = models.CharField(_("流动党员活动证编号"), max_length=50, blank=True, default="")
    contact_person = models.CharField(_("联系人"), max_length=100, blank=True, default="")
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True, default="")
    started_on = models.DateField(_("外出日期"))
    expected_return_on = models.DateField(_("预计返回日期"), null=True, blank=True)
    ended_on = models.DateField(_("返回日期"), null=True, blank=True)
    # A mobile member hands the 活动证 back on his return (FORM-2006): the day it was handed in.
    card_returned_on = models.DateField(_("活动证交回日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberAwayQuerySet.as_manager()

    class Meta:
        ordering = ["member_id", "started_on", "id"]
        indexes = [models.Index(fields=["member", "started_on"])]
        verbose_name = _("流动或出国（境）登记")

    def __str__(self):
        return f"{self.member} · {self.get_kind_display()}"


class AwayCardCheck(models.Model):
    """The yearly check of a mobile member's 流动党员活动证 (FORM-2006: checked yearly with the
    democratic review): when it was checked, the 流入地 branch's comments on his organizational
    life and dues there, and when it is next due. Written by the `member_away` procedure's
    `member_away_card_check` effect."""

    away = models.ForeignKey(MemberAway, on_delete=models.PROTECT, related_name="card_checks")
    checked_on = models.DateField(_("查验日期"))
    inflow_branch = models.CharField(_("流入地党组织"), max_length=200)
    participation = models.CharField(_("参加组织生活情况"), max_length=1000)
    dues = models.CharField(_("交纳党费情况"), max_length=1000)
    next_check_on = models.DateField(_("下次查验日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["away_id", "checked_on", "id"]
        verbose_name = _("流动党员活动证查验")

    def __str__(self):
        return f"{self.away} · {self.checked_on}"


class LostContactQuerySet(models.QuerySet):
    def on(self, day) -> LostContactQuerySet:
        """The members out of contact on `day`: lost by it and not yet found (on the day contact
        is restored he is no longer lost)."""
        return self.filter(lost_on__lte=day).filter(Q(found_on__isnull=True) | Q(found_on__gt=day))


class LostContact(models.Model):
    """A member the branch has lost contact with (失去联系党员, EDU-2019 Art. 24; 党统 表43): since
    `lost_on` (the day of the last contact), why (the 表43 category), until `found_on` (恢复联系).
    The branch records it on the member's page or over the API; P7's member_away writes the same
    record when a contact is reported lost and ends it when the committee finds him again
    (`organizations.services.member_contact_lost`, `member_contact_found`)."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="lost_contacts")
    lost_on = models.DateField(_("失去联系日期"))
    reason = models.CharField(_("失去联系情形"), max_length=24, choices=LostContactReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    found_on = models.DateField(_("恢复联系日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LostContactQuerySet.as_manager()

    class Meta:
        ordering = ["member_id", "lost_on", "id"]
        indexes = [models.Index(fields=["member", "lost_on"])]
        verbose_name = _("失去联系登记")

    def __str__(self):
        return f"{self.member} · {self.lost_on}"


class Role(models.TextChoices):
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    BRANCH_DEPUTY_SECRETARY = "branch_deputy_secretary", _("支部副书记")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员")
    COMMITTEE_OFFICER = "committee_officer", _("党委委员/组织员")
    ORG_DEPARTMENT = "org_department", _("组织部")
    AUDITOR = "auditor", _("审计员")
    MEMBER = "member", _("党员")


# The roles of a branch committee (secretary, deputy, members): elected for a term, they serve
# until the next election's results end them (P2).
BRANCH_COMMITTEE_ROLES = (
    Role.BRANCH_SECRETARY,
    Role.BRANCH_DEPUTY_SECRETARY,
    Role.BRANCH_COMMITTEE,
)


class CommitteePost(models.TextChoices):
    """The posts of a branch committee (BRANCH-2018 Art. 19-20)."""

    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PROPAGANDA = "propaganda", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    MEMBER = "member", _("委员")


class RoleAssignmentQuerySet(models.QuerySet):
    """The one home of "in force on a date": a term that has begun by `on` (or has no start) and
    has not ended before it (or has no end), both ends inclusive. `RoleAssignment.in_force_on` is
    the same rule for a row already loaded; `organizations.selectors.assignments_json` says it in
    SQL for the query that loads the user."""

    def begun_by(self, on: dt.date) -> RoleAssignmentQuerySet:
        """The assignments whose term has begun by `on`, ended or not."""
        return self.filter(Q(term_start__isnull=True) | Q(term_start__lte=on))

    def in_force(self, on: dt.date) -> RoleAssignmentQuerySet:
        """The assignments whose term covers `on`."""
        return self.begun_by(on).filter(Q(term_end__isnull=True) | Q(term_end__gte=on))


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="role_assignments"
    )
    term_start = models.DateField(_("任期开始"), null=True, blank=True)
    term_end = models.DateField(_("任期结束"), null=True, blank=True)
    # The committee post held with a branch-committee role (书记, 副书记, 组织委员 …).
    post = models.CharField(
        _("职务"), max_length=20, choices=CommitteePost.choices, blank=True, default=""
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "id"]
        indexes = [
            models.Index(fields=["user", "role"]),
            models.Index(fields=["organization", "role"]),
        ]
        verbose_name = _("角色任职")

    def __str__(self):
        return f"{self.user} {self.role}@{self.organization_id}"

    def in_force_on(self, on: dt.date) -> bool:
        """Whether the term covers `on`: `RoleAssignment.objects.in_force(on)` for one row."""
        return (self.term_start is None or self.term_start <= on) and (
            self.term_end is None or self.term_end >= on
        )


def index_where_set(field: str, *, name: str) -> models.Index:
    """The index of a reference most rows leave empty (a system event's actor, an open task's
    completer, a branch case's member): only the rows that set it are in it. Every lookup by the
    reference (`= id`, `IN`, Django's PROTECT and SET_NULL checks when a user or member goes) names
    a value, which PostgreSQL proves is not null, so the index serves it; a row without one writes no
    entry (bench/README.md, "Timers": the index entries a fired timer writes)."""
    return models.Index(
        fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name
    )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs) -> Never:
        raise DomainError(self.model.UPDATE_REFUSED, code="audit_append_only")

    def delete(self) -> Never:
        raise DomainError(self.model.DELETE_REFUSED, code="audit_append_only")


class AppendOnly(models.Model):
    """Rows are inserted, never updated or deleted, by the application (model or queryset)."""

    UPDATE_REFUSED = _("审计记录只能追加，不能修改。")
    DELETE_REFUSED = _("审计记录只能追加，不能删除。")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise DomainError(self.UPDATE_REFUSED, code="audit_append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs) -> Never:
        raise DomainError(self.DELETE_REFUSED, code="audit_append_only")


class RecordEvent(AppendOnly):
    """The organization-level audit log: every write to a record that is not a case (users, role
    assignments, organizations, members) — who, in which roles, when, what, before and after.
    One hash chain per root organization (`organizations.audit`): `chain` is the root's id (0 for
    events that concern no organization), `seq` counts within it, its head kept in `RecordLogHead`.
    Writes under different roots (two universities, two provinces) never wait on each other."""

    chain = models.PositiveBigIntegerField(default=0)
    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, default="system")
    actor_roles = models.JSONField(default=list)
    action = models.CharField(max_length=64)
    # What was written: its kind, id and display name (kept after a delete: no foreign key).
    entity = models.CharField(max_length=32)
    entity_id = models.PositiveBigIntegerField()
    entity_label = models.CharField(max_length=200, blank=True, default="")
    # The organization concerned (scope of who may read the event), without a foreign key likewise.
    organization_id = models.PositiveBigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    UPDATE_REFUSED = _("审计记录只能追加，不能修改。")
    DELETE_REFUSED = _("审计记录只能追加，不能删除。")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["entity", "entity_id"])]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="record_event_chain_seq_unique")
        ]


class RecordLogHead(models.Model):
    """The head of one chain of the record log (one row per root organization): locked by each
    append to that chain, so its events chain in commit order, and compared by verification, so
    removing the newest events is detected."""

    chain = models.PositiveBigIntegerField(unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True, default="")
