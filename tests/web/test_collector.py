"""What a page leaves the garbage collector (issue 32, "the inbox at 10 M rows keeps its p95").
A page served by a worker's WSGI application leaves ≈ 110 objects in reference cycles and keeps
none, so a gunicorn worker met no full collection in 400 inbox pages. The inbox benches read pages
and API answers the same way (bench.run.WorkerPages): read with a new test client per user, as
they did before, each timed request built the client's middleware and a page left ≈ 5,500 objects
for the collector, whose full passes were the page's p95 (bench/README.md, "Tasks at national
volume")."""

import gc

import pytest
from django.db import connection

from bench.run import WorkerPages
from bench.scale import bench_big_inbox, bench_web_inbox
from organizations.models import Role
from organizations.services import role_assignment_create
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
    tracked objects still alive after it."""
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        read_all = [read() for _ in range(times)]
        del read_all
        garbage = gc.collect()
        kept = len(gc.get_objects()) - before
    finally:
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
