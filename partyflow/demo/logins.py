"""The login table: one row per demo user, with what is in their inbox now."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from engine.calendar import CST
from organizations.models import OrgKind, Role, RoleAssignment
from workflows.models import CaseStatus, TaskStatus, TimerStatus
from workflows.selectors import task_inbox

from .university import ADMIN_USERNAME, BRANCHES, DEMO_PASSWORD

# Users whose inbox is empty by design, and why (printed in the login table).
IDLE_NOTES = {
    "admin": "超级管理员：可查看全部组织和流程，本身不在任何泳道（superuser, no lane）",
    "orgdept": "P2 换届选举没有组织部泳道的任务，待办为空属正常；可查看全校流程",
    "auditor": "审计员只读：可查看全校流程与审计记录，没有待办",
    "member_se": "普通党员：可查看本人和本支部信息；民主评议时个人自评在本人待办中",
}


def demo_logins() -> list[dict]:
    """One row per demo user, with what is in their inbox now."""

    User = get_user_model()
    usernames = [
        ADMIN_USERNAME,
        "orgdept",
        "auditor",
        "officer_cs",
        "officer_marx",
        "committee_se",
        "member_se",
    ]
    usernames[5:5] = [f"secretary_{b.key}" for b in BRANCHES]
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    assignments = {}
    for a in (
        RoleAssignment.objects.filter(user__in=users.values())
        .select_related("organization")
        .order_by("id")
    ):
        assignments.setdefault(a.user_id, a)
    rows = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        a = assignments.get(user.pk)
        inbox = list(task_inbox(user))
        if inbox:
            note = "；".join(f"{t.case_organization.name}：{t.name}" for t in inbox)
        elif username in IDLE_NOTES:
            note = IDLE_NOTES[username]
        else:
            note = _waiting_note(a.organization if a else None)
        rows.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": "superuser" if user.is_superuser else (a.role if a else ""),
                "role_label": "超级管理员"
                if user.is_superuser
                else (str(Role(a.role).label) if a else ""),
                "organization": a.organization.name if a else "—",
                "open_tasks": len(inbox),
                "note": note,
            }
        )
    return rows


def _waiting_note(org) -> str:
    """Why a branch secretary has nothing to do: who holds the branch's election now, or when its reminder fires."""
    if org is None or org.kind != OrgKind.BRANCH:
        return ""

    case = org.cases.filter(process_id="branch_election", status=CaseStatus.RUNNING).first()
    if case is None:
        return "本支部没有进行中的换届选举"
    task = case.tasks.filter(status=TaskStatus.OPEN).select_related("assignee_organization").first()
    if task is not None:
        return f"等待 {task.assignee_organization.name} 办理：{task.name}"
    timer = case.timers.filter(status=TimerStatus.WAITING).order_by("due_at").first()
    if timer is not None:
        return f"换届提醒将于 {timer.due_at.astimezone(CST):%Y-%m-%d} 发出"
    return ""
