"""党员组织关系介绍信 (FORM-2006): stub (存根), letter and receipt (回执) under one serial number,
from the transfer-out case and the member's roster record as they are."""

from __future__ import annotations

from engine.calendar import parse_date
from organizations.models import Member
from organizations.selectors import approving_committee_of
from workflows.models import Case

from .common import cn_date, require_step


def _age(member: Member, on) -> str:
    if not member.birth_date:
        return ""
    b = member.birth_date
    return str(on.year - b.year - ((on.month, on.day) < (b.month, b.day)))


def _month(text: str) -> tuple[str, str]:
    year, month = (text or "-").split("-")
    return year, str(int(month)) if month else ""


def transfer_letter(case: Case) -> dict:
    """Name, 正式/预备, sex, age, ethnicity, ID number, from → to, dues paid to year/month,
    validity in capital numerals, serial number, the issuing committee; printed once the letter
    is issued (the `issue_letter` step)."""
    require_step(case, "issue_letter", "开具组织关系介绍信", "党员组织关系介绍信")
    data = case.data
    member = Member.objects.get(pk=data["member"]["id"])
    issued = parse_date(data["issued_on"])
    issuer = approving_committee_of(case.organization)
    dues_year, dues_month = _month(data.get("dues_paid_through") or "")
    return {
        "serial": data["letter_serial"],
        "name": member.name,
        "status": "正式" if data.get("member_status") == "full" else "预备",
        "gender": member.get_gender_display() if member.gender else "",
        "age": _age(member, issued),
        "ethnicity": member.get_ethnicity_display() if member.ethnicity else "",
        "id_number": member.id_number or "",
        "phone": member.phone or "",
        "from_org": case.organization.name,
        "to_org": data["receiving_organization"],
        "issuer": issuer.name if issuer else "",
        "dues_year": dues_year,
        "dues_month": dues_month,
        "validity": data["validity_capital"],
        "issued_on": cn_date(issued),
    }
