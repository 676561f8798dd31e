"""公示: the publication of a member's next stage (activist, development object, probationary,
conversion), with its period counted in working days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from engine.calendar import Duration, add_working_days, is_working_day, parse_date, today
from engine.rules import get_rule_set
from forms.validation import load_schema
from organizations.models import Member, MemberStatus
from organizations.rules import deployment_rule_set
from organizations.selectors import approving_committee_of
from workflows.models import Case

from .common import cn_date, cn_month, member_names, names_of, secretary_name

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
            "、".join(names_of(data.get("contacts"), member_names(data.get("contacts") or [])))
            or "—"
        )
    elif stage == "probationary":
        last_value = cn_date(data.get("designation_date")) or "—"
    else:
        last_value = cn_date(data.get("admission_vote_date") or member.joined_on) or "—"
    contact = dict(settings.PARTYFLOW.get("NOTICE_CONTACT") or {})
    contact.setdefault("name", secretary_name(branch))
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
