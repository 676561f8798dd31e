"""What the workplace keeps for its own pages: saved filters. Writes go through `web.services`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Role


class FilterPage(models.TextChoices):
    INBOX = "inbox", _("待办")
    CASES = "cases", _("流程查询")


class SavedFilter(models.Model):
    """A named inbox or case-search filter (the page's query string). Its owner sees it; an office
    (organization department or committee officer) may share it with a role within its subtree:
    every holder of that role at `shared_organization` or below sees it too (Camunda 7's shared
    filters, kept on the server so they follow the person to another device)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("名称"), max_length=60)
    page = models.CharField(_("页面"), max_length=10, choices=FilterPage.choices)
    query = models.CharField(_("筛选条件"), max_length=1000, blank=True, default="")
    shared_role = models.CharField(
        _("共享给角色"), max_length=32, choices=Role.choices, blank=True, default=""
    )
    shared_organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Recipients who hid this shared filter from their own pages (the owner and others still see it).
    hidden_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("已隐藏的用户")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("常用筛选")
        constraints = [
            models.UniqueConstraint(fields=["owner", "page", "name"], name="uniq_saved_filter_name")
        ]

    def __str__(self):
        return self.name
