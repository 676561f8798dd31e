"""What a page leaves the garbage collector (issue 32, "the inbox at 10 M rows keeps its p95").
A page served by a worker's WSGI application leaves ≈ 110 objects in reference cycles and keeps
none, so a gunicorn worker met no full collection in 400 inbox pages. The inbox benches read pages
and API answers the same way (bench.run.WorkerPages): read with a new test client per user, as
they did before, each timed request built the client's middleware and a page left ≈ 5,500 objects
for the collector, whose full passes were the page's p95 (bench/README.md, "Tasks at national
volume")."""

import gc
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bench.run import WorkerPages
from bench.scale import bench_big_inbox, bench_web_inbox
from organizations.models import Role
from organizations.services import role_assignment_create
from partyflow.devservers import free_port
from tests.factories import UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benches run on PostgreSQL only"
)

# Objects in reference cycles a page may leave: the request and its lazily loaded user hold each
# other (≈ 110–120 objects). A new test client per page left ≈ 350 here and ≈ 5,500 in the bench,
# where WhiteNoise indexes the collected static files again for each new client's middleware.
CYCLIC_PER_PAGE = 200


def uncollected(read, times: int) -> tuple[int, int]:
    """`read()` `times` times with the collector off: the objects only a collection frees, and the
    tracked objects still alive after it. Logging is off meanwhile: pytest's log capture keeps every
    record it sees (a page's request line, one a page), which a worker's console handler does not.
    (It sees them once the WSGI application was imported before the test: the import sets Django up
    and `settings.LOGGING` replaces the root logger's handlers, pytest's among them.)"""
    gc.collect()
    gc.disable()
    logging.disable(logging.CRITICAL)
    try:
        before = len(gc.get_objects())
        read_all = [read() for _ in range(times)]
        del read_all
        garbage = gc.collect()
        kept = len(gc.get_objects()) - before
    finally:
        logging.disable(logging.NOTSET)
        gc.enable()
    return garbage, kept


def test_an_inbox_page_served_by_the_worker_leaves_the_collector_almost_nothing(
    university, election
):
    pages = WorkerPages()
    session = pages.log_in(university.users.committee_a)  # the election's request is in its inbox
    with pages:
        status, body = pages.get("/inbox/?tab=queue", session=session)
        assert status == 200 and "换届请示" in body.decode()
        for _ in range(3):  # the first pages compile templates and fill caches, kept for life
            pages.get("/inbox/?tab=queue", session=session)
        garbage, kept = uncollected(lambda: pages.get("/inbox/?tab=queue", session=session), 20)
    assert garbage < 20 * CYCLIC_PER_PAGE, garbage
    assert kept < 20, kept  # nothing a page keeps (a leak would grow the oldest generation)


# A gunicorn worker as production starts it (partyflow/gunicorn.conf.py), which also writes, after
# each request, the full collections it has met since its start-up and its oldest generation's size.
COUNTING_WORKER = """
import gc, json, runpy

conf = runpy.run_path("partyflow/gunicorn.conf.py")
globals().update({k: v for k, v in conf.items() if not k.startswith("__")})
workers, max_requests, accesslog = 1, 0, None
full = []


def post_worker_init(worker):
    conf["post_worker_init"](worker)
    gc.callbacks.append(lambda phase, info: phase == "stop" and full.append(info["generation"] == 2))


def post_request(worker, req, environ, resp):
    with open(OUT, "a") as out:
        out.write(json.dumps([sum(full), len(gc.get_objects(generation=2))]) + "\\n")
"""


@pytest.mark.django_db(transaction=True)  # the worker reads what the test wrote
def test_a_gunicorn_worker_serving_the_inbox_meets_no_full_collection(
    university, election, tmp_path, static_root
):
    """200 inbox pages: no full collection, and the oldest generation grows by a few objects a page
    once the first pages have filled the caches (a page's leftovers would make it grow by hundreds,
    and bring full passes back every ≈ 17 pages, as the old bench's test client did)."""
    if connection.vendor != "postgresql":
        pytest.skip("the gunicorn worker runs on PostgreSQL")
    session = WorkerPages.log_in(university.users.committee_a)
    conf, out = tmp_path / "gunicorn.conf.py", tmp_path / "worker.jsonl"
    conf.write_text(f"OUT = {str(out)!r}\n" + COUNTING_WORKER)
    d = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partyflow.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the session's hash is signed with it
        "DATABASE_URL": f"postgres://{d['USER']}:{d['PASSWORD'] or ''}@{d['HOST'] or '127.0.0.1'}"
        f":{d['PORT'] or 5432}/{d['NAME']}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PARTYFLOW_STATIC_ROOT": str(static_root),
        "PARTYFLOW_GUNICORN_LOGLEVEL": "warning",
    }
    env.pop("CELERY_BROKER_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(gunicorn), "partyflow.wsgi", "-c", str(conf), "-b", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    inbox = urllib.request.Request(
        f"http://127.0.0.1:{port}/inbox/?tab=queue",
        headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
    )
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(inbox, timeout=5) as first:
                    assert "换届请示" in first.read().decode()
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.5)
        for _ in range(199):
            with urllib.request.urlopen(inbox, timeout=30) as page:
                assert page.status == 200
                page.read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    pages = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(pages) == 200
    assert pages[-1][0] == 0  # full collections met
    after_20, after_200 = pages[19][1], pages[-1][1]
    assert after_200 - after_20 < 180 * 20, (after_20, after_200)


@pytest.fixture
def middleware_loads(monkeypatch):
    """The handlers that loaded their middleware while the test ran (a worker's loads it once, at
    start-up; a new test client at its first request)."""
    from django.core.handlers.base import BaseHandler

    loads, load = [], BaseHandler.load_middleware

    def counted(handler, *args, **kwargs):
        loads.append(type(handler).__name__)
        return load(handler, *args, **kwargs)

    monkeypatch.setattr(BaseHandler, "load_middleware", counted)
    return loads


def scale_users(university, n: int) -> None:
    """Users named scale… (the inbox benches read theirs): members of branch A's committee, whose
    inbox holds the election's request."""
    for i in range(n):
        user = UserFactory(username=f"scale{i}")
        role_assignment_create(
            actor=None, user=user, role=Role.BRANCH_COMMITTEE, organization=university.branch_a
        )


def test_the_web_inbox_bench_reads_pages_as_the_worker_serves_them(
    university, election, middleware_loads
):
    scale_users(university, 4)
    bench_web_inbox(sample=2, warmup=2)  # the first pages compile templates, fill caches
    middleware_loads.clear()
    out = {}
    garbage, _kept = uncollected(lambda: out.update(bench_web_inbox(sample=4, warmup=0)), 1)
    assert out["users_sampled"] == 4 and out["gc"]["requests_with_a_full_collection"] == 0
    assert middleware_loads == []  # no timed page builds the middleware
    assert garbage < 4 * CYCLIC_PER_PAGE, garbage


def test_the_api_inbox_bench_reads_answers_as_the_worker_serves_them(
    university, election, middleware_loads
):
    scale_users(university, 4)
    bench_big_inbox(sample=2, warmup=2)
    middleware_loads.clear()
    out = bench_big_inbox(sample=4, warmup=0)
    assert out["users_sampled"] == 4 and out["tasks_per_inbox_min"] == 1
    assert middleware_loads == []  # no timed request builds the middleware (a new client did)
