"""The `partyflow` console script: Django's commands plus partyflow's own.

partyflow demo | deploy-bpmn | seed-demo | run-timers [--now ISO] | worker | beat | <any Django command>
"""
import os
import sys


def command_name(arg: str) -> str:
    """`deploy-bpmn` → `deploy_bpmn`: every command answers to its name with `-` for `_` (Django's
    own names have no `-`), so a new command needs no alias here."""
    return arg if arg.startswith("-") else arg.replace("-", "_")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")
    if len(argv) > 1 and argv[1] in ("worker", "beat"):
        # Celery only for worker/beat: other commands start without importing it.
        from partyflow.celery import app

        extra = ["--loglevel=INFO"] if not any(a.startswith("--loglevel") or a == "-l" for a in argv[2:]) else []
        app.start([argv[1], *extra, *argv[2:]])
        return
    if len(argv) > 1:
        argv[1] = command_name(argv[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
