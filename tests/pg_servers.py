"""Real database servers for the tests that need them, started once per test session (issue 32):

- `streaming_replica`: a PostgreSQL 15 primary (wal_level=replica) on a free port, holding a copy of
  the test database, and a hot standby made from it with `pg_basebackup -R`, streaming, on another
  (started by `partyflow.devservers.streaming_pair`, which `make bench-province` uses too);
- `pgbouncer`: PgBouncer in transaction pooling mode on a free port, in front of the test database.

Debian's PostgreSQL and PgBouncer refuse to run as root: as root they run as `postgres`
(`runuser`; PgBouncer's own `-u`), in a directory of their own under /tmp (pytest's are private to root). Ports and
directories are per process, so two pytest-xdist workers each start their own. Each fixture skips
with the reason when its programs are missing (`sh .ci/ensure-packages`).
"""

import os
import shutil
import subprocess
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connections

from partyflow.devservers import (
    PG_BIN,
    RUN_AS,
    free_port,
    run,
    server_dir,
    servers_available,
    streaming_pair,
)

from .db_helpers import server_dsn
from .sso_servers import stop, wait_for_port

PGBOUNCER = "/usr/sbin/pgbouncer"


@pytest.fixture(scope="session")
def streaming_replica(django_db_setup, django_db_blocker):
    """A primary with a copy of the test database (schema and the rows migrations wrote) and its
    streaming standby (partyflow.devservers); both stopped and removed at the end of the session."""
    why = servers_available()
    if why:
        pytest.skip(why)
    with django_db_blocker.unblock():
        test_db = server_dsn(connections["default"].settings_dict["NAME"])

    def copy_test_database(primary):
        run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
            "partyflow")  # fmt: skip
        dump = subprocess.run(
            [PG_BIN / "pg_dump", "--no-owner", "--no-privileges", "-h", test_db["host"],
             "-p", str(test_db["port"]), "-U", test_db["user"], test_db["dbname"]],
            check=True, capture_output=True, timeout=120,
            env={**os.environ, **({"PGPASSWORD": test_db["password"]} if "password" in test_db else {})},
        ).stdout  # fmt: skip
        subprocess.run(
            [PG_BIN / "psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(primary.port), "-U", "postgres", "partyflow"],
            input=dump, check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    with streaming_pair("pf-replica-", dbname="partyflow", fill=copy_test_database) as replica:
        yield replica


@contextmanager
def databases_at(default: dict, replica: dict | None = None):
    """Point Django's `default` alias (and a `replica` alias) at other servers for a while: the
    settings merged over the test database's, connections opened anew, the test run's own
    connections put back afterwards."""
    saved = connections.settings
    aliases = {"default": {**saved["default"], **default}}
    if replica is not None:
        aliases["replica"] = {**saved["default"], **replica}
    held = {a: getattr(connections._connections, a, None) for a in aliases}
    for alias in aliases:
        if held[alias] is not None:
            delattr(connections._connections, alias)
    connections.settings = {**saved, **aliases}
    try:
        yield
    finally:
        for alias in aliases:
            conn = getattr(connections._connections, alias, None)
            if conn is not None:
                conn.close()
                delattr(connections._connections, alias)
            if held[alias] is not None:
                setattr(connections._connections, alias, held[alias])
        connections.settings = saved


PGBOUNCER_INI = """\
[databases]
* = host={host} port={port} connect_query='SET lock_timeout = {lock}; SET statement_timeout = {stmt}'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/users.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 200
server_reset_query =
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup, django_db_blocker):
    """PgBouncer (transaction pooling) in front of the test database's server; yields the Django
    connection settings that reach the test database through it (docs/scaling.md)."""
    if not os.path.exists(PGBOUNCER):
        pytest.skip(f"{PGBOUNCER} is missing (sh .ci/ensure-packages installs pgbouncer)")

    with django_db_blocker.unblock():
        test = connections["default"].settings_dict
        user = test["USER"]
    root = server_dir("pf-pgbouncer-")
    port = free_port()
    (root / "pgbouncer.ini").write_text(
        PGBOUNCER_INI.format(
            host=test["HOST"] or "127.0.0.1",
            port=test["PORT"] or 5432,
            lock=settings.PARTYFLOW["LOCK_TIMEOUT_MS"],
            stmt=settings.PARTYFLOW["STATEMENT_TIMEOUT_MS"],
            listen=port,
            dir=root,
        )
    )
    (root / "users.txt").write_text(f'"{user}" "{test["PASSWORD"] or ""}"\n')
    if RUN_AS:
        for f in root.iterdir():
            shutil.chown(f, "postgres", "postgres")
    proc = subprocess.Popen(
        # PgBouncer drops root itself (-u): SIGTERM then reaches it, not a runuser in between.
        [PGBOUNCER, *(["-u", "postgres"] if RUN_AS else []), str(root / "pgbouncer.ini")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc, "pgbouncer")
        options = {k: v for k, v in test.get("OPTIONS", {}).items() if k != "options"}
        yield {
            "HOST": "127.0.0.1",
            "PORT": port,
            "OPTIONS": options,
            "DISABLE_SERVER_SIDE_CURSORS": True,
        }
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)
