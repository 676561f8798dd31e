"""Every page of the demo as each role reads it in zh-hans (issue 27): starting on the person's
landing page and following the links the pages offer (bounded: a few pages of each kind), no page
answers 500, and no page shows a number after # to tell people apart, "None", a rule-set or
regulation code, a raw snake_case key or Latin words beyond a short allow-list
(`walk_helpers.ALLOWED_LATIN`, each with its reason)."""

import datetime as dt
from collections import deque

import pytest
import time_machine
from django.test import Client

from partyflow.demo import DEMO_PASSWORD, seed_demo

from ..helpers import cst
from .walk_helpers import internal, page_key, problems, read

pytestmark = pytest.mark.django_db

# secretary, committee member, college committee officers (the one reviewing candidates, the one
# approving results), the organization department, the auditor, a member, and the secretary of the
# branch under remediation (P4).
ROLES = [
    "secretary_se",
    "committee_se",
    "officer_cs",
    "officer_marx",
    "orgdept",
    "auditor",
    "member_se",
    "secretary_cs_admin",
]
PER_KIND = 2  # pages of one kind (same path but for its numbers, same query parameters)
PER_ROLE = 90
# Not pages: files to download (each is tested where it is made), the JSON API, leaving.
SKIP_PREFIXES = ("/logout/", "/static/", "/api/", "/i18n/")
SKIP_PARTS = ("format=", "/export", "/download", "/documents/", "/print/")
MOMENT = cst(2026, 3, 2, 10)
# Django's admin is walked for errors only: its chrome is Django's own (its screen-reader captions
# are not in Django's zh-hans catalog), and the logins it administers are Latin by nature.
ADMIN = "/admin/"


@pytest.fixture
def demo(deployed):
    with time_machine.travel(MOMENT, tick=False):
        seed_demo(today=dt.date(2026, 3, 2))


def walk(username: str) -> tuple[list, int]:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    r = client.post("/", {"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302, (username, r.status_code)
    queue, seen, kinds, found = deque([r["Location"]]), set(), {}, []
    while queue and len(seen) < PER_ROLE:
        url = queue.popleft()
        key = page_key(url)
        if url in seen or kinds.get(key, 0) >= PER_KIND:
            continue
        seen.add(url)
        kinds[key] = kinds.get(key, 0) + 1
        r = client.get(url)
        if r.status_code >= 500:
            found.append((username, url, "500", ""))
            continue
        if r.status_code in (301, 302):
            queue.appendleft(r["Location"])
            continue
        if r.status_code != 200 or not r.get("Content-Type", "").startswith("text/html"):
            continue
        text, links = read(r.content.decode())
        if not url.startswith(ADMIN):
            found += [(username, url, kind, where) for kind, where in problems(text)]
        for href in links:
            target = internal(url, href)
            if (
                target
                and not target.startswith(SKIP_PREFIXES)
                and not any(p in target for p in SKIP_PARTS)
            ):
                queue.append(target)
    return found, len(seen)


def test_every_page_of_the_demo_reads_as_chinese_for_every_role(demo):
    found, pages = [], {}
    with time_machine.travel(MOMENT + dt.timedelta(hours=1), tick=False):
        for username in ROLES:
            problems_seen, pages[username] = walk(username)
            found += problems_seen
    # The walk reached the pages of each role (not only the landing page).
    assert all(n >= 8 for n in pages.values()), pages
    # One line per distinct problem (what was found, of which kind), with the first page showing it.
    first = {}
    for _u, url, kind, where in found:
        first.setdefault((kind, where.split(" ‹")[0]), (url, where))
    assert not first, "\n".join(f"{k} {u}: {w}" for (k, _t), (u, w) in sorted(first.items()))
