"""党内统计 pages for the organization department and committees: the tables with every cell a link
to the people it counts, the check results naming the people behind each difference, the
differences against the filed tables, the export (Excel, PDF) and filing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine.errors import DomainError, ValidationFailed
from organizations.selectors import organization_in_scope
from oversight.party_statistics.export import statistics_workbook
from oversight.party_statistics.selectors import (
    Statistics,
    cell_view,
    default_cutoff,
    parse_cutoff,
    statistics_view,
)
from oversight.party_statistics.services import may_file, statistics_file
from printing.party_statistics import statistics_pdf
from workflows.replica import reads_from_replica

from . import reports
from .guard import bad_request
from .views import attachment, scoped


def _stats(request, source) -> Statistics:
    choices = reports.overseen_organizations(request.user)
    wanted = source.get("organization")
    if wanted:
        org = organization_in_scope(request.user, wanted)
    elif choices:
        org = choices[0]
    else:
        org = organization_in_scope(request.user, None)  # not found
    return Statistics(org, parse_cutoff(source.get("cutoff")))


def _refused(request, e: ValidationFailed) -> HttpResponse:
    return bad_request(
        request, {k: "；".join(str(x) for x in v) for k, v in (e.fields or {}).items()}, str(e)
    )


@scoped
@reads_from_replica()
def statistics(request) -> HttpResponse:
    try:
        stats = _stats(request, request.GET)
    except ValidationFailed as e:
        return _refused(request, e)
    view = statistics_view(stats)
    cutoff = stats.comp.cutoff
    year = default_cutoff().year
    return render(
        request,
        "web/statistics.html",
        {
            "org": stats.root,
            "choices": reports.overseen_organizations(request.user),
            "view": view,
            "query": urlencode({"organization": stats.root.pk, "cutoff": cutoff.isoformat()}),
            "cutoffs": [f"{y}-12-31" for y in (year, year - 1)] + [f"{year}-06-30"],
            "may_file": may_file(request.user, stats.root) and view["filing"] is None,
            "nav_active": "committee",
        },
    )


@scoped
@reads_from_replica()
def statistics_cell(request) -> HttpResponse:
    try:
        stats = _stats(request, request.GET)
        cell = cell_view(
            stats,
            request.GET.get("table", ""),
            request.GET.get("row", ""),
            request.GET.get("col", ""),
        )
    except ValidationFailed as e:
        return _refused(request, e)
    back = urlencode({"organization": stats.root.pk, "cutoff": cell["cutoff"]})
    return render(
        request,
        "web/statistics_cell.html",
        {"cell": cell, "back": back, "nav_active": "committee"},
    )


@scoped
@reads_from_replica()
def statistics_export(request) -> HttpResponse:
    try:
        stats = _stats(request, request.GET)
    except ValidationFailed as e:
        return _refused(request, e)
    name = f"党内统计-{stats.root.name}-{stats.comp.cutoff.isoformat()}"
    if request.GET.get("format") == "pdf":
        return attachment(statistics_pdf(stats), "application/pdf", f"{name}.pdf")
    return attachment(
        statistics_workbook(stats),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{name}.xlsx",
    )


@require_POST
@scoped
def statistics_filing(request) -> HttpResponse:
    org = organization_in_scope(request.user, request.POST.get("organization"))
    try:
        cutoff = parse_cutoff(request.POST.get("cutoff"))
        statistics_file(actor=request.user, organization=org, cutoff=cutoff)
        messages.success(request, _("已报送并冻结截至 %(d)s 的党内统计。") % {"d": cutoff})
    except ValidationFailed as e:
        return _refused(request, e)
    except DomainError as e:
        messages.error(request, str(e))
        cutoff = request.POST.get("cutoff", "")
    query = urlencode({"organization": org.pk, "cutoff": str(cutoff)})
    return redirect(f"{reverse('web:statistics')}?{query}")
