"""Messages that leave the system: each person's notification settings (/settings/notifications/)
and, for the organization department, the delivery log with each channel's health (/deliveries/).
The same services and selectors as /api/notification-preferences/ and /api/deliveries/."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from engine.errors import ValidationFailed
from notifications import deliveries as delivery_services
from notifications import selectors as notification_selectors
from notifications.channels import configured_codes
from notifications.models import Channel, DeliveryStatus
from workflows import display

from .views import scoped


def _time(value: str, field: str, errors: dict) -> dt.time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        errors[field] = _("请按 时:分 填写，例如 22:00。")
        return None


@scoped
def notification_settings(request) -> HttpResponse:
    pref = delivery_services.preference_of(request.user)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        quiet_start = _time(p.get("quiet_start"), "quiet_start", errors)
        quiet_end = _time(p.get("quiet_end"), "quiet_end", errors)
        values = {
            "channels": p.getlist("channels"),
            "digest": p.get("digest") == "1",
            "overdue_immediate": p.get("overdue_immediate") == "1",
            "wecom_userid": p.get("wecom_userid", "")[:64],
            "mobile": p.get("mobile", "")[:20],
        }
        if not errors:
            try:
                delivery_services.preference_update(
                    actor=request.user, quiet_start=quiet_start, quiet_end=quiet_end, **values
                )
            except ValidationFailed as exc:
                errors = dict(exc.fields)
            else:
                messages.success(request, _("通知设置已保存。"))
                return redirect("web:notification_settings")
        pref.channels, pref.digest = values["channels"], values["digest"]
        pref.overdue_immediate = values["overdue_immediate"]
        pref.wecom_userid, pref.mobile = values["wecom_userid"], values["mobile"]
        pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
    channels = [
        {"code": c, "label": Channel(c).label, "checked": c in pref.channels}
        for c in configured_codes()
    ]
    return render(
        request,
        "web/notification_settings.html",
        {
            "pref": pref,
            "channels": channels,
            "errors": errors,
            "has_email": bool(request.user.email),
            "nav_active": "notifications",
        },
        status=400 if errors else 200,
    )


@scoped
def deliveries(request) -> HttpResponse:
    status = request.GET.get("status") or None
    channel = request.GET.get("channel") or None
    status = status if status in DeliveryStatus.values else None
    channel = channel if channel in Channel.values else None
    health = notification_selectors.channel_health(
        request.user, since=timezone.now() - dt.timedelta(days=7)
    )
    qs = notification_selectors.deliveries_for_user(request.user, status=status, channel=channel)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    names = display.user_names(d.recipient_id for d in page)
    rows = [{"d": d, "recipient": names.get(d.recipient_id, "")} for d in page]
    return render(
        request,
        "web/deliveries.html",
        {
            "health": health,
            "rows": rows,
            "page": page,
            "status": status or "",
            "channel": channel or "",
            "statuses": DeliveryStatus.choices,
            "channel_choices": Channel.choices,
            "max_attempts": settings.PARTYFLOW["DELIVERY_MAX_ATTEMPTS"],
            "nav_active": "deliveries",
        },
    )
