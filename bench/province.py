"""A province's busiest hour on this machine: `make bench-province`. One run, one table; never asserts.

    make bench-province                                  # 50,000 members: a few minutes
    make bench-province BENCH_ARGS="--members 1000000"   # the capacity model's province (1 M / 50 k)
    python -m bench.province --help

Like bench.scale it never touches the database named in DATABASE_URL: it recreates
`partyflow_province` on the same server. Then:
  1. generates a province (setup, not measured): a provincial committee, universities of 10,000
     members, 20 colleges each, branches of 20 members (`--members` 1,000,000 gives the model's
     50,000 branches), a secretary and a committee member with a login per branch, an officer per
     college; the task table holds a year's history (`--closed-per-member` completed rows a member)
     and the open tasks of every branch; and the cases whose requests are completed in the mix and
     whose reminders fall due during it;
  2. runs the capacity model's busiest hour for `--seconds` (default 60) at the model's rates for a
     province (`--rate` scales them): completions (POST /api/tasks/{id}/complete/), inbox reads
     (GET /api/tasks/ by random branch officers) and college dashboards (GET /api/compliance/ of
     the officer's college) through gunicorn with 4 workers, while 2 Celery workers fire the due
     reminders the sweep hands them. Each request is sent at its scheduled time (open loop: a late
     server makes the requests queue, as people's clicks would), its latency measured from then;
  3. prints, per operation, the model's rate, what was served per second and the p95, and the CPU
     seconds the API processes, the workers and PostgreSQL spent, beside the model's prediction.

With PARTYFLOW_REPLICA_URL set (a streaming replica of this server; its database name is replaced
by the bench's), gunicorn gets it pointed at the bench database, and the database router routes
the dashboards there; without it every read goes to the primary.
"""

# Django and first-party imports sit inside the functions: they must follow django.setup(), which
# main() calls after the bench has chosen its database (as in bench/onboarding.py and bench/scale.py).
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

from .run import RESULTS_DIR, World, prepare_database, print_rows, summarize
from .scale import (
    BackendCpu,
    _stop,
    _tree_cpu,
    _url_for,
    _worker,
    completion_plan,
    load_task_rows,
    start_due_cases,
    start_gunicorn,
)

# The capacity model's province (bench/README.md): 1 M members, 50 k branches; in the busiest hour
# ≈ 70 k completions (≈ 20/s) and ≈ 400 k inbox reads (≈ 110/s); the college and university
# officers (≈ 2,100) open their compliance table about 5 times each (≈ 3/s); ≈ 100 k reminders
# fall due a day, fired by 2 workers. The costs the model predicts them from, per operation, in
# CPU milliseconds on this machine (API process and PostgreSQL together).
MODEL = {
    "completion": {"per_s": 20.0, "cpu_ms": 16.0},
    "inbox": {"per_s": 110.0, "cpu_ms": 4.3},
    "dashboard": {"per_s": 3.0, "cpu_ms": None},
    "timer": {"per_day": 100_000, "cpu_ms": 1.6},
}
MEMBERS_PER_BRANCH = 20
BRANCHES_PER_COLLEGE = 25
COLLEGES_PER_UNIVERSITY = 20


def generate_province(world: World, *, members: int, closed_per_member: float) -> dict:
    """The province's tree, people and task history, bulk-inserted (setup, not measured)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from organizations.models import Member, MemberStatus, Organization, OrgKind, Role
    from organizations.models import RoleAssignment as RA

    t0 = time.perf_counter()
    branches = max(1, members // MEMBERS_PER_BRANCH)
    colleges = max(1, -(-branches // BRANCHES_PER_COLLEGE))
    universities = max(1, -(-colleges // COLLEGES_PER_UNIVERSITY))
    user_model = get_user_model()
    with transaction.atomic():
        root = world.school  # the provincial committee stands above the bench's own university
        unis = Organization.objects.bulk_create(
            Organization(
                parent=root,
                name=f"省属第{u + 1}高校党委",
                kind=OrgKind.COMMITTEE,
                has_approval_authority=True,
            )
            for u in range(universities)
        )
        for u in unis:
            u.path = f"{root.path}{u.pk}/"
        Organization.objects.bulk_update(unis, ["path"])
        cols = Organization.objects.bulk_create(
            Organization(
                parent=unis[c // COLLEGES_PER_UNIVERSITY],
                name=f"第{c + 1}学院党委",
                kind=OrgKind.COMMITTEE,
                has_approval_authority=True,
            )
            for c in range(colleges)
        )
        for c in cols:
            c.path = f"{c.parent.path}{c.pk}/"
        Organization.objects.bulk_update(cols, ["path"])
        term_end = dt.date.today() + dt.timedelta(days=400)
        brs = Organization.objects.bulk_create(
            (
                Organization(
                    parent=cols[b // BRANCHES_PER_COLLEGE],
                    name=f"省内第{b + 1}党支部",
                    kind=OrgKind.BRANCH,
                    branch_kind="teaching",
                    term_start=term_end.replace(year=term_end.year - 3),
                    term_end=term_end,
                )
                for b in range(branches)
            ),
            batch_size=5000,
        )
        for b in brs:
            b.path = f"{b.parent.path}{b.pk}/"
        Organization.objects.bulk_update(brs, ["path"], batch_size=5000)
        users = user_model.objects.bulk_create(
            (
                user_model(username=f"prov-{kind}{i}", password="!")
                for i in range(branches)
                for kind in ("sec", "com")
            ),
            batch_size=5000,
        )
        officers = user_model.objects.bulk_create(
            (user_model(username=f"prov-off{c}", password="!") for c in range(colleges)),
            batch_size=5000,
        )
        RA.objects.bulk_create(
            (
                RA(
                    user=users[2 * i + k],
                    role=(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)[k],
                    organization=b,
                    term_start=b.term_start,
                )
                for i, b in enumerate(brs)
                for k in (0, 1)
            ),
            batch_size=5000,
        )
        RA.objects.bulk_create(
            RA(user=o, role=Role.COMMITTEE_OFFICER, organization=c)
            for o, c in zip(officers, cols, strict=True)
        )
        Member.objects.bulk_create(
            (
                Member(
                    organization=brs[m // MEMBERS_PER_BRANCH],
                    name=f"省内党员{m + 1}",
                    status=MemberStatus.FULL,
                    joined_on=dt.date(2000 + m % 25, 7, 1),
                )
                for m in range(branches * MEMBERS_PER_BRANCH)
            ),
            batch_size=10000,
        )
    from workflows.services import case_start

    # The synthetic task rows need a case to belong to: one of its own, waiting on a reminder two
    # years away, so that neither the mix's completions nor the sweep touch it.
    ((branch, secretary, _m),) = world.add_branches(
        1, term_end=dt.date.today() + dt.timedelta(days=730)
    )
    any_case = case_start(actor=secretary, process_id="branch_election", organization=branch).pk
    province_branches = "SELECT id FROM organizations_organization WHERE name LIKE '省内第%%'"
    # Open tasks: one for every other member (a branch's requests, reviews and records waiting);
    # the history: a year's completions, ≈ `closed_per_member` task rows a member.
    load_task_rows(any_case, province_branches, tasks=max(1, members // 2))
    closed = int(members * closed_per_member)
    if closed:
        load_task_rows(any_case, province_branches, tasks=closed, status="completed", years=1)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE workflows_task")
        cur.execute("VACUUM ANALYZE organizations_roleassignment")
        cur.execute("ANALYZE organizations_organization")
        cur.execute("SELECT count(*), count(*) FILTER (WHERE status = 'open') FROM workflows_task")
        task_rows, open_rows = cur.fetchone()
    return {
        "members": branches * MEMBERS_PER_BRANCH,
        "branches": branches,
        "colleges": colleges,
        "universities": universities,
        "task_rows": task_rows,
        "open_tasks": open_rows,
        "seconds": round(time.perf_counter() - t0, 1),
        "branch_users": [u.pk for u in users],
        "officers": [(o.pk, c.pk) for o, c in zip(officers, cols, strict=True)],
    }


def _tokens(user_ids: list[int]) -> dict[int, str]:
    from rest_framework.authtoken.models import Token

    have = dict(Token.objects.filter(user_id__in=user_ids).values_list("user_id", "key"))
    made = Token.objects.bulk_create(
        Token(user_id=pk, key=Token.generate_key()) for pk in user_ids if pk not in have
    )
    have.update({t.user_id: t.key for t in made})
    return have


class Stream:
    """One operation's open-loop stream: `per_s` requests a second over `seconds`, spread over
    `threads` connections; each request is timed from its scheduled moment."""

    def __init__(self, name, per_s, seconds, threads, make_request):
        self.name, self.per_s, self.seconds = name, per_s, seconds
        self.threads, self.make_request = threads, make_request
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.sent = 0

    def run(self, port: int, start: float, stop_at: float) -> list[threading.Thread]:
        n = int(self.per_s * self.seconds)
        schedule = [start + i / self.per_s for i in range(n)] if self.per_s else []

        def worker(k):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for i in range(k, len(schedule), self.threads):
                at = schedule[i]
                delay = at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                if time.perf_counter() > stop_at:
                    break  # the hour is over: what is still queued is not served
                method, path, headers, body = self.make_request(i)
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except OSError:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    status = 0
                done = time.perf_counter()
                with self.lock:
                    self.sent += 1
                    self.latencies.append(done - at)
                    self.statuses[status] = self.statuses.get(status, 0) + 1
            conn.close()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(self.threads)]
        for t in threads:
            t.start()
        return threads

    def result(self, elapsed: float) -> dict:
        ok = self.statuses.get(200, 0)
        out = {
            "offered_per_s": self.per_s,
            "scheduled": int(self.per_s * self.seconds),
            "sent": self.sent,
            "ok": ok,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "per_s": round(ok / elapsed, 1),
        }
        if self.latencies:
            out["latency"] = summarize(self.latencies)
        return out


def run_mix(
    *,
    db: str,
    broker: str,
    seconds: int,
    rate: float,
    completions: list[tuple[str, int]],
    completion_data: dict,
    inbox_tokens: list[str],
    dashboards: list[tuple[str, int]],
    timer_case_ids: list[int],
    log_dir: Path,
) -> dict:
    from celery import Celery

    from workflows.models import Timer

    rng = random.Random(20261207)
    period = f"{dt.date.today().year}-Q{(dt.date.today().month - 1) // 3 + 1}"

    def completion(i):
        token, task_id = completions[i % len(completions)]
        body = json.dumps({"data": completion_data}).encode()
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return "POST", f"/api/tasks/{task_id}/complete/", headers, body

    def inbox(_i):
        return "GET", "/api/tasks/", {"Authorization": f"Token {rng.choice(inbox_tokens)}"}, None

    def dashboard(_i):
        token, college = rng.choice(dashboards)
        path = f"/api/compliance/?organization={college}&period={period}"
        return "GET", path, {"Authorization": f"Token {token}"}, None

    completion_rate = min(MODEL["completion"]["per_s"] * rate, len(completions) / seconds)
    streams = [
        Stream("completion", completion_rate, seconds, 4, completion),
        Stream("inbox", MODEL["inbox"]["per_s"] * rate, seconds, 8, inbox),
        Stream("dashboard", MODEL["dashboard"]["per_s"] * rate, seconds, 2, dashboard),
    ]
    app = Celery(broker=broker)
    if broker.startswith("redis"):
        with app.connection_for_write() as conn:
            conn.default_channel.client.flushdb()
    else:  # RabbitMQ (a vhost of the bench's own): what an earlier run left queued is dropped
        app.control.purge()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": _url_for(db),
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
    }
    replica = os.environ.get("PARTYFLOW_REPLICA_URL")
    if replica:
        os.environ["PARTYFLOW_REPLICA_URL"] = replica.rsplit("/", 1)[0] + "/" + db
        env["PARTYFLOW_REPLICA_URL"] = os.environ["PARTYFLOW_REPLICA_URL"]
    env.setdefault("SECRET_KEY", "bench-province-" + "x" * 40)
    workers = [_worker(f"province{i}", env, log_dir) for i in range(2)]
    server = None
    try:
        server, port = start_gunicorn(db=db, workers=4, log_dir=log_dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(app.control.ping(timeout=1.0) or []) < 2:
            pass
        for _ in range(32):  # warm every gunicorn worker (imports, URLconf, first queries)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/api/me/", headers={"Authorization": f"Token {inbox_tokens[0]}"})
            c.getresponse().read()
            c.close()
        backends = BackendCpu(db)
        api_cpu0 = _tree_cpu(server.pid)
        workers_cpu0 = sum(_tree_cpu(p.pid) for p in workers)
        start = time.perf_counter() + 0.5
        stop_at = start + seconds
        threads = [t for s in streams for t in s.run(port, start, stop_at)]
        while time.perf_counter() < start:
            time.sleep(0.01)
        app.send_task("workflows.tasks.sweep_timers", kwargs={"limit": len(timer_case_ids) + 10})
        timers_done_at = None
        while time.perf_counter() < stop_at:
            backends.sample()
            if timers_done_at is None and not (
                Timer.objects.filter(case_id__in=timer_case_ids, status="waiting").exists()
            ):
                timers_done_at = time.perf_counter()
            time.sleep(0.25)
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        backends.sample()
        api_cpu = _tree_cpu(server.pid) - api_cpu0
        workers_cpu = sum(_tree_cpu(p.pid) for p in workers) - workers_cpu0
    finally:
        _stop(*workers, *([server] if server else []))
    fired = Timer.objects.filter(case_id__in=timer_case_ids, status="fired").count()
    timer_seconds = (timers_done_at - start) if timers_done_at else elapsed
    out = {s.name: s.result(elapsed) for s in streams}
    out["timer"] = {
        "due": len(timer_case_ids),
        "fired": fired,
        "seconds": round(timer_seconds, 1),
        "per_s": round(fired / timer_seconds, 1),
    }
    out["cpu_s"] = {
        "api": round(api_cpu, 1),
        "workers": round(workers_cpu, 1),
        "postgres": round(backends.seconds, 1),
    }
    out["seconds"] = round(elapsed, 1)
    out["replica"] = bool(replica)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.province", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", default="partyflow_province", help="bench database (recreated)")
    parser.add_argument(
        "--broker",
        default=os.environ.get("PARTYFLOW_BENCH_BROKER", "redis://127.0.0.1:6379/9"),
        help="Celery broker for the 2 timer workers (a Redis database is flushed, a RabbitMQ"
        " vhost's queues purged; default redis://127.0.0.1:6379/9)",
    )
    parser.add_argument(
        "--members", type=int, default=50_000, help="the province's size (1000000: the model's)"
    )
    parser.add_argument(
        "--closed-per-member",
        type=float,
        default=10.0,
        help="completed task rows a member in the history (default 10: a year's)",
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of the busiest-hour mix")
    parser.add_argument(
        "--rate", type=float, default=1.0, help="the model's province rates times this"
    )
    parser.add_argument(
        "--timers", type=int, default=1000, help="reminders due when the mix starts (default 1000)"
    )
    parser.add_argument("--output", default=str(RESULTS_DIR / "province.json"))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    log_dir = RESULTS_DIR / "province-logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    def step(message):
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", flush=True)

    db_info = prepare_database(args.db)
    import django

    django.setup()
    from django.core.management import call_command

    from workflows.services import process_deploy, timers_run

    call_command("migrate", verbosity=0)
    process_deploy()
    world = World()
    n_completions = int(MODEL["completion"]["per_s"] * args.rate * args.seconds)
    step(f"{n_completions} cases to complete and {args.timers} reminders due (real cases)")
    to_complete = start_due_cases(world, n_completions)
    while timers_run()["cases"]:
        pass
    due = [c.pk for c, _ in start_due_cases(world, args.timers)]
    step(f"generating the province: {args.members:,} members")
    province = generate_province(
        world, members=args.members, closed_per_member=args.closed_per_member
    )
    step(
        f"province: {province['universities']} universities, {province['colleges']} colleges,"
        f" {province['branches']:,} branches, {province['task_rows']:,} task rows"
        f" ({province['open_tasks']:,} open), in {province['seconds']} s"
    )
    tokens = _tokens(
        [sec.pk for _c, sec in to_complete]
        + province["branch_users"]
        + [o for o, _c in province["officers"]]
    )
    completions, data = completion_plan(to_complete, tokens)
    step(f"the busiest hour's mix for {args.seconds} s (rates x{args.rate})")
    mix = run_mix(
        db=args.db,
        broker=args.broker,
        seconds=args.seconds,
        rate=args.rate,
        completions=completions,
        completion_data=data,
        inbox_tokens=[tokens[pk] for pk in province["branch_users"]],
        dashboards=[(tokens[o], c) for o, c in province["officers"]],
        timer_case_ids=due,
        log_dir=log_dir,
    )
    results = {
        "parameters": vars(args),
        "province": {k: v for k, v in province.items() if k not in ("branch_users", "officers")},
        "mix": mix,
        "environment": {"postgresql": db_info["server_version"], "cpus": os.cpu_count()},
    }
    rows = []
    for name, label in (
        ("completion", "completions (POST /api/tasks/{id}/complete/)"),
        ("inbox", "inbox reads (GET /api/tasks/)"),
        ("dashboard", "college dashboards (GET /api/compliance/)"),
    ):
        m = mix[name]
        lat = m.get("latency")
        rows.append(
            (
                label,
                f"{MODEL[name]['per_s'] * args.rate:.0f}/s",
                f"{m['per_s']:.1f}/s ({m['ok']} of {m['scheduled']})",
                f"{lat['p95_ms']:.0f} ms (median {lat['median_ms']:.0f})" if lat else "-",
            )
        )
    t = mix["timer"]
    rows.append(
        (
            "reminders fired by 2 Celery workers",
            f"{MODEL['timer']['per_day'] / 86400:.1f}/s a day's average",
            f"{t['per_s']:.0f}/s ({t['fired']} of {t['due']} in {t['seconds']} s)",
            "-",
        )
    )
    predicted = (
        (
            MODEL["completion"]["per_s"] * MODEL["completion"]["cpu_ms"]
            + MODEL["inbox"]["per_s"] * MODEL["inbox"]["cpu_ms"]
        )
        * args.rate
        / 1000
    )
    cpu = mix["cpu_s"]
    rows.append(
        (
            "cores used (CPU-seconds a second)",
            f"API ≈ {predicted:.2f} (completions and inbox)",
            f"API {cpu['api'] / mix['seconds']:.2f}, workers {cpu['workers'] / mix['seconds']:.2f},"
            f" PostgreSQL {cpu['postgres'] / mix['seconds']:.2f}",
            "-",
        )
    )
    print()
    print_rows(("operation", "the model's province", "served here", "p95"), rows)
    print(
        f"\n{province['members']:,} members, {province['branches']:,} branches,"
        f" {province['task_rows']:,} task rows; dashboards on "
        + ("the replica (PARTYFLOW_REPLICA_URL)" if mix["replica"] else "the primary")
    )
    results["table"] = rows
    results["run_seconds"] = round(time.perf_counter() - started, 1)
    out = Path(args.output)
    out.write_text(
        json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    print(f"results written to {out} (total {results['run_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
