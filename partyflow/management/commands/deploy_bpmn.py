from django.core.management.base import BaseCommand, CommandError

from engine.errors import BpmnError, DomainError
from engine.standards import StandardSetInvalid
from organizations.rules import standard_sets
from workflows.services import process_deploy


class Command(BaseCommand):
    help = "Parse, validate and store every BPMN process in bpmn/ (部署流程). Unchanged files keep their version."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--directory", help="folder of .bpmn files (default: settings.PARTYFLOW['BPMN_DIR'])"
        )

    def handle(self, *args, directory=None, **options) -> None:
        try:
            # The standard sets (built-in and PARTYFLOW["STANDARD_SETS"]) are checked first: a bad
            # file stops the deployment naming the item (P6).
            sets = standard_sets()
        except StandardSetInvalid as exc:
            message = f"标准集校验失败 (standard set refused): {exc.message} [{exc.code}]"
            raise CommandError(message) from exc
        for code, s in sets.items():
            measurable = sum(1 for i in s.items if i.indicator)
            self.stdout.write(f"standard {code:<15} {len(s.items)} items, {measurable} measurable")
        try:
            results = process_deploy(directory=directory)
        except BpmnError as exc:
            lines = [f"BPMN 部署失败 (deployment failed): {exc.message}"]
            lines += [
                f"  {label}: {value}"
                for label, value in (
                    ("文件 file", exc.file),
                    ("元素 element", exc.element_id),
                    ("行 line", exc.line),
                )
                if value
            ]
            lines.append(f"  代码 code: {exc.code}")
            raise CommandError("\n".join(lines)) from exc
        except DomainError as exc:
            raise CommandError(
                f"BPMN 部署失败 (deployment failed): {exc.message} [{exc.code}]"
            ) from exc
        if not results:
            self.stdout.write("没有找到 BPMN 流程 (no processes found)")
        for version, created in results:
            state = "new" if created else "unchanged"
            self.stdout.write(
                f"{version.process_id:<24} {version.version:<20} {state:<10} {version.name}"
            )
