import datetime as dt
import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from partyflow.demo import DEMO_PASSWORD
from partyflow.sweep import summary, sweep

log = logging.getLogger("partyflow.demo")


def sweep_once(*, since: dt.datetime | None = None) -> dict | None:
    """One sweep (`partyflow.sweep.sweep`: the beat schedule's jobs due since `since`), its counts
    logged; an error is logged, never raised."""

    try:
        result = sweep(since=since)
    except Exception:
        log.exception("timer sweep failed")
        return None
    log.info("timer sweep: %s", "; ".join(summary(result)))
    return result


def _timer_loop(interval: float, stop: threading.Event):
    since = None
    while not stop.wait(interval):
        moment = timezone.now()
        try:
            sweep_once(since=since)
        finally:
            since = moment  # the next sweep runs a daily or yearly job whose moment came since
            # The thread's own connection: close it so it never goes stale between sweeps.
            connection.close()


def start_timer_thread(interval: float) -> tuple[threading.Thread, threading.Event]:
    """A daemon thread that sweeps due timers every `interval` seconds until `stop` is set."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_timer_loop, args=(interval, stop), name="partyflow-timers", daemon=True
    )
    thread.start()
    return thread, stop


class Command(BaseCommand):
    help = (
        "The demo (`make demo`): migrate, deploy the BPMN, seed the demo university, then serve the API "
        "with timers swept in-process every PARTYFLOW['DEMO_TIMER_INTERVAL'] seconds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--addrport",
            default="127.0.0.1:8000",
            help="where to serve the API (default 127.0.0.1:8000)",
        )
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="set everything up but do not serve or start the timer thread",
        )

    def handle(self, *args, addrport="127.0.0.1:8000", no_serve=False, **options) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(self.style.MIGRATE_HEADING("1/3 数据库迁移 (migrate)"))
        call_command(
            "migrate", interactive=False, verbosity=0, stdout=self.stdout, stderr=self.stderr
        )
        self.stdout.write(self.style.MIGRATE_HEADING("2/3 部署流程 (deploy BPMN)"))
        call_command("deploy_bpmn", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.MIGRATE_HEADING("3/3 示范数据 (seed demo)"))
        call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.how_to_log_in(addrport))
        if no_serve:
            return
        interval = settings.PARTYFLOW["DEMO_TIMER_INTERVAL"]
        start_timer_thread(interval)
        self.stdout.write(
            f"定时器每 {interval} 秒扫描一次 (timers swept every {interval}s in-process)\n"
        )
        # Static files (the pages' CSS and scripts, the Swagger UI's) are served by whitenoise from
        # STATIC_ROOT under hashed names, as under gunicorn: collected before serving.
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("runserver", addrport, use_reloader=False)

    @staticmethod
    def how_to_log_in(addrport: str) -> str:
        base = f"http://{addrport}"
        body = '{"username":"secretary_se","password":"' + DEMO_PASSWORD + '"}'
        return "\n".join(
            [
                "",
                f"浏览器工作台 (web workplace): {base}/  —— 用上表任一用户名和密码 {DEMO_PASSWORD} 登录，登录后进入本人角色的工作页",
                "  (log in with any username above; each person lands on the page of their role)",
                f"  组织部 orgdept、学院党委 officer_cs → {base}/overview/ (逾期督办：下级逾期步骤、督办、换届、整顿)",
                f"  审计员 auditor → {base}/cases/ (流程查询)",
                f"  支部书记 secretary_se → {base}/inbox/?tab=queue ；党员 member_se → {base}/inbox/ 与 {base}/mine/ (我的事项)",
                f"  组织部 orgdept → {base}/admin/ (组织、党员、用户、角色)",
                "",
                f"登录方式 (how to log in): 上表每个用户的密码都是 {DEMO_PASSWORD}；先取令牌，再查看待办：",
                f"  curl -s -X POST {base}/api/auth/token/ -H 'Content-Type: application/json' -d '{body}'",
                f'  curl -s {base}/api/tasks/ -H "Authorization: Token <token>"',
                "  换成其他用户名即可以该角色登录 (use another username above to act in that role).",
                f"接口文档 (API docs): {base}/api/docs/",
                "",
            ]
        )
