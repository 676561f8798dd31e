"""The organization department's records in Django's admin (in Chinese: LANGUAGE_CODE zh-hans).

Who may use it: superusers and the organization department (`is_org_department`), nobody else,
whatever their staff flag. Every save goes through `organizations.services` (the same audited
services as the API); the save hooks below are thin on purpose so they can be pointed at the
audited `user_*`, `organization_*`, `member_*`, `role_assignment_*` services when those land.
Deleting is not offered: records the history refers to are kept (the API answers 409 `in_use`).
A refused save (a rule of the services) is shown as the service's message and nothing is saved.
"""

from __future__ import annotations

import logging

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from engine.errors import DomainError
from organizations import services
from organizations.models import Member, Organization, RoleAssignment
from organizations.selectors import is_org_department

User = get_user_model()
log = logging.getLogger("partyflow.web")

admin.site.site_header = _("党组织管理（组织部）")
admin.site.site_title = _("党组织管理")
admin.site.index_title = _("组织、党员、用户与角色")
admin.site.site_url = "/inbox/"


def _org_department(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or is_org_department(user))


def _login(request, extra_context=None):
    """The admin has no login of its own: people log in on the workplace's login page ("/")."""
    return redirect_to_login(request.GET.get("next") or request.get_full_path(), "web:login")


# Plural names as people say them (the models' Meta has none; adding it would need a migration).
PLURALS = {
    "Organization": _("党组织"),
    "Member": _("党员"),
    "RoleAssignment": _("角色任职"),
    "User": _("用户"),
    "AccessAttempt": _("登录锁定"),
}
# Labels of relations whose model fields carry no Chinese verbose name.
FIELD_LABELS = {"organization": _("所属组织"), "user": _("登录用户"), "parent": _("上级组织")}

_get_app_list = admin.site.get_app_list


def _app_list(request, app_label=None):
    apps = _get_app_list(request, app_label)
    for app in apps:
        for model in app["models"]:
            model["name"] = PLURALS.get(model["object_name"], model["name"])
    return apps


admin.site.has_permission = _org_department
admin.site.login = _login
admin.site.get_app_list = _app_list


class ServiceAdmin(admin.ModelAdmin):
    """Permissions by role (not Django's per-model permissions); saves through a service."""

    def has_module_permission(self, request) -> bool:
        return _org_department(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _org_department(request)

    def has_add_permission(self, request) -> bool:
        return _org_department(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _org_department(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs) -> type:
        form = super().get_form(request, obj, change=change, **kwargs)
        for name, text in FIELD_LABELS.items():
            if name in form.base_fields:
                form.base_fields[name].label = text
        return form

    def changeform_view(
        self, request, object_id=None, form_url="", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as e:  # the admin's transaction rolled back: nothing was saved
            fields = "；".join(f"{k}：{'，'.join(v)}" for k, v in e.fields.items())
            self.message_user(request, f"{e.message} {fields}".strip(), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def _changed(form) -> dict:
        return {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data
        }


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ("name", "kind", "branch_kind", "parent", "has_approval_authority", "term_end")
    list_filter = ("kind", "branch_kind", "has_approval_authority")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    fields = (
        "parent",
        "name",
        "kind",
        "branch_kind",
        "has_approval_authority",
        "departments",
        "term_start",
        "term_end",
        "founded_on",
        "dissolved_on",
        "dues_tracked_since",
    )

    def save_model(self, request, obj, form, change) -> None:
        if change:
            original = Organization.objects.get(pk=obj.pk)
            services.organization_update(
                actor=request.user, organization=original, **self._changed(form)
            )
        else:
            data = dict(form.cleaned_data)
            created = services.organization_create(
                actor=request.user,
                parent=data.pop("parent"),
                name=data.pop("name"),
                kind=data.pop("kind"),
                **data,
            )
            obj.pk, obj.path = created.pk, created.path


@admin.register(Member)
class MemberAdmin(ServiceAdmin):
    list_display = ("name", "organization", "status", "rights_suspended", "joined_on")
    list_filter = ("status", "rights_suspended")
    search_fields = ("name",)
    autocomplete_fields = ("organization", "user")

    def save_model(self, request, obj, form, change) -> None:
        if change:
            services.member_update(
                actor=request.user, member=Member.objects.get(pk=obj.pk), **self._changed(form)
            )
        else:
            data = dict(form.cleaned_data)
            created = services.member_create(
                actor=request.user,
                organization=data.pop("organization"),
                name=data.pop("name"),
                **data,
            )
            obj.pk = created.pk


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdmin):
    list_display = ("user", "role", "organization", "post", "term_start", "term_end")
    list_filter = ("role",)
    search_fields = ("user__username", "organization__name")
    autocomplete_fields = ("user", "organization")

    def has_change_permission(self, request, obj=None) -> bool:
        # There is no update service for role grants yet (issue 14 adds role_assignment_*): a grant
        # is ended by a new one; the change page is read-only until then.
        return False

    def save_model(self, request, obj, form, change) -> None:
        d = form.cleaned_data
        created = services.role_assignment_create(
            actor=request.user,
            user=d["user"],
            role=d["role"],
            organization=d["organization"],
            term_start=d.get("term_start"),
            term_end=d.get("term_end"),
        )
        obj.pk = created.pk


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PartyflowUserAdmin(ServiceAdmin, UserAdmin):
    """Users. No `user_*` service exists yet (issue 14 adds them): the save hook is the one place to
    point at `user_create` / `user_update`; until then it saves as Django's UserAdmin does."""

    list_display = ("username", "first_name", "last_name", "email", "is_active")
    list_filter = ("is_active",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)


# Login lockouts (django-axes, README "Deployment"): the organization department sees who is locked
# and lifts a lock by deleting the account's or address's failed attempts (the action below, or
# the delete page). Nobody adds or edits an attempt.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginLockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    def has_module_permission(self, request) -> bool:
        return _org_department(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _org_department(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _org_department(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("解除锁定（清除所选的失败登录记录）"))
    def unlock(self, request, queryset) -> None:
        users = sorted({a.username for a in queryset if a.username})
        addresses = sorted({a.ip_address for a in queryset if a.ip_address})
        count, _deleted = queryset.delete()
        log.info("login lock lifted by %s: %s %s", request.user, users, addresses)
        self.message_user(
            request,
            _("已解除 %(n)s 条锁定：%(who)s") % {"n": count, "who": "、".join(users + addresses)},
            messages.SUCCESS,
        )
