"""The deployment's rule set (PARTYFLOW["RULE_SET"], env PARTYFLOW_RULE_SET): what new cases start
under and what checks outside a case (organization setup, bans, compliance) read. A running case
keeps the rule set it started with (`Case.rule_set`)."""
from django.conf import settings

from engine.rules import RuleSet, get_rule_set


def deployment_rule_set() -> RuleSet:
    return get_rule_set(settings.PARTYFLOW["RULE_SET"])
