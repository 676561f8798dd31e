import datetime as dt
import os
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from engine import loader
from engine.calendar import CST
from organizations.models import MemberStatus, OrgKind, Role
from organizations.services import member_update, role_assignment_create
from workflows.services import process_deploy

from .demo_helpers import MODULE_DATA_FIXTURES
from .factories import MemberFactory, OrganizationFactory, UserFactory

# Parallel runs (pytest-xdist, `--dist loadgroup`: docs/testing.md). Each worker has its own test
# database and temp dirs; what the workers would share is kept on one worker by a group:
# - "broker": the Celery brokers (PARTYFLOW_TEST_BROKER, _AMQP_BROKER): a worker started by one test
#   would take the other's messages, and a purge or a FLUSHDB would drop them. A test that uses a
#   broker without the `broker` fixture says so with @pytest.mark.xdist_group("broker").
# - "sso": the CAS and LDAP servers are started once per worker (session fixtures).
# - a module whose tests share a module-scoped fixture (a browser, a gunicorn) runs on one worker,
#   so the browser starts once.
BROKER_FIXTURES = {"broker"}
SSO_FIXTURES = {"cas_server", "ldap_server"}


def xdist_group_of(item) -> str | None:
    if item.get_closest_marker("xdist_group"):
        return None  # named by the test itself
    names = set(item.fixturenames)
    if names & BROKER_FIXTURES:
        return "broker"
    if names & SSO_FIXTURES:
        return "sso"
    defs = getattr(item, "_fixtureinfo", None)
    scopes = {d[-1].scope for d in defs.name2fixturedefs.values()} if defs else set()
    if "module" in scopes:
        return item.module.__name__
    return None


def check_module_data(items) -> None:
    """A module that shares written data among its tests (demo_helpers.module_transaction) holds
    only tests that take it: any other test of the module would run inside that data."""
    modules: dict = {}
    for item in items:
        uses = bool(set(item.fixturenames) & MODULE_DATA_FIXTURES)
        modules.setdefault(item.module.__name__, set()).add(uses)
    mixed = sorted(name for name, uses in modules.items() if uses == {True, False})
    if mixed:
        raise pytest.UsageError(
            f"{', '.join(mixed)}: every test of a module using {sorted(MODULE_DATA_FIXTURES)} "
            "must take it (tests/demo_helpers.py, module_transaction)"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    check_module_data(items)
    for item in items:
        if group := xdist_group_of(item):
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_runtest_setup(item):
    """Under `--dist loadgroup` an xdist worker gives each grouped test the id `…@group`, and the
    scheduler keeps the tests of one suffix on one worker. When the suffix does not take (pytest
    9.2 with pytest-xdist 3.8: pytest-xdist#1386) the groups split without a word, and tests that
    share the broker run at once on two workers: one test's Celery workers took the other's sweep.
    A broker test then errors with the reason instead (other groups only cost time when split)."""
    if not getattr(item.config.option, "loadgroup", False):  # set on xdist workers only
        return
    groups = {
        m.args[0] if m.args else m.kwargs.get("name") for m in item.iter_markers("xdist_group")
    }
    # the scheduler's own test for a suffix (xdist.scheduler.loadgroup, `_split_scope`)
    if "broker" in groups and not item.nodeid.rfind("@") > item.nodeid.rfind("]"):
        pytest.fail(
            f"--dist loadgroup does not group here: {item.nodeid} has no @broker suffix, so "
            "another worker may use the broker at the same time (pytest-xdist#1386 on pytest "
            "9.2; pyproject.toml keeps pytest below 9.2)",
            pytrace=False,
        )


AS_OF = "PARTYFLOW_TEST_TODAY"


def as_of_instant(value: str) -> dt.datetime:
    """`2027-01-31` (10:00 China Standard Time that day) or `2027-01-31T23:30` (that time, CST)."""
    when = dt.datetime.fromisoformat(value)
    if "T" not in value and " " not in value:
        when = when.replace(hour=10)
    return when if when.tzinfo else when.replace(tzinfo=CST)


@pytest.fixture(autouse=True, scope="session")
def _as_of():
    """The whole run "as of" another day: PARTYFLOW_TEST_TODAY=2027-01-31 moves the clock of this
    process (engine.calendar.today/now, timezone.now, the live server's threads) to that day at
    10:00 CST, ticking from there; a test's own time_machine.travel still moves it further and
    back. Test-only (production reads no such variable). Not moved: PostgreSQL's own clock, the
    browser's JavaScript clock and programs a test starts (gunicorn, Celery workers): docs/testing.md."""
    value = os.environ.get(AS_OF)
    if not value:
        yield None
        return
    with time_machine.travel(as_of_instant(value), tick=True):
        yield as_of_instant(value)


@pytest.fixture(autouse=True)
def _clear_cache():
    """The token throttle counts in Django's cache: each test starts with no requests counted."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site language (zh-hans): a request in English, or a test that
    activates English, must not leave later tests reading English messages."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_spec_cache():
    """Specs are cached per version in-process; each test has its own database."""

    loader._SPEC_CACHE.clear()
    yield


@pytest.fixture
def deployed(db):
    return process_deploy()


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api():
    return client_for


@pytest.fixture
def university(db, deployed):
    """A school committee with its organization department, a college committee with approval
    authority, branch A (9 full members, one probationary, one with suspended rights) and branch B."""
    school = OrganizationFactory(
        name="某大学党委", kind=OrgKind.COMMITTEE, has_approval_authority=True
    )
    college = OrganizationFactory(
        name="计算机学院党委", kind=OrgKind.COMMITTEE, parent=school, has_approval_authority=True
    )
    branch_a = OrganizationFactory(
        name="软件工程教工党支部",
        kind=OrgKind.BRANCH,
        parent=college,
        term_start=dt.date(2024, 1, 10),
        term_end=dt.date(2027, 1, 10),
    )
    branch_b = OrganizationFactory(
        name="计算机学生第一党支部",
        kind=OrgKind.BRANCH,
        parent=college,
        branch_kind="student",
        term_start=dt.date(2024, 3, 1),
        term_end=dt.date(2027, 3, 1),
    )
    users = SimpleNamespace(
        sec_a=UserFactory(username="sec_a"),
        sec_b=UserFactory(username="sec_b"),
        committee_a=UserFactory(username="committee_a"),
        officer=UserFactory(username="officer"),
        orgdept=UserFactory(username="orgdept"),
        auditor=UserFactory(username="auditor"),
        member_a=UserFactory(username="member_a"),
    )
    full_a = [MemberFactory(organization=branch_a, name=f"甲{i}") for i in range(9)]
    member_update(actor=None, member=full_a[0], user=users.sec_a)
    member_update(actor=None, member=full_a[1], user=users.committee_a)
    member_update(actor=None, member=full_a[8], user=users.member_a)
    probationary = MemberFactory(
        organization=branch_a, name="预备乙", status=MemberStatus.PROBATIONARY
    )
    suspended = MemberFactory(
        organization=branch_a,
        name="停权丙",
        rights_suspended=True,
        suspension_reason="留党察看期间",
    )
    full_b = [MemberFactory(organization=branch_b, name=f"丁{i}") for i in range(5)]
    role_assignment_create(
        actor=None,
        user=users.sec_a,
        role=Role.BRANCH_SECRETARY,
        organization=branch_a,
        term_start=dt.date(2024, 1, 10),
    )
    role_assignment_create(
        actor=None,
        user=users.committee_a,
        role=Role.BRANCH_COMMITTEE,
        organization=branch_a,
        term_start=dt.date(2024, 1, 10),
    )
    role_assignment_create(
        actor=None, user=users.sec_b, role=Role.BRANCH_SECRETARY, organization=branch_b
    )
    role_assignment_create(
        actor=None, user=users.officer, role=Role.COMMITTEE_OFFICER, organization=college
    )
    role_assignment_create(
        actor=None, user=users.orgdept, role=Role.ORG_DEPARTMENT, organization=school
    )
    role_assignment_create(actor=None, user=users.auditor, role=Role.AUDITOR, organization=college)
    role_assignment_create(actor=None, user=users.member_a, role=Role.MEMBER, organization=branch_a)
    return SimpleNamespace(
        school=school,
        college=college,
        branch_a=branch_a,
        branch_b=branch_b,
        users=users,
        full_a=full_a,
        probationary=probationary,
        suspended=suspended,
        full_b=full_b,
    )
