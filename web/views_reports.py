"""Pages for the people who oversee and for a branch's records (part 2 of the workplace): the
committee page with its charts, the compliance drill-down and export, organizational-life records
(meetings with attendance and evidence, dues, the Excel import), the auditor's case search and the
member development record. Like every page they call the selectors and services the API calls, and
answer 404 for anything outside the user's scope."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine.calendar import office_date
from engine.errors import DomainError, NotFound, ValidationFailed
from organizations.codes import LostContactReason, Misconduct
from organizations.models import Member, MemberStatus
from organizations.rules import standard_sets
from organizations.selectors import decides_above, organization_in_scope, organizations_manageable
from organizations.services import member_contact_found, member_contact_lost
from orglife import selectors as orglife_selectors
from orglife import services as orglife_services
from orglife.dues_selectors import dues_paid_through
from orglife.importing import template_workbook
from orglife.models import MeetingFileKind, MeetingKind
from oversight.compliance import Period
from oversight.export import compliance_workbook
from oversight.roster import branch_roster, roster_workbook
from printing.selectors import document_for_meeting, document_for_member
from procedures.member_development import selectors as development
from procedures.member_development import services as development_services
from procedures.member_development.models import StatusEvent
from procedures.transfer.selectors import may_start_transfer
from workflows import services as wf_services
from workflows.archive import case_tasks
from workflows.models import TaskStatus
from workflows.replica import reads_from_replica
from workflows.selectors import processes_current

from . import reports
from . import selectors as web_selectors
from . import services as web_services
from .selectors import label
from .services import sharing_offices
from .views import attachment, scoped


def _period(request) -> Period:
    try:
        return Period.parse(request.GET.get("period") or str(dt.date.today().year))
    except DomainError:
        return Period.parse(str(dt.date.today().year))


def _wanted_or_first(request):
    """(the organization a page is about: `?organization=` in scope, else the first the user
    oversees, None when they oversee none; the ones they oversee, for the page's choice)."""
    choices = reports.overseen_organizations(request.user)
    wanted = request.GET.get("organization")
    if wanted:
        return organization_in_scope(request.user, wanted), choices
    return (choices[0] if choices else None), choices


def _overseen(request):
    """The organization the committee page is about: `?organization=` in scope, else the user's first."""
    org, choices = _wanted_or_first(request)
    if org is None:
        raise NotFound(_("您没有可查看的党委或党总支。"), code="organization_not_found")
    return org, choices


@scoped
@reads_from_replica()
def committee(request) -> HttpResponse:
    org, choices = _overseen(request)
    period = _period(request)
    ctx = {
        "org": org,
        "choices": choices,
        "period": period,
        "periods": reports.year_periods(),
        "terms": reports.term_rows(org),
        "compliance": reports.compliance_view(org, period),
        "pipeline": reports.pipeline_view(org),
        "compliance_trend": reports.compliance_trend_view(org),
        "funnel_trend": reports.funnel_trend_view(org),
        "weak": reports.weak_branch_rows(request.user, org),
        "nav_active": "committee",
    }
    return render(request, "web/committee.html", ctx)


@scoped
def overview(request) -> HttpResponse:
    """The landing dashboard of the organization department and committee officers: what is
    overdue in the subtree they oversee (`?organization=`, else their first)."""
    org, choices = _wanted_or_first(request)
    if org is None:
        return redirect("web:inbox")  # nothing to oversee: the inbox is their page
    return render(
        request,
        "web/overview.html",
        {
            "org": org,
            "choices": choices,
            **reports.overdue_view(request.user, org),
            "calendar_notice": web_selectors.calendar_notice(request.user),
            "nav_active": "overview",
        },
    )


@scoped
def my_cases(request) -> HttpResponse:
    """我的事项: the cases about the member who is signed in, and their own tasks in them."""
    return render(
        request,
        "web/my_cases.html",
        {"rows": web_selectors.my_cases(request.user), "nav_active": "mine"},
    )


@scoped
@reads_from_replica()
def compliance_cell(request, organization_id: int, code: str) -> HttpResponse:
    branch = organization_in_scope(request.user, organization_id)
    period = _period(request)
    cell = reports.compliance_cell(branch, code, period)
    if not cell:
        raise Http404
    return render(
        request,
        "web/compliance_cell.html",
        {"branch": branch, "cell": cell, "period": period, "nav_active": "committee"},
    )


def _standard_set_code(request) -> str:
    wanted = request.GET.get("standard_set") or ""
    return wanted if wanted in standard_sets() else "jsnu-2020"


@scoped
def standards(request) -> HttpResponse:
    """P6: branch × standard of the subtree the user oversees (a secretary: their branch) for a
    year, each cell opening the records it judges."""
    org, choices = _wanted_or_first(request)
    if org is None:  # a secretary: the first branch whose records they keep
        org = orglife_selectors.organizations_recordable(request.user).filter(kind="branch").first()
        if org is None:
            raise Http404
    code = _standard_set_code(request)
    year = reports.standards_year(request.GET.get("period"), org)
    return render(
        request,
        "web/standards.html",
        {
            "org": org,
            "choices": choices,
            "sets": [(c, s.title) for c, s in standard_sets().items()],
            "standard_set": code,
            "years": list(range(dt.date.today().year, dt.date.today().year - 4, -1)),
            "matrix": reports.standards_view(org, year, code),
            "nav_active": "committee" if choices else "roster",
        },
    )


@scoped
def standards_cell(request, organization_id: int, code: str) -> HttpResponse:
    branch = organization_in_scope(request.user, organization_id)
    set_code = _standard_set_code(request)
    year = reports.standards_year(request.GET.get("period"), branch)
    cell = reports.standards_cell(request.user, branch, code, year, set_code)
    if not cell:
        raise Http404
    return render(
        request,
        "web/standards_cell.html",
        {
            "branch": branch,
            "cell": cell,
            "year": year,
            "standard_set": set_code,
            "nav_active": "committee",
        },
    )


@scoped
@reads_from_replica()
def compliance_export(request) -> HttpResponse:
    org = organization_in_scope(request.user, request.GET.get("organization"))
    period = _period(request)
    rows = reports.compliance_table_rows(org, period)
    return attachment(
        compliance_workbook(rows, period),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"compliance-{period}.xlsx",
    )


# --- organizational life --------------------------------------------------------------------


@scoped
def meetings(request) -> HttpResponse:
    org = request.GET.get("organization") or None
    kind = request.GET.get("kind") if request.GET.get("kind") in MeetingKind.values else None
    year = request.GET.get("year") if re.fullmatch(r"\d{4}", request.GET.get("year", "")) else None
    rows = list(
        orglife_selectors.meetings_visible(request.user, organization=org, kind=kind, year=year)[
            :200
        ]
    )
    return render(
        request,
        "web/meetings.html",
        {
            "meetings": rows,
            "kinds": MeetingKind.choices,
            "recordable": orglife_selectors.organizations_recordable(request.user),
            "filters": {"organization": org, "kind": kind or "", "year": year or ""},
            "nav_active": "records",
        },
    )


@scoped
def meeting_detail(request, meeting_id: int) -> HttpResponse:
    meeting = orglife_selectors.meetings_visible(request.user).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    writable = (
        orglife_selectors.organizations_recordable(request.user)
        .filter(pk=meeting.organization_id)
        .exists()
    )
    files = list(meeting.files.all())
    return render(
        request,
        "web/meeting.html",
        {
            "meeting": meeting,
            "photos": [f for f in files if f.kind == MeetingFileKind.PHOTO],
            "sheets": [f for f in files if f.kind == MeetingFileKind.SIGN_IN_SHEET],
            "writable": writable,
            "file_kinds": MeetingFileKind.choices,
            "upload_mb": settings.PARTYFLOW["UPLOAD_MAX_BYTES"] // 1048576,
            "nav_active": "records",
        },
    )


@require_POST
@scoped
def meeting_file_upload(request, meeting_id: int) -> HttpResponse:
    """Photos or sign-in sheets added to a recorded meeting (one or more files of one kind)."""
    meeting = orglife_selectors.meetings_visible(request.user).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    kind = request.POST.get("kind", "")
    try:
        with transaction.atomic():
            added = _meeting_files(request, meeting, kind, request.FILES.getlist("file"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已上传 %(n)s 个文件。") % {"n": added})
    return redirect("web:meeting", meeting.pk)


def _meeting_files(request, meeting, kind: str, files) -> int:
    for f in files:
        try:
            orglife_services.meeting_file_upload(
                actor=request.user, meeting=meeting, kind=kind, file=f
            )
        except DomainError as exc:
            exc.message = f"{f.name}：{exc.message}"
            raise
    if not files:
        raise ValidationFailed(
            _("请选择文件。"), code="file_required", fields={"file": [_("必填")]}
        )
    return len(files)


@scoped
def meeting_file(request, meeting_id: int, file_id: int) -> HttpResponse:
    row = orglife_selectors.meeting_file_for_user(request.user, meeting_id, file_id)
    if row is None:
        raise Http404
    response = attachment(bytes(row.content), row.content_type, row.filename)
    if request.GET.get("inline"):
        response["Content-Disposition"] = content_disposition_header(False, row.filename)
    return response


@scoped
def meeting_print(request, meeting_id: int, fmt: str) -> HttpResponse:
    """The meeting's minutes (三会一课记录) as Word or PDF, from the office's template."""
    if fmt not in ("docx", "pdf"):
        raise Http404
    try:
        generated = document_for_meeting(request.user, meeting_id, "minutes", fmt=fmt)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:meeting", meeting_id)
    return attachment(generated.content, generated.content_type, generated.filename)


MEETING_TEXT_FIELDS = (
    "kind",
    "held_on",
    "title",
    "hours",
    "evidence",
    "notes",
    "starts_at",
    "ends_at",
    "place",
    "chair",
    "recorder",
    "nonvoting_attendees",
    "content",
    "resolutions",
)


def _meeting_payload(post) -> tuple[dict, dict]:
    """The meeting form's fields, and per member 'present' / 'absent' with the reason given."""
    members = {}
    for key, value in post.items():
        m = re.fullmatch(r"att_(\d+)", key)
        if m:
            members[int(m.group(1))] = {
                "state": value,
                "reason": post.get(f"reason_{m.group(1)}", "").strip(),
            }
    return {k: post.get(k, "").strip() for k in MEETING_TEXT_FIELDS}, members


def _time(values: dict, field: str, errors: dict) -> dt.time | None:
    text = values[field]
    if not text:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        errors[field] = [_("请填写时间（如 14:30）")]
        return None


def _officer(values: dict, field: str, members: list) -> int | None:
    """A chair or recorder picked by name from the branch's members (None: not given)."""
    return next((m.pk for m in members if str(m.pk) == values[field]), None)


@scoped
def meeting_new(request) -> HttpResponse:
    branches = list(orglife_selectors.organizations_recordable(request.user))
    if not branches:
        raise Http404
    branch = next(
        (
            b
            for b in branches
            if str(b.pk) == (request.POST.get("organization") or request.GET.get("organization"))
        ),
        branches[0],
    )
    members = list(
        Member.objects.filter(
            organization__path__startswith=branch.path,
            status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY],
        ).order_by("id")
    )
    values, attendance, errors = dict.fromkeys(MEETING_TEXT_FIELDS, ""), {}, {}
    if request.method == "POST":
        values, attendance = _meeting_payload(request.POST)
        held_on = office_date(values["held_on"]) if values["held_on"] else None
        if held_on is None:
            errors["held_on"] = [_("请填写日期（YYYY-MM-DD）")]
        starts_at, ends_at = _time(values, "starts_at", errors), _time(values, "ends_at", errors)
        if not errors:
            try:
                with transaction.atomic():
                    meeting = orglife_services.meeting_record(
                        actor=request.user,
                        organization=branch,
                        kind=values["kind"],
                        held_on=held_on,
                        title=values["title"],
                        hours=values["hours"] or None,
                        evidence=values["evidence"],
                        notes=values["notes"],
                        starts_at=starts_at,
                        ends_at=ends_at,
                        place=values["place"],
                        chair=_officer(values, "chair", members),
                        recorder=_officer(values, "recorder", members),
                        nonvoting_attendees=values["nonvoting_attendees"],
                        content=values["content"],
                        resolutions=values["resolutions"],
                        attendees=[m for m, a in attendance.items() if a["state"] == "present"],
                        absentees=[
                            {"member": m, "reason": a["reason"]}
                            for m, a in attendance.items()
                            if a["state"] == "absent"
                        ],
                    )
                    for field, kind in (
                        ("sign_in_sheets", MeetingFileKind.SIGN_IN_SHEET),
                        ("photos", MeetingFileKind.PHOTO),
                    ):
                        for f in request.FILES.getlist(field):
                            try:
                                orglife_services.meeting_file_upload(
                                    actor=request.user, meeting=meeting, kind=kind, file=f
                                )
                            except DomainError as exc:
                                exc.fields = {field: [f"{f.name}：{exc.message}"]}
                                raise
            except DomainError as exc:
                errors = {
                    k.split(".")[0] if not k.endswith("reason") else "attendance": v
                    for k, v in exc.fields.items()
                }
                errors.setdefault("form", [exc.message])
                if request.FILES:
                    errors["form"].append(_("未保存：请重新选择要上传的照片和签到表。"))
            else:
                messages.success(
                    request,
                    _("已记录：%(kind)s（%(day)s）")
                    % {"kind": meeting.get_kind_display(), "day": held_on},
                )
                return redirect("web:meeting", meeting.pk)
    rows = [
        {
            "member": m,
            "state": attendance.get(m.pk, {}).get("state", "present"),
            "reason": attendance.get(m.pk, {}).get("reason", ""),
        }
        for m in members
    ]
    return render(
        request,
        "web/meeting_new.html",
        {
            "branch": branch,
            "branches": branches,
            "members": members,
            "upload_mb": settings.PARTYFLOW["UPLOAD_MAX_BYTES"] // 1048576,
            "rows": rows,
            "values": values,
            "errors": errors,
            "kinds": MeetingKind.choices,
            "nav_active": "records",
        },
        status=400 if errors else 200,
    )


def _roster_branch(request):
    """The branch whose roster is read: `?organization=` among those the user keeps the records
    of, else the first; none at all is the 404 page (the roster is the branch committee's)."""
    branches = [
        b for b in orglife_selectors.organizations_recordable(request.user) if b.kind == "branch"
    ]
    if not branches:
        raise Http404
    wanted = request.GET.get("organization")
    if wanted:
        branch = next((b for b in branches if str(b.pk) == wanted), None)
        if branch is None:
            raise Http404
        return branch, branches
    return branches[0], branches


@scoped
@reads_from_replica()
def roster(request) -> HttpResponse:
    branch, branches = _roster_branch(request)
    return render(
        request,
        "web/roster.html",
        {
            "branch": branch,
            "branches": branches,
            "rows": [(r, label(r.stage) if r.stage else "") for r in branch_roster(branch)],
            "nav_active": "roster",
        },
    )


@scoped
@reads_from_replica()
def roster_export(request) -> HttpResponse:
    branch, _branches = _roster_branch(request)
    content = roster_workbook(branch, branch_roster(branch), stage_label=label)
    return attachment(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{branch.name}-{_('花名册')}-{dt.date.today():%Y%m%d}.xlsx",
    )


# An upload larger than this is imported with its progress streamed to the page (rows done of
# rows read, every IMPORT_PROGRESS_EVERY rows); a smaller one answers at once (400 when refused).
IMPORT_STREAM_BYTES = 64 * 1024
PROGRESS_MARK = "<!--pf-import-progress-->"


def _import_error(exc: DomainError) -> dict:
    return {"message": exc.message, "rows": exc.details.get("rows", []), "fields": exc.fields}


@scoped
def orglife_import(request) -> HttpResponse:
    branches = list(orglife_selectors.organizations_recordable(request.user))
    if not branches:
        raise Http404
    report, error = None, None
    if request.method == "POST":
        branch = next((b for b in branches if str(b.pk) == request.POST.get("organization")), None)
        upload = request.FILES.get("file")
        if branch is None or upload is None:
            error = {"message": _("请选择支部和 Excel 文件。"), "rows": []}
        elif upload.size > IMPORT_STREAM_BYTES:
            return _import_streamed(request, branches, branch, upload)
        else:
            try:
                report = orglife_services.orglife_import(
                    actor=request.user, organization=branch, file=upload
                )
            except DomainError as exc:
                error = _import_error(exc)
    return render(
        request,
        "web/orglife_import.html",
        {"branches": branches, "report": report, "error": error, "nav_active": "records"},
        status=400 if error else 200,
    )


def _import_streamed(request, branches, branch, upload) -> HttpResponse:
    """A long workbook imported with its progress on the page: the workbook is read first (a file
    that is broken, hostile or not a workbook is the 400 page as for a short one); then the page is
    sent in parts: down to the progress box, "rows done / rows" each time the import reports (the
    page's CSS shows the newest only), the result, the rest of the page. One request, no job queue:
    it works with or without a broker. Once the first part is sent the status is 200, so the result
    box says whether the rows were refused."""
    steps = orglife_services.orglife_import_steps(
        actor=request.user, organization=branch, file=upload
    )
    try:
        first = next(steps)
    except DomainError as exc:
        return render(
            request,
            "web/orglife_import.html",
            {"branches": branches, "error": _import_error(exc), "nav_active": "records"},
            status=400,
        )
    page = render_to_string(
        "web/orglife_import.html",
        {"branches": branches, "streaming": True, "nav_active": "records"},
        request,
    )
    head, tail = page.split(PROGRESS_MARK, 1)

    def parts():  # noqa: ANN202 - the response body, chunk by chunk
        yield head
        report, error, step = None, None, first
        try:
            while True:
                yield render_to_string(
                    "web/_import_progress.html", {"done": step[0], "total": step[1]}, request
                )
                step = next(steps)
        except StopIteration as finished:
            report = finished.value
        except DomainError as exc:
            error = _import_error(exc)
        finally:
            steps.close()  # a reader who leaves mid-way: the import's transaction rolls back
        yield render_to_string(
            "web/_import_result.html", {"report": report, "error": error}, request
        )
        yield tail

    response = StreamingHttpResponse(parts(), content_type="text/html; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # a proxy in front passes each part on at once
    response["Cache-Control"] = "no-store"
    return response


@scoped
def orglife_import_template(request) -> HttpResponse:
    if not orglife_selectors.organizations_recordable(request.user).exists():
        raise Http404
    return attachment(
        template_workbook(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _("组织生活和党费导入模板.xlsx"),
    )


# --- auditors: case search ------------------------------------------------------------------


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@scoped
@reads_from_replica()
def case_search(request) -> HttpResponse:
    g = request.GET
    filters = {
        "subject": g.get("subject", "").strip()[:100],
        "process": g.get("process", "")[:100],
        "organization": g.get("organization", ""),
        "started_from": g.get("started_from", ""),
        "started_to": g.get("started_to", ""),
    }
    org = int(filters["organization"]) if filters["organization"].isdigit() else None
    cases = list(
        reports.case_search(
            request.user,
            subject=filters["subject"],
            process=filters["process"],
            organization=org,
            started_from=_date(filters["started_from"]),
            started_to=_date(filters["started_to"]),
        )[:100]
    )
    processes = [(p.process_id, label(p.name)) for p in processes_current()]
    names = dict(processes)
    return render(
        request,
        "web/case_search.html",
        {
            "cases": [
                {
                    "case": c,
                    "process": names.get(c.process_id, c.process_id),
                    "stage": label(c.stage),
                }
                for c in cases
            ],
            "filters": filters,
            "processes": processes,
            "organizations": reports.searchable_organizations(request.user),
            "searched": any(filters.values()),
            "nav_active": "cases",
        },
    )


# --- member development record (纪实) -------------------------------------------------------


@scoped
def member_record(request, member_id: int) -> HttpResponse:
    record = development.member_development(request.user, member_id)
    member = development.member_for_user(request.user, member_id)
    case = development.development_case_of(member)
    steps = []
    if case is not None:
        names = _bpmn_step_names(case)
        done: dict[int, list] = {}
        for t in case_tasks(case).select_related("completed_by").order_by("id"):
            n = development.STEPS.get(t.element_id)
            if n is not None:
                done.setdefault(n, []).append(t)
        taken: dict[str, dict] = {}  # the last time each step was done: its date, when entered
        for d in record["steps_done"]:
            taken[d["element_id"]] = d
        evidence: dict[int, list] = {}
        for e in record["evidence"]:
            evidence.setdefault(e.get("step"), []).append(e)
        for element_id, n in sorted(
            ((e, n) for e, n in development.STEPS.items() if e in names), key=lambda kv: kv[1]
        ):
            tasks = done.get(n, [])
            finished = [
                t for t in tasks if t.status == TaskStatus.COMPLETED and t.element_id == element_id
            ]
            open_ = [t for t in tasks if t.status == TaskStatus.OPEN and t.element_id == element_id]
            if element_id == "supervise_overdue_talk" and not (finished or open_):
                continue  # a supervision appears only when the talk was late
            steps.append(
                {
                    "n": n,
                    "name": label(names[element_id]),
                    "done": finished[-1] if finished else None,
                    "taken": taken.get(element_id),
                    "open": open_[0] if open_ else None,
                    "evidence": [
                        e for e in evidence.get(n, []) if e.get("element_id") == element_id
                    ],
                }
            )
    for h in record["status_history"]:
        h["to"] = str(MemberStatus(h["to"]).label) if h["to"] in MemberStatus.values else h["to"]
    return render(
        request,
        "web/member_record.html",
        {
            "record": record,
            "case": case,
            "steps": steps,
            "dues_paid_through": dues_paid_through([member_id])[member_id],
            "may_transfer": may_start_transfer(request.user, member),
            "status_events": StatusEvent.choices
            if decides_above(request.user, member.organization)
            else None,
            "misconducts": Misconduct.choices,
            "lost_contact_reasons": LostContactReason.choices
            if organizations_manageable(request.user).filter(pk=member.organization_id).exists()
            else None,
            "nav_active": "records",
        },
    )


@scoped
@require_POST
def member_status_event(request, member_id: int) -> HttpResponse:
    """The committee records a member's death, 停止党籍, 恢复党籍 or 出党 from the member's page;
    a refusal names the field and returns to the page."""
    member = development.member_for_user(request.user, member_id)
    try:
        row = development_services.member_status_event(
            actor=request.user,
            member=member,
            event=request.POST.get("event", ""),
            on=request.POST.get("on", ""),
            reason=request.POST.get("reason", ""),
            decided_by=request.POST.get("decided_by", ""),
            document_no=request.POST.get("document_no", ""),
            misconduct=request.POST.get("misconduct", ""),
        )
    except DomainError as exc:
        fields = "；".join(
            f"{k}：{'，'.join(str(m) for m in v)}" for k, v in (exc.fields or {}).items()
        )
        messages.error(request, f"{exc.message}{'（' + fields + '）' if fields else ''}")
    else:
        messages.success(
            request,
            _("已登记：%(name)s %(on)s %(event)s")
            % {
                "name": member.name,
                "on": row.effective_on.isoformat(),
                "event": row.get_event_display(),
            },
        )
    return redirect("web:member_record", member_id=member.pk)


@scoped
@require_POST
def member_lost_contact(request, member_id: int) -> HttpResponse:
    """The branch records from the member's page that it lost contact with him (the date of the
    last contact and the reason) or that it found him again; a refusal names the field."""
    member = development.member_for_user(request.user, member_id)
    try:
        if request.POST.get("action") == "found":
            row = member_contact_found(
                actor=request.user, member=member, found_on=request.POST.get("found_on", "")
            )
            done = _("已登记：%(name)s %(on)s 恢复联系") % {
                "name": member.name,
                "on": row.found_on.isoformat(),
            }
        else:
            row = member_contact_lost(
                actor=request.user,
                member=member,
                lost_on=request.POST.get("lost_on", ""),
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
            done = _("已登记：%(name)s 自 %(on)s 失去联系（%(r)s）") % {
                "name": member.name,
                "on": row.lost_on.isoformat(),
                "r": row.get_reason_display(),
            }
    except DomainError as exc:
        # the message names the field in Chinese; the field's code is for the API
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("web:member_record", member_id=member.pk)


@scoped
def member_print(request, member_id: int, kind: str) -> HttpResponse:
    """A member's 纪实表 (Word) or 公示 (PDF or Word) as a file; one that cannot be made yet returns
    to the member's page with the reason. A member outside the reader's scope is the 404 page."""
    try:
        generated, case = document_for_member(
            request.user, member_id, kind, fmt=request.GET.get("format")
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:member_record", member_id=member_id)
    if case is not None:
        wf_services.case_access_record(actor=request.user, case=case, view=f"document_{kind}"[:64])
    return attachment(generated.content, generated.content_type, generated.filename)


def _bpmn_step_names(case) -> dict[str, str]:
    """User task ids and names of the case's BPMN (the 25 steps and their supervision)."""
    xml = reports.bpmn_source(case)
    names = {}
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return names
    for el in root.iter():
        if el.tag.endswith("}userTask") and el.get("id") in development.STEPS:
            names[el.get("id")] = el.get("name") or el.get("id")
    return names


# --- saved filters --------------------------------------------------------------------------


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//") else fallback)


@require_POST
@scoped
def saved_filter_create(request) -> HttpResponse:
    p = request.POST
    office = None
    if p.get("shared_role"):
        office = next(
            (o for o in sharing_offices(request.user) if str(o.pk) == p.get("shared_organization")),
            None,
        )
    try:
        saved = web_services.saved_filter_create(
            actor=request.user,
            name=p.get("name", ""),
            page=p.get("page", ""),
            query=p.get("query", ""),
            shared_role=p.get("shared_role", ""),
            shared_organization=office,
        )
        messages.success(request, _("已保存筛选：%(name)s") % {"name": saved.name})
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _back(request, reverse("web:inbox"))


@require_POST
@scoped
def saved_filter_delete(request, saved_filter_id: int) -> HttpResponse:
    web_services.saved_filter_delete(actor=request.user, saved_filter_id=saved_filter_id)
    messages.success(request, _("已删除筛选。"))
    return _back(request, reverse("web:inbox"))


@require_POST
@scoped
def saved_filter_hide(request, saved_filter_id: int) -> HttpResponse:
    saved = web_services.saved_filter_hide(actor=request.user, saved_filter_id=saved_filter_id)
    messages.success(request, _("已隐藏共享筛选：%(name)s") % {"name": saved.name})
    return _back(request, reverse("web:inbox"))


@require_POST
@scoped
def saved_filter_unhide(request, saved_filter_id: int) -> HttpResponse:
    saved = web_services.saved_filter_hide(
        actor=request.user, saved_filter_id=saved_filter_id, hidden=False
    )
    messages.success(request, _("已重新显示共享筛选：%(name)s") % {"name": saved.name})
    return _back(request, reverse("web:inbox"))
