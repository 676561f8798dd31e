"""Hostile bytes on the pages (issue 26): every page of the demo, as each role, with NUL, over-long
text and out-of-range numbers in its query string and its form posts, answers a page (a 400 naming
the field, a 404, a redirect), never a 500. The demo is seeded once for the module; the 400 page's
words for one field: test_hostile_fields.py."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver

from notifications.models import Notification
from organizations.models import Organization
from orglife.models import DuesAssessment, Meeting, MeetingFile
from partyflow.demo import DEMO_PASSWORD, seed_demo
from untrusted.params import FORM_VALUE_MAX, param_problems
from web.models import SavedFilter
from web.urls import urlpatterns
from workflows.models import Case, Document, Task
from workflows.services import process_deploy

from ..demo_helpers import module_transaction
from ..helpers import cst

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "orgdept",
    "officer_cs",
    "secretary_se",
    "committee_se",
    "member_se",
    "auditor",
]
HOSTILE = {
    "nul": "1\x00",
    "overlong": "9" * 20_000,
    "inf": "1e400",
    "nan": "NaN",
    "huge": "999999999999",
    "letters": "abc",
    "bidi": "\u202egnp.exe",
}
# Every parameter a page reads from its query string or its form, and the task forms' own fields.
PARAMS = [
    "organization",
    "period",
    "tab",
    "q",
    "process",
    "due_within",
    "overdue",
    "escalated",
    "delegated",
    "kind",
    "year",
    "subject",
    "started_from",
    "started_to",
    "format",
    "next",
    "task",
    "delegate",
    "ends_on",
    "reason",
    "name",
    "page",
    "query",
    "shared_role",
    "shared_organization",
    "held_on",
    "title",
    "hours",
    "evidence",
    "notes",
    "starts_at",
    "ends_at",
    "place",
    "chair",
    "recorder",
    "nonvoting_attendees",
    "content",
    "resolutions",
    "att_1",
    "reason_1",
    "election_date",
    "seats",
    "nomination_method",
    "approved",
    "document_no",
    "candidates",
    "votes.0.yes",
    "username",
    "password",
    "old_password",
    "new_password1",
    "new_password2",
    "destination",
    "receiving_organization",
    "to_branch",
    "status",
    "serial",
    "issuer",
    "issuer_kind",
    "issued_on",
    "validity_days",
    "dues_paid_through",
    "from_organization",
    "joined_on",
    "phone",
    "export",
    "language",
    "cutoff",
    "table",
    "row",
    "col",
    "month",
    "member",
    "relief_for",
    "relief",
    "amount",
    "decision",
    "note",
]


def _patterns(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p.name, prefix + str(p.pattern)


def demo_ids(username: str) -> dict:
    """Realistic ids of the demo for each kind of path parameter (the user's own where it matters)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    task = (
        Task.objects.filter(status="open", claimed_by__isnull=True).order_by("id").first()
        or Task.objects.order_by("id").first()
    )
    case = task.case
    doc = Document.objects.order_by("id").first()
    member = Case.objects.exclude(subject_member=None).order_by("id").first().subject_member
    return {
        "task_id": task.pk,
        "case_id": doc.case_id if doc else case.pk,
        "document_id": doc.pk if doc else 1,
        "kind": "member_record",
        "notification_id": (
            Notification.objects.filter(recipient=user).values_list("pk", flat=True).first() or 1
        ),
        "organization_id": Organization.objects.filter(name="软件工程系教工党支部").get().pk,
        "code": "themed_party_day",
        "meeting_id": Meeting.objects.values_list("pk", flat=True).first() or 1,
        "file_id": MeetingFile.objects.values_list("pk", flat=True).first() or 1,
        "fmt": "pdf",
        "member_id": member.pk,
        "saved_filter_id": SavedFilter.objects.values_list("pk", flat=True).first() or 1,
        "assessment_id": DuesAssessment.objects.values_list("pk", flat=True).first() or 1,
        "batch": "20260302-abcdef",
    }


def page_urls(ids: dict) -> list[str]:
    urls = []
    for _name, route in _patterns(urlpatterns):
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
        urls.append(url)
    return urls


@pytest.fixture(scope="module")
def hostile_demo(django_db_setup, django_db_blocker):
    """The demo and a saved filter, written once for the module's tests (demo_helpers.module_transaction)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            process_deploy()
            with time_machine.travel(cst(2026, 3, 2, 10), tick=False):
                seed_demo(today=dt.date(2026, 3, 2))
            SavedFilter.objects.create(
                owner_id=Task.objects.values_list("case__started_by", flat=True).first() or 1,
                name="演示筛选",
                page="inbox",
                query="tab=mine",
            )
        yield


def login(username: str) -> Client:
    client = Client(raise_request_exception=False)
    r = client.post("/", {"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, (username, r.status_code)
    return client


def test_every_page_of_the_demo_with_hostile_values_never_answers_500(hostile_demo):
    errors = []

    def record(sender, request, **kwargs):
        import sys

        errors.append(
            (request.method, request.get_full_path()[:200], repr(sys.exc_info()[1])[:300])
        )

    got_request_exception.connect(record)
    try:
        failures = []
        for username in ROLES:
            ids = demo_ids(username)
            client = login(username)
            for url in page_urls(ids):
                if url in ("/logout/",):
                    continue
                sent = set()  # a query the guard reduced to one already sent is not sent again
                for label, value in HOSTILE.items():
                    # Every parameter at once (the guard answers), then those the guard lets
                    # through (the page itself answers).
                    for query in (
                        {p: value for p in PARAMS},
                        {
                            p: value
                            for p in PARAMS
                            if not param_problems([(p, value)], max_length=FORM_VALUE_MAX)
                        },
                    ):
                        if (key := tuple(sorted(query.items()))) in sent:
                            continue
                        sent.add(key)
                        r = client.get(url, query)
                        if r.status_code >= 500:
                            failures.append((username, "GET", url, label, r.status_code))
                        r = client.post(url, query)
                        if r.status_code >= 500:
                            failures.append((username, "POST", url, label, r.status_code))
                        if r.status_code == 302 and r.get("Location", "").startswith("/?"):
                            client = login(username)  # logged out: log in again
        if failures:
            print(sorted({(f[1], f[2], f[3]) for f in failures}), sorted({e[2] for e in errors}))
        assert not failures, (
            sorted({(f[1], f[2], f[3]) for f in failures}),
            sorted({e[2] for e in errors}),
        )
    finally:
        got_request_exception.disconnect(record)


def test_ids_beyond_bigint_in_a_page_path_are_the_404_page(hostile_demo):
    client = login("orgdept")
    for url in page_urls(
        {k: 10**30 for k in demo_ids("orgdept")} | {"kind": "member_record", "code": "x"}
    ):
        if url.count("1000000000000000000000000000000"):
            assert client.get(url).status_code in (404, 405), url
