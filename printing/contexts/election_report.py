"""选举结果报告: a branch election's results, reported to the approving committee."""

from __future__ import annotations

from engine.calendar import today
from organizations.models import CommitteePost
from workflows.models import Case

from .common import cn_date, election_basics, last_submitted, member_names, names_of, require_step


def committee_posts(elected: list, secretary, deputy, names: dict[int, str]) -> list[dict]:
    """委员分工 of the committee just elected, each post once: the secretary and the deputy elected
    at its first meeting (elect_officers), then the other elected members as 委员. Read from the
    case, not from the roles in force: the outgoing secretary's role and a later change are not
    this election's result."""
    posts = [
        {"name": names.get(i, str(i)), "post": str(label)}
        for i, label in (
            (secretary, CommitteePost.SECRETARY.label),
            (deputy, CommitteePost.DEPUTY_SECRETARY.label),
        )
        if i is not None and i in elected
    ]
    others = [names.get(i, str(i)) for i in elected if i not in (secretary, deputy)]
    if posts and others:
        posts.append({"name": "、".join(others), "post": str(CommitteePost.MEMBER.label)})
    return posts


def election_report(case: Case) -> dict:
    """选举结果报告: voters due and present (> 4/5), ballots, votes per candidate, the elected, the
    secretary and deputy and the committee posts; the committee's approval once given."""
    vote, vote_event = require_step(case, "record_vote", "党员大会选举", "选举结果报告")
    b = election_basics(case)
    tally = case.data.get("tally") or {}
    officers, _o = last_submitted(case, "elect_officers")
    approval, approval_event = last_submitted(case, "approve_results")
    reply, _r = last_submitted(case, "reply_request")
    elected_ids = case.data.get("elected_total") or []
    candidate_ids = [v.get("candidate") for v in vote.get("votes") or []]
    names = member_names(
        [*candidate_ids, *elected_ids, officers.get("secretary"), officers.get("deputy")]
    )
    votes = sorted(
        (
            {
                "name": names.get(v["candidate"], str(v["candidate"])),
                "yes": v["yes"],
                "result": ("当选" if v["candidate"] in elected_ids else "未当选"),
            }
            for v in vote.get("votes") or []
        ),
        key=lambda r: -r["yes"],
    )
    posts = (
        committee_posts(elected_ids, officers.get("secretary"), officers.get("deputy"), names)
        if b["has_committee"]
        else []
    )
    secretary, deputy = names.get(officers.get("secretary")), names.get(officers.get("deputy"))
    elected = names_of(elected_ids, names)
    if not elected:
        elected_text = "尚无人当选。"
    elif b["has_committee"]:
        elected_text = "{names}等{n}名同志得票超过实到会有选举权党员的半数，当选为新一届支部委员会委员。".format(
            names="、".join(elected), n=len(elected)
        )
    else:
        elected_text = "{names}同志得票超过实到会有选举权党员的半数，当选为支部书记。".format(
            names="、".join(elected)
        )
    if secretary and not b["has_committee"]:
        officers_text = ""
    elif secretary:
        officers_text = "{body}第一次会议等额选举{s}为书记{d}。".format(
            body="新一届支部委员会",
            s=secretary,
            d=(f"，{deputy}为副书记") if deputy else "",
        )
    else:
        officers_text = "书记、副书记尚未选举产生。"
    quorum = b["rules"].get("election.quorum")
    quorum_text = (
        ("超过应到会人数的{q}，符合规定".format(q=f"{quorum.numerator}/{quorum.denominator}"))
        if tally.get("voters_present", tally.get("present"))
        else ""
    )
    intro = "经{approving}{no}批复同意，{branch}于{date}召开支部党员大会进行换届选举。现将选举结果报告如下：".format(
        approving=b["approving"],
        no=f"（{reply['document_no']}）" if reply.get("document_no") else "",
        branch=b["branch"],
        date=cn_date(vote.get("meeting_date")) or b["election_date"],
    )
    if approval_event is None:
        approval_text = "（待审批）"
    else:
        approval_text = ("同意（%(d)s）" if approval.get("approved") else "不同意（%(d)s）") % {
            "d": cn_date(approval_event.created_at)
        }
    return {
        **{k: v for k, v in b.items() if k not in ("org", "rules", "request", "request_event")},
        "intro": intro,
        "voters_eligible": tally.get("voters_eligible", ""),
        "voters_due": tally.get("voters_due", ""),
        # P2 tallies name the voters present `voters_present` (older cases: `present`).
        "present": tally.get("voters_present", tally.get("present", "")),
        "excluded": tally.get("excluded") or [],
        "quorum_text": quorum_text,
        "ballots_issued": tally.get("ballots_issued", vote.get("ballots_issued", "")),
        "ballots_returned": tally.get("ballots_returned", vote.get("ballots_returned", "")),
        "valid_ballots": tally.get("valid_ballots", ""),
        "invalid_ballots": tally.get("invalid_ballots", vote.get("invalid_ballots", "")),
        "votes": votes,
        "elected": elected,
        "elected_text": elected_text,
        "officers_text": officers_text,
        "posts": posts,
        "approval_text": approval_text,
        # Each reply under its own name: the reply to the request, the approval of the results.
        "reply_document_no": reply.get("document_no", ""),
        "results_document_no": approval.get("document_no", "") if approval_event else "",
        "date": cn_date(vote_event.created_at if vote_event else today()),
    }
