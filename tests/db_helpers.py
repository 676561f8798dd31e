"""Other databases on the test run's PostgreSQL server (a restore's, an upgrade's), reached with the
test database's own connection settings."""

from contextlib import contextmanager

import psycopg2
from django.db import connection


def server_dsn(name: str) -> dict:
    s = connection.settings_dict
    return {
        "dbname": name,
        "user": s["USER"],
        "host": s["HOST"] or "127.0.0.1",
        "port": s["PORT"] or 5432,
        **({"password": s["PASSWORD"]} if s["PASSWORD"] else {}),
    }


def database_url(name: str) -> str:
    d = server_dsn(name)
    auth = d["user"] + (f":{d['password']}" if "password" in d else "")
    return f"postgres://{auth}@{d['host']}:{d['port']}/{name}"


@contextmanager
def scratch_database(suffix: str):
    """An empty database named after the test database with `suffix`, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_{suffix}"
    admin = psycopg2.connect(**server_dsn("postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        yield name
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()
