"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium, never a
downloaded browser) against pytest-django's live_server on the test database.

Playwright's sync API runs an event loop in the main thread, which Django's async-safety check
takes for async code; DJANGO_ALLOW_ASYNC_UNSAFE is set for these tests only: the browser lives in
a module-scoped fixture that sets the variable, and stops the browser (and its loop) and restores
the variable when the module is done, so the rest of the suite runs with the check on."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from ..conftest import PASSWORD

CHROMIUM = os.environ.get("PARTYFLOW_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# How long a wait (a selector, a navigation, a download) may take before the test fails. On CI's
# loaded 2-core machine a page took 8 s and a meeting's PDF 17 s (over the 15 s this was): a wait
# only ends early when what it waits for is there, so a long limit costs a passing test nothing.
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def chromium(live_server):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()
        if old is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


class Person:
    """One person's browser window (own cookies), logged in through the login page."""

    def __init__(self, browser, base_url: str, username: str, password: str, width: int = 1440):
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="zh-CN", base_url=base_url
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []  # JavaScript errors, shown when a test fails
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.goto("/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit]")
        # each lands on the page of their most "office" role (web.selectors.landing)
        self.page.wait_for_url(lambda url: urlsplit(url).path != "/")

    def open_from_queue(self, step_name: str):
        """Find the step in 'my roles' queue' and open it."""
        self.page.goto("/inbox/?tab=queue")
        self.page.get_by_role("link", name=step_name).first.click()
        self.page.wait_for_selector("form.taskform")

    def submit(self, button: str = "提交"):
        """Submit the form and wait for the page the server answers with (the next step, the form
        with its errors): `wait_for_load_state` alone returns at once, on the page before."""
        follow(self.page, self.page.get_by_role("button", name=button, exact=True))

    def close(self):
        self.context.close()


def follow(page, target) -> None:
    """Click `target` (a locator or a selector) and wait until the page it leads to has loaded, so
    that what is read next is read from that page, never from the one before it. For a click that
    swaps part of a page (htmx), wait for a marker of the new part instead."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.click()


def shoot(page, name: str, element=None) -> Path:
    """`var/screenshots/{name}-{width}.png` of the whole page, or of `element` (a locator). The
    name is the test's own: two tests on two workers never write one file (not /tmp, which every
    run on the machine shares)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = SCREENSHOTS / f"{name}-{width}.png"
    if element is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        element.screenshot(path=str(path))
    return path


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def unlabeled_controls(page) -> list[str]:
    """Form controls a screen reader could not name: no <label> tied to them and no aria-label."""
    return page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
        .map(e => e.name || e.id || e.outerHTML.slice(0, 60))""")


@pytest.fixture
def people(chromium, live_server):
    """`people(username, width=1440)`: a browser window logged in as the test university's user,
    closed after the test."""
    opened = []

    def open_as(username, width=1440):
        p = Person(chromium, live_server.url, username, PASSWORD, width)
        opened.append(p)
        return p

    yield open_as
    for p in opened:
        p.close()
