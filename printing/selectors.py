"""Generating documents: scoped reads that return the file (`Generated`), for the API, the CLI and
the web pages (`document_for_case`, `document_for_member`, `document_for_meeting`,
`compliance_report_document`). Outside the caller's scope everything answers not found, exactly
like a missing object; a kind that does not fit the object, or an unsupported format, is a 400
naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation

from engine.calendar import date_field
from engine.errors import NotFound, ValidationFailed
from engine.i18n import _
from organizations.models import Member
from organizations.privacy import sees_numbers_in_full
from organizations.rules import deployment_rule_set
from organizations.selectors import organization_in_scope
from orglife.models import Meeting
from orglife.selectors import meetings_visible
from oversight.compliance import Period
from procedures.member_development.selectors import development_case_of, member_for_user
from workflows.models import Case
from workflows.selectors import case_for_user

from .contexts.case_history import audit_report
from .contexts.compliance_report import compliance_report
from .contexts.election_reply import election_reply
from .contexts.election_report import election_report
from .contexts.election_request import election_request
from .contexts.evaluation_result import evaluation_result
from .contexts.meeting_minutes import meeting_minutes
from .contexts.member_record import member_record
from .contexts.publication_notice import NOTICE_STAGES, STAGE_FOR_STATUS, publication_notice
from .contexts.review_summary import review_summary
from .contexts.transfer_letter import transfer_letter
from .render import DOCX, PDF, Generated, render_docx, render_pdf


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    template: str  # base name: <template>.docx and/or <template>.html
    formats: tuple[str, ...]
    processes: tuple[str, ...] = ()  # case kinds: the processes it applies to (empty: any)


CASE_KINDS = {
    k.code: k
    for k in [
        Kind(
            "member_record",
            _("发展党员全程纪实表"),
            "member_record",
            ("docx",),
            ("member_development",),
        ),
        Kind(
            "publication_notice",
            _("公示"),
            "publication_notice",
            ("pdf", "docx"),
            ("member_development",),
        ),
        Kind(
            "election_request",
            _("换届选举请示"),
            "election_request",
            ("docx",),
            ("branch_election",),
        ),
        Kind(
            "election_reply", _("换届选举批复"), "election_reply", ("docx",), ("branch_election",)
        ),
        Kind(
            "election_report", _("选举结果报告"), "election_report", ("docx",), ("branch_election",)
        ),
        Kind(
            "review_summary",
            _("民主评议党员结果汇总表"),
            "review_summary",
            ("docx",),
            ("democratic_review",),
        ),
        Kind(
            "transfer_letter",
            _("党员组织关系介绍信"),
            "transfer_letter",
            ("pdf", "docx"),
            ("transfer_out",),
        ),
        Kind(
            "evaluation_result",
            _("服务型党支部示范点考评结果表"),
            "evaluation_result",
            ("pdf", "docx"),
            ("model_branch_evaluation",),
        ),
        Kind("audit_report", _("流程审计报告"), "case_audit_report", ("pdf",)),
    ]
}
MEMBER_KINDS = {k: CASE_KINDS[k] for k in ("member_record", "publication_notice")}
MEETING_KINDS = {
    "minutes": Kind("minutes", _("三会一课会议记录"), "meeting_minutes", ("docx", "pdf"))
}
COMPLIANCE_KIND = Kind(
    "compliance_report", _("组织生活制度落实情况报告"), "compliance_report", ("docx",)
)
ALL_KINDS = [*CASE_KINDS.values(), MEETING_KINDS["minutes"], COMPLIANCE_KIND]


def _kind(table: dict[str, Kind], code: str) -> Kind:
    kind = table.get(code)
    if kind is None:
        choices = "、".join(f"{k.code}（{k.label}）" for k in table.values())
        raise ValidationFailed(
            _("没有这种文书：%(k)s；可选：%(c)s。") % {"k": code, "c": choices},
            code="document_kind_unknown",
            fields={"kind": [_("可选：%(c)s") % {"c": choices}]},
        )
    return kind


def _format(kind: Kind, fmt: str | None) -> str:
    fmt = (fmt or kind.formats[0]).lower()
    if fmt not in kind.formats:
        raise ValidationFailed(
            _("%(label)s只能生成 %(f)s 格式。")
            % {"label": kind.label, "f": "、".join(kind.formats)},
            code="document_format_unsupported",
            fields={"format": [_("可选：%(f)s") % {"f": "、".join(kind.formats)}]},
        )
    return fmt


def _render(kind: Kind, fmt: str, context: dict, stem: str) -> Generated:
    with translation.override(
        "zh-hans"
    ):  # the document's language, not the reader's (see contexts)
        return _render_zh(kind, fmt, context, stem)


def _render_zh(kind: Kind, fmt: str, context: dict, stem: str) -> Generated:
    if fmt == "pdf":
        content, template = render_pdf(f"{kind.template}.html", context)
        content_type = PDF
    else:
        content, template = render_docx(f"{kind.template}.docx", context)
        content_type = DOCX
    return Generated(
        kind=kind.code,
        label=str(kind.label),
        filename=f"{kind.label}-{stem}.{fmt}",
        content=content,
        content_type=content_type,
        template=template,
    )


def _stage_param(member: Member, stage: str | None) -> str:
    if stage in (None, ""):
        stage = STAGE_FOR_STATUS.get(member.status)
        if stage is None:
            raise ValidationFailed(
                _("%(name)s 是%(s)s，没有需要公示的发展阶段；请指定 stage。")
                % {"name": member.name, "s": member.get_status_display()},
                code="notice_stage_required",
                fields={"stage": [_("必填")]},
            )
    if stage not in NOTICE_STAGES:
        choices = "、".join(NOTICE_STAGES)
        raise ValidationFailed(
            _("公示阶段须为 %(c)s 之一。") % {"c": choices},
            code="invalid_choice",
            fields={"stage": [_("可选：%(c)s") % {"c": choices}]},
        )
    return stage


def _date_param(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    return date_field(value, field=field)


def _member_documents(
    user, kind: Kind, fmt: str, case: Case | None, member: Member, options: dict
) -> Generated:
    if kind.code == "member_record":
        context = member_record(case, member, reveal=sees_numbers_in_full(user, member))
    else:
        stage = _stage_param(member, options.get("stage"))
        context = publication_notice(
            case, member, stage=stage, start=_date_param(options.get("start"), "start")
        )
    return _render(kind, fmt, context, member.name)


def generate_for_case(
    user, case: Case, kind_code: str, *, fmt: str | None = None, options: dict | None = None
) -> Generated:
    """A document of a case the caller may already see (see `document_for_case`)."""
    options = options or {}
    kind = _kind(CASE_KINDS, kind_code)
    if kind.processes and case.process_id not in kind.processes:
        raise ValidationFailed(
            _("%(label)s不适用于该流程（%(p)s）。")
            % {"label": kind.label, "p": case.process_version.name},
            code="document_kind_not_applicable",
            fields={"kind": [_("不适用于该流程")]},
        )
    fmt = _format(kind, fmt)
    if kind.code in MEMBER_KINDS:
        return _member_documents(user, kind, fmt, case, case.subject_member, options)
    builders: dict[str, Callable[[Case], dict]] = {
        "election_request": election_request,
        "election_reply": election_reply,
        "election_report": election_report,
        "review_summary": review_summary,
        "transfer_letter": transfer_letter,
    }
    if kind.code == "audit_report":
        context = audit_report(case, user=user)
    elif kind.code == "evaluation_result":  # one branch of the round (`branch`, when several)
        context = evaluation_result(case, branch=options.get("branch"))
    else:
        context = builders[kind.code](case)
    return _render(kind, fmt, context, f"{case.organization.name}-{case.pk}")


def kinds_for_case(case: Case) -> list[dict]:
    """The documents a case can print, for a page's links: [{code, label, formats, query}]; a P6
    round of several branches prints one 考评结果表 per branch (`query`: "branch=ID")."""
    rows = []
    for k in CASE_KINDS.values():
        if k.processes and case.process_id not in k.processes:
            continue
        branches = case.data.get("branches") or [] if k.code == "evaluation_result" else []
        if len(branches) > 1:
            rows += [
                {
                    "code": k.code,
                    "label": f"{k.label}（{b['name']}）",
                    "formats": list(k.formats),
                    "query": f"branch={b['id']}",
                }
                for b in branches
            ]
        else:
            rows.append(
                {"code": k.code, "label": str(k.label), "formats": list(k.formats), "query": ""}
            )
    return rows


def document_for_case(
    user, case_id, kind_code: str, *, fmt: str | None = None, options: dict | None = None
) -> Generated:
    """`GET /api/cases/{id}/documents/generate/{kind}/`: a case outside scope is not found."""
    return generate_for_case(
        user, case_for_user(user, case_id), kind_code, fmt=fmt, options=options
    )


def document_for_member(
    user, member_id, kind_code: str, *, fmt: str | None = None, options: dict | None = None
) -> tuple[Generated, Case | None]:
    """A member's 纪实表 or 公示 from their (latest) development case; also returns that case, where
    the document may be stored. A member outside scope is not found."""
    kind = _kind(MEMBER_KINDS, kind_code)
    fmt = _format(kind, fmt)
    member = member_for_user(user, member_id)
    case = development_case_of(member)
    return _member_documents(user, kind, fmt, case, member, options or {}), case


def document_for_meeting(
    user, meeting_id, kind_code: str = "minutes", *, fmt: str | None = None
) -> Generated:
    kind = _kind(MEETING_KINDS, kind_code)
    fmt = _format(kind, fmt)
    try:
        meeting = (
            meetings_visible(user)
            .select_related("organization", "chair", "recorder")
            .get(pk=int(meeting_id))
        )
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("记录不存在。"), code="meeting_not_found") from None
    return _render(
        kind,
        fmt,
        meeting_minutes(meeting),
        f"{meeting.organization.name}-{meeting.held_on:%Y%m%d}",
    )


def compliance_report_document(
    user, organization_id, period: str | None, *, fmt: str | None = None
) -> Generated:
    """The compliance report of a branch or subtree for a period (`2026`, `2026-Q2`, `2026-05`)."""
    fmt = _format(COMPLIANCE_KIND, fmt)
    if organization_id in (None, ""):
        raise ValidationFailed(
            _("请指定组织。"), code="organization_required", fields={"organization": [_("必填")]}
        )
    if not str(organization_id).isdigit():
        raise ValidationFailed(
            _("参数 %(n)s 须为整数。") % {"n": "organization"},
            code="invalid_parameter",
            fields={"organization": [_("须为整数")]},
        )
    organization = organization_in_scope(user, organization_id)
    parsed = Period.parse(period)
    context = compliance_report(organization, parsed, rules=deployment_rule_set())
    return _render(COMPLIANCE_KIND, fmt, context, f"{organization.name}-{parsed}")


def kinds_catalog() -> list[dict]:
    """Every document with its template files and formats (README, CLI `documents list`)."""
    rows = []
    for k in ALL_KINDS:
        files = [f"{k.template}.{'html' if f == 'pdf' else 'docx'}" for f in k.formats]
        rows.append(
            {
                "kind": k.code,
                "label": str(k.label),
                "formats": list(k.formats),
                "templates": files,
                "processes": list(k.processes),
            }
        )
    return rows
