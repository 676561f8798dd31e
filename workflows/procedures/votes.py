"""General-meeting votes under the admission rule (DEV-2014 Art. 15/23), shared by every procedure
that decides by it (striking off a member, DISPOSAL-2024; conversion; admission): quorum when voters
present are more than the quorum fraction of voters due, passed when yes votes are more than the
pass fraction of voters *due* (not present). Who is eligible is P2's rule (`branch_election`)."""
from __future__ import annotations

from engine.errors import RuleViolation
from engine.i18n import _
from engine.rules import strictly_more_than
from organizations.selectors import full_members_with_rights

from .branch_election import _check_people


def admission_rule_tally(*, organization, data, rules, quorum_rule: str, pass_rule: str) -> dict:
    """Check and tally a general-meeting vote `{present, excluded?, exclusion_approved?, yes, no,
    abstain}`. Raises RuleViolation naming the field (quorum: `present`); returns the tally with
    `passed`. A secret ballot: only the counts are recorded, never who voted how."""
    present = data["present"]
    excluded = data.get("excluded") or []
    excluded_ids = [e["member"] for e in excluded]
    _check_people(organization, present, "present", "voter_not_eligible", _("到会有表决权的党员"))
    _check_people(organization, excluded_ids, "excluded", "excluded_not_eligible", _("不计入应到会人数的党员"))
    if set(present) & set(excluded_ids):
        raise RuleViolation(_("不计入应到会人数的党员不能同时登记为到会。"), code="excluded_and_present", fields={"excluded": [_("不能同时到会")]})
    if excluded and not data.get("exclusion_approved"):
        raise RuleViolation(_("不计入应到会人数须经上级党组织同意。"), code="exclusion_not_approved", fields={"exclusion_approved": [_("须经上级党组织同意")]})
    due = full_members_with_rights(organization).count() - len(excluded_ids)
    quorum, passing = rules.get(quorum_rule), rules.get(pass_rule)
    if not strictly_more_than(len(present), quorum, due):
        raise RuleViolation(
            _("到会有表决权的党员 %(p)s 人，未超过应到会 %(due)s 人的 %(q)s，不能表决。") % {"p": len(present), "due": due, "q": f"{quorum.numerator}/{quorum.denominator}"},
            code="vote_quorum_not_met", fields={"present": [_("须超过 %(n)s 人") % {"n": quorum * due}]})
    yes, no, abstain = data["yes"], data["no"], data.get("abstain", 0)
    if yes + no + abstain > len(present):
        raise RuleViolation(_("赞成、反对、弃权票合计 %(t)s 张，多于到会 %(p)s 人。") % {"t": yes + no + abstain, "p": len(present)},
                            code="votes_exceed_present", fields={"yes": [_("合计不能多于到会人数")]})
    return {"voters_due": due, "present": len(present), "excluded": excluded, "yes": yes, "no": no, "abstain": abstain,
            "passed": strictly_more_than(yes, passing, due)}
