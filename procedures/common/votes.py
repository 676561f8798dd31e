"""What every branch general-meeting vote shares (P1 admission and conversion, P2 election): who may
vote, who is excluded from the voters due and why, and the quorum. The pass rules differ per
procedure (P2: more than half of voters present; P1: more than half of voters due) and stay there.
"""

from __future__ import annotations

from fractions import Fraction

from engine.errors import RuleViolation
from engine.i18n import _
from engine.rules import more_than_whole, share_text, strictly_more_than
from organizations.models import Member, MemberStatus, Organization
from organizations.selectors import branch_members, full_members_with_rights

EXCLUSION_REASONS = {
    "illness": _("因病不能表达本人意志"),
    "abroad": _("自费出国半年以上"),
    "serving_sentence": _("正在服刑"),
    "bedridden": _("卧床不起"),
    "away_without_transfer": _("外出半年以上未转组织关系"),
}


def ineligibility(member: Member) -> str:
    """Why a member may not vote, elect, stand or introduce ('' when they may)."""
    if member.status != MemberStatus.FULL:
        return str(
            _("%(name)s 是%(status)s，没有选举权和被选举权")
            % {"name": member.name, "status": member.get_status_display()}
        )
    if member.rights_suspended:
        return str(
            _("%(name)s 的党员权利已停止（%(reason)s）")
            % {"name": member.name, "reason": member.suspension_reason or _("未注明原因")}
        )
    return ""


def people(org: Organization) -> dict:
    """The branch's members split by whether they may vote, elect, stand or introduce, with the
    reason for those who may not: what a form's member picker offers (`x-options`)."""
    members = list(branch_members(org))
    return {
        "eligible": [{"id": m.pk, "name": m.name} for m in members if not ineligibility(m)],
        "not_eligible": [
            {"id": m.pk, "name": m.name, "reason": ineligibility(m)}
            for m in members
            if ineligibility(m)
        ],
    }


def check_people(org: Organization, ids, field: str, code: str, role_label) -> dict[int, Member]:
    """Every id must be a member of the branch who is a full member with rights intact; the error
    names each person who is not."""
    found = {m.pk: m for m in branch_members(org).filter(pk__in=list(ids))}
    errors = {}
    for i, mid in enumerate(ids):
        member = found.get(mid)
        if member is None:
            errors[f"{field}.{i}"] = [str(_("编号 %(id)s 不是本支部党员") % {"id": mid})]
        elif ineligibility(member):
            errors[f"{field}.{i}"] = [ineligibility(member)]
    if errors:
        raise RuleViolation(
            _("%(role)s须为本支部有表决权的正式党员：%(who)s")
            % {"role": role_label, "who": "；".join(m for v in errors.values() for m in v)},
            code=code,
            fields=errors,
        )
    return found


def voters_due(org: Organization, data: dict) -> tuple[int, int]:
    """(voters eligible, voters due) for a meeting record with `present`, `excluded` and
    `exclusion_approved`: the excluded must be eligible, not present, and excluded with higher approval."""
    excluded = data.get("excluded") or []
    present = data["present"]
    excluded_ids = [e["member"] for e in excluded]
    check_people(org, present, "present", "voter_not_eligible", _("到会有表决权的党员"))
    check_people(
        org, excluded_ids, "excluded", "excluded_not_eligible", _("不计入应到会人数的党员")
    )
    both = set(present) & set(excluded_ids)
    if both:
        raise RuleViolation(
            _("不计入应到会人数的党员不能同时登记为到会。"),
            code="excluded_and_present",
            fields={"excluded": [str(sorted(both))]},
        )
    if excluded and not data.get("exclusion_approved"):
        raise RuleViolation(
            _("不计入应到会人数须经上级党组织同意。"),
            code="exclusion_not_approved",
            fields={"exclusion_approved": [_("须经上级党组织同意")]},
        )
    eligible = full_members_with_rights(org).count()
    return eligible, eligible - len(excluded_ids)


def require_quorum(present: int, due: int, quorum: Fraction, *, code: str, source: str) -> None:
    """Voters present must be more than `quorum` of voters due."""
    if not strictly_more_than(present, quorum, due):
        raise RuleViolation(
            _(
                "到会有表决权的党员 %(p)s 人，未超过应到会 %(due)s 人的 %(q)s，会议不能进行表决（%(source)s）。"
            )
            % {"p": present, "due": due, "q": share_text(quorum), "source": source},
            code=code,
            fields={"present": [_("须超过 %(n)s 人") % {"n": more_than_whole(quorum, due)}]},
        )


def admission_rule_tally(*, organization, data, rules, quorum_rule: str, pass_rule: str) -> dict:
    """A general-meeting vote under the admission rule (DEV-2014 Art. 23; striking off a member,
    DISPOSAL-2024) recorded as counts `{present, excluded?, exclusion_approved?, yes, no, abstain}`:
    quorum when voters present are more than `quorum_rule` of voters due, passed when yes votes are
    more than `pass_rule` of voters **due**. A secret ballot: only the counts, never who voted how.
    Raises RuleViolation naming the field; returns the tally with `passed`."""
    present = len(data["present"])
    _eligible, due = voters_due(organization, data)
    require_quorum(
        present,
        due,
        rules.get(quorum_rule),
        code="vote_quorum_not_met",
        source=rules.rules[quorum_rule].source,
    )
    yes, no, abstain = data["yes"], data["no"], data.get("abstain", 0)
    if yes + no + abstain > present:
        raise RuleViolation(
            _("赞成、反对、弃权票合计 %(t)s 张，多于到会 %(p)s 人。")
            % {"t": yes + no + abstain, "p": present},
            code="votes_exceed_present",
            fields={"yes": [_("合计不能多于到会人数")]},
        )
    return {
        "voters_due": due,
        "present": present,
        "excluded": data.get("excluded") or [],
        "yes": yes,
        "no": no,
        "abstain": abstain,
        "passed": strictly_more_than(yes, rules.get(pass_rule), due),
    }


def voters(case) -> dict:
    """Who is due to vote and who may not, and why: what the vote form shows."""
    members = list(branch_members(case.organization))
    return {
        "eligible": [{"id": m.pk, "name": m.name} for m in members if not ineligibility(m)],
        "not_eligible": [
            {"id": m.pk, "name": m.name, "reason": ineligibility(m)}
            for m in members
            if ineligibility(m)
        ],
    }
