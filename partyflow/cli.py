"""The `partyflow` console script: Django's commands plus partyflow's own.

partyflow demo | deploy-bpmn | seed-demo | run-timers [--now ISO] | worker | beat | import FILE [--dry-run] [--as USER]
| onboarding-template | export-workbook OUT --organization CODE | <any Django command>
"""

import os
import secrets
import sys
from pathlib import Path

from partyflow.secret import ensure_secret_key

# Commands that sign nothing (translation catalogs, the Word templates, static files) run without a
# SECRET_KEY from the environment.
KEYLESS_COMMANDS = {
    "compilemessages",
    "makemessages",
    "extract_labels",
    "build_templates",
    "collectstatic",
}
# `import` is a Python keyword, so no command module can bear the name: it is the one alias.
ALIASES = {"import": "import_workbook"}


def command_name(arg: str) -> str:
    """`deploy-bpmn` → `deploy_bpmn`: every command answers to its name with `-` for `_` (Django's
    own names have no `-`), so a new command needs no alias here."""
    if arg.startswith("-"):
        return arg
    return ALIASES.get(arg, arg.replace("-", "_"))


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")
    if len(argv) > 1 and argv[1] in ("worker", "beat"):
        # Celery only for worker/beat: other commands start without importing it.
        from partyflow.celery import app

        extra = (
            ["--loglevel=INFO"]
            if not any(a.startswith("--loglevel") or a == "-l" for a in argv[2:])
            else []
        )
        app.start([argv[1], *extra, *argv[2:]])
        return
    if len(argv) > 1:
        argv[1] = command_name(argv[1])
    if len(argv) > 1 and argv[1] in KEYLESS_COMMANDS:
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # signs nothing: any key
    if len(argv) > 1 and argv[1] == "demo" and not os.environ.get("SECRET_KEY"):
        # The demo runs with DEBUG off like a deployment: its key is generated once, kept in var/.
        default = Path(__file__).resolve().parent.parent / "var"
        data_dir = Path(os.environ.get("PARTYFLOW_DATA_DIR") or default)
        os.environ["SECRET_KEY"] = ensure_secret_key(data_dir)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
