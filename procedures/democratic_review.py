"""P3 annual democratic review of members (BRANCH-2018, XYTC §4-8/4-9): who takes part, who is
rated, the anonymous measurement's tallies, the organizational rating with its ⅓ warning, and the
unqualified-member cases it opens. Ballots are cast through `measurement_ballot_cast` (the tallies are `orglife` records)."""

from __future__ import annotations

from django.db import models, transaction

from engine.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from engine.i18n import _
from engine.rules import get_rule_set, strictly_more_than
from organizations.models import Member, MemberStatus
from organizations.selectors import mobile_card_checks
from orglife.models import Grade, MeasurementTally, MeasurementVoter
from procedures.common.start import branch_only
from workflows.audit import append
from workflows.models import Case, CaseStatus, TaskStatus
from workflows.registry import (
    data_labels,
    effect,
    form_check,
    form_context,
    personal_data,
    running_subject,
    task_facts,
)
from workflows.services import case_start

PROCESS = "democratic_review"


data_labels(
    PROCESS,
    members=("member", "assignee_member", "unqualified", "measurement"),
    codes={"grade": {g.value: g.label for g in Grade}},
    titles={
        "assessment": _("个人自评"),
        "ballots": _("测评票数"),
        "cases": _("处置流程"),
        "measurement": _("民主测评"),
        "rating_warnings": _("评定提示"),
        "not_rated": _("不参加评议的党员"),
        **{g.value: g.label for g in Grade},
    },
)

# Each member's own (workflows.personal): their self-assessment, the grade and the feedback given
# to them, whether they were rated unqualified, their measurement tallies. The branch's secretary
# and committee and the committees above see all; a member, only what concerns them.
personal_data(
    PROCESS,
    keys={
        "self_assessments": "member",
        "assessment": "member",
        "ratings": "member",
        "feedback": "member",
        "unqualified": "member",
        "measurement": "member",
    },
    tasks=("self_assessment",),
)

GRADES = ("excellent", "qualified", "basically_qualified", "unqualified")


def participants(org) -> list[Member]:
    """Full and probationary members of the branch (and its Party groups) take part."""
    return list(
        Member.objects.filter(
            organization__path__startswith=org.path,
            status__in=[MemberStatus.FULL, MemberStatus.PROBATIONARY],
        ).order_by("id")
    )


@form_check(PROCESS, "__start__")
def check_start(*, organization, data, rules, subject_member=None) -> dict:
    branch_only(organization, (_("民主评议须针对党支部发起。"), "review_needs_branch"))
    year = data.get("year")
    if not isinstance(year, int):
        raise ValidationFailed(
            _("请填写评议年度。"), code="year_required", fields={"data.year": [_("必填，须为整数")]}
        )
    earlier = (
        Case.objects.filter(process_id=PROCESS, organization=organization, data__year=year)
        .exclude(status=CaseStatus.CANCELLED)
        .values_list("status", flat=True)
        .first()
    )
    if earlier is not None:
        # A running review is the one-running-case rule (the same code as a start that races it); a
        # finished one means the year's review was held.
        raise Conflict(
            _("%(org)s %(year)s 年度的民主评议已经发起。")
            % {"org": organization.name, "year": year},
            code="case_already_running"
            if earlier == CaseStatus.RUNNING
            else "review_already_started",
        )
    people = participants(organization)
    without = [m.name for m in people if not m.user_id]
    if without:
        raise ValidationFailed(
            _("以下党员没有系统账号，无法在本人待办中自评：%(names)s")
            % {"names": "、".join(without)},
            code="members_without_account",
            fields={"organization": [_("有党员没有账号")]},
        )
    return {
        "year": year,
        "reviewees": [m.pk for m in people],
        "voters": [m.pk for m in people],
        # XYTC §4-8: leading cadres take part as ordinary members but are not rated.
        "rated": [{"id": m.pk, "name": m.name} for m in people if not m.is_leading_cadre],
        "not_rated": [
            {"id": m.pk, "name": m.name, "reason": str(_("领导干部参加评议但不参加测评"))}
            for m in people
            if m.is_leading_cadre
        ],
    }


@running_subject(PROCESS)
def review_subject(*, organization, data, subject_member) -> str:
    """One running review per branch and year (a finished one is refused by the start check)."""
    return f"organization:{organization.pk}:year:{data['year']}"


@form_check(PROCESS, "self_assessment")
def check_self_assessment(*, case, task, data, rules) -> dict:
    member_id = int(task.slot.split("@", 1)[1])
    return {"assessment": {"member": member_id, "text": data["text"]}}


@task_facts(
    PROCESS,
    "file_plan",
    "record_study",
    "mutual_assessment",
    "democratic_measurement",
    "organizational_rating",
    "give_feedback",
    "report_results",
    "receive_results",
)
def card_check_facts(*, case, task) -> list[dict]:
    """FORM-2006: the 流动党员活动证 is checked yearly with the democratic review. The branch's
    and the committee's steps show each mobile member of the year with his checks dated in it
    (`organizations.selectors.mobile_card_checks`), and how many were checked; a member's own
    step (his self-assessment) does not."""
    rows = mobile_card_checks(case.organization, case.data["year"])
    if not rows:
        return []
    checked = sum(1 for r in rows if r["checked_on"])
    return [
        {
            "key": "card_checks",
            "title": _("流动党员活动证年度查验"),
            "items": [
                {
                    "label": _("本年度已查验"),
                    "value": _("%(a)s / %(b)s 人") % {"a": checked, "b": len(rows)},
                }
            ],
            "columns": [_("党员"), _("活动证编号"), _("本年度查验日期")],
            "rows": [
                [r["member"]["name"], r["card_no"], "、".join(r["checked_on"]) or _("未查验")]
                for r in rows
            ],
        }
    ]


@form_context(PROCESS, "democratic_measurement")
def measurement_context(*, case, task) -> dict:
    rules = get_rule_set(case.rule_set)
    return {
        "rated": case.data.get("rated", []),
        "not_rated": case.data.get("not_rated", []),
        "voters_due": len(case.data.get("voters", [])),
        "ballots_cast": MeasurementVoter.objects.filter(case=case).count(),
        "ballots_needed": ballots_needed(len(case.data.get("voters", [])), rules),
    }


def ballots_needed(voters: int, rules) -> int:
    """The fewest ballots with which the measurement may be closed: at least
    review.measurement_min_ballots (never fewer than 3) and more than review.measurement_quorum of
    those entitled. Fewer ballots would let the published tallies reveal how someone voted."""
    floor = max(rules.get("review.measurement_min_ballots"), 3)
    more_than = rules.get("review.measurement_quorum") * voters
    return max(floor, int(more_than) + 1)


@form_check(PROCESS, "democratic_measurement")
def check_close_measurement(*, case, task, data, rules) -> dict:
    """Close the measurement: the tallies (counts only) go into the case."""
    ballots = MeasurementVoter.objects.filter(case=case).count()
    needed = ballots_needed(len(case.data.get("voters", [])), rules)
    if ballots < needed:
        raise RuleViolation(
            _(
                "已收回测评票 %(n)s 张；至少须 %(needed)s 张（不少于 %(min)s 张且超过参评党员 %(voters)s 人的半数）才能汇总，以免测评结果暴露个人的评价。"
            )
            % {
                "n": ballots,
                "needed": needed,
                "min": max(rules.get("review.measurement_min_ballots"), 3),
                "voters": len(case.data.get("voters", [])),
            },
            code="measurement_too_few_ballots",
            fields={"close": [_("至少须 %(needed)s 张测评票") % {"needed": needed}]},
        )
    tally = {str(r["id"]): {g: 0 for g in GRADES} for r in case.data.get("rated", [])}
    for member_id, grade, count in MeasurementTally.objects.filter(case=case).values_list(
        "member_id", "grade", "count"
    ):
        tally[str(member_id)][grade] = count
    return {"measurement": tally, "ballots": ballots}


def check_covers_rated(case, items, field) -> None:
    """Every rated member exactly once in `items` ([{member, …}]); leading cadres and others refused."""
    rated = {r["id"] for r in case.data.get("rated", [])}
    cadres = {r["id"] for r in case.data.get("not_rated", [])}
    seen = set()
    for i, item in enumerate(items):
        mid = item.get("member")
        if mid in cadres:
            raise RuleViolation(
                _("领导干部参加评议但不参加测评和评定（XYTC §4-8）。"),
                code="leading_cadre_not_rated",
                fields={f"{field}.{i}.member": [_("领导干部不评定等次")]},
            )
        if mid not in rated:
            raise RuleViolation(
                _("党员 %(id)s 不在本次参评名单中。") % {"id": mid},
                code="member_not_rated",
                fields={f"{field}.{i}.member": [_("不在参评名单中")]},
            )
        if mid in seen:
            raise RuleViolation(
                _("同一党员只能评定一次。"),
                code="member_listed_twice",
                fields={f"{field}.{i}.member": [_("重复")]},
            )
        seen.add(mid)
    missing = rated - seen
    if missing:
        names = [r["name"] for r in case.data.get("rated", []) if r["id"] in missing]
        raise RuleViolation(
            _("以下党员还没有填写：%(names)s") % {"names": "、".join(names)},
            code="members_missing",
            fields={field: [_("须逐一填写每位参评党员")]},
        )


@form_context(PROCESS, "organizational_rating", "give_feedback")
def rated_context(*, case, task) -> dict:
    """The members rated one by one (leading cadres take part but are not rated, XYTC §4-8)."""
    return {"rated": case.data.get("rated", [])}


@form_check(PROCESS, "organizational_rating")
def check_rating(*, case, task, data, rules) -> dict:
    """Every rated member once; more 优秀 than `review.excellent_max_share` of those rated is a warning."""
    check_covers_rated(case, data["ratings"], "ratings")
    share = rules.get("review.excellent_max_share")
    excellent = sum(1 for r in data["ratings"] if r["grade"] == "excellent")
    warnings = []
    if strictly_more_than(excellent, share, len(data["ratings"])):
        warnings.append(
            {
                "code": "too_many_excellent",
                "message": str(
                    _("评为优秀 %(n)s 人，超过参评党员 %(total)s 人的 %(share)s。")
                    % {
                        "n": excellent,
                        "total": len(data["ratings"]),
                        "share": f"{share.numerator}/{share.denominator}",
                    }
                ),
            }
        )
    return {
        "rating_warnings": warnings,
        "unqualified": [r["member"] for r in data["ratings"] if r["grade"] == "unqualified"],
    }


@form_check(PROCESS, "give_feedback")
def check_feedback(*, case, task, data, rules) -> dict:
    check_covers_rated(case, data["feedback"], "feedback")
    return {}


@effect("open_unqualified_cases")
def open_unqualified_cases(*, case, params, actor, now) -> dict:
    """DISPOSAL-2024: each member rated unqualified gets a handling case in the branch committee's inbox."""
    opened = []
    for member in Member.objects.filter(pk__in=case.data.get("unqualified") or []).order_by("id"):
        c = case_start(
            actor=None,
            process_id="unqualified_member",
            organization=case.organization,
            subject_member=member,
            data={"member": {"id": member.pk}, "review_case": case.pk},
            business_key=f"unqualified_member:{member.pk}",
            rule_set=case.rule_set,
        )
        opened.append(c.pk)
    return {"cases": opened}


def measurement_ballot_cast(*, actor, case, ratings: list[dict]) -> None:
    """One voter's anonymous ballot in a democratic review's measurement (P3 step 5, XYTC §4-8).

    The voter must be a participant who has not voted; the ballot must rate every rated member (not
    leading cadres) once on the four grades. Only the counts are incremented: every tally row of the
    case is created up front (so row order tells nothing) and every one is rewritten by each ballot,
    the voter row says that the member voted, and the audit event names neither voter nor rating."""
    member = Member.objects.filter(user=actor).first() if actor is not None else None
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if (
            case.status != CaseStatus.RUNNING
            or not case.tasks.filter(
                element_id="democratic_measurement", status=TaskStatus.OPEN
            ).exists()
        ):
            raise Conflict(_("民主测评未在进行中。"), code="measurement_not_open")
        if member is None or member.pk not in case.data.get("voters", []):
            raise ValidationFailed(
                _("您不是本次民主评议的参评党员。"),
                code="voter_not_participant",
                fields={"ratings": [_("不是参评党员")]},
            )
        if MeasurementVoter.objects.filter(case=case, member=member).exists():
            raise Conflict(_("您已经参加过本次民主测评，每人只能测评一次。"), code="already_voted")
        check_covers_rated(case, ratings, "ratings")
        for i, r in enumerate(ratings):
            if r.get("grade") not in GRADES:
                raise ValidationFailed(
                    _("等次须为优秀、合格、基本合格或不合格。"),
                    code="invalid_grade",
                    fields={f"ratings.{i}.grade": [_("未知的等次")]},
                )
        rated = {r["id"] for r in case.data.get("rated", [])}
        MeasurementTally.objects.bulk_create(
            [
                MeasurementTally(case=case, member_id=mid, grade=g)
                for mid in sorted(rated)
                for g in GRADES
            ],
            ignore_conflicts=True,
        )
        # One UPDATE touching every tally row of the case (+1 or +0): no row's version (PostgreSQL
        # xmin) singles out the grades this ballot gave.
        chosen = models.Q(pk__in=[])
        for r in ratings:
            chosen |= models.Q(member_id=r["member"], grade=r["grade"])
        MeasurementTally.objects.filter(case=case).update(
            count=models.F("count")
            + models.Case(models.When(chosen, then=models.Value(1)), default=models.Value(0))
        )
        MeasurementVoter.objects.create(case=case, member=member)
        # Anonymous: the event says that a ballot was cast, not by whom (who voted is kept only to
        # refuse a second ballot, in MeasurementVoter, which no endpoint lists).
        append(action="measurement_ballot_cast", actor=None, case=case, data={})


def measurement_for_voter(*, user, case_id: int) -> tuple[Case, bool]:
    """The democratic review `case_id` if `user` is one of its participants, and whether they have
    voted. Anything else (no such case, not a participant) is not found, alike."""
    member = Member.objects.filter(user=user).first()
    case = Case.objects.filter(pk=case_id, process_id=PROCESS).first()
    if case is None or member is None or member.pk not in case.data.get("voters", []):
        raise NotFound(_("流程不存在。"), code="case_not_found")
    return case, MeasurementVoter.objects.filter(case=case, member=member).exists()
