"""What a page leaves the garbage collector (issue 32, "the inbox at 10 M rows keeps its p95").
A page served by a worker's WSGI application leaves ≈ 110 objects in reference cycles and keeps
none, so a gunicorn worker met no full collection in 400 inbox pages; the web inbox bench reads its
pages the same way (bench.run.WorkerPages). Read with a new test client per page, as the bench did
before, a page left ≈ 5,500, and the full passes that freed them were the page's p95
(bench/README.md, "Tasks at national volume")."""

import gc

import pytest
from django.db import connection

from bench.run import WorkerPages
from bench.scale import bench_web_inbox
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


def test_the_web_inbox_bench_reads_pages_as_the_worker_serves_them(university, election):
    """bench_web_inbox reads `/inbox/?tab=queue` for users named scale…: here members of branch
    A's committee, whose inbox holds the election's request."""
    for i in range(4):
        user = UserFactory(username=f"scale{i}")
        role_assignment_create(
            actor=None, user=user, role=Role.BRANCH_COMMITTEE, organization=university.branch_a
        )
    bench_web_inbox(sample=2, warmup=2)  # the first pages compile templates, fill caches
    out = {}
    garbage, _kept = uncollected(lambda: out.update(bench_web_inbox(sample=4, warmup=0)), 1)
    assert out["users_sampled"] == 4 and out["gc"]["requests_with_a_full_collection"] == 0
    assert garbage < 4 * CYCLIC_PER_PAGE, garbage
