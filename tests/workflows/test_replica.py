"""Reads from a real streaming replica (issue 32): a PostgreSQL 15 primary and its hot standby
started once per session (tests/pg_servers.py). Each test shows which server served a read: the
replica for a marked read path, the primary for writes, for a replica that is stopped or lags
beyond the setting, and for a person who has just written (their own change is never stale)."""

import datetime as dt
import logging
import os
import subprocess
import sys
import time

import pytest
from django.db import connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.authentication import TokenAuthentication
from organizations.models import Member, OrgKind, Role
from organizations.services import member_update, role_assignment_create
from workflows.replica import ReplicaPinMiddleware, reads_from_replica, replica_status

from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..pg_servers import databases_at, streaming_replica  # noqa: F401 (fixture)

# django_db: the test database exists (the primary starts as its copy); the test's transaction on
# it stays unused, the tests write to the primary the fixture points `default` at.
pytestmark = [pytest.mark.replica, pytest.mark.django_db]


@pytest.fixture
def on_replica(streaming_replica, django_db_blocker, settings):
    """Django's `default` at the session's primary and `replica` at its standby; the lag measured
    at every block (no per-process reuse), at most 5 s tolerated."""
    settings.PARTYFLOW = {
        **settings.PARTYFLOW,
        "REPLICA": {"MAX_LAG_SECONDS": 5.0, "PIN_SECONDS": 15.0, "CHECK_SECONDS": 0.0},
    }
    r = streaming_replica
    with django_db_blocker.unblock(), databases_at(r.database(r.primary), r.database(r.standby)):
        yield r
        r.resume_replay()


def max_lag(settings, seconds: float, *, check_seconds: float = 0.0) -> None:
    """At most `seconds` of lag tolerated; the lag measured again after `check_seconds`."""
    settings.PARTYFLOW = {
        **settings.PARTYFLOW,
        "REPLICA": {
            **settings.PARTYFLOW["REPLICA"],
            "MAX_LAG_SECONDS": seconds,
            "CHECK_SECONDS": check_seconds,
        },
    }


def branch_with_members(*names):
    committee = OrganizationFactory(kind=OrgKind.COMMITTEE)
    branch = OrganizationFactory(kind=OrgKind.BRANCH, parent=committee)
    return branch, [MemberFactory(organization=branch, name=n) for n in names]


def test_a_marked_read_is_served_by_the_standby_and_writes_by_the_primary(on_replica):
    branch, (member,) = branch_with_members("复制甲")
    on_replica.caught_up()
    with connections["replica"].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        assert cur.fetchone() == (True,)  # the `replica` alias is the hot standby

    with reads_from_replica() as alias:
        read = Member.objects.get(pk=member.pk)
    assert alias == "replica" and read._state.db == "replica" and read.name == "复制甲"
    assert Member.objects.get(pk=member.pk)._state.db == "default"  # an unmarked read

    # A service given the object read from the replica writes it to the primary.
    member_update(actor=None, member=read, name="复制甲改")
    assert on_replica.primary.sql(f"SELECT name FROM organizations_member WHERE id = {member.pk}") == ("复制甲改",)  # fmt: skip


def test_the_roster_page_reads_its_rows_from_the_replica(on_replica, client, caplog):
    secretary = UserFactory()
    branch, _ = branch_with_members("名册甲", "名册乙")
    role_assignment_create(
        actor=None,
        user=secretary,
        role=Role.BRANCH_SECRETARY,
        organization=branch,
        term_start=dt.date(2024, 1, 1),
    )
    client.force_login(secretary)
    on_replica.caught_up()

    with (
        CaptureQueriesContext(connections["replica"]) as on_standby,
        CaptureQueriesContext(connections["default"]) as on_primary,
        caplog.at_level(logging.DEBUG, logger="partyflow.replica"),
    ):
        page = client.get("/records/roster/")
    assert page.status_code == 200
    assert "名册甲" in page.text and "名册乙" in page.text
    standby_sql = " ".join(q["sql"] for q in on_standby.captured_queries)
    assert "organizations_member" in standby_sql  # the roster's rows came from the standby
    # Only the sign-in reads the primary (the session, the user with roles, before the view).
    primary = [q["sql"].split(".", 1)[0] for q in on_primary.captured_queries]
    assert primary == ['SELECT "django_session"', 'SELECT "auth_user"']
    # The router says where the block read (what `make bench-province` counts).
    routed = [r.getMessage() for r in caplog.records if r.name == "partyflow.replica"]
    assert routed == ["reads from replica: GET /records/roster/"]


def test_a_standby_that_lags_beyond_the_setting_sends_reads_to_the_primary(
    on_replica, settings, caplog
):
    _, (member,) = branch_with_members("滞后甲")
    on_replica.caught_up()
    on_replica.pause_replay()  # pg_wal_replay_pause(): the standby stops applying what it receives
    member_update(actor=None, member=member, name="滞后甲改")
    max_lag(settings, 0.3)
    deadline = time.monotonic() + 10
    while replica_status().usable and time.monotonic() < deadline:
        time.sleep(0.05)
    status = replica_status()
    assert not status.usable and status.reason.startswith("lag ")

    with caplog.at_level(logging.DEBUG, logger="partyflow.replica"), reads_from_replica() as alias:
        assert (alias, Member.objects.get(pk=member.pk).name) == ("default", "滞后甲改")
    (logged,) = [r.getMessage() for r in caplog.records if r.name == "partyflow.replica"]
    assert logged.startswith("reads from default (lag ") and logged.endswith(": outside a request")

    on_replica.resume_replay()
    on_replica.caught_up()
    with reads_from_replica() as alias:
        assert (alias, Member.objects.get(pk=member.pk).name) == ("replica", "滞后甲改")


def test_a_write_after_a_quiet_spell_is_not_read_as_lag(on_replica, settings):
    """After seconds without a commit, new WAL waits a moment to be replayed (here 0.2 s: the
    standby's `recovery_min_apply_delay`). The standby is that moment behind, not the quiet spell:
    the age of its last replayed transaction (2.5 s and more), which the check reported once."""
    _, (member,) = branch_with_members("安静甲")
    on_replica.caught_up()
    max_lag(settings, 1.0, check_seconds=60)  # the block below reads the check's result
    on_replica.apply_delay(0.2)
    try:
        # A check that starts after the replay (a loaded machine) sees no lag at all and proves
        # nothing: the spell and the write are repeated until one lands while the WAL waits.
        for attempt in range(3):
            time.sleep(2.5)  # no write anywhere on the primary
            member_update(actor=None, member=member, name=f"安静甲{attempt}")
            on_replica.received()
            status = replica_status(fresh=True)
            if status.lag_seconds:
                break
        assert status.lag_seconds, "no check landed while the WAL waited to be replayed"
        assert status.usable and status.lag_seconds < 1.0, status
        with reads_from_replica() as alias:
            assert alias == "replica"
    finally:
        on_replica.apply_delay(0)


def test_a_standby_that_replays_seconds_late_is_that_late(on_replica, settings):
    """Commits keep coming and the standby replays each 1.5 s after it was made: the check watches
    replay for REPLAY_WAIT_SECONDS, does not see it catch up, and reports the age of the last
    commit it replayed: 1.5 s and a little, more than the 1 s tolerated."""
    _, (member,) = branch_with_members("迟放甲")
    on_replica.caught_up()
    max_lag(settings, 1.0, check_seconds=60)  # the block below reads the check's result
    on_replica.apply_delay(1.5)
    try:
        for n in range(25):  # 2.5 s of commits
            member_update(actor=None, member=member, name=f"迟放甲{n}")
            time.sleep(0.1)
        status = replica_status(fresh=True)
    finally:
        on_replica.apply_delay(0)
    assert not status.usable and status.reason.startswith("lag ")
    assert 1.0 < status.lag_seconds < 3.0, status
    with reads_from_replica() as alias:
        assert (alias, Member.objects.get(pk=member.pk).name) == ("default", "迟放甲24")


def test_a_stopped_standby_sends_reads_to_the_primary_until_it_is_back(on_replica):
    _, (member,) = branch_with_members("停机甲")
    on_replica.caught_up()
    on_replica.standby.stop()
    try:
        with reads_from_replica() as alias:
            assert (alias, Member.objects.get(pk=member.pk).name) == ("default", "停机甲")
        assert replica_status().reason.startswith("down: ")
    finally:
        on_replica.standby.start()
    on_replica.caught_up()
    with reads_from_replica() as alias:
        assert (alias, Member.objects.get(pk=member.pk).name) == ("replica", "停机甲")


def test_a_person_reads_their_own_change_while_others_may_read_the_stale_standby(
    on_replica, settings
):
    """The standby is paused (stale) yet within the tolerated lag: a person's POST pins them to
    the primary for PIN_SECONDS, so their next page shows their change; another person's page may
    still show the replica's older value, which is what a marked read tolerates."""
    writer, other = UserFactory(), UserFactory()
    _, (member,) = branch_with_members("本人甲")
    on_replica.caught_up()
    on_replica.pause_replay()
    max_lag(settings, 600)

    def rename(request):
        member_update(actor=request.user, member=Member.objects.get(pk=member.pk), name="本人甲改")
        return "renamed"

    def show(request):
        with reads_from_replica() as alias:
            return alias, Member.objects.get(pk=member.pk).name

    def through_middleware(view, method, user):
        request = getattr(RequestFactory(), method)("/")
        request.user = user
        return ReplicaPinMiddleware(view)(request)

    assert through_middleware(rename, "post", writer) == "renamed"
    assert through_middleware(show, "get", writer) == ("default", "本人甲改")
    assert through_middleware(show, "get", other) == ("replica", "本人甲")

    # The other person's API token is touched on use (a write, but not their change): their
    # reads stay on the replica, before and after.
    settings.PARTYFLOW = {**settings.PARTYFLOW, "TOKEN_IDLE_SECONDS": 3600}
    token = Token.objects.create(user=other)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - dt.timedelta(minutes=5))

    def show_with_token(request):
        TokenAuthentication().authenticate_credentials(token.key)
        return show(request)

    assert through_middleware(show_with_token, "get", other) == ("replica", "本人甲")
    assert Token.objects.get(pk=token.pk).created > timezone.now() - dt.timedelta(minutes=1)
    assert through_middleware(show, "get", other) == ("replica", "本人甲")

    # A write inside a marked block sends the block's later reads to the primary too.
    with reads_from_replica() as alias:
        assert alias == "replica"
        member_update(actor=None, member=Member.objects.get(pk=member.pk), name="本人甲再改")
        assert Member.objects.get(pk=member.pk).name == "本人甲再改"


ROUTE_SCRIPT = """
import django
django.setup()
from django.conf import settings
from organizations.models import Member
from workflows.replica import reads_from_replica
with reads_from_replica() as alias:
    mirror = settings.DATABASES["replica"]["TEST"]["MIRROR"]
    print(alias, mirror, Member.objects.filter(name="设置甲").count())
"""


def test_partyflow_replica_url_adds_the_replica_alias_the_marked_reads_use(on_replica):
    """The settings as a deployment gives them (environment variables), in a process of their own."""
    branch_with_members("设置甲")
    on_replica.caught_up()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partyflow.settings_test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{on_replica.primary.port}/partyflow",
        "PARTYFLOW_REPLICA_URL": f"postgres://postgres@127.0.0.1:{on_replica.standby.port}/partyflow",
    }
    run = subprocess.run(
        [sys.executable, "-c", ROUTE_SCRIPT], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.stdout.split("\n")[0] == "replica default 1", run.stderr
