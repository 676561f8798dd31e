"""Query parameters read the same way by every endpoint: a wrong one is a 400 naming it."""

import datetime as dt

from engine.calendar import RECORD_YEARS
from engine.errors import ValidationFailed
from engine.i18n import _
from organizations.models import Member, Organization
from organizations.selectors import members_visible, organization_in_scope


def int_param(request, name) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(
            _("参数 %(n)s 须为整数。") % {"n": name},
            code="invalid_parameter",
            fields={name: [_("须为整数")]},
        ) from None


def required_int_param(request, name) -> int:
    value = int_param(request, name)
    if value is None:
        raise ValidationFailed(
            _("缺少参数 %(n)s。") % {"n": name}, code="required", fields={name: [_("必填")]}
        )
    return value


def year_param(request, *, required: bool = False) -> int | None:
    """`?year=`: a calendar year between 1921 (the Party's founding) and 9999, else 400 naming it;
    absent: None, or a 400 when `required`."""
    year = required_int_param(request, "year") if required else int_param(request, "year")
    if year is not None and year not in RECORD_YEARS:
        raise ValidationFailed(
            _("参数 year 须为 1921 至 9999 之间的年份。"),
            code="invalid_parameter",
            fields={"year": [_("须为 1921 至 9999 之间的年份")]},
        )
    return year


def date_param(request, name) -> dt.date | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("参数 %(n)s 须为日期（YYYY-MM-DD）。") % {"n": name},
            code="invalid_parameter",
            fields={name: [_("日期格式应为 YYYY-MM-DD")]},
        ) from None


def text_param(request, name, max_length=100) -> str | None:
    """A search text: at most `max_length` characters (a longer one is no name or subject, and
    SQLite refuses a LIKE pattern over 50,000 bytes)."""
    value = request.query_params.get(name)
    if value and len(value) > max_length:
        raise ValidationFailed(
            _("参数 %(n)s 不能超过 %(m)s 个字符。") % {"n": name, "m": max_length},
            code="invalid_parameter",
            fields={name: [_("不能超过 %(m)s 个字符") % {"m": max_length}]},
        )
    return value


def bool_param(request, name) -> bool | None:
    value = request.query_params.get(name)
    return None if value in (None, "") else value.lower() in ("1", "true", "yes")


def organization_param(request) -> Organization:
    """`?organization=` (required): an organization whose subtree the caller may read, else 404."""
    org = int_param(request, "organization")
    if org is None:
        raise ValidationFailed(
            _("请指定组织。"), code="organization_required", fields={"organization": [_("必填")]}
        )
    return organization_in_scope(request.user, org)


def member_in_body(user, member_id: int) -> Member:
    """The member a request body names (`member`): one `user` may read, else a 400 naming the
    field; a member out of scope answers like one that does not exist."""
    member = members_visible(user).filter(pk=member_id).first()
    if member is None:
        raise ValidationFailed(
            _("党员不存在。"), code="member_not_found", fields={"member": [_("不存在")]}
        )
    return member
