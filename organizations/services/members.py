"""Members: create, update, delete, with the personal fields' checks."""

from __future__ import annotations

from django.db import transaction

from engine.calendar import date_field, not_before, not_in_future
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.i18n import _
from untrusted.text import name_check

from ..audit import root_of_path
from ..codes import LostContactReason
from ..idcard import id_number_check
from ..models import (
    STAFF_NO_RULE,
    AwayCardCheck,
    AwayKind,
    LostContact,
    Member,
    MemberAway,
    MemberStatus,
    Organization,
    OrgKind,
)
from ..selectors import organizations_manageable
from .record import _changes, _delete, _record, _roles, snapshot


def _validate_member(member: Member) -> None:
    member.name = name_check(member.name)  # no control or invisible formatting character
    if member.organization.kind not in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        raise ValidationFailed(
            _("党员须编入党支部或党小组。"),
            code="member_needs_branch",
            fields={"organization": [_("须为党支部或党小组")]},
        )
    # The root organization (the university) goes with the branch: the 学工号's uniqueness.
    member.root_id = root_of_path(member.organization.path) or None
    # Struck off (除名/自行脱党) or advised to withdraw (劝退): the date starts the 5-year ban
    # (DISPOSAL-2024), also for people removed before partyflow was in use. A member whose
    # relationship moved out of the university (P7) left on the day the receiver accepted him.
    left_statuses = (MemberStatus.REMOVED, MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED_OUT)
    if member.left_on and member.status not in left_statuses:
        raise ValidationFailed(
            _("只有除名、自行脱党或劝退的人员才有除名或劝退日期。"),
            code="left_on_needs_left_status",
            fields={"left_on": [_("状态须为除名/自行脱党或劝退")]},
        )
    if member.left_on:
        not_in_future(member.left_on, field="left_on")
    # 入学年份 and 学制 (党统 表7 computes the grade from them)
    if member.enrollment_year is not None and not 1950 <= member.enrollment_year <= 2100:
        raise ValidationFailed(
            _("入学年份应为四位年份。"),
            code="invalid_year",
            fields={"enrollment_year": [_("应为四位年份，如 2024")]},
        )
    if member.programme_years is not None and not 1 <= member.programme_years <= 8:
        raise ValidationFailed(
            _("学制应为 1 至 8 年。"),
            code="invalid_programme_years",
            fields={"programme_years": [_("应为 1 至 8")]},
        )


def _check_personal_fields(fields: dict, *, birth_date) -> None:
    """The ID number, when given, is checked against its rules and the birth date; an empty 学工号
    is stored as none (it is unique when present)."""
    if fields.get("id_number"):
        fields["id_number"] = fields["id_number"].strip().upper()
        id_number_check(fields["id_number"], birth_date=birth_date)
    if "staff_or_student_no" in fields:
        fields["staff_or_student_no"] = (fields["staff_or_student_no"] or "").strip() or None


def staff_no_taken(member: Member) -> ValidationFailed | None:
    """The refusal when another member of the same root organization (university) holds the
    member's 学工号 (issue 32: unique per root, not per installation; another university's 2021001
    is another person), naming the holder; None when it is free."""
    if not member.staff_or_student_no:
        return None
    holder = (
        Member.objects.filter(
            root_id=member.root_id, staff_or_student_no=member.staff_or_student_no
        )
        .exclude(pk=member.pk)
        .first()
    )
    if holder is None:
        return None
    return ValidationFailed(
        _("学工号 %(no)s 已属于%(name)s（%(rule)s）。")
        % {"no": member.staff_or_student_no, "name": holder.name, "rule": STAFF_NO_RULE},
        code="staff_or_student_no_taken",
        fields={"staff_or_student_no": [STAFF_NO_RULE]},
    )


def member_build(*, organization: Organization, name: str, **fields) -> Member:
    """A new member, checked as `member_create` checks it, not saved (`member_create_many` saves
    a batch of them)."""
    _check_personal_fields(fields, birth_date=fields.get("birth_date"))
    member = Member(organization=organization, name=name, **fields)
    _validate_member(member)
    return member


@transaction.atomic
def member_create(
    *, actor, organization: Organization, name: str, source: dict | None = None, **fields
) -> Member:
    """`source`: the import row (file, sheet, row) the member comes from, if any."""
    member = member_build(organization=organization, name=name, **fields)
    if taken := staff_no_taken(member):
        raise taken
    member.save()
    return _log_created(actor, [member], [source])[0]


@transaction.atomic
def member_create_many(*, actor, members: list[Member], sources: list[dict | None]) -> list[Member]:
    """Members made by `member_build`, inserted in one statement, each with its own event in the
    record log (`sources[i]`: the import row member i comes from, if any). The caller has checked
    their 学工号 against their root's (the import: `onboarding.roster._Known`); a clash it missed
    is the database's IntegrityError."""
    Member.objects.bulk_create(members)
    return _log_created(actor, members, sources)


def _log_created(actor, members: list[Member], sources: list[dict | None]) -> list[Member]:
    roles = _roles(actor)
    for member, source in zip(members, sources, strict=True):
        _record(
            "member_created",
            actor=actor,
            instance=member,
            label=member.name,
            organization_id=member.organization_id,
            data={"after": snapshot(member)},
            source=source,
            roles=roles,
        )
    return members


@transaction.atomic
def _log_updated(actor, member: Member, before: dict, source: dict | None) -> None:
    """The record-log event of a changed member (`before`: its snapshot before the change)."""
    _record(
        "member_updated",
        actor=actor,
        instance=member,
        label=member.name,
        organization_id=member.organization_id,
        data={"changes": _changes(before, snapshot(member))},
        source=source,
    )


def member_update(*, actor, member: Member, source: dict | None = None, **fields) -> Member:
    if "id_number" in fields or ("birth_date" in fields and member.id_number):
        fields.setdefault("id_number", member.id_number)
        _check_personal_fields(fields, birth_date=fields.get("birth_date", member.birth_date))
    elif "staff_or_student_no" in fields:
        _check_personal_fields(fields, birth_date=None)
    before = snapshot(member)
    for k, v in fields.items():
        setattr(member, k, v)
    _validate_member(member)
    if ("staff_or_student_no" in fields or "organization" in fields) and (
        taken := staff_no_taken(member)
    ):
        raise taken
    member.save()
    _log_updated(actor, member, before, source)
    return member


@transaction.atomic
def member_delete(*, actor, member: Member) -> None:
    before, pk = snapshot(member), member.pk
    _delete(member)
    member.pk = pk
    _record(
        "member_deleted",
        actor=actor,
        instance=member,
        label=member.name,
        organization_id=member.organization_id,
        data={"before": before},
    )


# The branch-committee roles and the posts each may hold (BRANCH-2018 Art. 19-20): the secretary and
# the deputy hold their own post; a committee member holds one of the others.


@transaction.atomic
def member_away_start(*, actor, member: Member, **fields) -> MemberAway:
    """Register the member as mobile or abroad from `started_on` (the `member_away` procedure's
    start, its checks done there). One registration in force at a time."""
    if member.away_periods.filter(ended_on__isnull=True).exists():
        raise ValidationFailed(
            _("%(name)s 已登记为流动党员或出国（境）党员，尚未返回。") % {"name": member.name},
            code="member_already_away",
            fields={"data.member": [_("已有未结束的登记")]},
        )
    away = MemberAway.objects.create(member=member, **fields)
    if away.kind == AwayKind.MOBILE and not member.is_floating:  # the roster's 是否流动党员
        member_update(actor=actor, member=member, is_floating=True)
    _record(
        "member_away_started",
        actor=actor,
        instance=away,
        label=member.name,
        organization_id=member.organization_id,
        data={"after": snapshot(away)},
    )
    return away


@transaction.atomic
def member_away_end(*, actor, away: MemberAway, ended_on, card_returned_on=None) -> MemberAway:
    """The member came back on `ended_on`: from that day a meeting he misses is an absence again.
    A mobile member's 活动证 handed back is recorded with its day (`card_returned_on`)."""
    before = snapshot(away)
    away.ended_on = ended_on
    away.card_returned_on = card_returned_on
    away.save(update_fields=["ended_on", "card_returned_on"])
    if away.kind == AwayKind.MOBILE and away.member.is_floating:
        member_update(actor=actor, member=away.member, is_floating=False)
    _record(
        "member_away_ended",
        actor=actor,
        instance=away,
        label=away.member.name,
        organization_id=away.member.organization_id,
        data={"changes": _changes(before, snapshot(away))},
    )
    return away


def member_away_card_check(*, actor, away: MemberAway, **fields) -> AwayCardCheck:
    """Record the yearly check of a mobile member's 活动证 (its checks done by the procedure)."""
    check = AwayCardCheck.objects.create(away=away, **fields)
    _record(
        "member_away_card_checked",
        actor=actor,
        instance=check,
        label=away.member.name,
        organization_id=away.member.organization_id,
        data={"after": snapshot(check)},
    )
    return check


def _may_record_contact(actor, member: Member) -> None:
    """The branch (or a committee above it) records its members' lost contact; a reader who
    sees the member but does not act for the branch (an auditor) is refused. The caller has
    checked that the actor sees the member (`member_for_user`: else not found). `actor` None:
    the system (the demo seed)."""
    if actor is not None and not (
        organizations_manageable(actor).filter(pk=member.organization_id).exists()
    ):
        raise Forbidden(_("失去联系和恢复联系由党员所在党支部或上级党委登记。"), code="not_branch")


@transaction.atomic
def member_contact_lost(
    *, actor, member: Member, lost_on, reason: str, note: str = "", source: dict | None = None
) -> LostContact:
    """Record that the branch lost contact with a member (失去联系, EDU-2019 Art. 24) since
    `lost_on` (the day of the last contact, not in the future, not before he joined), for one of
    the 表43 reasons. One open record per member; a member outside the Party cannot be lost.
    `source`: the import row it comes from (the record log names it, as the import's writes do)."""
    _may_record_contact(actor, member)
    lost_on = not_in_future(date_field(lost_on, field="lost_on"), field="lost_on")
    if reason not in LostContactReason.values:
        raise ValidationFailed(
            _("请选择失去联系的情形。"),
            code="invalid_choice",
            fields={
                "reason": [
                    _("须为 %(v)s 之一")
                    % {"v": "、".join(str(x) for x in LostContactReason.labels)}
                ]
            },
        )
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status not in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
        raise Conflict(
            _("%(name)s 当前状态为“%(s)s”，不能登记失去联系。")
            % {"name": member.name, "s": member.get_status_display()},
            code="member_not_party_member",
            fields={"member": [_("须为正式党员或预备党员")]},
        )
    if member.joined_on:
        not_before(
            lost_on,
            member.joined_on,
            field="lost_on",
            message=_("失去联系日期不能早于入党日期（%(d)s）。"),
        )
    if member.lost_contacts.filter(found_on__isnull=True).exists():
        raise Conflict(
            _("%(name)s 已登记为失去联系，尚未恢复联系。") % {"name": member.name},
            code="member_already_lost",
            fields={"member": [_("已有未结束的失去联系登记")]},
        )
    lost = LostContact.objects.create(
        member=member, lost_on=lost_on, reason=reason, note=str(note or "").strip()[:200]
    )
    _record(
        "member_contact_lost",
        actor=actor,
        instance=lost,
        label=member.name,
        organization_id=member.organization_id,
        data={"after": snapshot(lost)},
        source=source,
    )
    return lost


@transaction.atomic
def member_contact_found(*, actor, member: Member, found_on) -> LostContact:
    """The branch found the member again (恢复联系) on `found_on`: his open lost-contact record
    ends that day (not before it began, not in the future)."""
    _may_record_contact(actor, member)
    found_on = not_in_future(date_field(found_on, field="found_on"), field="found_on")
    lost = (
        LostContact.objects.select_for_update()
        .filter(member=member, found_on__isnull=True)
        .select_related("member")
        .first()
    )
    if lost is None:
        raise Conflict(
            _("%(name)s 没有未结束的失去联系登记。") % {"name": member.name},
            code="member_not_lost",
            fields={"member": [_("没有失去联系登记")]},
        )
    not_before(
        found_on,
        lost.lost_on,
        field="found_on",
        message=_("恢复联系日期不能早于失去联系日期（%(d)s）。"),
    )
    before = snapshot(lost)
    lost.found_on = found_on
    lost.save(update_fields=["found_on"])
    _record(
        "member_contact_found",
        actor=actor,
        instance=lost,
        label=lost.member.name,
        organization_id=lost.member.organization_id,
        data={"changes": _changes(before, snapshot(lost))},
    )
    return lost
