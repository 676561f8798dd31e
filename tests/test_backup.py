"""`partyflow backup DIR` / `partyflow restore DIR`: the demo backed up, restored into a fresh
PostgreSQL database, every case, task and file present and every audit chain intact (issue 30)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.db import connection

from workflows.models import Case, Document, Task
from workflows.services import document_upload

from .db_helpers import database_url, scratch_database, server_dsn
from .demo_helpers import run, seeded  # noqa: F401 (seeded: fixture)

PARTYFLOW = str(Path(sys.executable).with_name("partyflow"))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backup/restore needs PostgreSQL (DATABASE_URL)"
)


@pytest.fixture
def fresh_database():
    """An empty database beside the test database, dropped afterwards."""
    with scratch_database("restore") as name:
        yield name


def partyflow(*args, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(database), "PARTYFLOW_LOG_FORMAT": "text"}
    return subprocess.run([PARTYFLOW, *args], env=env, capture_output=True, text=True, timeout=300)


def rows(database: str, sql: str) -> list[tuple]:
    with psycopg2.connect(**server_dsn(database)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_demo_backed_up_restores_into_a_fresh_database_whole(seeded, tmp_path, fresh_database):
    case = Case.objects.filter(organization__name="软件工程系教工党支部").order_by("id").first()
    document_upload(
        actor=get_user_model().objects.get(username="orgdept"),
        case=case,
        file=SimpleUploadedFile("签到表.pdf", PDF),
        description="签到表",
    )
    cases = sorted(Case.objects.values_list("id", "status"))
    tasks = sorted(Task.objects.values_list("id", "case_id", "status", "slot"))
    documents = sorted(Document.objects.values_list("id", "sha256"))
    assert len(cases) > 10 and len(tasks) > 20 and documents

    out = run("backup", str(tmp_path / "backup"))
    assert f"{len(cases)} case(s), {len(tasks)} task(s), {len(documents)} document(s)" in out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    dump = tmp_path / "backup" / "database.dump"
    assert manifest["files"][0] == {
        "path": "database.dump",
        "sha256": hashlib.sha256(dump.read_bytes()).hexdigest(),
        "size": dump.stat().st_size,
    }
    assert sorted(d["sha256"] for d in manifest["documents"]) == sorted(
        sha for _id, sha in documents
    )
    assert hashlib.sha256(PDF).hexdigest() in {d["sha256"] for d in manifest["documents"]}

    restored = partyflow("restore", str(tmp_path / "backup"), database=fresh_database)
    assert restored.returncode == 0, restored.stderr
    assert (
        f"{len(cases)} case(s), {len(tasks)} task(s), {len(documents)} document(s)"
        in restored.stdout
    )
    assert "0 broken" in restored.stdout and "record log verified" in restored.stdout

    verified = partyflow("verify-audit", database=fresh_database)
    assert verified.returncode == 0, verified.stderr
    assert f"audit chains verified: {len(cases)} case(s)" in verified.stdout
    assert ", 0 broken" in verified.stdout
    chains = [line for line in verified.stdout.splitlines() if line.startswith("record log chain")]
    assert chains and all(line.endswith(", ok") for line in chains)
    last = verified.stdout.rstrip().splitlines()[-1]
    assert last.startswith(
        f"record log (users, roles, organizations, members) verified: {len(chains)} chain(s), "
    ) and last.endswith(", 0 broken")

    # every case, task and file, as they were
    assert sorted(rows(fresh_database, "SELECT id, status FROM workflows_case")) == cases
    assert (
        sorted(rows(fresh_database, "SELECT id, case_id, status, slot FROM workflows_task"))
        == tasks
    )
    restored_documents = rows(fresh_database, "SELECT id, sha256, content FROM workflows_document")
    assert sorted((i, h) for i, h, _c in restored_documents) == documents
    assert all(hashlib.sha256(bytes(c)).hexdigest() == h for _i, h, c in restored_documents)
    assert PDF in [bytes(c) for _i, _h, c in restored_documents]
    # the restored demo serves: migrations are current
    assert partyflow("migrate", "--check", database=fresh_database).returncode == 0

    # a second restore into the now full database is refused, naming it
    again = partyflow("restore", str(tmp_path / "backup"), database=fresh_database)
    assert again.returncode != 0 and "is not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path, fresh_database):
    run("backup", str(tmp_path / "b"))
    with (tmp_path / "b" / "database.dump").open("ab") as f:
        f.write(b"x")
    refused = partyflow("restore", str(tmp_path / "b"), database=fresh_database)
    assert refused.returncode != 0
    assert "database.dump does not match its SHA-256 in the manifest" in refused.stderr
    assert rows(fresh_database, "SELECT count(*) FROM pg_tables WHERE schemaname='public'") == [
        (0,)
    ]


@pytest.mark.django_db
def test_backup_refuses_a_directory_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        run("backup", str(tmp_path))
