"""Party dues pages (党费): the branch's yearly base entry (年度核定: bulk entry and payroll import),
the monthly collection sheet with tick-to-record (htmx), and the committee's remittance summary by
month with its Excel export. Thin: each calls the dues selectors and services the API calls."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from engine.calendar import RECORD_YEARS, today
from engine.errors import DomainError, ValidationFailed
from organizations.models import Member
from organizations.selectors import organization_in_scope
from orglife import dues_selectors, dues_services
from orglife import selectors as orglife_selectors
from orglife.dues_export import remittance_workbook
from orglife.models import DuesCategory, DuesRelief
from procedures import dues_relief
from workflows.replica import reads_from_replica

from . import reports
from .views import attachment, scoped


def _month(value: str | None) -> dt.date:
    m = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value or "")
    if m and int(m.group(1)) in RECORD_YEARS:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    return today().replace(day=1)


def _year(value: str | None) -> int:
    if value and re.fullmatch(r"\d{4}", value) and int(value) in RECORD_YEARS:
        return int(value)
    return today().year


def _branch(request, source):
    branches = list(orglife_selectors.organizations_recordable(request.user).filter(kind="branch"))
    wanted = source.get("organization")
    if wanted:
        return wanted, branches
    if not branches:
        raise Http404
    return branches[0].pk, branches


@scoped
def dues_collection(request) -> HttpResponse:
    org_id, branches = _branch(request, request.GET)
    month = _month(request.GET.get("month"))
    sheet = dues_selectors.dues_collection(request.user, organization_id=org_id, month=month)
    return render(
        request,
        "web/dues_collection.html",
        {
            "sheet": sheet,
            "branches": branches,
            "rules": dues_selectors.dues_rules(),
            "prev": dues_services.add_months(month, -1),
            "next": dues_services.add_months(month, 1),
            "nav_active": "records",
        },
    )


@scoped
def dues_tick(request) -> HttpResponse:
    """Tick one member's month as paid today (htmx: the row comes back, paid or with the reason it
    was refused; without htmx: back to the sheet)."""
    if request.method != "POST":
        raise Http404
    month = _month(request.POST.get("month"))
    raw = request.POST.get("member", "")
    member = (
        Member.objects.filter(pk=int(raw) if raw.isdecimal() and len(raw) <= 18 else 0)
        .select_related("organization")
        .first()
    )
    if member is None:
        raise Http404
    branch = (
        member.organization if member.organization.kind == "branch" else member.organization.parent
    )
    error = None
    try:
        organization_in_scope(request.user, branch.pk)
        dues_services.dues_collect(actor=request.user, member=member, month=month)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from None
        error = exc.message
    sheet = dues_selectors.dues_collection(request.user, organization_id=branch.pk, month=month)
    row = next((r for r in sheet["rows"] if r["member"].pk == member.pk), None)
    if row is None:
        raise Http404
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("已记录：%(name)s") % {"name": member.name})
        return redirect(f"{reverse('web:dues')}?organization={branch.pk}&month={month:%Y-%m}")
    return render(
        request, "web/_dues_row.html", {"r": row, "sheet": sheet, "error": error, "oob": True}
    )


@scoped
def dues_bases(request) -> HttpResponse:
    """The branch's 年度核定表: category and base for each member, saved all at once, or a payroll
    workbook imported; the relief each member has (少交/免交) and its approval."""
    source = request.POST if request.method == "POST" else request.GET
    org_id, branches = _branch(request, source)
    year = _year(source.get("year"))
    errors, status = {}, 200
    if request.method == "POST":
        sheet = dues_selectors.dues_assessment_sheet(
            request.user, organization_id=org_id, year=year
        )
        try:
            if request.POST.get("relief_for"):
                assessment = next(
                    (
                        r["assessment"]
                        for r in sheet["rows"]
                        if r["assessment"] and str(r["assessment"].pk) == request.POST["relief_for"]
                    ),
                    None,
                )
                if assessment is None:
                    raise ValidationFailed(
                        _("请选择已核定党费的党员。"),
                        code="required",
                        fields={"relief_for": [_("请选择党员")]},
                    )
                dues_relief.dues_relief_start(
                    actor=request.user,
                    assessment=assessment,
                    relief=request.POST.get("relief", ""),
                    reason=request.POST.get("reason", ""),
                    amount=request.POST.get("amount", "").strip() or None,
                    months={
                        "from": request.POST.get("months_from", "").strip() or None,
                        "until": request.POST.get("months_until", "").strip() or None,
                    },
                )
                messages.success(
                    request,
                    _("已报上级党委审批：%(name)s") % {"name": assessment.member.name},
                )
                return redirect(
                    f"{reverse('web:dues_bases')}?organization={sheet['branch'].pk}&year={year}"
                )
            if request.FILES.get("file"):
                saved = dues_services.dues_payroll_import(
                    actor=request.user,
                    organization=sheet["branch"],
                    year=year,
                    file=request.FILES["file"],
                )
            else:
                rows = []
                for r in sheet["rows"]:
                    m = r["member"]
                    category = request.POST.get(f"category_{m.pk}", "")
                    if not category:
                        continue
                    rows.append(
                        {
                            "member": m.pk,
                            "category": category,
                            "base": request.POST.get(f"base_{m.pk}", "").strip() or None,
                        }
                    )
                saved = dues_services.dues_assessments_set(
                    actor=request.user, organization=sheet["branch"], year=year, rows=rows
                )
        except DomainError as exc:
            errors = {"form": [str(exc.message)], **exc.fields}
            status = 400
        else:
            messages.success(request, _("已保存 %(n)s 名党员的党费基数。") % {"n": len(saved)})
            return redirect(
                f"{reverse('web:dues_bases')}?organization={sheet['branch'].pk}&year={year}"
            )
    sheet = dues_selectors.dues_assessment_sheet(request.user, organization_id=org_id, year=year)
    row_errors = {}
    for key, msgs in errors.items():
        m = re.fullmatch(r"rows\[(\d+)\]\.(\w+)", key)
        if m:
            row_errors.setdefault(int(m.group(1)), []).extend(msgs)
    posted = request.POST if request.method == "POST" else {}
    rows = []
    for r in sheet["rows"]:
        a, m = r["assessment"], r["member"]
        rows.append(
            {
                **r,
                "category": posted.get(f"category_{m.pk}")
                or (a.category if a else _default_category(m)),
                "base": posted.get(f"base_{m.pk}") or (a.base if a and a.base is not None else ""),
            }
        )
    # Errors are named by the row of the submitted list: map them back to members.
    submitted = [r for r in rows if posted.get(f"category_{r['member'].pk}")]
    for i, msgs in row_errors.items():
        if i < len(submitted):
            submitted[i]["errors"] = msgs
    return render(
        request,
        "web/dues_bases.html",
        {
            "sheet": sheet,
            "rows": rows,
            "branches": branches,
            "categories": DuesCategory.choices,
            "reliefs": [c for c in DuesRelief.choices if c[0]],
            "relief_values": posted if posted.get("relief_for") else {},
            "errors": errors,
            "nav_active": "records",
        },
        status=status,
    )


def _default_category(member) -> str:
    return dues_services.CATEGORY_BY_PERSON.get(member.person_category, DuesCategory.WORKING)


def _remittance(request):
    choices = reports.overseen_organizations(request.user)
    wanted = request.GET.get("organization") or (choices[0].pk if choices else None)
    if wanted is None:
        raise Http404
    year = _year(request.GET.get("year"))
    return dues_selectors.dues_remittance(request.user, organization_id=wanted, year=year), choices


@scoped
@reads_from_replica()
def dues_remittance(request) -> HttpResponse:
    """The summary, and the 少交/免交 applications below the organization waiting for a committee
    (with approve and refuse for those who may decide them)."""
    summary, choices = _remittance(request)
    path = summary["organization"].path
    pending = [
        {
            "a": a,
            "may_decide": dues_services.may_decide_relief(
                request.user, dues_services.dues_relief_branch(a)
            ),
        }
        for a in dues_selectors.dues_reliefs_pending(request.user)
        if a.member.organization.path.startswith(path)
    ]
    return render(
        request,
        "web/dues_remittance.html",
        {"summary": summary, "choices": choices, "pending": pending, "nav_active": "committee"},
    )


@scoped
def dues_relief_decision(request, assessment_id: int) -> HttpResponse:
    """The committee approves or refuses a pending 少交/免交 (DUES-2008 Art. 7)."""
    if request.method != "POST":
        raise Http404
    assessment = (dues_selectors.dues_reliefs_pending(request.user, ids=[assessment_id]) or [None])[
        0
    ]
    if assessment is None:
        raise Http404
    try:
        dues_relief.dues_relief_case_decide(
            actor=request.user,
            assessment=assessment,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("已审批：%(name)s %(year)s 年%(relief)s")
            % {
                "name": assessment.member.name,
                "year": assessment.year,
                "relief": assessment.get_relief_display(),
            },
        )
    back = request.POST.get("organization", "")
    query = f"?organization={back}&year={assessment.year}" if back.isdigit() else ""
    return redirect(f"{reverse('web:dues_remittance')}{query}")


@scoped
@reads_from_replica()
def dues_remittance_export(request) -> HttpResponse:
    summary, _choices = _remittance(request)
    return attachment(
        remittance_workbook(summary),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"党费上缴汇总-{summary['organization'].name}-{summary['year']}.xlsx",
    )
