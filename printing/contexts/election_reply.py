"""换届选举批复: the approving committee's reply to a branch's election request."""

from __future__ import annotations

from workflows.models import Case

from .common import (
    cn_date,
    election_basics,
    last_submitted,
    member_names,
    names_of,
    require_step,
    stroke_sorted,
)


def election_reply(case: Case) -> dict:
    """批复: the committee's reply to the request (its document number, consent, seats, candidates)."""
    reply, reply_event = require_step(case, "reply_request", "批复换届请示", "批复")
    b = election_basics(case)
    review, _r = last_submitted(case, "review_candidates")
    nominated, _n = last_submitted(case, "nominate_candidates")
    # The reply agrees to the list as the request gave it: in 姓氏笔画 order.
    candidates = (
        stroke_sorted(
            names_of(nominated.get("candidates"), member_names(nominated.get("candidates") or []))
        )
        if review.get("approved")
        else []
    )
    approved = reply.get("approved") if reply_event else None
    return {
        **{k: v for k, v in b.items() if k not in ("org", "rules", "request", "request_event")},
        "document_no": reply.get("document_no", ""),
        "approved": approved,
        "reason": reply.get("reason", ""),
        "verdict_title": ("同意" if approved in (True, None) else "退回"),
        "candidates": candidates,
        "date": cn_date(reply_event.created_at) if reply_event else "　　年　　月　　日",
    }
