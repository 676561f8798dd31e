"""The authorization matrix: every endpoint (from the URLconf) × every role × an object of the role's
own organization and of another one, with the exact status each answers. An endpoint without a row
here fails the test, naming it. Outside one's scope an object answers 404 exactly like a missing one.

Roles: sec (branch secretary of branch A), com (branch committee member of A), mem (ordinary member
of A), off (officer of A's college committee), org (organization department), aud (auditor of A's
college), out (branch secretary in another college), anon (no token). "own" is A's objects (for
`out`: its own college's), "other" the other college's (for `out`: A's). Writes are refused by
permission (403) before any lookup for everyone but the organization department, so a missing and a
hidden object answer alike there too. Every request runs in a savepoint that is rolled back."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from notifications.models import Notification
from organizations.models import Member, OrgKind, Role, RoleAssignment
from organizations.services import role_assignment_create
from orglife.dues_services import dues_assessments_set, dues_relief_request
from orglife.services import meeting_file_upload, meeting_record
from workflows.models import Case, Task, TaskStatus
from workflows.services import case_start, delegation_create, document_upload

from ..conftest import client_for
from ..factories import MemberFactory, OrganizationFactory, UserFactory
from ..helpers import cst
from ..image_helpers import image_bytes

pytestmark = pytest.mark.django_db

ROLES = ["sec", "com", "mem", "off", "org", "aud", "out", "anon"]
PDF = b"%PDF-1.4\n%%EOF\n"


def api_endpoints() -> set[tuple[str, str]]:
    """(url name, method) of every endpoint under /api/, from the URLconf."""
    found = set()

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
                continue
            route = prefix + str(p.pattern)
            if not route.startswith("api/") or "(?P<format>" in route:
                continue
            actions = getattr(p.callback, "actions", None)
            cls = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
            # HEAD answers as GET (DRF adds it to a viewset's actions on its first request); OPTIONS is metadata.
            methods = (
                actions.keys()
                if actions
                else [m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)]
            )
            found.update((p.name, m.upper()) for m in methods if m not in ("head", "options"))

    walk(get_resolver().url_patterns, "")
    return found


def row(own: str, other: str | None = None) -> dict:
    """'200 200 404 …' in ROLES order for own objects, and for other objects (same when omitted)."""
    own_codes, other_codes = [int(c) for c in own.split()], [int(c) for c in (other or own).split()]
    assert len(own_codes) == len(other_codes) == len(ROLES)
    return {r: (o, x) for r, o, x in zip(ROLES, own_codes, other_codes)}


#            sec com mem off org aud out anon
OPEN_TO_ALL = "200 200 200 200 200 200 200 200"
SIGNED_IN = "200 200 200 200 200 200 200 401"
SCOPED = row("200 200 404 200 200 200 200 401", "404 404 404 404 200 404 404 401")
ORG_DEPT_WRITE = lambda ok: row(f"403 403 403 403 {ok} 403 403 401")  # noqa: E731

# (url name, method) → (path builder, request body or None, expected)
MATRIX = {
    ("auth-token", "POST"): (
        lambda o: "/api/auth/token/",
        "credentials",
        row("200 200 200 200 200 200 200 400"),
    ),
    ("auth-logout", "POST"): (
        lambda o: "/api/auth/logout/",
        None,
        row("204 204 204 204 204 204 204 401"),
    ),
    ("me", "GET"): (lambda o: "/api/me/", None, row(SIGNED_IN)),
    ("record-log", "GET"): (
        lambda o: "/api/record-log/",
        None,
        row("403 403 403 403 200 403 403 401"),
    ),
    ("api-root", "GET"): (lambda o: "/api/", None, row(OPEN_TO_ALL)),
    ("schema", "GET"): (lambda o: "/api/schema/", None, row(OPEN_TO_ALL)),
    ("docs", "GET"): (lambda o: "/api/docs/", None, row(OPEN_TO_ALL)),
    ("organization-list", "GET"): (lambda o: "/api/organizations/", None, row(SIGNED_IN)),
    ("organization-list", "POST"): (
        lambda o: "/api/organizations/",
        lambda o: {
            "parent": o.college.pk,
            "name": "新支部",
            "kind": "branch",
            "branch_kind": "student",
        },
        ORG_DEPT_WRITE(201),
    ),
    ("organization-detail", "GET"): (
        lambda o: f"/api/organizations/{o.branch.pk}/",
        None,
        row("200 200 200 200 200 200 200 401", "404 404 404 404 200 404 404 401"),
    ),
    ("organization-detail", "PUT"): (
        lambda o: f"/api/organizations/{o.branch.pk}/",
        lambda o: {"name": "x"},
        ORG_DEPT_WRITE(400),
    ),
    ("organization-detail", "PATCH"): (
        lambda o: f"/api/organizations/{o.branch.pk}/",
        lambda o: {"name": "改名支部"},
        ORG_DEPT_WRITE(200),
    ),
    ("organization-detail", "DELETE"): (
        lambda o: f"/api/organizations/{o.branch.pk}/",
        None,
        ORG_DEPT_WRITE(400),
    ),  # in use
    ("organization-checks", "GET"): (
        lambda o: f"/api/organizations/{o.branch.pk}/checks/",
        None,
        row("200 200 200 200 200 200 200 401", "404 404 404 404 200 404 404 401"),
    ),
    ("member-list", "GET"): (lambda o: "/api/members/", None, row(SIGNED_IN)),
    ("member-list", "POST"): (
        lambda o: "/api/members/",
        lambda o: {"organization": o.branch.pk, "name": "新党员"},
        ORG_DEPT_WRITE(201),
    ),
    ("member-detail", "GET"): (lambda o: f"/api/members/{o.member.pk}/", None, SCOPED),
    ("member-detail", "PUT"): (
        lambda o: f"/api/members/{o.member.pk}/",
        lambda o: {"name": "x"},
        ORG_DEPT_WRITE(400),
    ),
    ("member-detail", "PATCH"): (
        lambda o: f"/api/members/{o.member.pk}/",
        lambda o: {"phone": "13800000000"},
        ORG_DEPT_WRITE(200),
    ),
    ("member-detail", "DELETE"): (
        lambda o: f"/api/members/{o.member.pk}/",
        None,
        ORG_DEPT_WRITE(204),
    ),
    ("user-list", "GET"): (lambda o: "/api/users/", None, row(SIGNED_IN)),
    ("user-list", "POST"): (
        lambda o: "/api/users/",
        lambda o: {"username": "new_user", "password": "a-long-password"},
        ORG_DEPT_WRITE(201),
    ),
    # o.user is an ordinary member's account: `mem` sees itself in its own organization.
    ("user-detail", "GET"): (
        lambda o: f"/api/users/{o.user.pk}/",
        None,
        row("200 200 200 200 200 200 200 401", "404 404 404 404 200 404 404 401"),
    ),
    ("user-detail", "PUT"): (
        lambda o: f"/api/users/{o.user.pk}/",
        lambda o: {"first_name": "x"},
        ORG_DEPT_WRITE(400),
    ),
    ("user-detail", "PATCH"): (
        lambda o: f"/api/users/{o.user.pk}/",
        lambda o: {"first_name": "x"},
        ORG_DEPT_WRITE(200),
    ),
    ("user-detail", "DELETE"): (lambda o: f"/api/users/{o.user.pk}/", None, ORG_DEPT_WRITE(204)),
    ("role-assignment-list", "GET"): (lambda o: "/api/role-assignments/", None, row(SIGNED_IN)),
    ("role-assignment-list", "POST"): (
        lambda o: "/api/role-assignments/",
        lambda o: {"user": o.user.pk, "role": "branch_committee", "organization": o.branch.pk},
        ORG_DEPT_WRITE(201),
    ),
    ("role-assignment-detail", "GET"): (
        lambda o: f"/api/role-assignments/{o.assignment.pk}/",
        None,
        row("200 200 200 200 200 200 200 401", "404 404 404 404 200 404 404 401"),
    ),
    ("role-assignment-detail", "PUT"): (
        lambda o: f"/api/role-assignments/{o.assignment.pk}/",
        lambda o: {"role": "member"},
        ORG_DEPT_WRITE(400),
    ),
    ("role-assignment-detail", "PATCH"): (
        lambda o: f"/api/role-assignments/{o.assignment.pk}/",
        lambda o: {"role": "branch_committee"},
        ORG_DEPT_WRITE(200),
    ),
    ("role-assignment-detail", "DELETE"): (
        lambda o: f"/api/role-assignments/{o.assignment.pk}/",
        None,
        ORG_DEPT_WRITE(204),
    ),
    ("process-list", "GET"): (lambda o: "/api/processes/", None, row(SIGNED_IN)),
    ("case-list", "GET"): (lambda o: "/api/cases/", None, row(SIGNED_IN)),
    # 409: may start there, but the branch already has a running election; 400: not in scope to start.
    ("case-list", "POST"): (
        lambda o: "/api/cases/",
        lambda o: {"process": "branch_election", "organization": o.branch.pk},
        row("409 409 400 409 409 400 409 401", "400 400 400 400 409 400 400 401"),
    ),
    ("case-detail", "GET"): (lambda o: f"/api/cases/{o.case.pk}/", None, SCOPED),
    ("case-history", "GET"): (lambda o: f"/api/cases/{o.case.pk}/history/", None, SCOPED),
    ("case-history-export", "GET"): (
        lambda o: f"/api/cases/{o.case.pk}/history/export/",
        None,
        SCOPED,
    ),
    ("case-report", "GET"): (lambda o: f"/api/cases/{o.case.pk}/report/", None, SCOPED),
    ("case-audit-verification", "GET"): (
        lambda o: f"/api/cases/{o.case.pk}/audit-verification/",
        None,
        SCOPED,
    ),
    ("case-access-log", "GET"): (
        lambda o: f"/api/cases/{o.case.pk}/access-log/",
        None,
        row("403 403 404 403 200 403 403 401", "404 404 404 404 200 404 404 401"),
    ),
    ("case-cancel", "POST"): (
        lambda o: f"/api/cases/{o.case.pk}/cancel/",
        lambda o: {"reason": "测试"},
        row("403 403 404 200 200 403 403 401", "404 404 404 404 200 404 404 401"),
    ),
    ("case-documents", "GET"): (lambda o: f"/api/cases/{o.case.pk}/documents/", None, SCOPED),
    ("case-documents", "POST"): (
        lambda o: f"/api/cases/{o.case.pk}/documents/",
        "upload",
        row("201 201 404 201 201 403 201 401", "404 404 404 404 201 404 404 401"),
    ),
    ("case-document-download", "GET"): (
        lambda o: f"/api/cases/{o.case.pk}/documents/{o.document.pk}/",
        None,
        SCOPED,
    ),
    ("task-list", "GET"): (lambda o: "/api/tasks/", None, row(SIGNED_IN)),
    ("task-detail", "GET"): (lambda o: f"/api/tasks/{o.task.pk}/", None, SCOPED),
    ("task-claim", "POST"): (
        lambda o: f"/api/tasks/{o.task.pk}/claim/",
        None,
        row("200 200 404 403 403 403 200 401", "404 404 404 404 403 404 404 401"),
    ),
    ("task-unclaim", "POST"): (
        lambda o: f"/api/tasks/{o.task.pk}/unclaim/",
        None,
        row("409 409 404 403 403 403 409 401", "404 404 404 404 403 404 404 401"),
    ),
    ("task-complete", "POST"): (
        lambda o: f"/api/tasks/{o.task.pk}/complete/",
        lambda o: {"data": {}},
        row("400 400 404 403 403 403 400 401", "404 404 404 404 403 404 404 401"),
    ),
    ("delegation-list", "GET"): (lambda o: "/api/delegations/", None, row(SIGNED_IN)),
    # own: to a committee member of the branch (eligible for the secretary only: com would delegate to itself).
    ("delegation-list", "POST"): (
        lambda o: "/api/delegations/",
        lambda o: {
            "delegate": o.colleague.pk,
            "starts_at": "2026-07-11T00:00:00+08:00",
            "ends_at": "2026-07-20T00:00:00+08:00",
        },
        row("201 400 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("delegation-detail", "GET"): (
        lambda o: f"/api/delegations/{o.delegation.pk}/",
        None,
        row("200 200 404 404 404 404 200 401", "404 404 404 404 404 404 404 401"),
    ),
    ("delegation-revoke", "POST"): (
        lambda o: f"/api/delegations/{o.delegation.pk}/revoke/",
        None,
        row("200 403 404 404 404 404 200 401", "404 404 404 404 404 404 404 401"),
    ),
    ("notification-list", "GET"): (lambda o: "/api/notifications/", None, row(SIGNED_IN)),
    # o.notification is the branch secretary's own (`out`'s for its college): nobody else's.
    ("notification-detail", "GET"): (
        lambda o: f"/api/notifications/{o.notification.pk}/",
        None,
        row("200 404 404 404 404 404 200 401", "404 404 404 404 404 404 404 401"),
    ),
    ("notification-read", "POST"): (
        lambda o: f"/api/notifications/{o.notification.pk}/read/",
        None,
        row("200 404 404 404 404 404 200 401", "404 404 404 404 404 404 404 401"),
    ),
    ("notification-read-all", "POST"): (
        lambda o: "/api/notifications/read-all/",
        None,
        row(SIGNED_IN),
    ),
    # One's own delivery preferences; the delivery log is the organization department's (else 404).
    ("notification-preferences", "GET"): (
        lambda o: "/api/notification-preferences/",
        None,
        row(SIGNED_IN),
    ),
    ("notification-preferences", "PUT"): (
        lambda o: "/api/notification-preferences/",
        lambda o: {
            "channels": [],
            "digest": True,
            "overdue_immediate": True,
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
        row(SIGNED_IN),
    ),
    ("delivery-list", "GET"): (
        lambda o: "/api/deliveries/",
        None,
        row("404 404 404 404 200 404 404 401"),
    ),
    ("delivery-channels", "GET"): (
        lambda o: "/api/delivery-channels/",
        None,
        row("404 404 404 404 200 404 404 401"),
    ),
    ("meeting-list", "GET"): (lambda o: "/api/meetings/", None, row(SIGNED_IN)),
    # Records are kept by the branch (secretary, committee); an organization named in the body that the
    # caller may not record for is a 400 naming `organization` (like starting a case there).
    ("meeting-list", "POST"): (
        lambda o: "/api/meetings/",
        lambda o: {
            "organization": o.branch.pk,
            "kind": "party_lesson",
            "held_on": "2026-07-10",
            "attendees": [o.member.pk],
        },
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("meeting-detail", "GET"): (lambda o: f"/api/meetings/{o.meeting.pk}/", None, SCOPED),
    # Photos and sign-in sheets: written by who keeps the branch's records; readers of the meeting
    # who do not keep them get a 400 naming `organization`, others do not see the meeting (404).
    ("meeting-files", "POST"): (
        lambda o: f"/api/meetings/{o.meeting.pk}/files/",
        "photo",
        row("201 201 404 400 400 400 201 401", "404 404 404 404 400 404 404 401"),
    ),
    ("meeting-file-download", "GET"): (
        lambda o: f"/api/meetings/{o.meeting.pk}/files/{o.meeting_file.pk}/",
        None,
        SCOPED,
    ),
    ("dues-list", "GET"): (lambda o: "/api/dues/", None, row(SIGNED_IN)),
    ("dues-list", "POST"): (
        lambda o: "/api/dues/",
        lambda o: {
            "member": o.member.pk,
            "month": "2026-06",
            "amount": "10.00",
            "paid_on": "2026-07-01",
        },
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    # A workbook that is not one: 400 for the branch; 400 naming `organization` for everyone else.
    ("orglife-import", "POST"): (
        lambda o: "/api/orglife/import/",
        "import",
        row("400 400 400 400 400 400 400 401"),
    ),
    # P7 graduation batches: only the organization department uploads (a workbook that is not one:
    # 400); the list of batches is everyone's own scope; an unknown batch is not found.
    ("graduation-preview", "POST"): (
        lambda o: "/api/transfers/graduation/preview/",
        "import",
        row("403 403 403 403 400 403 403 401"),
    ),
    ("graduation", "POST"): (
        lambda o: "/api/transfers/graduation/",
        "import",
        row("403 403 403 403 400 403 403 401"),
    ),
    ("graduation", "GET"): (lambda o: "/api/transfers/graduation/", None, row(SIGNED_IN)),
    ("graduation-summary", "GET"): (
        lambda o: "/api/transfers/graduation/20260711-none/",
        None,
        row("404 404 404 404 404 404 404 401"),
    ),
    # Ballots exist only on a democratic review the caller votes in; o.case is an election: 404 for all.
    ("measurement-ballots", "GET"): (
        lambda o: f"/api/cases/{o.case.pk}/measurement-ballots/",
        None,
        row("404 404 404 404 404 404 404 401"),
    ),
    ("measurement-ballots", "POST"): (
        lambda o: f"/api/cases/{o.case.pk}/measurement-ballots/",
        lambda o: {"ratings": [{"member": o.member.pk, "grade": "excellent"}]},
        row("404 404 404 404 404 404 404 401"),
    ),
    # Records of the branch standards (P6): kept and read like meetings.
    ("volunteer-service-list", "GET"): (lambda o: "/api/volunteer-services/", None, row(SIGNED_IN)),
    ("volunteer-service-list", "POST"): (
        lambda o: "/api/volunteer-services/",
        lambda o: {
            "organization": o.branch.pk,
            "member": o.member.pk,
            "served_on": "2026-07-10",
            "hours": "2.0",
            "activity": "社区服务",
        },
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("training-list", "GET"): (lambda o: "/api/trainings/", None, row(SIGNED_IN)),
    ("training-list", "POST"): (
        lambda o: "/api/trainings/",
        lambda o: {
            "organization": o.branch.pk,
            "member": o.member.pk,
            "attended_on": "2026-07-10",
            "kind": "secretary_training",
            "title": "书记培训",
            "hours": "8",
        },
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("pairing-list", "GET"): (lambda o: "/api/pairings/", None, row(SIGNED_IN)),
    ("pairing-list", "POST"): (
        lambda o: "/api/pairings/",
        lambda o: {
            "organization": o.branch.pk,
            "member": o.member.pk,
            "partner_name": "学生甲",
            "partner_kind": "student",
            "started_on": "2026-07-01",
        },
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("satisfaction-survey-list", "GET"): (
        lambda o: "/api/satisfaction-surveys/",
        None,
        row(SIGNED_IN),
    ),
    ("satisfaction-survey-list", "POST"): (
        lambda o: "/api/satisfaction-surveys/",
        lambda o: {
            "organization": o.branch.pk,
            "surveyed_on": "2026-07-10",
            "tallies": {"satisfied": 10},
        },
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("standard-sets", "GET"): (lambda o: "/api/standards/", None, row(SIGNED_IN)),
    ("standards-matrix", "GET"): (
        lambda o: f"/api/standards/matrix/?organization={o.branch.pk}&period=2025",
        None,
        SCOPED,
    ),
    ("model-branches", "GET"): (
        lambda o: f"/api/model-branches/?organization={o.branch.pk}",
        None,
        SCOPED,
    ),
    ("standards-matrix-export", "GET"): (
        lambda o: f"/api/standards/matrix/export/?organization={o.branch.pk}&period=2025",
        None,
        SCOPED,
    ),
    ("member-development", "GET"): (
        lambda o: f"/api/members/{o.member.pk}/development/",
        None,
        SCOPED,
    ),
    # o.member is a full member with no development case: nothing to report on, 404 for everyone.
    # (For an activist, development.services.obligation_submit lets only the branch submit: 403 not_branch_officer.)
    ("member-submit-obligation", "POST"): (
        lambda o: f"/api/members/{o.member.pk}/development/obligations/",
        lambda o: {
            "kind": "thought_report",
            "seq": 1,
            "data": {"submitted_on": "2026-07-01", "summary": "思想汇报"},
        },
        row("404 404 404 404 404 404 404 401"),
    ),
    # Status events: the higher committee records them (a committee officer of the college or the
    # organization department); the branch and the auditor see the member but may not.
    ("member-status-event", "POST"): (
        lambda o: f"/api/members/{o.member.pk}/status-events/",
        lambda o: {"event": "death", "on": "2026-07-01", "reason": "病故", "decided_by": "党委"},
        row("403 403 404 201 201 403 403 401", "404 404 404 404 201 404 404 401"),
    ),
    # Lost contact: the branch (its secretary or committee) or a committee above records it; the
    # auditor sees the member but may not.
    ("member-lost-contact", "POST"): (
        lambda o: f"/api/members/{o.member.pk}/lost-contact/",
        lambda o: {"lost_on": "2026-01-10", "reason": "moved"},
        row("201 201 404 201 201 403 201 401", "404 404 404 404 201 404 404 401"),
    ),
    ("case-evidence", "GET"): (lambda o: f"/api/cases/{o.case.pk}/evidence/", None, SCOPED),
    ("development-pipeline", "GET"): (
        lambda o: f"/api/reports/development-pipeline/?organization={o.branch.pk}",
        None,
        SCOPED,
    ),
    ("compliance", "GET"): (
        lambda o: f"/api/compliance/?organization={o.branch.pk}&period=2026-06",
        None,
        SCOPED,
    ),
    # Onboarding: the organization department imports and exports (a non-workbook: 400);
    # statistics are scoped reads.
    ("onboarding-import", "POST"): (
        lambda o: "/api/onboarding/import/",
        "import",
        row("403 403 403 403 400 403 403 401"),
    ),
    ("onboarding-export", "GET"): (
        lambda o: f"/api/onboarding/export/?organization={o.branch.pk}",
        None,
        row("403 403 403 403 200 403 403 401"),
    ),
    ("onboarding-statistics", "GET"): (
        lambda o: f"/api/onboarding/statistics/?organization={o.branch.pk}",
        None,
        SCOPED,
    ),
    # 党内统计: scoped reads; filing by the organization department or the organization's committee
    # (a branch officer and the auditor: 403; outside one's scope: 404).
    ("statistics", "GET"): (
        lambda o: f"/api/statistics/?organization={o.branch.pk}&cutoff=2026-06-30",
        None,
        SCOPED,
    ),
    ("statistics-cell", "GET"): (
        lambda o: (
            f"/api/statistics/cell/?organization={o.branch.pk}&cutoff=2026-06-30"
            "&table=membership_change&row=16&col=count"
        ),
        None,
        SCOPED,
    ),
    ("statistics-export", "GET"): (
        lambda o: f"/api/statistics/export/?organization={o.branch.pk}&cutoff=2026-06-30",
        None,
        SCOPED,
    ),
    ("statistics-filings", "POST"): (
        lambda o: "/api/statistics/filings/",
        lambda o: {"organization": o.branch.pk, "cutoff": "2026-06-30"},
        row("403 403 404 201 201 403 403 401", "404 404 404 404 201 404 404 401"),
    ),
    ("onboarding-flags", "GET"): (lambda o: "/api/onboarding/flags/", None, row(SIGNED_IN)),
    ("compliance-export", "GET"): (
        lambda o: f"/api/compliance/export/?organization={o.branch.pk}&period=2026-06",
        None,
        SCOPED,
    ),
    ("branch-terms", "GET"): (
        lambda o: f"/api/branch-terms/?organization={o.branch.pk}",
        None,
        SCOPED,
    ),
    ("branch-identification", "GET"): (
        lambda o: f"/api/branch-identification/?organization={o.branch.pk}",
        None,
        SCOPED,
    ),
    # On demand by the approving committee or the organization department (201); auditors read only (403).
    ("branch-identification", "POST"): (
        lambda o: "/api/branch-identification/",
        lambda o: {"organization": o.college.pk},
        row("404 404 404 201 201 403 404 401", "404 404 404 404 201 404 404 401"),
    ),
    ("weak-branches", "GET"): (lambda o: "/api/weak-branches/", None, row(SIGNED_IN)),
    # Printed documents: generated in the caller's scope; POST stores the file like an upload.
    # (o.case is an election at its first step: its audit report is the document every case has.)
    ("case-document-generate", "GET"): (
        lambda o: f"/api/cases/{o.case.pk}/documents/generate/audit_report/",
        None,
        SCOPED,
    ),
    ("case-document-generate", "POST"): (
        lambda o: f"/api/cases/{o.case.pk}/documents/generate/audit_report/",
        lambda o: {},
        row("201 201 404 201 201 403 201 401", "404 404 404 404 201 404 404 401"),
    ),
    ("member-document-generate", "GET"): (
        lambda o: f"/api/members/{o.member.pk}/documents/generate/member_record/",
        None,
        SCOPED,
    ),
    # o.member has no development case: nowhere to store the file (400 document_needs_case) for those who see it.
    ("member-document-generate", "POST"): (
        lambda o: f"/api/members/{o.member.pk}/documents/generate/member_record/",
        lambda o: {},
        row("400 400 404 400 400 400 400 401", "404 404 404 404 400 404 404 401"),
    ),
    ("meeting-document-generate", "GET"): (
        lambda o: f"/api/meetings/{o.meeting.pk}/documents/generate/minutes/",
        None,
        SCOPED,
    ),
    ("compliance-report", "GET"): (
        lambda o: f"/api/compliance/report/?organization={o.branch.pk}&period=2026-06",
        None,
        SCOPED,
    ),
    # Dues: the branch enters bases and collects; the higher committee decides relief; the
    # remittance summary of a college is read by those whose scope holds the college.
    ("dues-assessments", "GET"): (
        lambda o: f"/api/dues-assessments/?organization={o.branch.pk}&year=2026",
        None,
        SCOPED,
    ),
    ("dues-assessments", "POST"): (
        lambda o: "/api/dues-assessments/",
        lambda o: {
            "organization": o.branch.pk,
            "year": 2026,
            "rows": [{"member": o.member.pk, "category": "working", "base": "5000"}],
        },
        row("201 201 404 400 400 400 201 401", "404 404 404 404 400 404 404 401"),
    ),
    ("dues-assessments-import", "POST"): (
        lambda o: "/api/dues-assessments/import/",
        "import",
        row("400 400 400 400 400 400 400 401"),
    ),
    # o.assessment has a pending exemption: the branch asking again is a conflict.
    ("dues-relief", "POST"): (
        lambda o: f"/api/dues-assessments/{o.assessment.pk}/relief/",
        lambda o: {"relief": "exempt", "reason": "生活困难"},
        row("409 409 404 400 400 400 409 401", "404 404 404 404 400 404 404 401"),
    ),
    ("dues-relief-decision", "POST"): (
        lambda o: f"/api/dues-assessments/{o.assessment.pk}/relief/decision/",
        lambda o: {"approve": True},
        row("400 400 404 200 200 400 400 401", "404 404 404 404 200 404 404 401"),
    ),
    ("dues-reliefs", "GET"): (lambda o: "/api/dues-reliefs/", None, row(SIGNED_IN)),
    ("dues-collection", "GET"): (
        lambda o: f"/api/dues-collection/?organization={o.branch.pk}&month=2026-07",
        None,
        SCOPED,
    ),
    ("dues-collect", "POST"): (
        lambda o: "/api/dues-collection/collect/",
        lambda o: {"member": o.assessment.member_id, "month": "2026-07"},
        row("201 201 400 400 400 400 201 401", "400 400 400 400 400 400 400 401"),
    ),
    ("dues-paid-through", "GET"): (
        lambda o: f"/api/dues-paid-through/?member={o.member.pk}",
        None,
        SCOPED,
    ),
    ("dues-remittance", "GET"): (
        lambda o: f"/api/dues-remittance/?organization={o.college.pk}&year=2026",
        None,
        row("404 404 404 200 200 200 404 401", "404 404 404 404 200 404 404 401"),
    ),
    ("dues-remittance-export", "GET"): (
        lambda o: f"/api/dues-remittance/export/?organization={o.college.pk}&year=2026",
        None,
        row("404 404 404 200 200 200 404 401", "404 404 404 404 200 404 404 401"),
    ),
}


def objects_of(branch, college, member, user, assignment, colleague, delegator):
    """One organization's objects: a running election at its first task, a document, a delegation."""

    case = Case.objects.get(organization=branch, process_id="branch_election")
    task = Task.objects.get(case=case, status=TaskStatus.OPEN)
    document = document_upload(actor=delegator, case=case, file=SimpleUploadedFile("证明.pdf", PDF))
    delegation = delegation_create(
        actor=delegator, delegate=colleague, starts_at=cst(2026, 7, 1), ends_at=cst(2026, 8, 1)
    )
    meeting = meeting_record(
        actor=delegator,
        organization=branch,
        kind="themed_party_day",
        held_on=dt.date(2026, 7, 1),
        attendees=[
            Member.objects.filter(organization=branch)
            .exclude(pk=member.pk)
            .values_list("pk", flat=True)
            .first()
        ],
    )
    # Another member than `member` (whose deletion the matrix tries): dues records keep a member.
    payer = Member.objects.filter(organization=branch).exclude(pk=member.pk).last()
    assessment = dues_assessments_set(
        actor=None,
        organization=branch,
        year=2026,
        rows=[{"member": payer.pk, "category": "working", "base": "4500"}],
    )[0]
    dues_relief_request(actor=None, assessment=assessment, relief="exempt", reason="长期患病")
    meeting_file = meeting_file_upload(
        actor=delegator,
        meeting=meeting,
        kind="sign_in_sheet",
        file=SimpleUploadedFile("签到表.png", image_bytes()),
    )
    notification = Notification.objects.create(
        recipient=delegator,
        kind="due_soon",
        task=task,
        case=case,
        created_at=cst(2026, 7, 11),
        params={
            "task": task.name,
            "case": case.subject,
            "organization": branch.name,
            "due_at": None,
        },
    )
    return SimpleNamespace(
        branch=branch,
        college=college,
        member=member,
        user=user,
        assignment=assignment,
        colleague=colleague,
        case=case,
        task=task,
        document=document,
        delegation=delegation,
        meeting=meeting,
        assessment=assessment,
        meeting_file=meeting_file,
        notification=notification,
    )


@pytest.fixture
def world(api, university):
    u = university
    college_x = OrganizationFactory(
        name="外国语学院党委", kind=OrgKind.COMMITTEE, parent=u.school, has_approval_authority=True
    )
    branch_x = OrganizationFactory(
        name="英语系教工党支部",
        kind=OrgKind.BRANCH,
        parent=college_x,
        term_start=dt.date(2024, 1, 10),
        term_end=dt.date(2027, 1, 10),
    )
    out, com_x, mem_x = (
        UserFactory(username="sec_x"),
        UserFactory(username="com_x"),
        UserFactory(username="mem_x"),
    )
    members_x = [MemberFactory(organization=branch_x, name=f"戊{i}") for i in range(5)]
    members_x[4].user = mem_x
    members_x[4].save()
    role_assignment_create(actor=None, user=out, role=Role.BRANCH_SECRETARY, organization=branch_x)
    role_assignment_create(
        actor=None, user=com_x, role=Role.BRANCH_COMMITTEE, organization=branch_x
    )
    x_member_role = role_assignment_create(
        actor=None, user=mem_x, role=Role.MEMBER, organization=branch_x
    )
    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case_start(actor=u.users.sec_a, process_id="branch_election", organization=u.branch_a)
        case_start(actor=out, process_id="branch_election", organization=branch_x)
        a = objects_of(
            u.branch_a,
            u.college,
            u.full_a[2],
            u.users.member_a,
            RoleAssignment.objects.get(user=u.users.member_a),
            u.users.committee_a,
            u.users.sec_a,
        )
        x = objects_of(branch_x, college_x, members_x[0], mem_x, x_member_role, com_x, out)
    users = {
        "sec": u.users.sec_a,
        "com": u.users.committee_a,
        "mem": u.users.member_a,
        "off": u.users.officer,
        "org": u.users.orgdept,
        "aud": u.users.auditor,
        "out": out,
        "anon": None,
    }
    return SimpleNamespace(users=users, a=a, x=x)


def test_every_api_endpoint_has_a_row_in_the_matrix():
    missing = sorted(api_endpoints() - set(MATRIX))
    assert not missing, f"endpoints without an authorization rule in {__name__}.MATRIX: {missing}"
    stale = sorted(set(MATRIX) - api_endpoints())
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


class Rollback(Exception):
    pass


def test_authorization_matrix(world):
    cache.clear()
    mismatches = []
    with (
        override_settings(PARTYFLOW={**settings.PARTYFLOW, "TOKEN_RATE": "100000/minute"}),
        time_machine.travel(cst(2026, 7, 11, 10), tick=False),
    ):
        clients = {
            r: (client_for(user) if user is not None else APIClient())
            for r, user in world.users.items()
        }
        for (name, method), (path, body, expected) in sorted(MATRIX.items()):
            for role in ROLES:
                own, other = (world.x, world.a) if role == "out" else (world.a, world.x)
                for where, objs, want in (
                    ("own", own, expected[role][0]),
                    ("other", other, expected[role][1]),
                ):
                    got = None
                    try:
                        with transaction.atomic():
                            got = request(
                                clients[role], method, path(objs), body, objs, world.users[role]
                            )
                            raise Rollback
                    except Rollback:
                        pass
                    if got != want:
                        mismatches.append(
                            f"{method} {name} as {role} on {where}: expected {want}, got {got}"
                        )
    assert not mismatches, "\n".join(mismatches)


def request(client, method, url, body, objs, user):
    if body == "credentials":
        creds = (
            {"username": user.get_username(), "password": "pw-123456"}
            if user is not None
            else {"username": "nobody", "password": "x"}
        )
        return client.post(url, creds, format="json").status_code
    if body == "import":
        return client.post(
            url,
            {
                "organization": objs.branch.pk,
                "file": SimpleUploadedFile("年度记录.xlsx", b"not a workbook"),
            },
            format="multipart",
        ).status_code
    if body == "photo":
        return client.post(
            url,
            {"kind": "photo", "file": SimpleUploadedFile("合影.png", image_bytes())},
            format="multipart",
        ).status_code
    if body == "upload":
        return client.post(
            url, {"file": SimpleUploadedFile("记录.pdf", PDF)}, format="multipart"
        ).status_code
    data = body(objs) if callable(body) else None
    return getattr(client, method.lower())(url, data, format="json").status_code
