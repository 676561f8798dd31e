"""`partyflow documents`: print the documents offices sign and file, from the command line.

    partyflow documents list
    partyflow documents KIND --case ID | --member ID | --meeting ID | --organization ID --period P
                        [--format docx|pdf] [--stage S] [--start YYYY-MM-DD] [--user NAME] --out DIR
    partyflow documents batch --organization ID [--user NAME] --out DIR    # every 纪实表 of a branch, one zip
    partyflow documents samples [--out DIR]                                # one of each from the demo data

Documents are generated in the scope of `--user` (default: the first superuser), exactly as the API
would for that user.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from engine.calendar import today
from engine.errors import DomainError
from organizations.selectors import organization_in_scope
from orglife.models import Meeting
from workflows.models import Case

from ...selectors import (
    ALL_KINDS,
    compliance_report_document,
    document_for_case,
    document_for_meeting,
    document_for_member,
    generate_for_case,
    kinds_catalog,
)

KINDS = sorted({k.code for k in ALL_KINDS})


def progress_line(done: int, total: int, label: str, *, width: int = 30) -> str:
    """One line redrawn in place: \r[#####.....] 3/10 name (a newline after the last)."""
    filled = width * done // total if total else width
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label[:30]:<30}" + (
        "\n" if done == total else ""
    )


class Command(BaseCommand):
    help = "Generate printed documents (.docx / PDF) from case and record data."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=["list", "batch", "samples", *KINDS])
        parser.add_argument("--case", type=int)
        parser.add_argument("--member", type=int)
        parser.add_argument("--meeting", type=int)
        parser.add_argument("--organization", type=int)
        parser.add_argument("--period", help="compliance_report: 2026, 2026-Q2 or 2026-05")
        parser.add_argument("--format", choices=["docx", "pdf"])
        parser.add_argument(
            "--stage",
            help="publication_notice: activist | development_object | probationary | conversion",
        )
        parser.add_argument(
            "--start", help="publication_notice: first day of publication (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--user", help="generate in this user's scope (default: the first superuser)"
        )
        parser.add_argument("--out", help="output directory (samples: default var/documents)")

    def handle(self, *args, **o) -> None:
        kind = o["kind"]
        if kind == "list":
            for row in kinds_catalog():
                self.stdout.write(
                    f"{row['kind']:<20} {row['label']:<16} {', '.join(row['templates'])}"
                )
            return
        user = self._user(o["user"])
        try:
            if kind == "samples":
                self._samples(user, Path(o["out"] or Path(settings.DATA_DIR) / "documents"))
            elif kind == "batch":
                self._batch(user, o)
            else:
                self._one(user, kind, o)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _user(self, username):
        User = get_user_model()
        user = (
            User.objects.filter(username=username).first()
            if username
            else User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
        )
        if user is None:
            raise CommandError(
                f"no such user: {username}" if username else "no superuser: pass --user NAME"
            )
        return user

    def _out(self, o) -> Path:
        if not o["out"]:
            raise CommandError("--out DIR is required")
        out = Path(o["out"])
        out.mkdir(parents=True, exist_ok=True)
        return out

    def _write(self, out: Path, generated) -> Path:
        path = out / generated.filename.replace("/", "_")
        path.write_bytes(generated.content)
        self.stdout.write(
            f"{path}  ({len(generated.content):,} bytes, template {generated.template.name} "
            f"[{generated.template.source}] sha256 {generated.template.sha256[:12]})"
        )
        return path

    def _one(self, user, kind, o):
        opts = {"stage": o["stage"], "start": o["start"]}
        if o["case"]:
            generated = document_for_case(user, o["case"], kind, fmt=o["format"], options=opts)
        elif o["member"]:
            generated, _case = document_for_member(
                user, o["member"], kind, fmt=o["format"], options=opts
            )
        elif o["meeting"]:
            generated = document_for_meeting(user, o["meeting"], kind, fmt=o["format"])
        elif kind == "compliance_report":
            generated = compliance_report_document(
                user, o["organization"], o["period"], fmt=o["format"]
            )
        else:
            raise CommandError(
                "name the object: --case, --member, --meeting, or --organization with --period"
            )
        self._write(self._out(o), generated)

    def _batch(self, user, o):
        """Every 发展党员全程纪实表 of a branch (or subtree), streamed into one zip with a progress bar."""
        if not o["organization"]:
            raise CommandError("--organization ID is required")
        org = organization_in_scope(user, o["organization"])
        cases = list(
            Case.objects.filter(
                process_id="member_development",
                organization__path__startswith=org.path,
                subject_member__isnull=False,
            )
            .select_related("organization", "subject_member__organization", "process_version")
            .order_by("organization__path", "id")
        )
        out = self._out(o)
        path = out / f"发展党员全程纪实表-{org.name}-{today():%Y%m%d}.zip"
        started = time.monotonic()
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for i, case in enumerate(cases, 1):
                generated = generate_for_case(user, case, "member_record")
                zf.writestr(f"{case.organization.name}/{generated.filename}", generated.content)
                self.stderr.write(progress_line(i, len(cases), case.subject_member.name), ending="")
                self.stderr.flush()
        self.stdout.write(f"{path}  ({len(cases)} 份, {time.monotonic() - started:.1f} s)")

    def _samples(self, user, out: Path):
        """One file of every document from the data in the database (the demo university)."""
        out.mkdir(parents=True, exist_ok=True)
        written, skipped = [], []

        def emit(label, make):
            try:
                written.append(self._write(out, make()))
            except DomainError as exc:
                skipped.append(f"{label}: {exc.message}")

        cases = Case.objects.select_related(
            "organization", "process_version", "subject_member__organization"
        )
        development = (
            cases.filter(process_id="member_development").order_by("-audit_seq", "id").first()
        )
        election = (
            cases.filter(process_id="branch_election", data__has_key="tally")
            .order_by("-audit_seq", "id")
            .first()
            or cases.filter(process_id="branch_election").order_by("-audit_seq", "id").first()
        )
        review = cases.filter(process_id="democratic_review").order_by("-audit_seq", "id").first()
        meeting = Meeting.objects.order_by("-held_on", "-id").first()
        committee = next((c for c in [development, election] if c is not None), None)
        # the notice of a person still on the way (the next stage of their status), else a conversion notice
        publishing = (
            cases.filter(process_id="member_development", status="running")
            .order_by("-audit_seq", "id")
            .first()
        )
        notice = {"stage": None} if publishing is not None else {"stage": "conversion"}
        publishing = publishing or development
        if development is not None:
            emit(
                "member_record",
                lambda: generate_for_case(user, development, "member_record"),
            )
            for fmt in ("pdf", "docx"):
                emit(
                    "publication_notice",
                    lambda fmt=fmt: generate_for_case(
                        user, publishing, "publication_notice", fmt=fmt, options=notice
                    ),
                )
        else:
            skipped.append("member_record, publication_notice: no member_development case")
        if election is not None:
            for kind in ("election_request", "election_reply", "election_report"):
                emit(kind, lambda kind=kind: generate_for_case(user, election, kind))
            emit(
                "audit_report",
                lambda: generate_for_case(user, election, "audit_report", fmt="pdf"),
            )
        else:
            skipped.append("election documents: no branch_election case")
        if review is not None:
            emit("review_summary", lambda: generate_for_case(user, review, "review_summary"))
        else:
            skipped.append("review_summary: no democratic_review case")
        if meeting is not None:
            emit("minutes", lambda: document_for_meeting(user, meeting.pk))
        else:
            skipped.append("minutes: no meeting recorded")
        if committee is not None:  # the college committee above the sample cases' branch, this year
            college = committee.organization.parent or committee.organization
            emit(
                "compliance_report",
                lambda: compliance_report_document(user, college.pk, str(today().year)),
            )
        for line in skipped:
            self.stderr.write(f"skipped {line}")
        self.stdout.write(f"{len(written)} files in {out}")
