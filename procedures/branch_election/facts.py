"""P2: what the approving committee decides on, in words (`workflows.registry.task_facts`).

The review of the candidates shows each candidate's record (status, party standing, branch, posts
held, and whether they may stand); the approval of the results shows the vote as the tally recorded
it (voters due and present against the quorum, ballots issued, returned, invalid and valid, each
candidate's votes against the threshold) and the elected with their posts. Every value is a name,
a label, a date or a count: never an id or a code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from engine.calendar import today
from engine.i18n import _
from engine.rules import more_than_whole, share_text
from organizations.models import Member, MemberStatus, RoleAssignment
from procedures.common.votes import ineligibility
from workflows.registry import task_facts

from .definitions import NOMINATION_METHODS, OUTCOMES, PROCESS, _rules
from .procedure import _candidates_needed, _elected_rows


def _people(n) -> str:
    return "" if n is None else str(_("%(n)s 人") % {"n": n})


def _ballots(n) -> str:
    return "" if n is None else str(_("%(n)s 张") % {"n": n})


def _request_items(case) -> list[dict]:
    method = case.data.get("nomination_method") or ""
    return [
        {"label": _("计划选举日期"), "value": case.data.get("election_date")},
        {"label": _("应选委员名额"), "value": _people(case.data.get("seats"))},
        {"label": _("候选人至少"), "value": _people(_candidates_needed(case))},
        {"label": _("候选人推荐方式"), "value": NOMINATION_METHODS.get(method, "")},
    ]


def party_standing(member: Member, on: dt.date) -> str:
    """党龄 in words: whole years since it began (the end of probation), '预备党员，党龄未起算' while
    on probation; without that date, the day they joined (or '未登记'), never a guess; a suspension
    of rights is named beside it."""
    if member.status == MemberStatus.PROBATIONARY:
        text = str(_("预备党员，党龄未起算"))
    elif member.party_standing_from:
        start = member.party_standing_from
        years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
        text = str(_("%(n)s 年（%(d)s 起）") % {"n": max(years, 0), "d": start.isoformat()})
    elif member.joined_on:
        text = str(_("%(d)s 入党，党龄起算日期未登记") % {"d": member.joined_on.isoformat()})
    else:
        text = str(_("未登记"))
    if member.rights_suspended:
        text += str(
            _("；党员权利停止（%(r)s）") % {"r": member.suspension_reason or _("未注明原因")}
        )
    return text


def posts_held(members: list[Member], on: dt.date) -> dict[int, str]:
    """{member id: the posts they hold on `on` ('软件工程系教工党支部书记、…'), or '无'}: the role
    assignments in force of each member's account and the roster's 党内职务; one query."""
    by_user = {m.user_id: m.pk for m in members if m.user_id}
    posts: dict[int, list[str]] = defaultdict(list)
    for a in (
        RoleAssignment.objects.in_force(on)
        .filter(user_id__in=by_user)
        .select_related("organization")
        .order_by("organization__path", "role")
    ):
        if a.role == "member":
            continue
        what = a.get_post_display() if a.post else a.get_role_display()
        posts[by_user[a.user_id]].append(f"{a.organization.name}{what}")
    for m in members:
        if m.party_post and m.party_post not in "".join(posts[m.pk]):
            posts[m.pk].append(m.party_post)
    return {m.pk: "、".join(posts[m.pk]) or str(_("无")) for m in members}


@task_facts(PROCESS, "review_candidates")
def candidate_facts(*, case, task) -> list[dict]:
    """The candidates proposed, each with their record: who they are, where, what they hold."""
    ids = case.data.get("candidates") or []
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids).select_related("organization")}
    members = [found[i] for i in ids if i in found]
    on = today()
    posts = posts_held(members, on)
    rows = []
    for m in members:
        reason = ineligibility(m)
        rows.append(
            [
                m.name,
                str(m.get_status_display()),
                party_standing(m, on),
                m.organization.name,
                posts[m.pk],
                reason or str(_("有被选举权")),
            ]
        )
    return [
        {
            "key": "request",
            "title": _("换届请示"),
            "items": [
                *_request_items(case),
                {"label": _("提名候选人"), "value": _people(len(ids))},
            ],
        },
        {
            "key": "candidates",
            "title": _("候选人预备人选"),
            "columns": [
                _("姓名"),
                _("状态"),
                _("党龄"),
                _("所在支部"),
                _("现任职务"),
                _("资格"),
            ],
            "rows": rows,
        },
    ]


@task_facts(PROCESS, "approve_results")
def result_facts(*, case, task) -> list[dict]:
    """The vote as the tally recorded it and the elected with their posts."""
    rules = _rules(case)
    tally = case.data.get("tally") or {}
    due = tally.get("voters_due")
    present = tally.get("voters_present", tally.get("present"))
    quorum, threshold = rules.get("election.quorum"), rules.get("election.elected_threshold")
    votes = tally.get("votes") or {}
    elected = set(case.data.get("elected_total") or [])
    voted = [int(k) for k in votes]
    names = dict(Member.objects.filter(pk__in=voted).values_list("pk", "name"))
    vote_items = [
        {"label": _("选举日期"), "value": case.data.get("election_date")},
        {"label": _("应选委员名额"), "value": _people(case.data.get("seats"))},
        {"label": _("应到会有选举权党员"), "value": _people(due)},
        {"label": _("实到会有选举权党员"), "value": _people(present)},
    ]
    if due is not None:
        vote_items.append(
            {
                "label": _("到会人数要求"),
                "value": _("须超过应到会人数的%(share)s，至少 %(n)s 人")
                % {"share": share_text(quorum), "n": more_than_whole(quorum, due) + 1},
            }
        )
    vote_items += [
        {"label": _("发出选票"), "value": _ballots(tally.get("ballots_issued"))},
        {"label": _("收回选票"), "value": _ballots(tally.get("ballots_returned"))},
        {"label": _("无效票"), "value": _ballots(tally.get("invalid_ballots"))},
        {"label": _("有效票"), "value": _ballots(tally.get("valid_ballots"))},
    ]
    if present is not None:
        vote_items.append(
            {
                "label": _("当选票数要求"),
                "value": _("赞成票须超过实到会人数的%(share)s，至少 %(n)s 票")
                % {"share": share_text(threshold), "n": more_than_whole(threshold, present) + 1},
            }
        )
    outcome = tally.get("outcome") or ""
    if outcome:
        vote_items.append({"label": _("计票结果"), "value": OUTCOMES.get(outcome, "")})
    if (case.data.get("round") or 0) > 1:
        vote_items.append(
            {
                "label": _("投票轮次"),
                "value": _("共 %(n)s 轮，得票为最后一轮") % {"n": case.data["round"]},
            }
        )
    round_rows = [
        [
            names.get(int(k), ""),
            str(_("%(n)s 票") % {"n": n}),
            str(_("当选")) if int(k) in elected else str(_("未当选")),
        ]
        for k, n in sorted(votes.items(), key=lambda kv: -kv[1])
    ]
    elected_rows = [
        [
            r["name"],
            r["post_display"],
            "" if r["yes_votes"] is None else str(_("%(n)s 票") % {"n": r["yes_votes"]}),
        ]
        for r in _elected_rows(case)
    ]
    return [
        {"key": "vote", "title": _("选举大会与计票"), "items": vote_items},
        {
            "key": "votes",
            "title": _("各候选人得票"),
            "columns": [_("候选人"), _("赞成票"), _("结果")],
            "rows": round_rows,
        },
        {
            "key": "elected",
            "title": _("当选委员及分工"),
            "columns": [_("姓名"), _("职务"), _("得票")],
            "rows": elected_rows,
        },
    ]
