"""The deployment's rule set (PARTYFLOW["RULE_SET"], env PARTYFLOW_RULE_SET): what new cases start
under and what checks outside a case (organization setup, bans, compliance) read. A running case
keeps the rule set it started with (`Case.rule_set`)."""

import datetime as dt
from functools import lru_cache

from django.conf import settings

from engine.errors import NotFound
from engine.i18n import _
from engine.rules import RuleSet, get_rule_set
from engine.standards import StandardSet, load_all


def deployment_rule_set() -> RuleSet:
    return get_rule_set(settings.PARTYFLOW["RULE_SET"])


def branch_term_end(term_start: dt.date, rules: RuleSet | None = None) -> dt.date:
    """The end of a branch committee's term begun on `term_start`: the rule set's term
    (`election.term`, 3 years, BRANCH-2018 Art. 21) after it. P2 records it at each election; an
    import with only the term start takes it from here."""
    return (rules or deployment_rule_set()).get("election.term").add_to(term_start)


def standard_sets() -> dict[str, StandardSet]:
    """The built-in standard sets and this university's (PARTYFLOW["STANDARD_SETS"]), validated."""
    return load_all(settings.PARTYFLOW.get("STANDARD_SETS", ()))


def standard_texts() -> dict[str, str]:
    """{code: what people read} for every standard (its title) and item (its text) of every set, to
    name one where a form stored its code; read once per configuration of sets."""
    return _texts(tuple(str(p) for p in settings.PARTYFLOW.get("STANDARD_SETS", ())))


@lru_cache(maxsize=8)
def _texts(extra: tuple[str, ...]) -> dict[str, str]:
    sets = load_all(extra).values()
    return {s.code: s.title for st in sets for s in st.standards} | {
        i.code: i.text for st in sets for i in st.items
    }


def standard_set(code: str) -> StandardSet:
    try:
        return standard_sets()[code]
    except KeyError:
        raise NotFound(
            _("标准集不存在：%(code)s") % {"code": code}, code="standard_set_not_found"
        ) from None
