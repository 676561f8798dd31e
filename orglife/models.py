"""Organizational-life records (P5): meetings with attendance, and monthly dues. They feed the
self-lapse rule (P3, CONST Art. 9) and branch identification (P4). Writes go through
`orglife.services`."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from engine.dues import DuesCategory as Cat


class MeetingKind(models.TextChoices):
    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    COMMITTEE_MEETING = "committee_meeting", _("支委会")
    PARTY_GROUP_MEETING = "party_group_meeting", _("党小组会")
    PARTY_LESSON = "party_lesson", _("党课")
    THEMED_PARTY_DAY = "themed_party_day", _("主题党日")
    ORGANIZATIONAL_LIFE_MEETING = "organizational_life_meeting", _("组织生活会")
    DEMOCRATIC_REVIEW_MEETING = "democratic_review_meeting", _("民主评议党员会议")
    HEART_TO_HEART_TALK = "heart_to_heart_talk", _("谈心谈话")
    STUDY_SESSION = "study_session", _("学习教育")
    VOLUNTEER_SERVICE = "volunteer_service", _("志愿服务")
    THEORY_SEMINAR = "theory_seminar", _("专题理论研讨")


class Meeting(models.Model):
    """One held meeting (or talk, lesson, study session) of a branch or Party group."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("类型"), max_length=40, choices=MeetingKind.choices)
    held_on = models.DateField(_("日期"))
    title = models.CharField(_("主题"), max_length=200, blank=True, default="")
    # Class hours of a study session or lesson (member study ≥ 32 a year, XYTC §5-4).
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1, null=True, blank=True)
    evidence = models.TextField(_("佐证资料"), blank=True, default="")
    notes = models.TextField(_("备注"), blank=True, default="")
    # The minutes (三会一课记录, owip pm3Meeting): time, place, chair, recorder, who sat in, what was
    # said and resolved. Optional: a record imported from Excel has only the date and attendance.
    starts_at = models.TimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True, default="")
    chair = models.ForeignKey(
        "organizations.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主持人"),
    )
    recorder = models.ForeignKey(
        "organizations.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    nonvoting_attendees = models.CharField(_("列席人员"), max_length=500, blank=True, default="")
    content = models.TextField(_("主要内容"), blank=True, default="")
    resolutions = models.TextField(_("决议"), blank=True, default="")
    # Who gave a Party lesson (the secretary gives one a year at least, JSNU 书记精干高效 4).
    lecturer = models.ForeignKey(
        "organizations.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lessons_given",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "held_on"])]
        verbose_name = _("组织生活记录")

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}"


class MeetingFileKind(models.TextChoices):
    PHOTO = "photo", _("会议照片")
    SIGN_IN_SHEET = "sign_in_sheet", _("签到表")


class MeetingFile(models.Model):
    """A photo of a meeting or its sign-in sheet (an image), kept in the database with its metadata
    as a case's evidence documents are (`workflows.models.Document`): the type sniffed from the
    content, its size and sha256, who uploaded it and when."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="files")
    kind = models.CharField(_("类别"), max_length=20, choices=MeetingFileKind.choices)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128, help_text="sniffed from the file's magic bytes")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting_id", "kind", "id"]
        indexes = [models.Index(fields=["meeting", "kind"])]


class Attendance(models.Model):
    """A member due at a meeting: present, or absent with the reason given."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="attendance"
    )
    present = models.BooleanField(_("出席"))
    absence_reason = models.CharField(_("缺席原因"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["meeting_id", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], name="uniq_attendance_meeting_member"
            )
        ]
        indexes = [models.Index(fields=["member", "present"])]


class DuesPayment(models.Model):
    """One member's dues for one month (`month` is the first day of that month)."""

    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="dues"
    )
    month = models.DateField(_("所属月份"))
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("缴纳日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="uniq_dues_member_month")
        ]
        verbose_name = _("党费缴纳记录")


class Grade(models.TextChoices):
    """Grades of the democratic measurement and the organizational rating (P3, BRANCH-2018)."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class MeasurementTally(models.Model):
    """The anonymous democratic measurement of one review case: only counts per rated member and
    grade. No row says who gave which rating, and no timestamp orders the increments."""

    case = models.ForeignKey(
        "workflows.Case", on_delete=models.CASCADE, related_name="measurement_tallies"
    )
    member = models.ForeignKey("organizations.Member", on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=24, choices=Grade.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "member", "grade"], name="uniq_measurement_tally"
            )
        ]


class MeasurementVoter(models.Model):
    """That a member has voted in a review case's measurement (one ballot each), not how."""

    case = models.ForeignKey(
        "workflows.Case", on_delete=models.CASCADE, related_name="measurement_voters"
    )
    member = models.ForeignKey("organizations.Member", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="uniq_measurement_voter")
        ]


class VolunteerService(models.Model):
    """One member's volunteer service (JSNU: each member at least once a quarter)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="volunteer_services"
    )
    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="volunteer_services"
    )
    served_on = models.DateField(_("日期"))
    hours = models.DecimalField(_("时长（小时）"), max_digits=5, decimal_places=1)
    activity = models.CharField(_("活动"), max_length=200)
    evidence = models.TextField(_("佐证资料"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-served_on", "-id"]
        indexes = [models.Index(fields=["organization", "served_on"])]
        verbose_name = _("志愿服务记录")


class TrainingKind(models.TextChoices):
    SECRETARY_TRAINING = "secretary_training", _("支部书记培训")
    PARTY_WORKER_TRAINING = "party_worker_training", _("党务干部培训")
    MEMBER_TRAINING = "member_training", _("党员集中培训")


class TrainingAttendance(models.Model):
    """A member (often the secretary) attended a training (JSNU: the secretary each semester;
    XYTC §2-3)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="trainings"
    )
    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="trainings"
    )
    attended_on = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=32, choices=TrainingKind.choices)
    title = models.CharField(_("培训名称"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    evidence = models.TextField(_("佐证资料"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attended_on", "-id"]
        indexes = [models.Index(fields=["organization", "attended_on"])]
        verbose_name = _("培训记录")


class PartnerKind(models.TextChoices):
    TEACHER = "teacher", _("教师")
    STUDENT = "student", _("学生")


class Pairing(models.Model):
    """A committee member paired with a teacher or student (JSNU: each with at least 2)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="pairings"
    )
    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="pairings"
    )
    partner_name = models.CharField(_("联系对象"), max_length=100)
    partner_kind = models.CharField(_("对象类型"), max_length=16, choices=PartnerKind.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_id", "started_on", "id"]
        verbose_name = _("结对联系记录")


class SatisfactionGrade(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class SatisfactionSurvey(models.Model):
    """The result of a satisfaction survey of a branch by its members and staff: anonymous tallies
    only (counts per grade), as in the democratic measurement; no row links a respondent to an
    answer.
    `case`: the evaluation round that held it, when one did (P6)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="satisfaction_surveys"
    )
    surveyed_on = models.DateField(_("测评日期"))
    title = models.CharField(_("名称"), max_length=200, blank=True, default="")
    very_satisfied = models.PositiveIntegerField(_("非常满意"), default=0)
    satisfied = models.PositiveIntegerField(_("满意"), default=0)
    basically_satisfied = models.PositiveIntegerField(_("基本满意"), default=0)
    dissatisfied = models.PositiveIntegerField(_("不满意"), default=0)
    case = models.ForeignKey(
        "workflows.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="satisfaction_surveys",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-surveyed_on", "-id"]
        verbose_name = _("满意度测评结果")

    @property
    def ballots(self) -> int:
        return self.very_satisfied + self.satisfied + self.basically_satisfied + self.dissatisfied

    def count(self, grade: str) -> int:
        return getattr(self, grade)


class DuesCategory(models.TextChoices):
    """Which rule of the bracket table a member pays by (DUES-2008 Art. 2, 5, 6): the codes of
    `engine.dues.DuesCategory`, which computes by them, with the labels people read."""

    WORKING = Cat.WORKING, _("在职")
    RETIRED = Cat.RETIRED, _("离退休")
    STUDENT = Cat.STUDENT, _("学生")
    UNEMPLOYED = Cat.UNEMPLOYED, _("下岗失业、低保、依靠抚恤或救济")


class DuesRelief(models.TextChoices):
    """少交 or 免交 for hardship (DUES-2008 Art. 7): the member applies, the branch studies it, the
    higher committee approves."""

    NONE = "", _("无")
    REDUCED = "reduced", _("少交")
    EXEMPT = "exempt", _("免交")


class DuesReliefStatus(models.TextChoices):
    NONE = "", _("无")
    PENDING = "pending", _("待党委审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


def relief_months_text(first, until) -> str:
    """`first`/`until`: months (dates in them, or "2027-03"), either may be None (open)."""
    if not first and not until:
        return str(_("全年"))
    show = [m if isinstance(m, str) else m.strftime("%Y-%m") if m else "" for m in (first, until)]
    return str(_("%(a)s 至 %(b)s") % {"a": show[0] or _("年初"), "b": show[1] or _("年末")})


class DuesAssessment(models.Model):
    """A member's dues for a year (年度核定, DUES-2017 (1): set once at the start of the year): the
    declared monthly base, the category, the amount computed by `engine.dues.monthly_dues` and, when
    the committee approved one, a reduction or exemption. `monthly_due` is what the branch collects."""

    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="dues_assessments"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("党费类别"), max_length=16, choices=DuesCategory.choices)
    base = models.DecimalField(
        _("月工资基数"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(_("交纳比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    computed = models.DecimalField(_("按比例应交（月）"), max_digits=10, decimal_places=2)
    relief = models.CharField(
        _("少交或免交"), max_length=16, choices=DuesRelief.choices, blank=True, default=""
    )
    relief_amount = models.DecimalField(
        _("少交后每月金额"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    relief_reason = models.CharField(_("申请理由"), max_length=300, blank=True, default="")
    # The months of the year the relief covers (the first day of each); none: the whole year.
    relief_from = models.DateField(_("减免起始月份"), null=True, blank=True)
    relief_until = models.DateField(_("减免截止月份"), null=True, blank=True)
    relief_status = models.CharField(
        _("审批状态"), max_length=16, choices=DuesReliefStatus.choices, blank=True, default=""
    )
    relief_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    relief_decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    relief_note = models.CharField(_("审批意见"), max_length=300, blank=True, default="")
    rule_set = models.CharField(_("规则集"), max_length=32)
    source = models.CharField(_("来源"), max_length=16, default="entry")  # entry | payroll
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["member_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="uniq_dues_assessment_year")
        ]
        verbose_name = _("党费年度核定")

    @property
    def relief_months_text(self) -> str:
        """The months the relief covers as people read them: 2027-03 至 2027-12, or 全年."""
        return relief_months_text(self.relief_from, self.relief_until)

    def relieved_in(self, month) -> bool:
        """Whether an approved relief covers `month` (a date in it): its months, else the year."""
        if self.relief_status != DuesReliefStatus.APPROVED or not self.relief:
            return False
        month = month.replace(day=1)
        return (self.relief_from is None or self.relief_from <= month) and (
            self.relief_until is None or month <= self.relief_until
        )

    def due_in(self, month) -> Decimal:
        """What the member owes for `month`: the approved relief in its months, else computed."""
        if self.relieved_in(month):
            if self.relief == DuesRelief.EXEMPT:
                return Decimal("0.00")
            if self.relief == DuesRelief.REDUCED and self.relief_amount is not None:
                return self.relief_amount
        return self.computed

    def exempt_in(self, month) -> bool:
        return self.relief == DuesRelief.EXEMPT and self.relieved_in(month)

    @property
    def monthly_due(self) -> Decimal:
        """The yearly sheet's one monthly figure: the approved relief when it covers the whole
        year, else computed. A sum over months (a month's due across members, a year's due) reads
        `due_in`, which reduces exactly the months a relief covers; `year_due` is the year's."""
        if self.relief_from is None and self.relief_until is None:
            return self.due_in(dt.date(self.year, 1, 1))
        return self.computed

    @property
    def year_due(self) -> Decimal:
        """What the member owes for the whole year: `due_in` of each of its twelve months."""
        return sum((self.due_in(dt.date(self.year, m, 1)) for m in range(1, 13)), Decimal("0.00"))

    @property
    def rate_text(self) -> str:
        """The rate as people write it: 1.5%."""
        return "" if self.rate is None else f"{(self.rate * 100).normalize():f}%"
