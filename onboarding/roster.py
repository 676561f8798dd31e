"""The import's organization, member and officer sheets, and the election case each branch with a
term waits in."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice

from django.db import IntegrityError, transaction
from django.db.models import Q

from engine.calendar import Duration, today
from engine.errors import DomainError, ValidationFailed
from engine.i18n import _
from organizations.idcard import id_number_check
from organizations.models import (
    CODE_RULE,
    ID_NUMBER_RULE,
    STAFF_NO_RULE,
    LostContact,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
)
from organizations.rules import branch_term_end
from organizations.services import (
    member_contact_lost,
    member_create_many,
    member_import_build,
    member_import_upsert,
    officer_import_upsert,
    officers_import_many,
    organization_import_upsert,
)
from procedures.branch_election import procedure as branch_election
from procedures.member_development.services import EXIT_EVENTS, member_exits_import, misconduct_for
from workflows import registry
from workflows.models import Case, CaseStatus
from workflows.services import case_start, cases_start_many

from .columns import ORGANIZATIONS, Sheet
from .reading import _apply, _Context, _fail, _header_of, _not_future, _rows, _unknown_org

ORG_FIELDS = (
    "name",
    "kind",
    "branch_kind",
    "has_approval_authority",
    "founded_on",
    "term_start",
    "term_end",
    "dues_tracked_since",
)


def _import_organizations(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    """Parents before children, whatever the order of the rows (the sheet is small: read whole)."""
    rows = list(_rows(ctx, sheet, ws, progress))
    codes = defaultdict(list)
    for n, values, _present in rows:
        codes[values["code"]].append(n)
    for code, ns in codes.items():
        for n in ns[1:]:
            ctx.report.error(
                sheet,
                n,
                _header_of(sheet, "code"),
                "duplicate_code",
                _("党组织编码 %(c)s 与第 %(r)s 行重复（%(rule)s）")
                % {"c": code, "r": ns[0], "rule": CODE_RULE},
            )
    pending, done = [r for r in rows if codes[r[1]["code"]][0] == r[0]], set()
    while pending:
        ready = [
            r
            for r in pending
            if not r[1]["parent_code"]
            or r[1]["parent_code"] not in codes
            or r[1]["parent_code"] in done
        ]
        if not ready:  # a cycle: report each remaining row
            for n, _values, _present in pending:
                ctx.report.error(
                    sheet,
                    n,
                    _header_of(sheet, "parent_code"),
                    "parent_cycle",
                    _("上级党组织编码形成循环"),
                )
            return
        for n, values, present in ready:
            _apply(
                ctx,
                sheet,
                n,
                lambda n=n, values=values, present=present: _organization_row(
                    ctx, sheet, n, values, present
                ),
            )
            done.add(values["code"])
        pending = [r for r in pending if r[1]["code"] not in done]
    if progress:
        progress(sheet.title, len(rows), len(rows))


def _organization_row(ctx: _Context, sheet: Sheet, n: int, values: dict, present: set) -> None:
    code, parent = values["code"], None
    if values["parent_code"]:
        parent = ctx.org_by_code(values["parent_code"])
        if parent is None:
            _unknown_org(ctx, sheet, n, "parent_code", values["parent_code"])
    _not_future(ctx, sheet, n, values, ["founded_on", "term_start", "dues_tracked_since"])
    if not values["parent_code"]:  # a root's row: a root's code is unique among the roots
        existing = Organization.objects.filter(parent__isnull=True, code=code).first()
    elif ctx.root is not None:  # matched within the import's university (issue 32)
        existing = Organization.objects.filter(root=ctx.root, code=code).first()
    else:
        existing = None
    if (
        existing is None
    ):  # adopting an organization created before it had a code: same name, same parent
        existing = Organization.objects.filter(
            parent=parent, name=values["name"], code__isnull=True
        ).first()
    if existing is not None and not ctx.in_scope(existing):
        _fail(
            ctx,
            sheet,
            n,
            "code",
            "organization_code_unavailable",
            _("党组织编码 %(c)s 不可用") % {"c": code},
        )
    if existing is None and (parent is None and ctx.scope is not None):
        _fail(
            ctx,
            sheet,
            n,
            "parent_code",
            "required",
            _("只能在您管理的党组织之下建立党组织，请填写上级党组织编码"),
        )
    wanted = {
        "code": code,
        "parent": parent,
        **{f: values[f] for f in ORG_FIELDS if f in present or f == "name" or f == "kind"},
    }
    if values["kind"] == OrgKind.BRANCH and values.get("term_start") and not values.get("term_end"):
        # Only the term start: the term ends after the rule set's term (BRANCH-2018 Art. 21).
        wanted["term_end"] = branch_term_end(values["term_start"])
    if existing is not None and existing.parent_id is None and parent is None:
        wanted.pop("parent")
    org, action, changes = organization_import_upsert(
        actor=ctx.actor,
        organization=existing,
        values=wanted,
        source={**ctx.source, "sheet": sheet.title, "row": n},
    )
    if org.parent_id is None:
        ctx.set_root(org)
    ctx.orgs[code] = org
    ctx.report.done(sheet, n, action, code, org.name, changes)
    if org.kind == OrgKind.BRANCH and org.term_end:
        ctx.elections.append((n, org))


def _running_case(process_id: str, *, organization, subject_member=None) -> Case | None:
    """The running case `case_start` would refuse a second of: the same subject key."""
    key = registry.running_key(
        process_id, organization=organization, subject_member=subject_member, data={}
    )
    if key is None:
        return None
    return Case.objects.filter(subject_key=key, status=CaseStatus.RUNNING).first()


def _start_elections(ctx: _Context) -> None:
    """Each branch with a term waits for its real term-expiry reminder in a P2 election case: the
    running ones are looked up in one query, the others started at once (`cases_start_many`); when
    the batch is refused, each alone, so the report names the row."""
    keys = {
        org.pk: registry.running_key(
            branch_election.PROCESS, organization=org, subject_member=None, data={}
        )
        for _n, org in ctx.elections
    }
    running = {
        c.subject_key: c
        for c in Case.objects.filter(
            subject_key__in=[k for k in keys.values() if k is not None], status=CaseStatus.RUNNING
        )
    }
    entries, to_start = [], []
    for n, org in ctx.elections:
        entry = {
            "sheet": ORGANIZATIONS.title,
            "row": n,
            "process": branch_election.PROCESS,
            "organization": org.pk,
            "organization_name": org.name,
            "term_end": org.term_end.isoformat(),
        }
        case = running.get(keys[org.pk]) if keys[org.pk] is not None else None
        if case is None:
            to_start.append((n, org, entry))
            entries.append(entry)
            continue
        same = case.data.get("term_end") == org.term_end.isoformat()
        note = str(
            _("进行中的换届流程按原任期届满日期 %(d)s 提醒") % {"d": case.data.get("term_end")}
        )
        entry.update(case=case.pk, action="unchanged" if same else "kept")
        entries.append(entry if same else {**entry, "note": note})
    try:
        with transaction.atomic():
            cases = to_start and cases_start_many(
                actor=ctx.actor,
                process_id=branch_election.PROCESS,
                starts=[
                    {"organization": org, "data": {"term_end": org.term_end.isoformat()}}
                    for _n, org, _e in to_start
                ],
            )
    except DomainError:
        cases = [_start_election(ctx, n, org) for n, org, _e in to_start]
    for (_n, _org, entry), case in zip(to_start, cases, strict=True):
        if case is None:
            entries.remove(entry)
        else:
            entry.update(case=case.pk, action="created")
    ctx.report.cases.extend(entries)


def _start_election(ctx: _Context, n: int, org) -> Case | None:
    """One branch's election case (a batch was refused): its refusal is the row's error."""
    try:
        with transaction.atomic():
            return case_start(
                actor=ctx.actor,
                process_id=branch_election.PROCESS,
                organization=org,
                data={"term_end": org.term_end.isoformat()},
            )
    except DomainError as exc:
        ctx.report.error(
            ORGANIZATIONS, n, _header_of(ORGANIZATIONS, "term_end"), exc.code, exc.message
        )
        return None


# --- members ---------------------------------------------------------------------------------

MEMBER_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "native_place",
    "id_number",
    "birth_date",
    "education",
    "degree",
    "person_category",
    "student_level",
    "enrollment_year",
    "programme_years",
    "status",
    "joined_on",
    "party_standing_from",
    "joined_branch_name",
    "probation_extension_months",
    "party_post",
    "phone",
    "job_post",
    "is_floating",
    "transferred_in_on",
    "left_on",
)


def _branch(ctx, sheet, n, values) -> Organization:
    org = ctx.org_by_code(values["organization_code"])
    if org is None:
        _unknown_org(ctx, sheet, n, "organization_code", values["organization_code"])
    if org.kind not in (OrgKind.BRANCH, OrgKind.PARTY_GROUP):
        _fail(
            ctx,
            sheet,
            n,
            "organization_code",
            "member_needs_branch",
            _("%(name)s 不是党支部或党小组") % {"name": org.name},
        )
    return org


def _identity(ctx, sheet, n, values, known: _Known) -> Member | None:
    """The member the row is about, matched on 学工号 (within the import's university) or
    公民身份号码 (national: one person), both must agree; the birth date is taken from the ID number
    when not given, and checked against it when given. A person whose ID number belongs to a member
    of another university is refused: that is a transfer (P7), not a second person."""
    if values.get("id_number"):
        values["id_number"] = values["id_number"].upper()
        try:
            born = id_number_check(values["id_number"], birth_date=values.get("birth_date"))
        except ValidationFailed as exc:
            _fail(ctx, sheet, n, "id_number", exc.code, exc.message)
        values["birth_date"] = values.get("birth_date") or born
    for f in ("staff_or_student_no", "id_number"):
        if values.get(f):
            first = ctx.seen.setdefault((sheet.key, f, values[f]), n)
            if first != n:
                header = _header_of(sheet, f)
                _fail(
                    ctx,
                    sheet,
                    n,
                    f,
                    "duplicate_in_file",
                    _("%(col)s %(v)s 与第 %(r)s 行重复（%(rule)s）")
                    % {
                        "col": header,
                        "v": values[f] if f == "staff_or_student_no" else "***",
                        "r": first,
                        "rule": STAFF_NO_RULE if f == "staff_or_student_no" else ID_NUMBER_RULE,
                    },
                )
    by_no = known.by_no.get(values["staff_or_student_no"])
    by_id = known.by_id.get(values["id_number"]) if values.get("id_number") else None
    if by_no and by_id and by_no.pk != by_id.pk:
        _fail(
            ctx,
            sheet,
            n,
            "id_number",
            "identity_conflict",
            _("学工号与公民身份号码分别属于不同的人（%(a)s、%(b)s）")
            % {"a": by_no.name, "b": by_id.name},
        )
    member = by_no or by_id
    if member is None and values.get("id_number") in known.elsewhere:
        _fail(
            ctx,
            sheet,
            n,
            "id_number",
            "member_of_another_root",
            _(
                "该公民身份号码已登记为另一所高校（根组织）的人员（%(rule)s）："
                "跨校的党员请办理组织关系转接，不能重复登记"
            )
            % {"rule": ID_NUMBER_RULE},
        )
    if member is not None and not ctx.in_scope(member.organization):
        _fail(
            ctx,
            sheet,
            n,
            "staff_or_student_no",
            "member_unavailable",
            _("学工号或公民身份号码已被使用"),
        )
    return member


# New members are inserted this many at a time (one INSERT, their events in the record log's batch).
MEMBER_BATCH = 500


def _import_members(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    """Rows are read MEMBER_BATCH at a time: the members they name are looked up in one query
    (`_Known`), the new ones inserted in one statement after the batch's rows."""
    new: list = []  # (row, member built and checked, source) not yet inserted
    lost: list = []  # (row, member, lost_on, reason): an open lost contact to record once inserted
    exits: list = []  # {member, on, misconduct, note}: a 除名 or 开除党籍 to record once inserted
    rows = _rows(ctx, sheet, ws, progress)
    while batch := list(islice(rows, MEMBER_BATCH)):
        known = _Known.of(batch, ctx.root)
        for n, values, present in batch:
            _apply(
                ctx,
                sheet,
                n,
                lambda n=n, values=values, present=present, known=known: _member_row(
                    ctx, sheet, n, values, present, new, known, lost, exits
                ),
                savepoint=False,  # reads, then one member_import_upsert or a member to insert later
            )
        _insert_members(ctx, sheet, new)
        _record_lost_contacts(ctx, sheet, lost)
        member_exits_import(actor=ctx.actor, exits=[e for e in exits if e["member"].pk])
        exits.clear()


def _dated_after_joining(ctx: _Context, sheet: Sheet, n: int, values: dict, field_name: str):
    """The row's date `field_name` not in the future and not before its 入党日期."""
    _not_future(ctx, sheet, n, values, [field_name])
    day, joined = values[field_name], values.get("joined_on")
    if joined and day < joined:
        _fail(
            ctx,
            sheet,
            n,
            field_name,
            "date_out_of_order",
            _("%(column)s %(d)s 早于入党日期 %(j)s")
            % {
                "column": _header_of(sheet, field_name),
                "d": day.isoformat(),
                "j": joined.isoformat(),
            },
        )


def _exit_checked(ctx: _Context, sheet: Sheet, n: int, values: dict) -> tuple | None:
    """(出党日期, 违纪行为) of a member who left by 除名 or 开除党籍: the date required, not in the
    future nor before 入党日期; 违纪行为 one of 党统 表11's categories, and only for them (the rule
    the committee's status event holds, `misconduct_for`)."""
    status, left_on = values["status"], values.get("left_on")
    misconduct = values.get("misconduct") or ""  # may be unknown: then C2 names the removal
    try:
        if misconduct:
            misconduct_for(EXIT_EVENTS.get(status), misconduct)
    except ValidationFailed as exc:
        _fail(ctx, sheet, n, "misconduct", exc.code, exc.message)
    if status not in EXIT_EVENTS:
        if left_on:
            _fail(
                ctx,
                sheet,
                n,
                "left_on",
                "left_on_needs_left_status",
                _("只有除名或开除党籍的人员才填写出党日期"),
            )
        return None
    if not left_on:
        _fail(ctx, sheet, n, "left_on", "required", _("除名或开除党籍须填写出党日期"))
    _dated_after_joining(ctx, sheet, n, values, "left_on")
    if status == MemberStatus.EXPELLED:
        values["left_on"] = None  # the record's 除名或劝退日期; an expulsion is dated by its event
    return left_on, misconduct


def _lost_contact_checked(ctx: _Context, sheet: Sheet, n: int, values: dict) -> tuple | None:
    """(失去联系日期, 失去联系情形) of the row, both or neither; the day not in the future nor before
    the member joined (the rules `member_contact_lost` holds, named by row and column here)."""
    lost_on, reason = values.get("lost_on"), values.get("lost_reason")
    if not lost_on and not reason:
        return None
    if values["status"] not in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
        _fail(
            ctx,
            sheet,
            n,
            "lost_on",
            "member_not_party_member",
            _("只有正式党员或预备党员才能登记失去联系"),
        )
    if not reason:
        _fail(ctx, sheet, n, "lost_reason", "required", _("填写失去联系日期时须填失去联系情形"))
    if not lost_on:
        _fail(ctx, sheet, n, "lost_on", "required", _("填写失去联系情形时须填失去联系日期"))
    _dated_after_joining(ctx, sheet, n, values, "lost_on")
    return lost_on, reason


def _record_lost_contacts(ctx: _Context, sheet: Sheet, pending: list) -> None:
    """Each row's open lost contact, through the branch's own service (`member_contact_lost`,
    logged with the row it comes from). A member already recorded lost since that day is
    unchanged (the same file twice); one lost since another day is refused, naming the row."""
    rows = pending[:]
    pending.clear()
    members = [m.pk for _n, m, *_r in rows if m.pk is not None]
    open_since = dict(
        LostContact.objects.filter(member__in=members, found_on__isnull=True).values_list(
            "member_id", "lost_on"
        )
    )
    for n, member, lost_on, reason in rows:
        if member.pk is None:  # its insert was refused: the row names why
            continue
        since = open_since.get(member.pk)
        if since == lost_on:
            continue
        if since is not None:
            ctx.report.error(
                sheet,
                n,
                _header_of(sheet, "lost_on"),
                "member_already_lost",
                _("已登记自 %(d)s 起失去联系，尚未恢复联系（请在党员页面更正）")
                % {"d": since.isoformat()},
            )
            continue
        _apply(
            ctx,
            sheet,
            n,
            lambda n=n, member=member, lost_on=lost_on, reason=reason: member_contact_lost(
                actor=ctx.actor,
                member=member,
                lost_on=lost_on,
                reason=reason,
                source={**ctx.source, "sheet": sheet.title, "row": n},
            ),
        )


# A member whose relationship moved out of his university (P7) is no longer its member: the
# receiving university registers him with his ID number.
RELEASED = (MemberStatus.TRANSFERRED_OUT,)


@dataclass
class _Known:
    """The existing members a batch of rows names, by 学工号 and by ID number within the import's
    university (one query, in the order the per-row lookup read them), kept current as the batch's
    rows update them; `elsewhere`: the ID numbers held by a current member of another university."""

    by_no: dict
    by_id: dict
    elsewhere: set = field(default_factory=set)
    # member pk → the (index, key) pairs it is found under: a refresh touches those only, not
    # every key of the batch (that scan made a ledger batch of 200 rows quadratic).
    keys: dict = field(default_factory=dict)

    @classmethod
    def of(cls, rows, root) -> _Known:
        """`root`: the import's university (None: a new one, where no one is known yet)."""
        nos = {v["staff_or_student_no"] for _n, v, _p in rows if v.get("staff_or_student_no")}
        ids = {v["id_number"].upper() for _n, v, _p in rows if v.get("id_number")}
        known = cls({}, {})
        q = Q(id_number__in=ids)
        if root is not None:
            q |= Q(root=root, staff_or_student_no__in=nos)
        for m in Member.objects.select_related("organization").filter(q):
            if root is not None and m.root_id == root.pk:
                known.add(m)
            elif m.status not in RELEASED:
                known.elsewhere.add(m.id_number)
        return known

    def add(self, member: Member) -> None:
        for index, key in (
            (self.by_no, member.staff_or_student_no),
            (self.by_id, member.id_number),
        ):
            if key and index.setdefault(key, member).pk == member.pk:
                self.keys.setdefault(member.pk, []).append((index, key))

    def refresh(self, member: Member) -> None:
        """After the member's row changed it: found under its numbers as they are now."""
        for index, key in self.keys.pop(member.pk, ()):
            if index.get(key) is not None and index[key].pk == member.pk:
                del index[key]
        self.add(member)


def _insert_members(ctx: _Context, sheet: Sheet, new: list) -> None:
    """Insert the batch of new members in one statement; when a uniqueness the row checks missed
    refuses it, each row alone, so the report names the row in conflict."""
    batch = new[:]
    new.clear()
    if not batch:
        return
    try:
        with transaction.atomic():
            member_create_many(
                actor=ctx.actor, members=[m for _n, m, _s in batch], sources=[s for *_, s in batch]
            )
    except IntegrityError:
        for n, member, source in batch:
            ctx.report.undo(sheet, n)
            member.pk, member._state.adding = None, True
            _apply(
                ctx,
                sheet,
                n,
                lambda n=n, member=member, source=source: _insert_one(
                    ctx, sheet, n, member, source
                ),
            )


def _insert_one(ctx: _Context, sheet: Sheet, n: int, member, source: dict) -> None:
    member_create_many(actor=ctx.actor, members=[member], sources=[source])
    ctx.report.done(sheet, n, "created", member.staff_or_student_no, member.name, {})


def _member_row(
    ctx: _Context,
    sheet: Sheet,
    n: int,
    values: dict,
    present: set,
    new: list,
    known: _Known,
    lost: list,
    exits: list,
) -> None:
    branch = _branch(ctx, sheet, n, values)
    _not_future(
        ctx,
        sheet,
        n,
        values,
        ["birth_date", "joined_on", "party_standing_from", "transferred_in_on"],
    )
    joined, converted = values.get("joined_on"), values.get("party_standing_from")
    if joined and converted and converted < joined:
        _fail(
            ctx,
            sheet,
            n,
            "party_standing_from",
            "conversion_before_joining",
            _("转正日期 %(c)s 早于入党日期 %(j)s")
            % {"c": converted.isoformat(), "j": joined.isoformat()},
        )
    if values["status"] == MemberStatus.PROBATIONARY:
        if converted:
            _fail(
                ctx, sheet, n, "status", "probationary_but_converted", _("预备党员不应有转正日期")
            )
        if not joined:
            _fail(ctx, sheet, n, "joined_on", "required", _("预备党员须填入党日期"))
        end = ctx.rules.get("development.probation").add_to(joined)
        if values.get("probation_extension_months"):
            end = _add_months(end, values["probation_extension_months"])
        latest = ctx.rules.get("development.extension_max").add_to(end)
        if latest < today():
            _fail(
                ctx,
                sheet,
                n,
                "status",
                "probation_long_over",
                _("预备期已于 %(e)s 届满，至今未转正（最晚应于 %(l)s 前讨论转正或取消资格）")
                % {"e": end.isoformat(), "l": latest.isoformat()},
            )
    elif not joined:
        _fail(ctx, sheet, n, "joined_on", "required", _("正式党员须填入党日期"))
    left = _exit_checked(ctx, sheet, n, values)
    lost_contact = _lost_contact_checked(ctx, sheet, n, values)
    member = _identity(ctx, sheet, n, values, known)
    wanted = {
        "organization": branch,
        **{
            f: values[f]
            for f in MEMBER_FIELDS
            if f in present or f in ("name", "status", "birth_date")
        },
    }
    wanted["staff_or_student_no"] = values["staff_or_student_no"]
    if wanted.get("birth_date") is None:
        wanted.pop("birth_date")
    source = {**ctx.source, "sheet": sheet.title, "row": n}
    if member is None:  # checked now, inserted with its batch (`_insert_members`)
        member = member_import_build(values=wanted)
        new.append((n, member, source))
        ctx.report.done(sheet, n, "created", member.staff_or_student_no, member.name, {})
        if lost_contact:
            lost.append((n, member, *lost_contact))
        if left:
            exits.append(_exit(ctx, sheet, n, member, *left))
        return
    member, action, changes = member_import_upsert(
        actor=ctx.actor,
        member=member,
        values=wanted,
        source=source,
    )
    known.refresh(member)
    ctx.report.done(sheet, n, action, member.staff_or_student_no, member.name, changes)
    if lost_contact:
        lost.append((n, member, *lost_contact))
    if left:
        exits.append(_exit(ctx, sheet, n, member, *left))


def _exit(ctx, sheet, n, member, on, misconduct) -> dict:
    note = _("导入：%(file)s %(sheet)s 第 %(row)s 行") % {
        "file": ctx.source.get("file", ""),
        "sheet": sheet.title,
        "row": n,
    }
    return {"member": member, "on": on, "misconduct": misconduct, "note": note}


def _add_months(day: dt.date, months: int) -> dt.date:
    return Duration(months=months).add_to(day)


# --- officers and terms ----------------------------------------------------------------------


# Officer rows are written this many at a time (`officers_import_many`).
OFFICER_BATCH = 500


def _import_officers(ctx: _Context, sheet: Sheet, ws, progress) -> None:
    """Rows are read OFFICER_BATCH at a time: the members they name looked up in one query, each row
    checked, then the batch's accounts and posts written at once (`_insert_officers`)."""
    rows = _rows(ctx, sheet, ws, progress)
    while batch := list(islice(rows, OFFICER_BATCH)):
        members = {
            m.staff_or_student_no: m
            for m in ctx.members()
            .select_related("organization", "user")
            .filter(
                staff_or_student_no__in=[v["staff_or_student_no"] for _n, v, _p in batch],
            )
        }
        pending: list = []
        for n, values, _present in batch:
            _apply(
                ctx,
                sheet,
                n,
                lambda n=n, values=values, pending=pending, members=members: pending.append(
                    _officer_checked(ctx, sheet, n, values, members.get)
                ),
                savepoint=False,  # reads only
            )
        _insert_officers(ctx, sheet, pending)


def _officer_checked(ctx: _Context, sheet: Sheet, n: int, values: dict, member_of) -> dict:
    """The row's officer, checked: {n, member, organization, post, term_start, term_end, source}.
    `member_of(学工号)`: the member or None."""
    org = ctx.org_by_code(values["organization_code"])
    if org is None:
        _unknown_org(ctx, sheet, n, "organization_code", values["organization_code"])
    member = member_of(values["staff_or_student_no"])
    if member is None or not ctx.in_scope(member.organization):
        _fail(
            ctx,
            sheet,
            n,
            "staff_or_student_no",
            "unknown_member",
            _("学工号 %(no)s 不在党员名单中") % {"no": values["staff_or_student_no"]},
        )
    if values.get("name") and values["name"] != member.name:
        _fail(
            ctx,
            sheet,
            n,
            "name",
            "name_mismatch",
            _("学工号 %(no)s 是 %(name)s")
            % {"no": values["staff_or_student_no"], "name": member.name},
        )
    return {
        "n": n,
        "member": member,
        "organization": org,
        "post": values["post"],
        "term_start": values.get("term_start") or org.term_start,
        "term_end": values.get("term_end") or org.term_end,
        "source": {**ctx.source, "sheet": sheet.title, "row": n},
    }


def _insert_officers(ctx: _Context, sheet: Sheet, pending: list) -> None:
    """The batch in one go; when it is refused (or names one post twice), each row alone, so the
    report names the row in conflict."""
    if not pending:
        return
    keys = {(o["member"].pk, o["organization"].pk, o["post"]) for o in pending}
    try:
        if len(keys) < len(pending):
            raise _OneByOne
        with transaction.atomic():
            done = officers_import_many(
                actor=ctx.actor, officers=[{k: o[k] for k in o if k != "n"} for o in pending]
            )
    except (_OneByOne, DomainError, IntegrityError):
        for o in pending:
            _apply(ctx, sheet, o["n"], lambda o=o: _officer_one(ctx, sheet, o))
        return
    for o, (assignment, action, changes) in zip(pending, done, strict=True):
        _report_officer(ctx, sheet, o, assignment, action, changes)


class _OneByOne(Exception):
    pass


def _officer_one(ctx: _Context, sheet: Sheet, o: dict) -> None:
    member = Member.objects.select_related("organization", "user").get(pk=o["member"].pk)
    assignment, action, changes = officer_import_upsert(
        actor=ctx.actor,
        member=member,
        organization=o["organization"],
        post=o["post"],
        term_start=o["term_start"],
        term_end=o["term_end"],
        source=o["source"],
    )
    _report_officer(ctx, sheet, {**o, "member": member}, assignment, action, changes)


def _report_officer(ctx, sheet, o: dict, assignment, action: str, changes: dict) -> None:
    org, member = o["organization"], o["member"]
    ctx.report.done(
        sheet,
        o["n"],
        action,
        f"{org.code}/{member.staff_or_student_no}/{o['post']}",
        f"{org.name} {assignment.get_post_display()} {member.name}",
        changes,
    )
