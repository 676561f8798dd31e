"""The import's upserts (onboarding): organizations, members and officers through the services
above, each write in the record log."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models

from engine.errors import ValidationFailed
from engine.i18n import _
from untrusted.text import name_check

from ..audit import root_of_path
from ..idcard import id_number_check
from ..models import (
    BRANCH_COMMITTEE_ROLES,
    CommitteePost,
    Member,
    Organization,
    OrgKind,
    Role,
    RoleAssignment,
)
from .members import _log_updated as _log_member_updated
from .members import member_build, member_create, member_update
from .organizations import organization_create, organization_update
from .record import _record, snapshot
from .roles import (
    _log_role_created,
    _validate_assignment,
    role_assignment_create,
    role_assignment_update,
)
from .users import user_create, user_update

# --- import (onboarding): upserts through the services above, each write in the record log -------

User = get_user_model()


def _import_changes(obj: models.Model, values: dict) -> dict:
    """{field: [before, after]} for each value that differs from the object's."""
    out = {}
    for name, after in values.items():
        before = getattr(obj, name)
        if isinstance(before, models.Model) or isinstance(after, models.Model):
            before, after = getattr(before, "pk", before), getattr(after, "pk", after)
        if before != after:
            out[name] = [before, after]
    return out


def _import_upsert(instance, values: dict, *, create, update) -> tuple:
    """One import row's write: `create(values)` when nothing matched, else `update(changed values)`
    with only what differs. Returns (instance, "created" | "updated" | "unchanged", changes)."""
    if instance is None:
        return create(dict(values)), "created", {}
    changes = _import_changes(instance, values)
    if not changes:
        return instance, "unchanged", {}
    update({k: values[k] for k in changes})
    return instance, "updated", changes


def organization_import_upsert(
    *, actor, organization: Organization | None, values: dict, source: dict
) -> tuple[Organization, str, dict]:
    """Create the organization of an import row, or bring an existing one (matched on its code) to
    the row's values. Returns (organization, "created" | "updated" | "unchanged", changes); the
    record log names the import's `source` (file, sheet, row) on each write."""
    return _import_upsert(
        organization,
        values,
        create=lambda v: organization_create(
            actor=actor,
            parent=v.pop("parent"),
            name=v.pop("name"),
            kind=v.pop("kind"),
            source=source,
            **v,
        ),
        update=lambda changed: organization_update(
            actor=actor, organization=organization, source=source, **changed
        ),
    )


def member_import_upsert(
    *, actor, member: Member | None, values: dict, source: dict
) -> tuple[Member, str, dict]:
    """Create the member of an import row or update the one matched on 学工号 / 公民身份号码. The ID
    number is checked (length, birth date inside it, checksum). Returns (member, action, changes);
    the record log names the import's `source` on each write."""
    if values.get("id_number"):
        id_number_check(values["id_number"], birth_date=values.get("birth_date"))
    return _import_upsert(
        member,
        values,
        create=lambda v: member_create(
            actor=actor, organization=v.pop("organization"), name=v.pop("name"), source=source, **v
        ),
        update=lambda changed: member_update(actor=actor, member=member, source=source, **changed),
    )


def member_import_build(*, values: dict) -> Member:
    """The new member of an import row that matched no one, checked as `member_import_upsert`
    checks a created member, not saved: `member_create_many` inserts a batch of them (each logged
    as imported with the row it comes from)."""
    if values.get("id_number"):
        id_number_check(values["id_number"], birth_date=values.get("birth_date"))
    v = dict(values)
    return member_build(organization=v.pop("organization"), name=v.pop("name"), **v)


# The role that holds a committee post, by the kind of organization (BRANCH-2018 Art. 19-20).
POST_ROLES = {
    CommitteePost.SECRETARY: Role.BRANCH_SECRETARY,
    CommitteePost.DEPUTY_SECRETARY: Role.BRANCH_DEPUTY_SECRETARY,
}


def officer_role_for(organization: Organization, post: str) -> str:
    """The role a committee post is held in: an officer of a Party committee; the secretary, deputy
    or a committee member of a branch, a general branch or a Party group (a general branch has no
    committee officers: it reviews, it approves nothing)."""
    if organization.kind == OrgKind.COMMITTEE:
        return Role.COMMITTEE_OFFICER
    return POST_ROLES.get(post, Role.BRANCH_COMMITTEE)


def _officer_term(organization: Organization, post: str, term_start, term_end) -> tuple:
    """(the role the post is held in, the end of the officer's own term) or a 400 naming the
    field."""
    if term_start and term_end and term_end < term_start:
        raise ValidationFailed(
            _("任期结束不能早于开始。"),
            code="invalid_term",
            fields={"term_end": [_("不能早于任期开始")]},
        )
    role = officer_role_for(organization, post)
    if (
        role in BRANCH_COMMITTEE_ROLES
        and organization.term_end
        and (term_end is None or term_end >= organization.term_end)
    ):
        # A branch committee serves past its term's end until the next election's results end
        # its roles (P2 `record_election_result`, BRANCH-2018 Art. 21): only an officer who left
        # before the term's end has an end of their own.
        term_end = None
    return role, term_end


def _username_taken(username: str) -> ValidationFailed:
    return ValidationFailed(
        _("账号 %(u)s 已属于另一名党员。") % {"u": username},
        code="username_taken",
        fields={"staff_or_student_no": [_("账号已属于另一名党员")]},
    )


def _account_names(members: list[Member]) -> dict[int, tuple[str, User | None]]:
    """member pk → (the member's account name, the existing account of that name to link, None:
    one to create), in four queries whatever the number of members.

    The name is the 学工号 (member<id> without one). 学工号 are unique per university, not per
    installation (issue 32): when the account of that name is another university's (its member,
    or a role it holds, is under another root), the name is the 学工号 qualified by the root's
    code, 2021001@U2 (its id when it has no code). A name held by another member of the same
    university is refused (`username_taken`)."""
    root_codes = dict(
        Organization.objects.filter(pk__in={m.root_id for m in members}).values_list("pk", "code")
    )

    def names(m: Member) -> tuple[str, str]:
        plain = m.staff_or_student_no or f"member{m.pk}"
        return plain, f"{plain}@{root_codes.get(m.root_id) or m.root_id}"

    users = User.objects.in_bulk({n for m in members for n in names(m)}, field_name="username")
    holders = {
        user_id: (pk, root_id)
        for user_id, pk, root_id in Member.objects.filter(
            user__in=list(users.values())
        ).values_list("user_id", "pk", "root_id")
    }
    role_roots: dict[int, set[int]] = {}
    for user_id, path in RoleAssignment.objects.filter(user__in=list(users.values())).values_list(
        "user_id", "organization__path"
    ):
        role_roots.setdefault(user_id, set()).add(root_of_path(path))
    out = {}
    for m in members:
        for name in names(m):
            user = users.get(name)
            holder = holders.get(user.pk) if user is not None else None
            if user is None or (holder is not None and holder[0] == m.pk):
                out[m.pk] = (name, user)
                break
            if holder is None and not role_roots.get(user.pk, set()) - {m.root_id}:
                out[m.pk] = (name, user)  # an account of this university without a member
                break
            if holder is not None and holder[1] == m.root_id:
                raise _username_taken(name)
        else:
            raise _username_taken(names(m)[1])
    return out


def member_account_ensure(*, actor, member: Member, source: dict | None = None) -> User:
    """The member's user account, created when missing: username 学工号 (qualified by the
    university's code when another university's account has that name, `_account_names`), the
    member's name as its name, no password until the organization department sets one; an account
    without a name gets the member's. Used where a member takes up a post: an imported officer, an
    officer elected in P2 (`record_election_result`), so the post is held by a named account."""
    user = member.user
    if user is None:
        username, user = _account_names([member])[member.pk]
        if user is None:
            user = user_create(
                actor=actor,
                username=username,
                source=source,
                organization_id=member.organization_id,
                first_name=member.name[:150],
            )
        member_update(actor=actor, member=member, source=source, user=user)
    if not user.get_full_name() and member.name:
        # An account created by an earlier import showed its 学工号 where people read a name.
        user = user_update(actor=actor, user=user, first_name=member.name[:150], last_name="")
    return user


def officer_import_upsert(
    *,
    actor,
    member: Member,
    organization: Organization,
    post: str,
    term_start,
    term_end,
    source: dict,
) -> tuple[RoleAssignment, str, dict]:
    """Give `member` the committee post at `organization` for the term: the member's user account
    is created when missing (username 学工号, the member's name as its name, no password until the
    organization department sets one; an account without a name gets the member's), the role assignment is matched on (user, organization, role, post). Returns
    (assignment, action, changes)."""
    role, term_end = _officer_term(organization, post, term_start, term_end)
    user = member_account_ensure(actor=actor, member=member, source=source)
    existing = (
        RoleAssignment.objects.filter(user=user, organization=organization, role=role, post=post)
        .order_by("-id")
        .first()
    )
    values = {"term_start": term_start, "term_end": term_end}
    if existing is None:
        a = role_assignment_create(
            actor=actor,
            user=user,
            organization=organization,
            role=role,
            post=post,
            source=source,
            **values,
        )
        return a, "created", {}
    changes = _import_changes(existing, values)
    if not changes:
        return existing, "unchanged", {}
    role_assignment_update(
        actor=actor, assignment=existing, source=source, **{k: values[k] for k in changes}
    )
    return existing, "updated", changes


def officers_import_many(*, actor, officers: list[dict]) -> list[tuple[RoleAssignment, str, dict]]:
    """`officer_import_upsert` for a batch of rows ({member, organization, post, term_start,
    term_end, source}; no two for the same member, organization and post), all or none, with one
    statement per kind: the accounts and assignments that exist are read in one query each, the
    new accounts, the members' links to them and the new assignments written in one statement
    each, every write with its own event in the record log naming its row. Returns (assignment,
    action, changes) per row. A refusal is the first failing row's: the caller retries the batch
    row by row (`officer_import_upsert`) to name each."""
    rows = []
    for o in officers:
        role, term_end = _officer_term(o["organization"], o["post"], o["term_start"], o["term_end"])
        rows.append({**o, "role": role, "term_end": term_end})
    # The accounts: the members' own, or found by username, or made now (one per member).
    wanted = {r["member"].pk: r for r in rows if r["member"].user is None}
    accounts = _account_names([r["member"] for r in wanted.values()])
    new_users, linked = [], []
    for pk, r in wanted.items():
        member, (username, user) = r["member"], accounts[pk]
        if user is None:
            user = User(
                username=name_check(username, field="username"),
                first_name=name_check(member.name[:150], field="first_name"),
            )
            user.set_unusable_password()
            new_users.append((user, r))
        linked.append((member, user, r))
    User.objects.bulk_create([u for u, _r in new_users])
    for user, r in new_users:
        _record(
            "user_created",
            actor=actor,
            instance=user,
            label=user.username,
            organization_id=r["member"].organization_id,
            data={"after": snapshot(user), "password_set": False},
            source=r["source"],
            organization=r["member"].organization,
        )
    for member, user, r in linked:
        before = snapshot(member)
        member.user = user
        _log_member_updated(actor, member, before, r["source"])
    Member.objects.bulk_update([m for m, _u, _r in linked], ["user"])
    for r in rows:
        user = r["member"].user
        if not user.get_full_name() and r["member"].name:
            user_update(actor=actor, user=user, first_name=r["member"].name[:150], last_name="")
    # The assignments: matched on (user, organization, role, post), the latest one.
    existing = {}
    for a in RoleAssignment.objects.filter(
        user__in=[r["member"].user for r in rows],
        organization__in=[r["organization"] for r in rows],
    ).order_by("id"):
        existing[(a.user_id, a.organization_id, a.role, a.post)] = a
    out, new = [], []
    for r in rows:
        member, org = r["member"], r["organization"]
        a = existing.get((member.user_id, org.pk, r["role"], r["post"]))
        values = {"term_start": r["term_start"], "term_end": r["term_end"]}
        if a is None:
            a = RoleAssignment(
                user=member.user,
                organization=org,
                role=r["role"],
                post=_validate_assignment(
                    role=r["role"], organization=org, post=r["post"], **values
                ),
                **values,
            )
            new.append((a, r))
            out.append((a, "created", {}))
            continue
        changes = _import_changes(a, values)
        if changes:
            role_assignment_update(
                actor=actor, assignment=a, source=r["source"], **{k: values[k] for k in changes}
            )
        out.append((a, "updated" if changes else "unchanged", changes))
    RoleAssignment.objects.bulk_create([a for a, _r in new])
    for a, r in new:
        _log_role_created(actor, a, r["source"])
    return out
