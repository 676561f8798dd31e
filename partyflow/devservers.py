"""A PostgreSQL primary and its streaming hot standby on this machine, for the tests and the
benchmarks that need a real replica (issue 32: `tests/pg_servers.py`, `make bench-province`).

Debian's PostgreSQL 15 server programs (`/usr/lib/postgresql/15/bin`, package postgresql-15) make
both: `initdb` a primary with `wal_level = replica` on a free port, then `pg_basebackup -R` a
standby from it (`standby.signal` and `primary_conninfo` written by `-R`), started on another free
port and waited for until it has replayed everything the primary wrote. Each runs in a directory
of its own under /tmp, removed at the end; both are stopped however the block ends.

Debian's PostgreSQL refuses to run as root: as root, its programs run as `postgres` (`runuser`).
No Django here: the benchmark calls it before `django.setup()`.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.extensions

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RUN_AS = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

# A primary that streams to a standby; the tests' defaults (small, no fsync: nothing to keep).
PRIMARY_CONF = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
max_connections = 40
shared_buffers = 32MB
fsync = off
full_page_writes = off
"""


def servers_available() -> str:
    """Why a streaming pair cannot be started here ("" when it can)."""
    for program in ("initdb", "pg_ctl", "pg_basebackup"):
        if not (PG_BIN / program).exists():
            return f"{PG_BIN / program} is missing (Debian's postgresql-15)"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*cmd, **kwargs) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program (as `postgres` when we are root)."""
    return subprocess.run(
        [*RUN_AS, *map(str, cmd)], check=True, capture_output=True, text=True, timeout=600, **kwargs
    )


def server_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if RUN_AS:
        shutil.chown(path, "postgres", "postgres")
    return path


@dataclass
class Cluster:
    data: Path
    port: int
    dbname: str = "postgres"  # what `connect()` and `sql()` open unless told

    def start(self) -> None:
        run(PG_BIN / "pg_ctl", "start", "-w", "-D", self.data, "-l", self.data / "server.log",
            "-o", f"-p {self.port} -k {self.data}")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        run(PG_BIN / "pg_ctl", "stop", "-m", mode, "-w", "-D", self.data)

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str | None = None) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname or self.dbname
        )
        conn.autocommit = True
        return conn

    def sql(self, statement: str, dbname: str | None = None) -> tuple | None:
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
                return cur.fetchone() if cur.description else None
        finally:
            conn.close()


@dataclass
class StreamingReplica:
    primary: Cluster
    standby: Cluster

    def database(self, cluster: Cluster) -> dict:
        """Django connection settings for `cluster`'s database (to merge over others)."""
        return {
            "NAME": cluster.dbname,
            "HOST": "127.0.0.1",
            "PORT": cluster.port,
            "USER": "postgres",
        }

    def caught_up(self, seconds: float = 20) -> None:
        """Wait until the standby has replayed everything the primary wrote so far."""
        (lsn,) = self.primary.sql("SELECT pg_current_wal_lsn()::text", "postgres")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            (done,) = self.standby.sql(
                f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn "
                "AND NOT pg_is_wal_replay_paused()",
                "postgres",
            )
            if done:
                return
            time.sleep(0.02)
        raise RuntimeError(f"the standby did not replay {lsn} within {seconds} s")

    def received(self, seconds: float = 20) -> None:
        """Wait until the standby has received (not necessarily replayed) all the primary wrote."""
        (lsn,) = self.primary.sql("SELECT pg_current_wal_lsn()::text", "postgres")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            (done,) = self.standby.sql(
                f"SELECT pg_last_wal_receive_lsn() >= '{lsn}'::pg_lsn", "postgres"
            )
            if done:
                return
            time.sleep(0.005)
        raise RuntimeError(f"the standby did not receive {lsn} within {seconds} s")

    def apply_delay(self, seconds: float) -> None:
        """Have the standby replay each commit `seconds` after it was made on the primary
        (`recovery_min_apply_delay`; 0 replays at once); returns once the standby uses it."""
        ms = round(seconds * 1000)
        self.standby.sql(f"ALTER SYSTEM SET recovery_min_apply_delay = {ms}", "postgres")
        self.standby.sql("SELECT pg_reload_conf()", "postgres")
        deadline = time.monotonic() + 10
        setting = "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'"
        while self.standby.sql(setting, "postgres") != (str(ms),):
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not take recovery_min_apply_delay")
            time.sleep(0.01)

    def pause_replay(self) -> None:
        self.standby.sql("SELECT pg_wal_replay_pause()", "postgres")

    def resume_replay(self) -> None:
        self.standby.sql("SELECT pg_wal_replay_resume()", "postgres")


@contextmanager
def streaming_pair(
    prefix: str,
    *,
    dbname: str = "postgres",
    conf: str = PRIMARY_CONF,
    standby_conf: str = "",
    fill: Callable[[Cluster], None] | None = None,
) -> Iterator[StreamingReplica]:
    """A new primary (`conf` appended to its postgresql.conf; `fill(primary)` run once it is up)
    and its streaming standby (which also gets `standby_conf`), caught up; both stopped and
    their directories removed when the block ends. `dbname`: the database the clusters' `sql()`
    reads (created by `fill` or later)."""
    why = servers_available()
    if why:
        raise RuntimeError(why)
    root = server_dir(prefix)
    primary = Cluster(root / "primary", free_port(), dbname)
    standby = Cluster(root / "standby", free_port(), dbname)
    try:
        run(PG_BIN / "initdb", "-D", primary.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (primary.data / "postgresql.conf").open("a") as f:
            f.write(conf)
        primary.start()
        if fill is not None:
            fill(primary)
        run(PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port, "-U", "postgres",
            "-D", standby.data, "-R", "-X", "stream", "-c", "fast", "--no-sync")  # fmt: skip
        if standby_conf:
            with (standby.data / "postgresql.conf").open("a") as f:
                f.write(standby_conf)
        standby.start()
        pair = StreamingReplica(primary, standby)
        (recovering,) = standby.sql("SELECT pg_is_in_recovery()", "postgres")
        if not recovering:
            raise RuntimeError(f"the standby on port {standby.port} is not in recovery")
        pair.caught_up()
        yield pair
    finally:
        for cluster in (standby, primary):
            if cluster.running:
                run(PG_BIN / "pg_ctl", "stop", "-m", "immediate", "-D", cluster.data)
        shutil.rmtree(root, ignore_errors=True)
