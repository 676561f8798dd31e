"""发展党员全程纪实表: the member's record of the five stages of DEV-2014, step by step."""

from __future__ import annotations

from django.db.models import Q

from engine.calendar import today
from forms.validation import load_schema
from organizations.models import Member, Organization
from organizations.privacy import mask
from organizations.selectors import approving_committee_of
from procedures.member_development.models import ObligationRecord
from procedures.member_development.selectors import conversion_date
from workflows.actions import AuditAction
from workflows.archive import case_events
from workflows.display import user_names
from workflows.models import AuditEvent, Case
from workflows.registry import event_date_field_for
from workflows.selectors import event_date

from .common import cn_date, member_names, names_of

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
        return "、".join(names_of(value, names))
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
        events = case_events(
            case,
            Q(action=AuditAction.TASK_COMPLETED, task__isnull=False)
            | Q(action=AuditAction.STEP_IMPORTED),
        )
    done: dict[str, list[AuditEvent]] = {}
    for e in events:
        element_id = e.task.element_id if e.task_id else e.data.get("element_id", "")
        done.setdefault(element_id, []).append(e)
    ids = set()
    for e in events:
        sub = e.data.get("submitted") or {}
        for key in MEMBER_LIST_FIELDS:
            ids.update(v for v in sub.get(key) or [] if isinstance(v, int))
    names = member_names(ids)
    # who acted, as the platform names a user everywhere (the member the account belongs to)
    people = user_names(i for e in events for i in (e.actor_id, e.on_behalf_of_id))
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
                # The day the step took place (an imported step: its ledger date), never the day
                # it was entered.
                row["date"] = cn_date(event_date(case.process_id, e))
                if not e.task_id:  # imported from the office's ledger
                    row["details"] = "据台账导入"
                    rows.append(row)
                    continue
                submitted = e.data.get("submitted") or {}
                schema = load_schema(e.task.form) if e.task.form else {}
                date_field = event_date_field_for(case.process_id, element_id)
                row["details"] = _step_details(
                    element_id, submitted, schema, case_data, names, date_field
                )
                if len(hits) > 1:
                    row["details"] += f"（共办理 {len(hits)} 次，此为最后一次）"
                actor = people.get(e.actor_id, e.actor_name)
                principal = people.get(e.on_behalf_of_id, e.on_behalf_of_name)
                row["actor"] = actor if not e.on_behalf_of_name else f"{actor}（代 {principal}）"
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
    converted = conversion_date(case_data)
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
            # The roster's fields (organizations.models.Member, national code → label).
            "gender": str(member.get_gender_display()),
            "ethnicity": str(member.get_ethnicity_display()),
            "native_place": member.native_place,
            "education": str(member.get_education_display()),
            "degree": str(member.get_degree_display()),
            "person_category": str(member.get_person_category_display()),
            "job_post": member.job_post,
            "birth_date": cn_date(member.birth_date),
            "id_number": member.id_number if reveal else mask(member.id_number),
            "phone": member.phone if reveal else mask(member.phone),
            "status": member.get_status_display(),
            "joined_on": cn_date(member.joined_on),
            "converted_on": cn_date(converted or member.party_standing_from),
            "party_standing_from": cn_date(member.party_standing_from),
        },
        "stages": stages,
        "obligations": obligations,
        "obligations_note": "" if obligations else "尚无提交的培养考察记录或思想汇报。",
    }
