import unicodedata

from django.core.management.base import BaseCommand, CommandError

from engine.errors import DomainError
from partyflow.demo import SCHOOL_NAME, dues_behind, seed_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_logins(rows: list[dict]) -> str:
    """The login table: username, password, role, organization, open tasks, note (CJK-aligned)."""
    header = [
        "用户名 username",
        "密码 password",
        "角色 role",
        "组织 organization",
        "待办 tasks",
        "说明 note",
    ]
    table = [
        [
            r["username"],
            r["password"],
            f"{r['role_label']} ({r['role']})",
            r["organization"],
            str(r["open_tasks"]),
            r["note"],
        ]
        for r in rows
    ]
    widths = [max(_width(line[i]) for line in [header, *table]) for i in range(len(header) - 1)]
    out = []
    for line in [header, ["-" * w for w in widths] + ["-" * 8], *table]:
        out.append("  ".join(_pad(cell, w) for cell, w in zip(line, widths)) + "  " + line[-1])
    return "\n".join(out)


class Command(BaseCommand):
    help = "Seed the demo university (示范大学) with branches, members, users and P2 cases at every step; idempotent."

    def handle(self, *args, **options) -> None:
        try:
            result = seed_demo()
        except DomainError as exc:
            hint = (
                "；请先运行 partyflow deploy-bpmn (deploy the BPMN first)"
                if exc.code == "unknown_process"
                else ""
            )
            raise CommandError(
                f"示范数据创建失败 (seeding failed, nothing written): {exc.message} [{exc.code}]{hint}"
            ) from exc
        if result["created"]:
            self.stdout.write(
                self.style.SUCCESS(f"已创建示范数据：{SCHOOL_NAME} (demo university seeded)")
            )
        else:
            self.stdout.write(
                f"示范数据已存在：{SCHOOL_NAME}，未做改动 (demo university already exists; nothing changed)"
            )
        self.stdout.write("")
        self.stdout.write(format_logins(result["logins"]))
        self.stdout.write("")
        self.stdout.write(
            "组织部 (orgdept) 的待办为空属正常：P2 换届选举没有组织部泳道的任务。"
            "(orgdept's inbox is empty by design: no P2 task is in the org_department lane.)"
        )
        behind = dues_behind()
        if behind:
            self.stdout.write("")
            self.stdout.write(
                "党费欠缴（花名册“党费交至”、党委“党费收缴汇总”可见）(members behind with their dues):"
            )
            for row in behind:
                through = (
                    f"交至 {row['paid_through']:%Y-%m}" if row["paid_through"] else "本年尚未交纳"
                )
                self.stdout.write(f"  {row['organization']} {row['name']}：{through}")
