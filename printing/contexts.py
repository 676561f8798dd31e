"""What each document says: a template context built from case and record data, never typed again.

The documents are Chinese office documents, filed as such whatever the reader's interface language:
their wording is plain Chinese here, not catalog messages (`printing.selectors` renders them under
zh-hans). Labels and errors of the API around them are translated as usual.

Each builder takes objects the caller has already scoped (see `printing.selectors`) and returns the
dict the template is filled with. Names, labels and dates are given as people read them (Chinese
dates, display names beside ids); nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model

from engine.calendar import Duration, add_working_days, is_working_day, parse_date, today
from engine.errors import Conflict
from engine.i18n import _
from engine.rules import at_least_ceil, get_rule_set
from forms.validation import load_schema
from organizations.models import (
    CommitteePost,
    Member,
    MemberStatus,
    Organization,
    Role,
    RoleAssignment,
)
from organizations.privacy import mask
from organizations.rules import deployment_rule_set
from organizations.selectors import approving_committee_of, branch_members
from orglife.models import Grade, Meeting
from oversight.compliance import Period, compliance_table
from procedures.common.votes import EXCLUSION_REASONS
from procedures.member_development.models import ObligationRecord
from workflows.audit import verify_case
from workflows.models import AuditEvent, Case

DATE_FIELDS = (
    "application_date",
    "talk_date",
    "decision_date",
    "filed_date",
    "designation_date",
    "prereview_date",
    "filled_date",
    "meeting_date",
    "placed_on",
    "oath_date",
    "archived_on",
    "end_date",
)
VOTE_FIELDS = {
    "present",
    "written_opinions",
    "excluded",
    "exclusion_approved",
    "yes",
    "no",
    "abstain",
}
MEMBER_LIST_FIELDS = {"contacts", "introducers", "candidates", "elected"}
SKIPPED_FIELDS = {"document_ids"}


def cn_date(value) -> str:
    """2026-01-05 → 2026年1月5日 ('' for none)."""
    if not value:
        return ""
    d = parse_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def cn_month(value) -> str:
    if not value:
        return ""
    d = parse_date(value)
    return f"{d.year}年{d.month}月"


def _display_names(usernames) -> dict[str, str]:
    users = get_user_model().objects.filter(username__in=set(usernames))
    return {u.username: (u.get_full_name() or u.first_name or u.username) for u in users}


def _member_names(ids) -> dict[int, str]:
    return dict(
        Member.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list(
            "pk", "name"
        )
    )


def _names(ids, names: dict[int, str]) -> list[str]:
    return [names.get(i, str(i)) for i in ids or []]


def _secretary_name(org: Organization) -> str:
    ra = (
        RoleAssignment.objects.filter(organization=org, role=Role.BRANCH_SECRETARY)
        .select_related("user__member")
        .order_by("-id")
        .first()
    )
    if ra is None:
        return ""
    member = getattr(ra.user, "member", None)
    return member.name if member else (ra.user.get_full_name() or ra.user.username)


# --- 发展党员全程纪实表 -------------------------------------------------------------------------------

# The five stages of DEV-2014 with their 25 steps: (BPMN task id, label, who signs on paper).
STAGES = [
    (
        "一",
        "申请入党",
        [
            ("submit_application", "递交入党申请书", ""),
            ("talk_with_applicant", "党组织派人谈话", "谈话人"),
        ],
    ),
    (
        "二",
        "入党积极分子的确定和培养教育",
        [
            ("select_activist", "确定入党积极分子", "支部书记"),
            ("file_activist", "报上级党委备案", "党委书记"),
            ("appoint_contacts", "指定培养联系人", "支部书记"),
            ("cultivation_review", "培养教育考察", "支部书记"),
        ],
    ),
    (
        "三",
        "发展对象的确定和考察",
        [
            ("designate_development_object", "确定发展对象", "支部书记"),
            ("file_development_object", "报上级党委备案（同意）", "党委书记"),
            ("assign_introducers", "确定入党介绍人", "支部书记"),
            ("political_review", "政治审查", "支部书记"),
            ("centralized_training", "集中培训", "党委书记"),
        ],
    ),
    (
        "四",
        "预备党员的接收",
        [
            ("branch_committee_review", "支部委员会审查", "支部书记"),
            ("pre_review", "上级党委预审", "党委书记"),
            ("fill_application_form", "填写入党志愿书", "入党介绍人"),
            ("admission_vote", "支部党员大会讨论", "支部书记"),
            ("committee_talk", "上级党委派人谈话", "谈话人"),
            ("approve_admission", "上级党委审批", "党委书记"),
            ("file_admission", "报上级组织部门备案", "组织部"),
        ],
    ),
    (
        "五",
        "预备党员的教育考察和转正",
        [
            ("place_in_group", "编入党支部和党小组", "支部书记"),
            ("take_oath", "入党宣誓", "支部书记"),
            ("probation_review", "继续教育考察", "支部书记"),
            ("conversion_application", "提出转正申请", "本人"),
            ("conversion_vote", "支部党员大会讨论转正", "支部书记"),
            ("approve_conversion", "上级党委审批转正", "党委书记"),
            ("archive_file", "材料归档", "接收人"),
        ],
    ),
]
DECISIONS = {
    "admit": "同意接收为预备党员",
    "reject": "不同意接收",
    "convert": "同意按期转为正式党员",
    "extend": "延长预备期",
    "cancel": "取消预备党员资格",
}


def _value_text(name, value, prop: dict, names: dict[int, str]) -> str:
    if isinstance(value, bool):
        if name == "approved":
            return "同意" if value else "不同意"
        if name == "passed":
            return "合格（通过）" if value else "不合格（未通过）"
        return "是" if value else "否"
    if name in MEMBER_LIST_FIELDS and isinstance(value, list):
        return "、".join(_names(value, names))
    labels = prop.get("x-labels") or {}
    if isinstance(value, str) and value in labels:
        return labels[value]
    if prop.get("format") == "date" and isinstance(value, str):
        return cn_date(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value if not isinstance(v, (dict, list)))
    if isinstance(value, dict):
        return ""
    return str(value)


def _vote_text(tally: dict, submitted: dict, decision_field: str) -> str:
    excluded = tally.get("excluded") or []
    parts = [
        "有表决权党员 {e} 名，不计入应到会人数 {x} 名，应到会 {d} 名，实到会 {p} 名".format(
            e=tally.get("voters_eligible", ""),
            x=len(excluded),
            d=tally.get("voters_due", ""),
            p=tally.get("present", ""),
        ),
        "到会党员赞成 {y} 票、不赞成 {n} 票、弃权 {a} 票".format(
            y=submitted.get("yes", ""), n=submitted.get("no", ""), a=submitted.get("abstain", "")
        ),
        "会前书面意见计入 {w} 份，赞成票合计 {t} 票".format(
            w=tally.get("written_counted", 0), t=tally.get("yes", "")
        ),
    ]
    decision = submitted.get(decision_field)
    if decision:
        parts.append(f"决议：{DECISIONS.get(decision, decision)}")
    if submitted.get("extension_months"):
        parts.append("延长预备期 {m} 个月".format(m=submitted["extension_months"]))
    return "；".join(parts)


def _step_details(
    element_id: str,
    submitted: dict,
    schema: dict,
    case_data: dict,
    names: dict[int, str],
    date_field: str | None,
) -> str:
    props = schema.get("properties", {})
    if element_id in ("admission_vote", "conversion_vote"):
        tally = (
            case_data.get("admission_vote" if element_id == "admission_vote" else "conversion_vote")
            or {}
        )
        lead = _vote_text(
            tally, submitted, "resolution" if element_id == "admission_vote" else "decision"
        )
    else:
        lead = ""
    parts = [lead] if lead else []
    for name, prop in props.items():
        if name in SKIPPED_FIELDS or name == date_field or name not in submitted:
            continue
        if lead and name in VOTE_FIELDS | {"resolution", "decision", "extension_months"}:
            continue
        text = _value_text(name, submitted[name], prop, names).rstrip("。；;")
        if text:
            title = prop.get("title", name).replace(
                "（党员编号）", ""
            )  # names are printed, not ids
            parts.append(f"{title}：{text}")
    return "；".join(parts)


def member_record(case: Case | None, member: Member, *, reveal: bool) -> dict:
    """发展党员全程纪实表: personal data, every step of the five stages with its date, the people,
    votes, reviews and approvals (from the case's audit trail), blank signature lines."""
    events = []
    if case is not None:
        events = list(
            AuditEvent.objects.filter(case=case, action="task_completed", task__isnull=False)
            .select_related("task")
            .order_by("id")
        )
    done: dict[str, list[AuditEvent]] = {}
    for e in events:
        done.setdefault(e.task.element_id, []).append(e)
    ids = set()
    for e in events:
        sub = e.data.get("submitted") or {}
        for key in MEMBER_LIST_FIELDS:
            ids.update(v for v in sub.get(key) or [] if isinstance(v, int))
    names = _member_names(ids)
    people = _display_names(e.actor_name for e in events)
    case_data = case.data if case is not None else {}
    stages, n = [], 0
    for no, title, steps in STAGES:
        rows = []
        for element_id, label, signer in steps:
            n += 1
            row = {
                "no": n,
                "name": str(label),
                "date": "",
                "details": "",
                "actor": "",
                "sign": "",
                "sign_date": "",
            }
            if signer:
                row["sign"] = f"{signer}签字："
                row["sign_date"] = "　　年　月　日"
            hits = done.get(element_id) or []
            if hits:
                e = hits[-1]
                submitted = e.data.get("submitted") or {}
                schema = load_schema(e.task.form) if e.task.form else {}
                date_field = next((f for f in DATE_FIELDS if submitted.get(f)), None)
                row["date"] = cn_date(submitted[date_field] if date_field else e.created_at)
                row["details"] = _step_details(
                    element_id, submitted, schema, case_data, names, date_field
                )
                if len(hits) > 1:
                    row["details"] += f"（共办理 {len(hits)} 次，此为最后一次）"
                actor = people.get(e.actor_name, e.actor_name)
                row["actor"] = (
                    actor if not e.on_behalf_of_name else f"{actor}（代 {e.on_behalf_of_name}）"
                )
            rows.append(row)
        stages.append({"no": no, "title": str(title), "steps": rows})
    obligations = []
    if case is not None:
        phases = {"activist": "积极分子期", "probationary": "预备期"}
        for o in ObligationRecord.objects.filter(case=case).order_by("due_on", "kind", "seq"):
            obligations.append(
                {
                    "label": f"{phases.get(o.phase, o.get_phase_display())}·{o.get_kind_display()}",
                    "seq": o.seq,
                    "due_on": cn_date(o.due_on),
                    "submitted_on": cn_date(o.submitted_on),
                    "summary": str(o.record.get("summary", ""))[:200],
                }
            )
    branch = case.organization if case is not None else member.organization
    committee = approving_committee_of(branch)
    school = (
        Organization.objects.filter(pk=branch.ancestors_and_self_ids()[0])
        .values_list("name", flat=True)
        .first()
        or ""
    )
    converted = (
        case_data.get("conversion_vote_date")
        if case_data.get("decision") == "convert" and case_data.get("approved")
        else None
    )
    return {
        "school": school,
        "branch": branch.name,
        "committee": committee.name if committee else "",
        "case_no": f"#{case.pk}" if case is not None else "（无发展流程）",
        "rule_set": case.rule_set if case is not None else "",
        "stage": (case.stage if case is not None else "") or member.get_status_display(),
        "generated_on": cn_date(today()),
        "person": {
            "name": member.name,
            "gender": "",
            "ethnicity": "",
            "native_place": "",
            "education": "",
            "birth_date": cn_date(member.birth_date),
            "id_number": member.id_number if reveal else mask(member.id_number, 3, 4),
            "phone": member.phone if reveal else mask(member.phone, 3, 4),
            "status": member.get_status_display(),
            "joined_on": cn_date(member.joined_on),
            "converted_on": cn_date(converted or member.party_standing_from),
            "party_standing_from": cn_date(member.party_standing_from),
        },
        "stages": stages,
        "obligations": obligations,
        "obligations_note": "" if obligations else "尚无提交的培养考察记录或思想汇报。",
    }


# --- 公示 ------------------------------------------------------------------------------------------

NOTICE_STAGES = {
    # stage: (target in the title, action, decided by, last column)
    "activist": ("拟确定入党积极分子", "确定为入党积极分子", "支部委员会", "推荐方式"),
    "development_object": ("拟确定发展对象", "列为发展对象", "支部委员会", "培养联系人"),
    "probationary": ("拟接收预备党员", "接收为预备党员", "支部委员会", "确定发展对象时间"),
    "conversion": ("预备党员拟转为正式党员", "转为正式党员", "支部委员会", "入党时间"),
}
STAGE_FOR_STATUS = {
    MemberStatus.APPLICANT: "activist",
    MemberStatus.ACTIVIST: "development_object",
    MemberStatus.DEVELOPMENT_OBJECT: "probationary",
    MemberStatus.PROBATIONARY: "conversion",
}


def notice_period(rules, stage: str) -> Duration:
    """The publication period: cpc-2026's development.publication_min for development objects when
    the rule set has it, else development.publication_notice (≥ 5 working days, local practice)."""
    if stage == "development_object" and rules.get("development.publication_min") is not None:
        return rules.get("development.publication_min")
    return rules.get("development.publication_notice")


def notice_end(start: dt.date, period: Duration) -> dt.date:
    """The last day of a publication of `period` working days starting on `start` (counted when it
    is a working day) — the day before P1 accepts the designation (`publication_min.add_to(start)`)."""
    n = period.working_days
    if n:
        return add_working_days(start, n - 1 if is_working_day(start) else n)
    return period.add_to(start) - dt.timedelta(days=1)


def publication_notice(
    case: Case | None, member: Member, *, stage: str, start: dt.date | None
) -> dict:
    rules = get_rule_set(case.rule_set) if case is not None else deployment_rule_set()
    data = case.data if case is not None else {}
    if start is None:
        start = (
            parse_date(data["publication_start"])
            if stage == "development_object" and data.get("publication_start")
            else today()
        )
    period = notice_period(rules, stage)
    end = notice_end(start, period)
    target, action, decided_by, last_column = NOTICE_STAGES[stage]
    branch = case.organization if case is not None else member.organization
    committee = approving_committee_of(branch)
    if stage == "activist":
        labels = load_schema("member_development/select_activist.json")["properties"][
            "recommendation"
        ].get("x-labels", {})
        last_value = labels.get(data.get("recommendation"), "—")
    elif stage == "development_object":
        last_value = (
            "、".join(_names(data.get("contacts"), _member_names(data.get("contacts") or [])))
            or "—"
        )
    elif stage == "probationary":
        last_value = cn_date(data.get("designation_date")) or "—"
    else:
        last_value = cn_date(data.get("admission_vote_date") or member.joined_on) or "—"
    contact = dict(settings.PARTYFLOW.get("NOTICE_CONTACT") or {})
    contact.setdefault("name", _secretary_name(branch))
    for key in ("phone", "email", "address"):
        contact[key] = contact.get(key) or "＿＿＿＿＿＿"
    return {
        "branch": branch.name,
        "committee": committee.name if committee else "",
        "notice": {
            "target": str(target),
            "action": str(action),
            "decided_by": str(decided_by),
            "last_column": str(last_column),
            "start": cn_date(start),
            "end": cn_date(end),
            "period": str(period),
            "issued_on": cn_date(start),
            "start_iso": start.isoformat(),
            "end_iso": end.isoformat(),
            "rule_set": rules.code,
        },
        "people": [
            {
                "name": member.name,
                "birth_month": cn_month(member.birth_date) or "—",
                "branch": member.organization.name,
                "applied_on": cn_date(data.get("application_date")) or "—",
                "activist_on": cn_date(data.get("activist_date")) or "—",
                "last_value": last_value,
            }
        ],
        "contact": contact,
    }


# --- 换届选举 ---------------------------------------------------------------------------------------


def _last_submitted(case: Case, element_id: str) -> tuple[dict, AuditEvent | None]:
    e = (
        AuditEvent.objects.filter(case=case, action="task_completed", task__element_id=element_id)
        .select_related("task")
        .order_by("-id")
        .first()
    )
    return ((e.data.get("submitted") or {}), e) if e else ({}, None)


class DocumentNotReady(Conflict):
    """The case has not reached the step whose data the document prints (409): a blank 请示 or
    报告 is not a document. The message names the step still to be done."""

    code = "document_not_ready"


def _require_step(
    case: Case, element_id: str, label: str, document: str
) -> tuple[dict, AuditEvent]:
    submitted, event = _last_submitted(case, element_id)
    if event is None:
        raise DocumentNotReady(
            _("“%(step)s”尚未办理，还不能生成%(doc)s。") % {"step": label, "doc": document},
            fields={"kind": [_("流程尚未到达此步")]},
        )
    return submitted, event


def _election_basics(case: Case) -> dict:
    org = case.organization
    rules = get_rule_set(case.rule_set)
    committee = approving_committee_of(org)
    request, request_event = _last_submitted(case, "submit_request")
    seats = case.data.get("seats") or request.get("seats") or 0
    has_committee = bool(case.data.get("committee", seats > 1))
    deputy = seats >= 5
    margin = rules.get("election.candidate_margin")
    return {
        "org": org,
        "rules": rules,
        "request": request,
        "request_event": request_event,
        "branch": org.name,
        "approving": committee.name if committee else "",
        "seats": seats,
        "has_committee": has_committee,
        "incoming": ("支部委员会" if has_committee else "支部书记"),
        "outgoing": ("本届支部委员会" if has_committee else "本届支部书记"),
        "signer_suffix": ("委员会" if has_committee else ""),
        "officers": ("设书记1名、副书记1名" if deputy else "设书记1名"),
        "election_date": cn_date(request.get("election_date") or case.data.get("election_date")),
        "candidates_min": at_least_ceil(Fraction(seats) * (1 + margin)) if seats else "",
        "margin": f"{int(margin * 100)}%",
        "seats_text": (
            "新一届支部委员会由{n}名委员组成，{o}。".format(
                n=seats, o="设书记1名、副书记1名" if deputy else "设书记1名"
            )
            if has_committee
            else "不设支部委员会，选举支部书记1名。"
        ),
    }


def election_request(case: Case) -> dict:
    """换届选举请示: date, agenda, seats, candidate margin, method, preliminary candidates, members
    not counted as expected attendees (with reason)."""
    _require_step(case, "submit_request", "提交换届请示", "换届选举请示")
    b = _election_basics(case)
    org, request = b["org"], b["request"]
    members = list(branch_members(org))
    counts = Counter(m.status for m in members)
    nominated, _e = _last_submitted(case, "nominate_candidates")
    names = _member_names(nominated.get("candidates") or [])
    labels = load_schema("branch_election/submit_request.json")["properties"]["nomination_method"][
        "x-labels"
    ]
    not_counted = [
        {
            "name": m.name,
            "reason": "党员权利停止（{r}）".format(r=m.suspension_reason or "未注明原因"),
        }
        for m in members
        if m.status == MemberStatus.FULL and m.rights_suspended
    ]
    vote, _v = _last_submitted(case, "record_vote")
    excluded_names = _member_names([x.get("member") for x in vote.get("excluded") or []])
    not_counted += [
        {
            "name": excluded_names.get(x.get("member"), str(x.get("member"))),
            "reason": str(EXCLUSION_REASONS.get(x.get("reason"), x.get("reason", ""))),
        }
        for x in vote.get("excluded") or []
    ]
    term_start, term_end = (
        org.term_start,
        parse_date(case.data["term_end"]) if case.data.get("term_end") else org.term_end,
    )
    intro = "{branch}现有党员{total}名，其中正式党员{full}名、预备党员{prob}名。{outgoing}于{start}选举产生，任期将于{end}届满。".format(
        branch=org.name,
        total=len(members),
        full=counts.get(MemberStatus.FULL, 0),
        prob=counts.get(MemberStatus.PROBATIONARY, 0),
        outgoing=b["outgoing"],
        start=cn_date(term_start) or "（日期未登记）",
        end=cn_date(term_end),
    )
    method = (
        "支部委员实行差额选举，书记、副书记由新一届支部委员会第一次会议等额选举产生。"
        if b["has_committee"]
        else "支部书记由支部党员大会选举产生。"
    )
    return {
        **{k: v for k, v in b.items() if k not in ("org", "rules", "request", "request_event")},
        "intro": intro,
        "place": "另行通知",
        "request_text": request.get("request_text")
        or "根据《中国共产党基层组织选举工作条例》和《中国共产党支部工作条例（试行）》的规定，经研究，拟召开支部党员大会进行换届选举。",
        "nomination": labels.get(request.get("nomination_method"), "—"),
        "method": method,
        "candidates": _names(nominated.get("candidates"), names),
        "not_counted": not_counted,
        "date": cn_date(b["request_event"].created_at if b["request_event"] else today()),
        "contact": _secretary_name(org),
    }


def election_reply(case: Case) -> dict:
    """批复: the committee's reply to the request (its document number, consent, seats, candidates)."""
    reply, reply_event = _require_step(case, "reply_request", "批复换届请示", "批复")
    b = _election_basics(case)
    review, _r = _last_submitted(case, "review_candidates")
    nominated, _n = _last_submitted(case, "nominate_candidates")
    candidates = (
        _names(nominated.get("candidates"), _member_names(nominated.get("candidates") or []))
        if review.get("approved")
        else []
    )
    approved = reply.get("approved") if reply_event else None
    return {
        **{k: v for k, v in b.items() if k not in ("org", "rules", "request", "request_event")},
        "document_no": reply.get("document_no", ""),
        "approved": approved,
        "reason": reply.get("reason", ""),
        "verdict_title": ("同意" if approved in (True, None) else "退回"),
        "candidates": candidates,
        "date": cn_date(reply_event.created_at) if reply_event else "　　年　　月　　日",
    }


def election_report(case: Case) -> dict:
    """选举结果报告: voters due and present (> 4/5), ballots, votes per candidate, the elected, the
    secretary and deputy and the committee posts; the committee's approval once given."""
    vote, vote_event = _require_step(case, "record_vote", "党员大会选举", "选举结果报告")
    b = _election_basics(case)
    tally = case.data.get("tally") or {}
    officers, _o = _last_submitted(case, "elect_officers")
    approval, approval_event = _last_submitted(case, "approve_results")
    reply, _r = _last_submitted(case, "reply_request")
    elected_ids = case.data.get("elected_total") or []
    candidate_ids = [v.get("candidate") for v in vote.get("votes") or []]
    names = _member_names(
        [*candidate_ids, *elected_ids, officers.get("secretary"), officers.get("deputy")]
    )
    votes = sorted(
        (
            {
                "name": names.get(v["candidate"], str(v["candidate"])),
                "yes": v["yes"],
                "result": ("当选" if v["candidate"] in elected_ids else "未当选"),
            }
            for v in vote.get("votes") or []
        ),
        key=lambda r: -r["yes"],
    )
    posts = []
    member_users = dict(
        Member.objects.filter(pk__in=elected_ids, user__isnull=False).values_list("user_id", "name")
    )
    post_labels = dict(CommitteePost.choices)
    for ra in RoleAssignment.objects.filter(
        organization=case.organization, user_id__in=member_users, post__gt=""
    ).order_by("id"):
        posts.append(
            {"name": member_users[ra.user_id], "post": str(post_labels.get(ra.post, ra.post))}
        )
    secretary, deputy = names.get(officers.get("secretary")), names.get(officers.get("deputy"))
    elected = _names(elected_ids, names)
    if not elected:
        elected_text = "尚无人当选。"
    elif b["has_committee"]:
        elected_text = "{names}等{n}名同志得票超过实到会有选举权党员的半数，当选为新一届支部委员会委员。".format(
            names="、".join(elected), n=len(elected)
        )
    else:
        elected_text = "{names}同志得票超过实到会有选举权党员的半数，当选为支部书记。".format(
            names="、".join(elected)
        )
    if secretary and not b["has_committee"]:
        officers_text = ""
    elif secretary:
        officers_text = "{body}第一次会议等额选举{s}为书记{d}。".format(
            body="新一届支部委员会",
            s=secretary,
            d=(f"，{deputy}为副书记") if deputy else "",
        )
    else:
        officers_text = "书记、副书记尚未选举产生。"
    quorum = b["rules"].get("election.quorum")
    quorum_text = (
        ("超过应到会人数的{q}，符合规定".format(q=f"{quorum.numerator}/{quorum.denominator}"))
        if tally.get("voters_present", tally.get("present"))
        else ""
    )
    intro = "经{approving}{no}批复同意，{branch}于{date}召开支部党员大会进行换届选举。现将选举结果报告如下：".format(
        approving=b["approving"],
        no=f"（{reply['document_no']}）" if reply.get("document_no") else "",
        branch=b["branch"],
        date=cn_date(vote.get("meeting_date")) or b["election_date"],
    )
    if approval_event is None:
        approval_text = "（待审批）"
    else:
        approval_text = ("同意（%(d)s）" if approval.get("approved") else "不同意（%(d)s）") % {
            "d": cn_date(approval_event.created_at)
        }
    return {
        **{k: v for k, v in b.items() if k not in ("org", "rules", "request", "request_event")},
        "intro": intro,
        "voters_eligible": tally.get("voters_eligible", ""),
        "voters_due": tally.get("voters_due", ""),
        # P2 tallies name the voters present `voters_present` (older cases: `present`).
        "present": tally.get("voters_present", tally.get("present", "")),
        "excluded": tally.get("excluded") or [],
        "quorum_text": quorum_text,
        "ballots_issued": tally.get("ballots_issued", vote.get("ballots_issued", "")),
        "ballots_returned": tally.get("ballots_returned", vote.get("ballots_returned", "")),
        "valid_ballots": tally.get("valid_ballots", ""),
        "invalid_ballots": tally.get("invalid_ballots", vote.get("invalid_ballots", "")),
        "votes": votes,
        "elected": elected,
        "elected_text": elected_text,
        "officers_text": officers_text,
        "posts": posts,
        "approval_text": approval_text,
        "date": cn_date(vote_event.created_at if vote_event else today()),
    }


# --- 三会一课记录 ------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines or ["（未记录）"]


def meeting_minutes(meeting: Meeting) -> dict:
    """三会一课 minutes: time, place, chair, recorder, attendance, absentees with reasons, topic,
    content, resolutions (owip pm3Meeting fields)."""
    rows = list(meeting.attendance.select_related("member").order_by("member_id"))
    present = [a.member.name for a in rows if a.present]
    absent = [{"name": a.member.name, "reason": a.absence_reason} for a in rows if not a.present]
    time = cn_date(meeting.held_on)
    if meeting.starts_at:
        time += f" {meeting.starts_at:%H:%M}"
        if meeting.ends_at:
            time += f"—{meeting.ends_at:%H:%M}"
    return {
        "branch": meeting.organization.name,
        "kind": meeting.get_kind_display(),
        "title": meeting.title or meeting.get_kind_display(),
        "time": time,
        "place": meeting.place or "—",
        "chair": meeting.chair.name if meeting.chair else "—",
        "recorder": meeting.recorder.name if meeting.recorder else "—",
        "due": len(rows),
        "present": len(present),
        "attendees": present,
        "absentees": absent,
        "nonvoting": meeting.nonvoting_attendees,
        "topic": meeting.title or "—",
        "content": _lines(meeting.content),
        "resolutions": _lines(meeting.resolutions),
        "evidence": meeting.evidence,
        "signed_on": "　　年　　月　　日",
    }


# --- 民主评议党员结果汇总 ----------------------------------------------------------------------------


def _share(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "—"


def review_summary(case: Case) -> dict:
    """民主评议 results: participation, the measurement's counts per grade summed over members (no
    individual ballot exists to print), the organizational rating per grade, the flagged members."""
    _require_step(case, "organizational_rating", "组织评定", "民主评议结果汇总表")
    data = case.data
    grades = dict(Grade.choices)
    totals = Counter()
    for per_member in (data.get("measurement") or {}).values():
        for grade, count in per_member.items():
            totals[grade] += count
    measured = sum(totals.values())
    ratings = data.get("ratings") or []
    rating_counts = Counter(r["grade"] for r in ratings)
    names = _member_names([r["member"] for r in ratings])
    committee = approving_committee_of(case.organization)
    return {
        "branch": case.organization.name,
        "year": data.get("year", ""),
        "committee": committee.name if committee else "",
        "case_no": f"#{case.pk}",
        "generated_on": cn_date(today()),
        "voters_due": len(data.get("voters") or []),
        "ballots": data.get("ballots", "—"),
        "rated_count": len(data.get("rated") or []),
        "not_rated_count": len(data.get("not_rated") or []),
        "measurement": [
            {
                "label": str(grades[g]),
                "count": totals.get(g, 0),
                "share": _share(totals.get(g, 0), measured),
            }
            for g in grades
        ],
        "rating": [
            {
                "label": str(grades[g]),
                "count": rating_counts.get(g, 0),
                "share": _share(rating_counts.get(g, 0), len(ratings)),
            }
            for g in grades
        ],
        "warnings": [
            str(w.get("message", "")) if isinstance(w, dict) else str(w)
            for w in data.get("rating_warnings") or []
        ],
        "excellent": [names.get(r["member"], "") for r in ratings if r["grade"] == Grade.EXCELLENT],
        "flagged": [
            {"name": names.get(r["member"], ""), "grade": str(grades[r["grade"]])}
            for r in ratings
            if r["grade"] in (Grade.BASICALLY_QUALIFIED, Grade.UNQUALIFIED)
        ],
        "rated_any": bool(ratings),
    }


# --- 组织生活落实情况报告 ----------------------------------------------------------------------------

STATUS_LABELS = {"met": "达标", "due": "未到期", "missed": "未落实"}


def _obligation_detail(o: dict) -> str:
    periods = o.get("periods") or []
    if len(periods) > 2:  # months or quarters of a year: grouped by conclusion, not one line each
        groups: dict[str, list[str]] = {}
        for p in periods:
            groups.setdefault(p["status"], []).append(p["period"])
        return "；".join(f"{STATUS_LABELS.get(k, k)}：{'、'.join(v)}" for k, v in groups.items())
    parts = []
    for p in periods:
        status = str(STATUS_LABELS.get(p["status"], p["status"]))
        if "count" in p and "required" in p:
            parts.append(f"{p['period']}：{p['count']}/{p['required']} {status}")
        elif "paid" in p:
            parts.append(f"{p['period']}：{p['paid']}/{p['members']} {status}")
        elif "short" in p:
            # study hours short of the year's minimum, or heart-to-heart talks short per member
            short = "、".join(
                f"{s['name']} {s.get('hours', s.get('count', 0)):g}/{s['required']}"
                for s in p["short"][:5]
            )
            parts.append(f"{p['period']}：{status}" + (f"（{short}）" if short else ""))
        else:
            parts.append(f"{p['period']}：{status}")
    return "；".join(parts)


def compliance_report(organization: Organization, period: Period, *, rules) -> dict:
    rows = compliance_table(organization, period, rules=rules)
    statuses = Counter()
    branches = []
    for row in rows:
        obligations = []
        for o in row["obligations"]:
            status = o.get("status") or (
                "missed"
                if any(p["status"] == "missed" for p in o.get("periods", []))
                else "due"
                if any(p["status"] == "due" for p in o.get("periods", []))
                else "met"
            )
            statuses[status] += 1
            obligations.append(
                {
                    "label": o["label"],
                    "frequency": o.get("frequency", ""),
                    "status": str(STATUS_LABELS.get(status, status)),
                    "detail": _obligation_detail(o),
                }
            )
        branches.append({"name": row["name"], "obligations": obligations})
    summary = "{org}所属党支部{n}个，共{t}项制度要求：达标{met}项，未到期{due}项，未落实{missed}项。".format(
        org=organization.name,
        n=len(rows),
        t=sum(statuses.values()),
        met=statuses["met"],
        due=statuses["due"],
        missed=statuses["missed"],
    )
    return {
        "organization": organization.name,
        "period": str(period),
        "as_of": cn_date(today()),
        "summary": summary,
        "branches": branches,
        "rule_set": rules.code,
        "counts": dict(statuses),
    }


# --- 流程审计报告 (PDF) -----------------------------------------------------------------------------

# The audit actions a case's history holds, as people read them (the code is printed beside it).
ACTION_LABELS = {
    "case_started": "发起流程",
    "task_completed": "办理任务",
    "task_claimed": "认领任务",
    "task_unclaimed": "退回认领",
    "task_completion_refused": "办理被拒（期限已过）",
    "timers_fired": "期限到期",
    "timer_failed": "定时处理失败",
    "effect_applied": "系统处理",
    "document_uploaded": "上传文件",
    "case_cancelled": "撤销流程",
    "obligation_submitted": "提交考察记录或思想汇报",
    "measurement_ballot_cast": "民主测评投票",
}


def _data_text(data: dict) -> str:
    items = []
    for k, v in (data or {}).items():
        if k in ("opened", "fired_timers") and not v:
            continue
        text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
        items.append(f"{k}: {text[:300]}")
    return "\n".join(items)


def audit_report(case: Case, *, user) -> dict:
    """The printable case audit report: the case, the chain verification result, every event with
    who acted and what was submitted, and every document with its sha256."""
    verification = verify_case(case.pk)
    events = list(AuditEvent.objects.filter(case=case).order_by("seq", "id"))
    people = _display_names(e.actor_name for e in events)
    rows = [
        {
            "seq": e.seq,
            "at": e.created_at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "action": f"{ACTION_LABELS.get(e.action, e.action)}（{e.action}）",
            "actor": people.get(e.actor_name, e.actor_name)
            + (f"（代 {e.on_behalf_of_name}）" if e.on_behalf_of_name else ""),
            "task": e.task_name,
            "data": _data_text(e.data.get("submitted") if "submitted" in e.data else e.data),
            "hash": e.hash,
        }
        for e in events
    ]
    documents = [
        {
            "filename": d.filename,
            "content_type": d.content_type,
            "size": d.size,
            "sha256": d.sha256,
            "uploaded_by": d.uploaded_by.get_full_name() or d.uploaded_by.username,
            "uploaded_at": d.uploaded_at,
            "description": d.description,
        }
        for d in case.documents.defer("content").select_related("uploaded_by").order_by("id")
    ]
    return {
        "case": case,
        "process_name": case.process_version.name,
        "status": case.get_status_display(),
        "subject": case.subject or (case.subject_member.name if case.subject_member_id else ""),
        "verification": verification.as_dict(),
        "events": rows,
        "documents": documents,
        "generated_at": dt.datetime.now(dt.UTC),
        "generated_by": user.get_full_name() or user.username if user is not None else "system",
        "head": case.audit_head,
    }
