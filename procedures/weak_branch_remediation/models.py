"""The weak-branch list (软弱涣散党支部名单) and the progress reports of each listing.

Written only by the remediation procedure's service-task effects (`.procedure`). The tables keep
their names from when the models lived in `oversight` (moved without touching the data). Progress reports live here, not in the workflow state, so a long
remediation does not grow the SpiffWorkflow task tree without bound.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListingStatus(models.TextChoices):
    LISTED = "listed", _("整顿中")
    REMOVED = "removed", _("已销号")
    CLOSED = "closed", _("回头看通过")


class WeakBranchListing(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="weak_branch_listings"
    )
    case = models.OneToOneField(
        "workflows.Case", on_delete=models.PROTECT, related_name="weak_branch_listing"
    )
    year = models.PositiveSmallIntegerField(_("认定年度"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.LISTED
    )
    # The identification signals with their evidence, as the committee saw them at designation.
    signals = models.JSONField(default=list)
    designated_on = models.DateField(_("认定日期"))
    plan_deadline = models.DateField(_("整顿期限"), null=True, blank=True)
    plans = models.PositiveSmallIntegerField(_("整顿方案次数"), default=0)
    # Secretary or committee adjustments made when a plan was renewed: [{date, secretary, committee}].
    adjustments = models.JSONField(default=list)
    removed_on = models.DateField(_("销号日期"), null=True, blank=True)
    recheck_due = models.DateField(_("回头看日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "oversight_weakbranchlisting"
        ordering = ["-year", "organization_id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="oversight_w_organiz_f49611_idx")
        ]
        verbose_name = _("软弱涣散党支部")


class ProgressReport(models.Model):
    listing = models.ForeignKey(WeakBranchListing, on_delete=models.CASCADE, related_name="reports")
    number = models.PositiveSmallIntegerField()
    reported_on = models.DateField(_("报告日期"))
    due_on = models.DateField(_("应报日期"))
    overdue = models.BooleanField(_("逾期报告"), default=False)
    progress = models.TextField(_("整改进展"))
    evidence = models.JSONField(default=list)

    class Meta:
        db_table = "oversight_progressreport"
        ordering = ["listing_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "number"], name="uniq_progress_report_number"
            )
        ]
