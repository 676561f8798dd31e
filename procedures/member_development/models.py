"""P1 member development outside the workflow state: the member's status history and the records of
recurring obligations (half-yearly inspections, quarterly thought reports).

Obligations are not BPMN tasks: their due dates are computed from the rule set and the phase dates
in the case data (`development.obligations`), and only what was submitted is stored, one row per
report. A case running for years keeps a workflow state of fixed size. Writes go through
`development.services`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.codes import Misconduct


class ObligationKind(models.TextChoices):
    INSPECTION = "inspection", _("培养考察记录")
    THOUGHT_REPORT = "thought_report", _("思想汇报")


class Phase(models.TextChoices):
    ACTIVIST = "activist", _("入党积极分子阶段")
    PROBATIONARY = "probationary", _("预备期")


class ObligationRecord(models.Model):
    """One submitted inspection record or thought report: the n-th of its kind in its phase."""

    case = models.ForeignKey(
        "workflows.Case", on_delete=models.PROTECT, related_name="obligation_records"
    )
    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="obligation_records"
    )
    phase = models.CharField(max_length=20, choices=Phase.choices)
    kind = models.CharField(max_length=20, choices=ObligationKind.choices)
    seq = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    submitted_on = models.DateField()
    record = models.JSONField(default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "phase", "kind", "seq"], name="uniq_obligation_record"
            )
        ]


class StatusEvent(models.TextChoices):
    """党员增加/减少信息 outside development and transfer, recorded by the committee with the date it
    happened, the reason, who decided and the document (DT-2017 表1 rows 5, 10–12; S4, S9)."""

    DEATH = "death", _("死亡")
    SUSPENSION = "suspension", _("停止党籍")
    RESTORATION = "restoration", _("恢复党籍")
    EXPULSION = "expulsion", _("开除党籍")
    REMOVAL = "removal", _("除名")


class StatusChange(models.Model):
    """The member's record: each status change, with its effective date and the case (development)
    or the status event (`event`: death, 停止党籍, 恢复党籍, 出党) with who decided it and the
    document."""

    member = models.ForeignKey(
        "organizations.Member", on_delete=models.PROTECT, related_name="status_changes"
    )
    case = models.ForeignKey(
        "workflows.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    effective_on = models.DateField()
    note = models.CharField(max_length=200, blank=True, default="")
    event = models.CharField(max_length=20, choices=StatusEvent.choices, blank=True, default="")
    reason = models.CharField(_("原因"), max_length=200, blank=True, default="")
    decided_by = models.CharField(_("决定组织"), max_length=200, blank=True, default="")
    document_no = models.CharField(_("文号"), max_length=100, blank=True, default="")
    # 开除党籍 and 除名: what it was for (党统 表11 出党情况（二）).
    misconduct = models.CharField(
        _("违纪行为或具体表现"), max_length=20, choices=Misconduct.choices, blank=True, default=""
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_id", "id"]
        indexes = [models.Index(fields=["member", "id"])]
