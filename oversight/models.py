"""The reports' own records: the 党内统计 tables as filed (frozen)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StatisticsFiling(models.Model):
    """A year's 党内统计 tables as the organization filed them, frozen: every cell's number and the
    ids of the people (or organizations) behind it, so a later change to the records shows as a
    difference against what was filed, person by person. Written by
    `oversight.party_statistics.services.statistics_file`; never updated."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    cutoff = models.DateField(_("统计截止日期"))
    # {table: {"row|col": [ids]}} and {table: {"row|col": number}}.
    people = models.JSONField(default=dict)
    values = models.JSONField(default=dict)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    note = models.CharField(_("备注"), max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cutoff"], name="uniq_statistics_filing"
            )
        ]
        verbose_name = _("党内统计报表（已报送）")
