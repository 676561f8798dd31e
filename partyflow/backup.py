"""`partyflow backup DIR` and `partyflow restore DIR` (issue 30).

A backup directory holds:
- `database.dump`: `pg_dump --format=custom` of the whole database, taken in the snapshot of one
  REPEATABLE READ transaction (exported with `pg_export_snapshot()`), so the cases, tasks, audit
  chains and the evidence files (kept in the database with their metadata, `workflows.Document`)
  are one consistent moment however busy the server is;
- `files/`: the files the settings point at that live outside the database — the office's document
  templates (`PARTYFLOW_DOCUMENT_TEMPLATES_DIR`), the holiday file, extra standard sets;
- `manifest.json`: the SHA-256 and size of every file above, each evidence document's SHA-256
  (read in the same snapshot), the counts of cases, tasks, documents and audit events, and the
  migrations applied.

`restore` checks every hash of the manifest first, refuses a database that is not empty, runs
`pg_restore`, then checks what it restored against the manifest: the counts, each document's bytes
against its SHA-256, every case's audit chain and the record log. SQLite is not supported: stop the
server and copy the file (`var/partyflow.sqlite3`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from organizations.audit import verify_records
from workflows.audit import verify_all
from workflows.models import AuditEvent, Case, Document, Task

FORMAT = 1
DUMP = "database.dump"
MANIFEST = "manifest.json"
CHUNK = 1 << 20


class BackupError(Exception):
    """What an operator must fix; the command prints it and exits non-zero."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(
            "backup/restore needs PostgreSQL (DATABASE_URL=postgres://…). With SQLite, stop the "
            f"server and copy the database file ({connection.settings_dict['NAME']})."
        )


def _pg_env() -> tuple[list[str], dict]:
    """Connection arguments for pg_dump / pg_restore from Django's settings (the password through
    the environment, never on a command line)."""
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _outside_files() -> list[tuple[str, Path]]:
    """(name in the backup, path) of each file the settings point at outside the database."""
    conf = settings.PARTYFLOW
    found: list[tuple[str, Path]] = []

    def add(kind: str, value) -> None:
        if not value:
            return
        path = Path(value)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                found.append((f"{kind}/{f.relative_to(path).as_posix()}", f))
        elif path.is_file():
            found.append((f"{kind}/{path.name}", path))

    add("document_templates", conf.get("DOCUMENT_TEMPLATES_DIR"))
    add("holidays", conf.get("HOLIDAYS_FILE"))
    for i, p in enumerate(conf.get("STANDARD_SETS") or []):
        add(f"standard_sets/{i}", p)
    return found


def _counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "tasks": Task.objects.count(),
        "documents": Document.objects.count(),
        "case_audit_events": AuditEvent.objects.count(),
    }


def backup(target: Path) -> dict:
    """Write a backup into `target` (new or empty) and return its manifest."""
    _require_postgresql()
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory")
    target.mkdir(parents=True, exist_ok=True)
    args, env = _pg_env()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        # pg_dump reads in this transaction's snapshot while it stays open.
        result = subprocess.run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target / DUMP}",
                connection.settings_dict["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        documents = [
            {"id": d["id"], "case": d["case_id"], "sha256": d["sha256"], "size": d["size"]}
            for d in Document.objects.order_by("id").values("id", "case_id", "sha256", "size")
        ]
        counts = _counts()
        migrations = sorted(
            f"{app}.{name}"
            for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
        )
    files = []
    for name, path in _outside_files():
        dest = target / "files" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        files.append({"path": f"files/{name}", "source": str(path)})
    for entry in files:
        p = target / entry["path"]
        entry.update(sha256=sha256_file(p), size=p.stat().st_size)
    dump = target / DUMP
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": connection.settings_dict["NAME"],
        "files": [
            {"path": DUMP, "sha256": sha256_file(dump), "size": dump.stat().st_size},
            *files,
        ],
        "counts": counts,
        "documents": documents,
        "migrations": migrations,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return manifest


@dataclass
class RestoreReport:
    counts: dict
    documents_checked: int
    cases_verified: int
    audit_events: int
    record_log_events: int
    files_restored: list[str]


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} missing: not a partyflow backup directory")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    for entry in manifest["files"]:
        p = Path(source) / entry["path"]
        if not p.is_file():
            raise BackupError(f"{entry['path']} missing from the backup")
        if sha256_file(p) != entry["sha256"]:
            raise BackupError(f"{entry['path']} does not match its SHA-256 in the manifest")
    return manifest


def restore(source: Path) -> RestoreReport:
    """Restore a backup into the (empty) database of the settings and check it."""
    _require_postgresql()
    source = Path(source)
    manifest = read_manifest(source)
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"database {connection.settings_dict['NAME']} is not empty ({len(tables)} tables): "
            "restore into a new database (createdb NAME)"
        )
    args, env = _pg_env()
    connection.close()  # pg_restore works in its own session
    result = subprocess.run(
        [
            "pg_restore",
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(source / DUMP),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    restored = []
    for entry in manifest["files"]:
        if entry["path"] == DUMP or not entry.get("source"):
            continue
        dest = Path(entry["source"])
        if dest.exists():
            if sha256_file(dest) != entry["sha256"]:
                raise BackupError(f"{dest} exists and differs from the backup: move it away first")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / entry["path"], dest)
        restored.append(str(dest))
    return check_restored(manifest, restored)


def check_restored(manifest: dict, restored: list[str]) -> RestoreReport:
    counts = _counts()
    if counts != manifest["counts"]:
        raise BackupError(f"restored counts {counts} differ from the backup's {manifest['counts']}")
    expected = {d["id"]: d["sha256"] for d in manifest["documents"]}
    checked = 0
    for doc_id, content in Document.objects.values_list("id", "content").iterator():
        if hashlib.sha256(bytes(content)).hexdigest() != expected.get(doc_id):
            raise BackupError(f"document {doc_id}: its bytes do not match the manifest's SHA-256")
        checked += 1
    if checked != len(expected):
        raise BackupError(f"{len(expected) - checked} document(s) of the manifest missing")
    results = list(verify_all())
    broken = [r for r in results if not r.ok]
    if broken:
        raise BackupError(f"audit chain of case {broken[0].case_id} broken: {broken[0].reason}")
    records = verify_records()
    if not records.ok:
        raise BackupError(
            f"record log chain {records.chain} broken at seq {records.first_bad_seq}: "
            f"{records.reason}"
        )
    return RestoreReport(
        counts=counts,
        documents_checked=checked,
        cases_verified=len(results),
        audit_events=sum(r.events for r in results),
        record_log_events=records.events,
        files_restored=restored,
    )
