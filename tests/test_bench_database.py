"""A bench drops and recreates its database at every run: only a database a bench made (marked in
its comment) may be dropped, so a `--db` that names a database holding real data is refused."""

import uuid

import pytest
from django.db import connection

from bench.run import BENCH_MARK, drop_refusal, mark_bench_database

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benches run on PostgreSQL only"
)


@pytest.fixture
def server_cursor():
    import psycopg2

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    params.pop("database", None)
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    made = []
    try:
        with conn.cursor() as cur:
            yield cur, made
            for name in made:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()


def test_a_database_with_real_data_is_refused_and_a_bench_database_is_not(server_cursor):
    cur, made = server_cursor
    name = f"pf_guard_{uuid.uuid4().hex[:8]}"
    assert drop_refusal(cur, name) is None  # none yet: the bench creates it

    cur.execute(f'CREATE DATABASE "{name}"')
    made.append(name)
    refusal = drop_refusal(cur, name)
    assert refusal is not None
    assert f"the database {name!r} exists and was not made by a bench" in refusal
    assert f"dropdb {name}" in refusal

    mark_bench_database(cur, name)
    cur.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    )
    assert cur.fetchone()[0] == BENCH_MARK
    assert drop_refusal(cur, name) is None
