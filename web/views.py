"""The pages: each validates its input, calls the platform's selectors and services (the same the
API calls), and renders. No rule lives here: a refused step is the service's DomainError, shown at
the field it names. Anything outside the user's scope answers 404, like something that does not
exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
    urlencode,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine.calendar import CST
from engine.errors import Conflict, DomainError, NotFound, RuleViolation
from forms.validation import load_schema
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from printing.selectors import generate_for_case, kinds_for_case
from workflows import selectors as wf_selectors
from workflows import services as wf_services
from workflows.assignment import is_personal
from workflows.audit import verify_case
from workflows.display import person_name, rule_set_label
from workflows.guides import task_guide
from workflows.models import TaskStatus

from . import selectors, sso, views_sso
from .forms import DOCUMENTS, build_fields, parse_submission


def scoped(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required; a NotFound from a selector becomes the HTML 404 page. A task of an archived
    case (linked from old notifications and e-mails) leads to its case's page, which reads it whole,
    with a message saying why."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except wf_selectors.TaskArchived as e:
            messages.info(request, str(e.message))
            return redirect("web:case", case_id=e.details["case"])
        except NotFound:
            raise Http404 from None

    return wrapper


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file to download (the name in Chinese kept, the type not sniffed)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class LoginView(auth_views.LoginView):
    """Login at "/"; a person signed in (now or before) lands on the page of their most "office"
    role (`selectors.landing`), unless `next` names a page."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return selectors.landing(self.request.user)

    def get_context_data(self, **kwargs) -> dict:
        methods = sso.methods()
        return {**super().get_context_data(**kwargs), "cas_on": "cas" in methods}

    def form_invalid(self, form) -> HttpResponse:
        # The directory (LDAP) accepted the password, but no member has this 学工号.
        campus_id = getattr(self.request, sso.UNREGISTERED, None)
        if campus_id:
            return views_sso.unregistered(self.request, campus_id)
        return super().form_invalid(form)


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _filters(request) -> tuple[selectors.InboxFilters, dict]:
    """Inbox filters from the query string; malformed numbers are ignored (and shown as unset)."""
    g = request.GET
    return selectors.inbox_filters_from(g), {k: v for k, v in g.items() if k != "tab" and v}


@scoped
def inbox(request) -> HttpResponse:
    f, params = _filters(request)
    data = selectors.inbox(request.user, tab=request.GET.get("tab", "todo"), filters=f)
    ctx = {
        **data,
        "filters": f,
        "params": params,
        "choices": selectors.inbox_filter_choices(request.user),
        "query": urlencode(params),
        "nav_active": "inbox",
    }
    template = (
        "web/_inbox_list.html"
        if request.htmx and request.htmx.target == "inbox-list"
        else "web/inbox.html"
    )
    return render(request, template, ctx)


@require_POST
@scoped
def inbox_claim(request) -> HttpResponse:
    """Bulk claim in the queue: each selected task through `task_claim`; what fails is named."""
    claimed, failed = 0, []
    for task_id in request.POST.getlist("task"):
        task = None
        try:
            task = wf_selectors.task_for_user(request.user, task_id)
            wf_services.task_claim(actor=request.user, task=task)
            claimed += 1
        except DomainError as e:
            failed.append(f"{selectors.label(task.name)}：{e.message}" if task else str(e.message))
    if claimed:
        messages.success(request, _("已认领 %(n)s 项任务。") % {"n": claimed})
    for msg in failed:
        messages.error(request, msg)
    tab = request.POST.get("tab")
    tab = tab if tab in selectors.TABS else "mine"
    return redirect(f"{reverse('web:inbox')}?tab={tab}")


def _task_page(request, task, *, values=None, error: DomainError | None = None, status=200):
    case = task.case
    schema = load_schema(task.form) if task.form else {}
    context = selectors.task_context(task)
    rule_message = str(error.message) if isinstance(error, RuleViolation) and error.fields else ""
    fields = build_fields(
        schema, context, values, error.fields if error is not None else None, rule_message
    )
    unplaced = []
    if error is not None:
        keys = {f.key for f in fields}
        unplaced = [
            m for path, msgs in error.fields.items() if path.split(".")[0] not in keys for m in msgs
        ]
    can_act = selectors.can_act_on(request.user, task)
    holders = selectors.delegate_candidates(task, exclude=request.user) if can_act else []
    ctx = {
        "task": task,
        "case": case,
        "name": selectors.label(task.name),
        "stage": selectors.label(task.stage),
        "lane_label": selectors.LANE_LABELS.get(task.lane, task.lane),
        "schema_title": selectors.label(schema.get("title", "")),
        "fields": fields,
        "error": error,
        "unplaced": unplaced,
        "has_documents_field": DOCUMENTS in (schema.get("properties") or {}),
        "facts": selectors.case_facts(case, selectors.case_schemas(case), request.user),
        "decision_facts": wf_selectors.task_facts(task),
        "documents": selectors.case_documents_list(case),
        "history": selectors.task_history(case, request.user),
        "context_people": context.get("not_eligible") or [],
        "now": timezone.now(),
        "holders": holders,
        "is_open": task.status == TaskStatus.OPEN,
        "can_act": can_act,
        "claimed_by_me": task.claimed_by_id == request.user.pk,
        # A personal step (a member's own, a branch's own in a round) is never claimed.
        "personal": is_personal(
            slot=task.slot,
            lane=task.lane,
            assignee_organization_id=task.assignee_organization_id,
            case_organization_id=task.case_organization_id,
        ),
        "deadline": selectors.deadline_basis(task),
        "default_delegation_end": (timezone.now().astimezone(CST) + dt.timedelta(days=7)).date(),
        "process_name": selectors.label(case.process_version.name),
        "citations": selectors.rule_citations(task.documentation),
        "guide": selectors.cited_in_words(task_guide(task)),
        "claimed_by_name": person_name(task.claimed_by) if task.claimed_by_id else "",
        "completed_by_name": person_name(task.completed_by) if task.completed_by_id else "",
        "nav_active": "inbox",
    }
    return render(request, "web/task.html", ctx, status=status)


@scoped
def task_detail(request, task_id: int) -> HttpResponse:
    task = wf_selectors.task_for_user(request.user, task_id)
    if request.method != "POST":
        wf_services.case_access_record(actor=request.user, case=task.case, view="task_detail")
        return _task_page(request, task)
    schema = load_schema(task.form) if task.form else {}
    data = parse_submission(schema, request.POST)
    files = request.FILES.getlist(DOCUMENTS) + request.FILES.getlist("evidence")
    try:
        with transaction.atomic():
            # Uploads and completion commit together: a refused step leaves no document behind.
            docs = [
                wf_services.document_upload(
                    actor=request.user,
                    case=task.case,
                    file=f,
                    task=task,
                    description=_("随“%(step)s”提交") % {"step": selectors.label(task.name)},
                )
                for f in files
            ]
            if docs and DOCUMENTS in (schema.get("properties") or {}):
                data[DOCUMENTS] = [d.pk for d in docs]
            wf_services.task_complete(actor=request.user, task=task, data=data)
    except DomainError as e:
        task = wf_selectors.task_for_user(request.user, task_id)
        return _task_page(
            request, task, values=data, error=e, status=409 if isinstance(e, Conflict) else 400
        )
    messages.success(request, _("“%(step)s”已办理完成。") % {"step": selectors.label(task.name)})
    if request.POST.get("next"):
        nxt = selectors.next_task_for(request.user, after=task)
        if nxt is not None:
            return redirect("web:task", task_id=nxt.pk)
        messages.info(request, _("待办已全部处理完毕。"))
    return redirect("web:inbox")


def _task_action(request, task_id, fn, done_message):
    task = wf_selectors.task_for_user(request.user, task_id)
    try:
        fn(task)
        messages.success(request, done_message)
    except DomainError as e:
        messages.error(request, str(e.message))
    return redirect("web:task", task_id=task.pk)


@require_POST
@scoped
def task_claim(request, task_id: int) -> HttpResponse:
    return _task_action(
        request,
        task_id,
        lambda t: wf_services.task_claim(actor=request.user, task=t),
        _("已认领。"),
    )


@require_POST
@scoped
def task_unclaim(request, task_id: int) -> HttpResponse:
    return _task_action(
        request,
        task_id,
        lambda t: wf_services.task_unclaim(actor=request.user, task=t),
        _("已退回待认领。"),
    )


@require_POST
@scoped
def task_delegate(request, task_id: int) -> HttpResponse:
    """Hand this task to a colleague of the same body until the chosen day (`delegation_create`)."""

    def delegate(task) -> None:
        user = (
            get_user_model()
            .objects.filter(pk=_int(request.POST.get("delegate")), is_active=True)
            .first()
        )
        if user is None:
            raise NotFound(_("受托人不存在。"), code="delegate_not_found")
        try:
            end = dt.date.fromisoformat(request.POST.get("ends_on", ""))
        except ValueError:
            raise DomainError(_("请填写委托截止日期。"), code="invalid_date") from None
        ends_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=CST)
        wf_services.delegation_create(
            actor=request.user,
            delegate=user,
            starts_at=timezone.now(),
            ends_at=ends_at,
            task=task,
            reason=request.POST.get("reason", "")[:500],
        )

    return _task_action(request, task_id, delegate, _("已委托。"))


@scoped
def case_detail(request, case_id: int) -> HttpResponse:
    case = wf_selectors.case_for_user(request.user, case_id)
    wf_services.case_access_record(actor=request.user, case=case, view="detail")
    now = timezone.now()
    ctx = {
        "case": case,
        "stage": selectors.label(case.stage),
        "process_name": selectors.label(case.process_version.name),
        "rule_set": rule_set_label(case.rule_set),
        "diagram": {
            "xml": selectors.case_bpmn_xml(case),
            "states": selectors.case_diagram(case, now),
        },
        "steps": selectors.case_steps(case, now),
        "timeline": selectors.case_timeline(case, request.user),
        "documents": selectors.case_documents_list(case),
        "printable": kinds_for_case(case),
        "verification": verify_case(case.pk),
        "facts": selectors.case_facts(case, selectors.case_schemas(case), request.user),
    }
    return render(request, "web/case.html", ctx)


@scoped
def document_download(request, case_id: int, document_id: int) -> HttpResponse:
    doc = wf_selectors.document_for_user(request.user, case_id, document_id)
    wf_services.case_access_record(actor=request.user, case=doc.case, view="document_download")
    return attachment(bytes(doc.content), doc.content_type, doc.filename)


@scoped
def case_print(request, case_id: int, kind: str) -> HttpResponse:
    """A case's printed document (the 换届请示, 批复, 纪实表, 公示, audit report …) as a file; one the
    case cannot make yet (its step not done) sends the reader back to the case with the reason."""
    case = wf_selectors.case_for_user(request.user, case_id)
    try:
        generated = generate_for_case(
            request.user,
            case,
            kind,
            fmt=request.GET.get("format"),
            options={"branch": request.GET.get("branch")},
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:case", case_id=case.pk)
    wf_services.case_access_record(actor=request.user, case=case, view=f"document_{kind}"[:64])
    return attachment(generated.content, generated.content_type, generated.filename)


@scoped
def notifications(request) -> HttpResponse:
    items = list(notification_selectors.notifications_for(request.user)[:100])
    return render(
        request,
        "web/notifications.html",
        {"items": selectors.notifications_display(items), "nav_active": "notifications"},
    )


@require_POST
@scoped
def notification_read(request, notification_id: int) -> HttpResponse:
    n = notification_selectors.notification_for_user(request.user, notification_id)
    notification_services.notification_mark_read(actor=request.user, notification=n)
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(target)  # a path, never a view name to reverse
    return redirect("web:notifications")


@require_POST
@scoped
def notifications_read_all(request) -> HttpResponse:
    notification_services.notifications_mark_all_read(actor=request.user)
    return redirect("web:notifications")
