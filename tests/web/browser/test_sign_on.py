"""Campus sign-on in Chromium against real servers the tests start (issue 30): a CAS 3.0 server
(django-cas-server) and OpenLDAP's slapd (tests/sso_servers.py). The CAS user and the LDAP uid are
the 学工号 of a member; an identity with no member gets the page that says so; logging out of
partyflow ends the CAS session. Screenshots: var/screenshots/sso-*.png."""

import copy
from urllib.parse import urlsplit

import pytest

from organizations.services import member_update

from ...sso_servers import cas_server, ldap_server  # noqa: F401 (fixtures)
from .conftest import TIMEOUT_MS, follow, shoot

pytestmark = pytest.mark.django_db(transaction=True)

UNREGISTERED = "你的账号尚未在党务系统登记，请联系组织部"


@pytest.fixture
def registered(university):
    """sec_a's member record carries the campus 学工号 T2023001."""
    member = university.full_a[0]
    member_update(actor=None, member=member, staff_or_student_no="T2023001")
    return member


@pytest.fixture
def cas_on(settings, cas_server):  # noqa: F811
    settings.PARTYFLOW = {**settings.PARTYFLOW, "AUTH_METHODS": ["password", "cas"]}
    settings.CAS_SERVER_URL = cas_server.url
    # as the settings do for PARTYFLOW_CAS_SERVER_URL: the logout form may go on to the CAS server
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"].append(cas_server.url.rsplit("/cas/", 1)[0])
    settings.CONTENT_SECURITY_POLICY = csp
    return cas_server


@pytest.fixture
def ldap_on(settings, ldap_server):  # noqa: F811
    settings.PARTYFLOW = {**settings.PARTYFLOW, "AUTH_METHODS": ["ldap"]}
    settings.AUTH_LDAP_SERVER_URI = ldap_server.uri
    settings.AUTH_LDAP_USER_DN_TEMPLATE = ldap_server.user_dn
    return ldap_server


def window(chromium, live_server, width=1280):
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def cas_sign_in(page, username, password):
    page.goto("/")
    page.get_by_role("link", name="统一身份认证登录").click()
    page.wait_for_url(lambda url: "/cas/login" in url and "127.0.0.1" in url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()


def test_cas_sign_in_matches_the_member_by_staff_number_and_logout_ends_the_cas_session(
    chromium, live_server, cas_on, registered, university
):
    for width in (1280, 375):
        context, page = window(chromium, live_server, width)
        try:
            cas_sign_in(page, "T2023001", cas_on.people["T2023001"])
            # back at partyflow, signed in as sec_a: their inbox, their name in the top bar
            page.wait_for_url(lambda url: urlsplit(url).path == "/inbox/")
            assert urlsplit(page.url).hostname == urlsplit(live_server.url).hostname
            assert registered.name in page.inner_text("body")
            shoot(page, "sso-cas-inbox")
            page.locator("details.usermenu summary").click()
            page.get_by_role("button", name="退出登录").click()
            # out of partyflow, then out of the CAS server, which sends the browser back here
            home = urlsplit(live_server.url).netloc
            page.wait_for_url(
                lambda url: urlsplit(url).netloc == home and urlsplit(url).path == "/"
            )
            shoot(page, "sso-cas-logged-out")
            # the CAS session ended too: signing in again asks the CAS server for the password
            page.goto("/cas/login/")
            page.wait_for_url(lambda url: "/cas/login" in url and "127.0.0.1" in url)
            assert page.locator("#id_password").is_visible()
            page.goto("/inbox/")
            assert urlsplit(page.url).path == "/"  # and partyflow's session is gone
        finally:
            context.close()


def test_a_campus_user_with_no_member_gets_the_page_that_says_so(
    chromium, live_server, cas_on, registered
):
    from django.contrib.auth import get_user_model

    users_before = get_user_model().objects.count()
    context, page = window(chromium, live_server)
    try:
        cas_sign_in(page, "S2099999", cas_on.people["S2099999"])
        page.wait_for_selector("[data-testid=unregistered]")
        assert UNREGISTERED in page.inner_text("body")
        assert "S2099999" in page.inner_text("body")
        shoot(page, "sso-cas-unregistered")
        page.goto("/inbox/")
        assert urlsplit(page.url).path == "/"  # not signed in: no empty inbox
    finally:
        context.close()
    assert get_user_model().objects.count() == users_before  # no account was made


def test_ldap_sign_in_with_the_staff_number_and_the_directory_password(
    chromium, live_server, ldap_on, registered
):
    context, page = window(chromium, live_server)
    try:
        page.goto("/")
        page.fill("#id_username", "T2023001")
        page.fill("#id_password", "wrong-password")
        follow(page, "button[type=submit]")  # the login page again, with its alert
        assert urlsplit(page.url).path == "/" and page.locator("[role=alert]").is_visible()
        page.fill("#id_username", "T2023001")
        page.fill("#id_password", ldap_on.people["T2023001"])
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: urlsplit(url).path == "/inbox/")
        assert registered.name in page.inner_text("body")
        shoot(page, "sso-ldap-inbox")
    finally:
        context.close()


def test_ldap_user_with_no_member_gets_the_page_that_says_so(
    chromium, live_server, ldap_on, registered
):
    context, page = window(chromium, live_server, 375)
    try:
        page.goto("/")
        page.fill("#id_username", "S2099999")
        page.fill("#id_password", ldap_on.people["S2099999"])
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=unregistered]")
        assert UNREGISTERED in page.inner_text("body")
        shoot(page, "sso-ldap-unregistered")
    finally:
        context.close()
