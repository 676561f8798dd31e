"""组织生活制度落实情况报告: a branch's or subtree's compliance with the organizational-life rules."""

from __future__ import annotations

from collections import Counter

from engine.calendar import today
from organizations.models import Organization
from oversight.compliance import Period, compliance_table

from .common import cn_date

STATUS_LABELS = {"met": "达标", "due": "未到期", "missed": "未落实"}


def _obligation_detail(o: dict) -> str:
    periods = o.get("periods") or []
    if len(periods) > 2:  # months or quarters of a year: grouped by conclusion, not one line each
        groups: dict[str, list[str]] = {}
        for p in periods:
            groups.setdefault(p["status"], []).append(p["period_display"])
        return "；".join(f"{STATUS_LABELS.get(k, k)}：{'、'.join(v)}" for k, v in groups.items())
    parts = []
    for p in periods:
        status = str(STATUS_LABELS.get(p["status"], p["status"]))
        if "count" in p and "required" in p:
            parts.append(f"{p['period_display']}：{p['count']}/{p['required']} {status}")
        elif "paid" in p:
            parts.append(f"{p['period_display']}：{p['paid']}/{p['members']} {status}")
        elif "short" in p:
            # study hours short of the year's minimum, or heart-to-heart talks short per member
            short = "、".join(
                f"{s['name']} {s.get('hours', s.get('count', 0)):g}/{s['required']}"
                for s in p["short"][:5]
            )
            if len(p["short"]) > 5:  # the first five named, the whole number said
                short += f" 等{len(p['short'])}名"
            parts.append(f"{p['period_display']}：{status}" + (f"（{short}）" if short else ""))
        else:
            parts.append(f"{p['period_display']}：{status}")
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
        "period": period.label,
        "as_of": cn_date(today()),
        "summary": summary,
        "branches": branches,
        "rule_set": rules.code,
        "counts": dict(statuses),
    }
