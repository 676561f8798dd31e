"""Reads that tolerate seconds of lag from a PostgreSQL read replica (issue 32, docs/scaling.md).

A read path opts in with `reads_from_replica()` (a context manager and a decorator); nothing else
ever reads from the replica, so a router never has to guess which reads may be stale. At the start of
each block one alias is chosen for all of it (a report reads one consistent source):

- the primary (`default`) when no replica is configured (`PARTYFLOW_REPLICA_URL` unset), when the
  replica does not answer, when it lags more than PARTYFLOW["REPLICA"]["MAX_LAG_SECONDS"], when the
  person of the request wrote in the last PARTYFLOW["REPLICA"]["PIN_SECONDS"] (their own changes),
  or when the request itself writes (any POST/PUT/PATCH/DELETE, or a write through the ORM);
- the replica (`replica`) otherwise.

Inside a block, a write, or a read in a transaction open on the primary, goes to the primary: a
transaction sees its own work. Writes always go to the primary, also for objects read from the
replica (Django would otherwise save them where they were read).

The pin after a write is the pattern of django-multidb-router (`multidb.PinningReplicaRouter` with
`PinningRouterMiddleware`: a write pins the thread, a non-GET request pins the client for
`MULTIDB_PINNING_SECONDS` = 15 s) and of Rails' `ActiveRecord::Middleware::DatabaseSelector` (a
session's last write time, reads from the primary for `delay` after it). It is kept in the cache per
user, not in a cookie, so it holds for API tokens as for page sessions and across the processes.

The lag is how far the replica's data is behind the primary's, measured on the replica with
PostgreSQL's functions for a hot standby (`standby_lag`): 0 when it streams and has replayed all the
WAL it received; when WAL waits to be replayed, the time replay takes to reach what was received at
the first look (a moment after a quiet spell), or, when replay does not get there within
REPLAY_WAIT_SECONDS or is paused, the age of the last transaction it replayed, which grows while
replay is stuck. The result is kept PARTYFLOW["REPLICA"]["CHECK_SECONDS"] per process (ten times as
long when the replica did not answer).
"""

import dataclasses
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# One DEBUG line per marked block: the alias chosen, why, and the request's path
# (`make bench-province` counts them; LOG_LEVEL=DEBUG shows them).
logger = logging.getLogger("partyflow.replica")
DOWN_BACKOFF = 10  # a replica down or of unknown lag is measured again after 10 × CHECK_SECONDS

# One look at the standby: whether it is one; whether its WAL receiver streams (the status is shown
# only to superusers and pg_monitor); whether it replayed all it received, and if not, the position
# received; whether replay is paused; the age of the last transaction it replayed (NULL before any).
STANDBY_SQL = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(),
       pg_last_wal_receive_lsn()::text,
       CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END,
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
"""
REPLAYED_SQL = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
# How long a lag check watches replay catch up with the WAL it has received (see `standby_lag`),
# polling every REPLAY_POLL_SECONDS: a burst of WAL after a quiet spell is replayed within
# milliseconds; a standby that needs longer is reported by the age of its last replayed commit.
REPLAY_WAIT_SECONDS = 0.25
REPLAY_POLL_SECONDS = 0.005


def standby_lag(cursor) -> float | None:
    """Seconds the data of the server `cursor` reads is behind the primary's: 0 on a primary, and
    on a standby that streams and has replayed all it received; None when unknown (no transaction
    replayed since the standby started, and replay not caught up).

    When WAL waits to be replayed, the age of the last replayed transaction
    (`now() - pg_last_xact_replay_timestamp()`) is only an upper bound: after a quiet spell it is
    the length of the spell, though the WAL arrived a moment ago. So when that age exceeds
    REPLAY_WAIT_SECONDS the check watches replay: once it has reached the position received at the
    first look, the standby holds all the primary had sent by then, and the lag is the time that
    took. A standby paused (`pg_wal_replay_pause()`), not streaming, or not there within
    REPLAY_WAIT_SECONDS is behind by the age of its last replayed transaction, which grows while
    replay is stuck (exact when commits kept coming; over by any quiet spell before the stall,
    which only makes the router fall back sooner). PostgreSQL 15 does not expose when the standby
    received the WAL it has not replayed (the time `max_standby_streaming_delay` is counted from);
    the primary's `pg_stat_replication.replay_lag` is the primary's last report from the standby,
    which a standby whose replay stopped sends only every `wal_receiver_status_interval` (10 s).
    """
    first_look = time.monotonic()
    cursor.execute(STANDBY_SQL)
    recovering, streaming, replayed_all, received, paused, replay_age = cursor.fetchone()
    if not recovering or (streaming and replayed_all):
        return 0.0
    if not streaming or paused or (replay_age is not None and replay_age <= REPLAY_WAIT_SECONDS):
        return replay_age
    while time.monotonic() - first_look < REPLAY_WAIT_SECONDS:
        time.sleep(REPLAY_POLL_SECONDS)
        cursor.execute(REPLAYED_SQL, [received])
        if cursor.fetchone()[0]:
            return time.monotonic() - first_look
    return None if replay_age is None else replay_age + (time.monotonic() - first_look)


_route: ContextVar[str | None] = ContextVar("replica_route", default=None)
# The unit of work (a request, or else a replica block): {"wrote": bool, "request": HttpRequest}.
_scope: ContextVar[dict | None] = ContextVar("replica_scope", default=None)
# Inside `bookkeeping()`: a write that changes nothing a person reads (a token's last use).
_bookkeeping: ContextVar[bool] = ContextVar("replica_bookkeeping", default=False)


@dataclasses.dataclass(frozen=True)
class ReplicaStatus:
    usable: bool
    lag_seconds: float | None
    reason: str  # why not usable ("down: …", "lag 7.2 s > 5 s"), "" when usable
    checked_at: float = 0.0


_status: ReplicaStatus | None = None


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _options() -> dict:
    return settings.PARTYFLOW["REPLICA"]


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """Whether the replica answers and lags no more than the setting; measured at most once per
    CHECK_SECONDS in this process unless `fresh`."""
    global _status
    opts, now = _options(), time.monotonic()
    # A replica that did not answer is tried again less often: a host that drops packets costs a
    # connect timeout (2 s) at each try.
    reuse = opts["CHECK_SECONDS"] * (DOWN_BACKOFF if _status and _status.lag_seconds is None else 1)
    if not fresh and _status and now - _status.checked_at < reuse:
        return _status
    conn = connections[REPLICA]
    try:
        with conn.cursor() as cursor:
            lag = standby_lag(cursor)
    except DatabaseError as exc:
        conn.close()  # a broken connection is opened again at the next check
        _status = ReplicaStatus(False, None, f"down: {str(exc).strip()[:200]}", now)
        return _status
    max_lag = opts["MAX_LAG_SECONDS"]
    if lag is None:
        _status = ReplicaStatus(False, None, "lag unknown (nothing replayed yet)", now)
    elif lag > max_lag:
        _status = ReplicaStatus(False, lag, f"lag {lag:.1f} s > {max_lag:g} s", now)
    else:
        _status = ReplicaStatus(True, lag, "", now)
    return _status


def _pin_key(user_id) -> str:
    return f"replica-pin:{user_id}"


def _user_id(scope: dict | None):
    request = scope and scope.get("request")
    user = getattr(request, "user", None) if request is not None else None
    return user.pk if user is not None and user.is_authenticated else None


def user_pin(user_id) -> None:
    """Read this person's data from the primary for PIN_SECONDS (called after their write)."""
    cache.set(_pin_key(user_id), 1, timeout=_options()["PIN_SECONDS"])


def choose_alias() -> str:
    """The alias a block opened now reads from (see the module docstring for the rules)."""
    return _choice()[0]


def _choice() -> tuple[str, str]:
    """(the alias, why it is the primary: "" for the replica)."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS, "no replica configured"
    scope = _scope.get()
    if scope is not None and scope["wrote"]:
        return DEFAULT_DB_ALIAS, "the request writes"
    user_id = _user_id(scope)
    if user_id is not None and cache.get(_pin_key(user_id)):
        return DEFAULT_DB_ALIAS, "pinned after the person's write"
    status = replica_status()
    return (REPLICA, "") if status.usable else (DEFAULT_DB_ALIAS, status.reason)


@contextmanager
def reads_from_replica() -> Iterator[str]:
    """Reads in this block (or this decorated function) may come from the replica; yields the
    alias chosen. Use only on paths that tolerate MAX_LAG_SECONDS of staleness."""
    own_scope = _scope.set({"wrote": False, "request": None}) if _scope.get() is None else None
    alias, why = _choice()
    if logger.isEnabledFor(logging.DEBUG):
        request = _scope.get()["request"]
        logger.debug(
            "reads from %s%s: %s",
            alias,
            f" ({why})" if why else "",
            f"{request.method} {request.path}" if request is not None else "outside a request",
        )
    route = _route.set(alias)
    try:
        yield _route.get()
    finally:
        _route.reset(route)
        if own_scope is not None:
            _scope.reset(own_scope)


@contextmanager
def bookkeeping() -> Iterator[None]:
    """Writes in this block change nothing a person reads (e.g. an API token's last use): they go
    to the primary but do not send the request's reads there nor pin its person."""
    token = _bookkeeping.set(True)
    try:
        yield
    finally:
        _bookkeeping.reset(token)


class ReplicaRouter:
    """Django database router (settings.DATABASE_ROUTERS): reads from the alias their block chose,
    writes to the primary. Without a replica configured it answers None (Django's own choice)."""

    def db_for_read(self, model, **hints) -> str | None:
        alias = _route.get()
        if alias != REPLICA:
            return None
        scope = _scope.get()
        if (scope is not None and scope["wrote"]) or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints) -> str | None:
        if not replica_configured():
            return None
        scope = _scope.get()
        if scope is not None and not _bookkeeping.get():
            scope["wrote"] = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints) -> bool | None:
        return False if db == REPLICA else None


class ReplicaPinMiddleware:
    """Opens the request's unit of work: a request that writes (a non-safe method, or an ORM write)
    reads the primary for the rest of the request, and pins its person to the primary for
    PIN_SECONDS after it (their next pages and API reads see what they just did)."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = {"wrote": request.method not in self.SAFE_METHODS, "request": request}
        token = _scope.set(scope)
        try:
            response = self.get_response(request)
        finally:
            _scope.reset(token)
        if scope["wrote"] and replica_configured():
            user_id = _user_id(scope)
            if user_id is not None:
                user_pin(user_id)
        return response
