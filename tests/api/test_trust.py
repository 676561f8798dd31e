"""Hostile input and personal data: the token endpoint is throttled, identity and phone numbers are
masked for every role except the organization department (and the member themself), BPMN deployment
is an operator command only."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from organizations.models import Member
from workflows.services import case_start

from ..helpers import cst

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_rate_3():
    cache.clear()
    with override_settings(PARTYFLOW={**settings.PARTYFLOW, "TOKEN_RATE": "3/hour"}):
        yield
    cache.clear()


def test_the_token_endpoint_is_throttled_per_client(client, university, token_rate_3):
    from rest_framework.test import APIClient

    c = APIClient()
    codes = [
        c.post(
            "/api/auth/token/", {"username": "sec_a", "password": "wrong"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 400]
    r = c.post("/api/auth/token/", {"username": "sec_a", "password": "pw-123456"}, format="json")
    assert r.status_code == 429 and r.json()["code"] == "throttled" and int(r["Retry-After"]) > 0
    # Another client address is counted apart; the account itself is locked after as many failures
    # (django-axes counts per account too, tests/web/test_production_guards.py).
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    r = other.post(
        "/api/auth/token/", {"username": "sec_a", "password": "pw-123456"}, format="json"
    )
    assert r.status_code == 429 and r.json()["code"] == "login_locked"
    r = other.post(
        "/api/auth/token/", {"username": "sec_b", "password": "pw-123456"}, format="json"
    )
    assert r.status_code == 200 and r.json()["token"]


@pytest.fixture
def member_with_pii(university):
    m = university.full_a[8]  # member_a's own record
    Member.objects.filter(pk=m.pk).update(id_number="110101199001011234", phone="13812345678")
    other = university.full_a[2]
    Member.objects.filter(pk=other.pk).update(id_number="11010119850505432X", phone="13900001111")
    return m, other


@pytest.mark.parametrize(
    "who, masked",
    [
        ("orgdept", False),
        ("sec_a", True),
        ("committee_a", True),
        ("officer", True),
        ("auditor", True),
    ],
)
def test_identity_and_phone_numbers_are_masked_except_for_the_organization_department(
    api, university, member_with_pii, who, masked
):
    _, other = member_with_pii
    body = api(getattr(university.users, who)).get(f"/api/members/{other.pk}/").json()
    if masked:
        assert (body["id_number"], body["phone"]) == ("110***********432X", "139****1111")
    else:
        assert (body["id_number"], body["phone"]) == ("11010119850505432X", "13900001111")
    listed = {
        m["id"]: m
        for m in api(getattr(university.users, who))
        .get("/api/members/", {"organization": university.branch_a.pk})
        .json()["results"]
    }
    assert listed[other.pk]["phone"] == body["phone"]


def test_a_member_sees_their_own_numbers(api, university, member_with_pii):
    own, _ = member_with_pii
    body = api(university.users.member_a).get(f"/api/members/{own.pk}/").json()
    assert (body["id_number"], body["phone"]) == ("110101199001011234", "13812345678")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_processes_cannot_be_deployed_or_changed_through_the_api(api, university, method):
    orgdept = api(university.users.orgdept)
    before = orgdept.get("/api/processes/").json()
    assert (
        getattr(orgdept, method)("/api/processes/", {"id": "x"}, format="json").status_code == 405
    )
    assert (
        getattr(orgdept, method)(
            "/api/processes/branch_election/", {"id": "x"}, format="json"
        ).status_code
        == 404
    )
    assert orgdept.get("/api/processes/").json() == before


def test_deleting_a_user_the_history_refers_to_is_refused_not_a_server_error(api, university):
    import time_machine

    with time_machine.travel(cst(2026, 7, 11, 9), tick=False):
        case_start(
            actor=university.users.sec_a,
            process_id="branch_election",
            organization=university.branch_a,
        )
    r = api(university.users.orgdept).delete(f"/api/users/{university.users.sec_a.pk}/")
    assert r.status_code == 409 and r.json()["code"] == "in_use"
    assert (
        api(university.users.orgdept).get(f"/api/users/{university.users.sec_a.pk}/").status_code
        == 200
    )
