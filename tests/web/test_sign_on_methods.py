"""Which login methods are on (PARTYFLOW["AUTH_METHODS"]) and the break-glass password login
(issue 30). The sign-on itself runs in Chromium against real servers: browser/test_sign_on.py."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from ..factories import UserFactory

PASSWORD = "pw-123456"  # tests.factories.UserFactory's


def log_in(username: str) -> Client:
    client = Client()
    response = client.post("/", {"username": username, "password": PASSWORD})
    client.landed = response.status_code == 302 and urlsplit(response["Location"]).path != "/"
    client.page = response.content.decode() if response.status_code == 200 else ""
    return client


@pytest.mark.django_db
def test_by_default_only_the_password_login_is_on():
    page = Client().get("/").content.decode()
    assert "统一身份认证登录" not in page
    assert Client().get("/cas/login/").status_code == 404
    UserFactory(username="plain")
    assert log_in("plain").landed


@pytest.mark.django_db
def test_with_cas_on_the_login_page_offers_it(settings):
    settings.PARTYFLOW = {**settings.PARTYFLOW, "AUTH_METHODS": ["password", "cas"]}
    settings.CAS_SERVER_URL = "https://cas.example.edu.cn/cas/"
    assert "统一身份认证登录" in Client().get("/").content.decode()
    to_cas = Client().get("/cas/login/")
    assert to_cas.status_code == 302
    assert to_cas["Location"].startswith("https://cas.example.edu.cn/cas/login?service=")


@pytest.mark.django_db
def test_without_the_password_method_only_break_glass_accounts_use_a_password(settings):
    settings.PARTYFLOW = {
        **settings.PARTYFLOW,
        "AUTH_METHODS": ["cas"],
        "BREAK_GLASS_USERS": ["orgdept_emergency"],
    }
    UserFactory(username="plain")
    UserFactory(username="root", is_superuser=True, is_staff=True)
    UserFactory(username="orgdept_emergency")
    refused = log_in("plain")
    assert not refused.landed
    assert 'role="alert"' in refused.page
    assert log_in("root").landed
    assert log_in("orgdept_emergency").landed
