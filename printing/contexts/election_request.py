"""换届选举请示: a branch's request to hold its election."""

from __future__ import annotations

from collections import Counter

from engine.calendar import parse_date, today
from forms.validation import load_schema
from organizations.models import MemberStatus
from organizations.selectors import branch_members
from procedures.common.votes import EXCLUSION_REASONS
from workflows.models import Case

from .common import (
    cn_date,
    election_basics,
    last_submitted,
    member_names,
    names_of,
    require_step,
    secretary_name,
    stroke_sorted,
)


def election_request(case: Case) -> dict:
    """换届选举请示: date, agenda, seats, candidate margin, method, preliminary candidates, members
    not counted as expected attendees (with reason)."""
    require_step(case, "submit_request", "提交换届请示", "换届选举请示")
    b = election_basics(case)
    org, request = b["org"], b["request"]
    # 党员 are the full and the probationary members; applicants, activists and development objects
    # are not members yet, and those struck off or cancelled no longer are.
    members = [
        m for m in branch_members(org) if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)
    ]
    counts = Counter(m.status for m in members)
    nominated, _e = last_submitted(case, "nominate_candidates")
    names = member_names(nominated.get("candidates") or [])
    labels = load_schema("branch_election/submit_request.json")["properties"]["nomination_method"][
        "x-labels"
    ]
    not_counted = [
        {
            "name": m.name,
            "reason": "党员权利停止（{r}）".format(r=m.suspension_reason or "未注明原因"),
        }
        for m in members
        if m.status == MemberStatus.FULL and m.rights_suspended
    ]
    vote, _v = last_submitted(case, "record_vote")
    excluded_names = member_names([x.get("member") for x in vote.get("excluded") or []])
    not_counted += [
        {
            "name": excluded_names.get(x.get("member"), str(x.get("member"))),
            "reason": str(EXCLUSION_REASONS.get(x.get("reason"), x.get("reason", ""))),
        }
        for x in vote.get("excluded") or []
    ]
    # The term the request was about: the one in office when the branch asked. The election
    # replaces the branch's term (record_election_result), so a request printed afterwards reads
    # the outgoing term from the case (term_start, term_end recorded at its start).
    asked_on = parse_date(b["request_event"].created_at) if b["request_event"] else today()
    if case.data.get("term_start"):
        term_start = parse_date(case.data["term_start"])
    elif org.term_start and org.term_start < asked_on:
        term_start = org.term_start
    else:
        term_start = None
    term_end = parse_date(case.data["term_end"]) if case.data.get("term_end") else org.term_end
    intro = "{branch}现有党员{total}名，其中正式党员{full}名、预备党员{prob}名。{outgoing}于{start}选举产生，任期将于{end}届满。".format(
        branch=org.name,
        total=len(members),
        full=counts.get(MemberStatus.FULL, 0),
        prob=counts.get(MemberStatus.PROBATIONARY, 0),
        outgoing=b["outgoing"],
        start=cn_date(term_start) or "（日期未登记）",
        end=cn_date(term_end),
    )
    method = (
        "支部委员实行差额选举，书记、副书记由新一届支部委员会第一次会议等额选举产生。"
        if b["has_committee"]
        else "支部书记由支部党员大会选举产生。"
    )
    return {
        **{k: v for k, v in b.items() if k not in ("org", "rules", "request", "request_event")},
        "intro": intro,
        "place": "另行通知",
        "request_text": request.get("request_text")
        or "根据《中国共产党基层组织选举工作条例》和《中国共产党支部工作条例（试行）》的规定，经研究，拟召开支部党员大会进行换届选举。",
        "nomination": labels.get(request.get("nomination_method"), "—"),
        "method": method,
        "candidates": stroke_sorted(names_of(nominated.get("candidates"), names)),
        "not_counted": not_counted,
        "date": cn_date(asked_on),
        "contact": secretary_name(org, on=asked_on),
    }
