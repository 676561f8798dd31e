"""Self-lapse (自行脱党), CONST Art. 9 and XYTC §5-7: detection from the attendance and dues
records, one open case per member, and the strike-off decision (general meeting under the admission
rule, then the approving committee)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction

from engine.calendar import today
from engine.i18n import _
from organizations.models import Member, MemberStatus
from organizations.rules import deployment_rule_set
from orglife.selectors import dues_not_judged, lapse_grounds
from procedures.common.members import member_case_subject, member_leaves, strike_off_vote
from procedures.common.start import MEMBER, one_running_per
from workflows.models import Case, CaseStatus
from workflows.registry import effect, form_check, form_context
from workflows.services import case_start

PROCESS = "self_lapse"
one_running_per(PROCESS, MEMBER)
strike_off_vote(PROCESS)


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    member = member_case_subject(
        organization=organization,
        data=data,
        not_branch=(_("自行脱党处理须针对党支部发起。"), "self_lapse_needs_branch"),
    )
    return {"member": {**data["member"], "id": member.pk}}


@form_context(PROCESS, "review_lapse")
def review_context(*, case, task) -> dict:
    return {"member": case.data.get("member"), "grounds": case.data.get("grounds", [])}


@effect("strike_off_member")
def strike_off_member(*, case, params, actor, now) -> dict:
    """The member is struck off from the general meeting's date."""
    return member_leaves(case, MemberStatus.REMOVED, "meeting_date", actor=actor)


def self_lapse_detect(*, on: dt.date | None = None) -> dict:
    """The daily self-lapse check (CONST Art. 9, XYTC §5-7): every full or probationary member with
    `self_lapse.months` consecutive complete months without attending organizational life, or
    without paying dues, gets a case in the branch secretary's inbox listing the months and records.
    A member with an open self-lapse case is skipped: never two open cases for one member.
    `not_judged` lists the branches whose dues it could not judge (`dues_not_judged`): their members
    were checked on attendance only."""
    on = on or today()
    rules = deployment_rule_set()
    open_for = set(
        Case.objects.filter(process_id="self_lapse", status=CaseStatus.RUNNING).values_list(
            "subject_member_id", flat=True
        )
    )
    members = [
        m
        for m in Member.objects.filter(
            status__in=["full", "probationary"], organization__kind__in=["branch", "party_group"]
        ).select_related("organization", "organization__parent")
        if m.pk not in open_for
    ]
    since = {}
    for member_id, data in (
        Case.objects.filter(process_id="self_lapse", subject_member_id__in=[m.pk for m in members])
        .exclude(status=CaseStatus.RUNNING)
        .order_by("id")
        .values_list("subject_member_id", "data")
    ):
        if data.get("detected_on"):
            since[member_id] = dt.date.fromisoformat(data["detected_on"]).replace(
                day=1
            ) - dt.timedelta(days=1)
    months = rules.get("self_lapse.months")
    found = lapse_grounds(members, on=on, months=months, since=since)
    branches = {}
    for member in members:
        org = member.organization
        branch = org if org.kind == "branch" else org.parent
        if branch is not None:
            branches[branch.pk] = branch
    not_judged = dues_not_judged(
        sorted(branches.values(), key=lambda b: b.path), on=on, months=months
    )
    opened = []
    for member in members:
        if member.pk not in found:
            continue
        branch = (
            member.organization
            if member.organization.kind == "branch"
            else member.organization.parent
        )
        with transaction.atomic():
            # The member row lock serializes two detections running at once (beat and a manual run).
            Member.objects.select_for_update().get(pk=member.pk)
            if Case.objects.filter(
                process_id="self_lapse", subject_member=member, status=CaseStatus.RUNNING
            ).exists():
                continue
            case = case_start(
                actor=None,
                process_id="self_lapse",
                organization=branch,
                subject_member=member,
                business_key=f"self_lapse:{member.pk}",
                data={
                    "member": {"id": member.pk, "name": member.name},
                    "grounds": found[member.pk],
                    "detected_on": on.isoformat(),
                },
            )
        opened.append(case.pk)
    return {"checked": len(members), "opened": opened, "not_judged": not_judged}


@shared_task(name="procedures.self_lapse.detect_self_lapse", ignore_result=True)
def detect_self_lapse() -> dict:
    """The daily Celery job (settings.CELERY_BEAT_SCHEDULE `detect-self-lapse`): how many cases it
    opened and the branches it could not judge on dues (their names, for the sweep's line)."""
    result = self_lapse_detect()
    return {
        "opened": len(result["opened"]),
        "not_judged": len(result["not_judged"]),
        "not_judged_names": "、".join(b["name"] for b in result["not_judged"]) or "-",
    }
