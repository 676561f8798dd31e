"""P7 pages for the organization department: the graduation batch (the graduates' list to upload,
its template, the row-by-row preview, starting all in one click) and each batch's summary with its
Excel export. The same functions as the API (`procedures.transfer.batch`) do the work; the list
uploaded for the preview is kept in the session until it is started, so "start" starts exactly
what was previewed."""

from __future__ import annotations

import base64
import datetime as dt

from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine.errors import DomainError
from organizations.models import AwayKind, MemberStatus, OrgKind
from organizations.selectors import away_history, is_org_department
from procedures.member_away import PROCESS as AWAY
from procedures.member_development.selectors import member_for_user
from procedures.transfer.batch import (
    graduation_preview,
    graduation_start,
    graduation_summary,
    recent_batches,
    summary_workbook,
    template_workbook,
)
from procedures.transfer.procedure import (
    DESTINATIONS,
    IN,
    INTERNAL,
    ISSUER_KINDS,
    LETTER_FIELDS,
    OUT,
)
from procedures.transfer.selectors import branches_receiving, internal_targets, may_start_transfer
from workflows.services import case_start_in_scope

from .views import attachment, scoped

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "graduation_upload"
# The list is kept in the session between the preview and the start: a few thousand graduates
# fit in well under this.
UPLOAD_MAX_BYTES = 2 * 1024 * 1024


def _org_department(request) -> None:
    if not is_org_department(request.user):
        raise Http404


def _kept_file(request) -> SimpleUploadedFile | None:
    kept = request.session.get(SESSION_KEY)
    if not kept:
        return None
    return SimpleUploadedFile(kept["name"], base64.b64decode(kept["content"]))


def _error(exc: DomainError) -> dict:
    return {
        "message": str(exc.message),
        "fields": {k: "；".join(str(x) for x in v) for k, v in (exc.fields or {}).items()},
    }


@scoped
def graduation(request) -> HttpResponse:
    """GET: the batches in scope (and, for the organization department, the upload form); POST:
    the preview of the uploaded list (the organization department only)."""
    may_upload = is_org_department(request.user)
    if request.method == "POST" and not may_upload:
        raise Http404
    preview, error, name = None, None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = {"message": _("请选择毕业生名单 Excel 文件。"), "fields": {}}
        elif upload.size > UPLOAD_MAX_BYTES:
            error = {
                "message": _("名单文件不能超过 2 MB。"),
                "fields": {"file": _("文件过大")},
            }
        else:
            content = upload.read()
            name = upload.name
            try:
                preview = graduation_preview(
                    actor=request.user, file=SimpleUploadedFile(name, content)
                )
            except DomainError as exc:
                error = _error(exc)
            else:
                request.session[SESSION_KEY] = {
                    "name": name,
                    "content": base64.b64encode(content).decode("ascii"),
                }
    return render(
        request,
        "web/graduation.html",
        {
            "preview": preview,
            "file_name": name,
            "error": error,
            "batches": recent_batches(request.user),
            "may_upload": may_upload,
            "nav_active": "transfers",
        },
        status=400 if error else 200,
    )


@require_POST
@scoped
def graduation_start_view(request) -> HttpResponse:
    """Start every row of the previewed list, all or none."""
    _org_department(request)
    upload = _kept_file(request)
    if upload is None:
        messages.error(request, _("请先上传名单并查看预览。"))
        return redirect("web:graduation")
    try:
        result = graduation_start(actor=request.user, file=upload)
    except DomainError as exc:
        preview = (exc.details or {}).get("preview")
        return render(
            request,
            "web/graduation.html",
            {
                "preview": preview,
                "file_name": upload.name,
                "error": _error(exc),
                "batches": recent_batches(request.user),
                "may_upload": True,
                "nav_active": "transfers",
            },
            status=400,
        )
    request.session.pop(SESSION_KEY, None)
    messages.success(request, _("已发起 %(n)s 人的组织关系转出。") % {"n": result["started"]})
    return redirect(reverse("web:graduation_batch", args=[result["batch"]]))


@scoped
def graduation_template(request) -> HttpResponse:
    _org_department(request)
    return attachment(template_workbook(), XLSX, _("毕业生组织关系转接名单模板.xlsx"))


@scoped
def graduation_batch(request, batch: str) -> HttpResponse:
    """A batch's progress in scope (an unknown batch, or one with no case in scope, is the 404)."""
    summary = graduation_summary(actor=request.user, batch=batch[:40])
    if request.GET.get("export") == "xlsx":
        return attachment(
            summary_workbook(summary),
            XLSX,
            f"{summary['title']}-{dt.date.today():%Y%m%d}.xlsx",
        )
    return render(
        request,
        "web/graduation_batch.html",
        {"summary": summary, "nav_active": "transfers"},
    )


# --- one transfer: out or within the university from the member's page; in from the roster ---


def _field_errors(exc: DomainError) -> dict[str, str]:
    """The refusal's fields by the form's input names (`data.letter.serial` → `serial`)."""
    return {
        k.rsplit(".", 1)[-1]: "；".join(str(x) for x in v) for k, v in (exc.fields or {}).items()
    }


def _int(value: str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value or ""


def _member_and_branch(request, member_id: int) -> tuple:
    """The member (in scope; his branch managed by the user, else the 404 page) and his branch
    (the branch above a Party group)."""
    member = member_for_user(request.user, member_id)
    if not may_start_transfer(request.user, member):
        raise Http404
    branch = member.organization
    if branch.kind != OrgKind.BRANCH and branch.parent_id:
        branch = branch.parent
    return member, branch


def _start_for(request, process: str, member, branch, data: dict) -> tuple:
    """(the case started for the member, None) or (None, the refusal by the form's fields)."""
    try:
        case = case_start_in_scope(
            actor=request.user,
            process_id=process,
            organization_id=branch.pk,
            subject_member_id=member.pk,
            data=data,
        )
    except DomainError as exc:
        return None, {"message": str(exc.message), "fields": _field_errors(exc)}
    return case, None


@scoped
def member_transfer(request, member_id: int) -> HttpResponse:
    """Start a transfer out (to another unit, or retained) or within the university for one
    member, through the same service as the API; refused starts come back naming the field."""
    member, branch = _member_and_branch(request, member_id)
    form = {"kind": "out", "destination": "employer"}
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in TRANSFER_FIELDS}
        if form["kind"] == "internal":
            process, data = (
                INTERNAL,
                {"member": {"id": member.pk}, "to_branch": {"id": _int(form["to_branch"])}},
            )
        else:
            process, data = (
                OUT,
                {
                    "member": {"id": member.pk},
                    "destination": form["destination"],
                    "receiving_organization": form["receiving_organization"],
                },
            )
        case, error = _start_for(request, process, member, branch, data)
        if case is not None:
            messages.success(request, _("已发起 %(n)s 的组织关系转接。") % {"n": member.name})
            return redirect("web:case", case_id=case.pk)
    return render(
        request,
        "web/transfer_start.html",
        {
            "member": member,
            "branch": branch,
            "form": form,
            "error": error,
            "destinations": DESTINATIONS.items(),
            "targets": internal_targets(member),
            "nav_active": "roster",
        },
        status=400 if error else 200,
    )


AWAY_FIELDS = (
    "kind",
    "place",
    "card_no",
    "contact_person",
    "contact_phone",
    "started_on",
    "expected_return_on",
)


@scoped
def member_away_register(request, member_id: int) -> HttpResponse:
    """Register a member as mobile (流动党员) or abroad (出国（境）) from his page, through the same
    service as the API (`member_away`); a refusal comes back naming the field."""
    member, branch = _member_and_branch(request, member_id)
    history = away_history(member)
    form = {"kind": AwayKind.MOBILE}
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in AWAY_FIELDS}
        data = {"member": {"id": member.pk}, **{k: v for k, v in form.items() if v}}
        case, error = _start_for(request, AWAY, member, branch, data)
        if case is not None:
            messages.success(request, _("已登记 %(n)s 外出。") % {"n": member.name})
            return redirect("web:case", case_id=case.pk)
    return render(
        request,
        "web/member_away.html",
        {
            "member": member,
            "branch": branch,
            "form": form,
            "error": error,
            "kinds": AwayKind.choices,
            "history": history,
            "away_open": any(a.ended_on is None for a in history),
            "nav_active": "roster",
        },
        status=400 if error else 200,
    )


@scoped
def transfer_in_new(request) -> HttpResponse:
    """Register a member transferred in with the letter as it reads (transfer.md flow B)."""
    branches = list(branches_receiving(request.user))
    if not branches:
        raise Http404
    form = {"organization": str(branches[0].pk), "status": "full", "issuer_kind": "committee"}
    form["validity_days"] = "30"
    error = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in TRANSFER_IN_FIELDS}
        person = {k: form[k] for k in ("name", "status", "phone", "joined_on") if form[k]}
        letter = {
            k: form[k]
            for k in (
                "serial",
                "issuer",
                "issuer_kind",
                "issued_on",
                "dues_paid_through",
                "from_organization",
            )
        }
        letter["validity_days"] = _int(form["validity_days"])
        try:
            case = case_start_in_scope(
                actor=request.user,
                process_id=IN,
                organization_id=_int(form["organization"]) or 0,
                subject=form["name"],
                data={"source": "letter", "person": person, "letter": letter},
            )
        except DomainError as exc:
            error = {"message": str(exc.message), "fields": _field_errors(exc)}
        else:
            messages.success(request, _("已登记 %(n)s 的组织关系转入。") % {"n": form["name"]})
            return redirect("web:case", case_id=case.pk)
    return render(
        request,
        "web/transfer_in.html",
        {
            "branches": branches,
            "form": form,
            "error": error,
            "statuses": [
                (MemberStatus.FULL, MemberStatus.FULL.label),
                (MemberStatus.PROBATIONARY, MemberStatus.PROBATIONARY.label),
            ],
            "issuer_kinds": ISSUER_KINDS.items(),
            "nav_active": "roster",
        },
        status=400 if error else 200,
    )


TRANSFER_FIELDS = ("kind", "destination", "receiving_organization", "to_branch")
TRANSFER_IN_FIELDS = (
    "organization",
    "name",
    "status",
    "phone",
    "joined_on",
    *LETTER_FIELDS,
    "from_organization",
)
