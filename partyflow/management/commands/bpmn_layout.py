from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from web.diagram import missing_layout, with_layout


class Command(BaseCommand):
    help = (
        "Write the computed diagram layout (BPMNDI) into every BPMN file whose layout does not draw "
        "all its steps, lanes and flows; files already complete are left as they are "
        "(--check: list them and fail instead)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--directory", help="folder of .bpmn files (default: settings.PARTYFLOW['BPMN_DIR'])"
        )
        parser.add_argument(
            "--check", action="store_true", help="exit non-zero when a file lacks layout"
        )

    def handle(self, *args, directory=None, check=False, **options) -> None:
        folder = Path(directory or settings.PARTYFLOW["BPMN_DIR"])
        incomplete = {}
        for path in sorted(folder.glob("*.bpmn")):
            text = path.read_text(encoding="utf-8")
            missing = missing_layout(text)
            if not missing:
                continue
            incomplete[path.name] = missing
            if not check:
                path.write_text(with_layout(text), encoding="utf-8")
                self.stdout.write(
                    f"{path.name:<32} laid out ({len(missing)} elements were missing)"
                )
        if check and incomplete:
            lines = [f"  {name}: {', '.join(ids)}" for name, ids in incomplete.items()]
            raise CommandError(
                "BPMN files without layout for (run `partyflow bpmn-layout`):\n" + "\n".join(lines)
            )
        if not incomplete:
            self.stdout.write("every BPMN file has its layout")
