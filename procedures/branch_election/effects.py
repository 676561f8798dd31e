"""P2 step 8: the effects: the election result recorded (officers, the new term), the term-expiry
notice and the next election scheduled."""

from __future__ import annotations

import datetime as dt

from engine.calendar import parse_date, today
from notifications.services import term_expiry_notify, term_expiry_notify_many
from organizations.models import CommitteePost, Member, Organization, Role
from organizations.rules import branch_term_end
from organizations.services import (
    member_account_ensure,
    organization_update,
    role_assignment_create,
    role_assignments_end,
)
from workflows.registry import effect, effect_many
from workflows.services import case_start

from .definitions import PROCESS, _rules, business_key

# --- step 8: effects -------------------------------------------------------------------------

# The post each elected officer holds until the committee divides the other posts (分工).
ELECTED_POSTS = {
    Role.BRANCH_SECRETARY: CommitteePost.SECRETARY,
    Role.BRANCH_DEPUTY_SECRETARY: CommitteePost.DEPUTY_SECRETARY,
    Role.BRANCH_COMMITTEE: CommitteePost.MEMBER,
}


@effect("record_election_result")
def record_election_result(*, case, params, actor, now) -> dict:
    """Record the new term on the branch and give the new officers their roles for the term; the
    outgoing committee's roles end the day before the election."""
    data, rules = case.data, _rules_of(case)
    org = Organization.objects.select_for_update().get(pk=case.organization_id)
    election_date = parse_date(data.get("election_date") or today())
    org = organization_update(
        actor=actor,
        organization=org,
        term_start=election_date,
        term_end=branch_term_end(election_date, rules),
    )
    role_assignments_end(
        actor=actor,
        organization=org,
        roles=[Role.BRANCH_SECRETARY, Role.BRANCH_DEPUTY_SECRETARY, Role.BRANCH_COMMITTEE],
        last_day=election_date - dt.timedelta(days=1),
    )
    members = {
        m.pk: m
        for m in Member.objects.filter(pk__in=data.get("elected_total") or []).select_related(
            "user"
        )
    }
    created = []
    for mid, member in members.items():
        role = (
            Role.BRANCH_SECRETARY
            if mid == data.get("secretary")
            else Role.BRANCH_DEPUTY_SECRETARY
            if mid == data.get("deputy")
            else Role.BRANCH_COMMITTEE
        )
        # An officer elected without an account (imported members have none) gets one, as an
        # imported officer does: the post is held, the branch has its secretary in the record.
        role_assignment_create(
            actor=actor,
            user=member.user or member_account_ensure(actor=actor, member=member),
            role=role,
            organization=org,
            term_start=election_date,
            # No end: the committee serves past its term's end until the next election's
            # results end it (`role_assignments_end` above, BRANCH-2018 Art. 21).
            term_end=None,
            post=ELECTED_POSTS[role],
        )
        created.append({"member": mid, "name": member.name, "role": role})
    return {
        "term_start": org.term_start.isoformat(),
        "term_end": org.term_end.isoformat(),
        "officers": created,
    }


@effect("notify_term_expiry")
def notify_term_expiry(*, case, params, actor, now) -> dict:
    """P2 step 0: the reminder goes to the branch and to its approving committee's officers."""
    return term_expiry_notify(
        case=case, branch=case.organization, term_end=case.data["term_end"], now=now
    )


@effect_many("notify_term_expiry")
def notify_term_expiry_many(*, items, actor, now) -> list[dict]:
    """The reminders of a batch of elections whose timers fired together."""
    return term_expiry_notify_many(
        items=[(i["case"], i["case"].organization, i["case"].data["term_end"]) for i in items],
        now=now,
    )


@effect("schedule_next_election")
def schedule_next_election(*, case, params, actor, now) -> dict:
    """Start the next election case for the branch: it waits on its own term-expiry reminder."""
    org = Organization.objects.get(pk=case.organization_id)
    nxt = case_start(
        actor=None,
        process_id=PROCESS,
        organization=org,
        subject=case.subject,
        data={"term_end": org.term_end.isoformat()},
        business_key=business_key(org),
        rule_set=case.rule_set,
    )
    return {"case": nxt.pk, "term_end": org.term_end.isoformat()}


def _rules_of(case):
    return _rules(case)
