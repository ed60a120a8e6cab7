"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Without it the tests are
skipped on a laptop and fail in CI (CI=true), where the browser is part of the contract.
"""
import os
from pathlib import Path

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
SCREENSHOT_DIR = Path(os.environ.get("SREDA_SCREENSHOT_DIR", "/tmp/sreda-screenshots"))


@pytest.fixture(scope="module", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread, while the test body and the database
    fixtures call Django's ORM synchronously: allow that, for the browser test modules only (module
    scope outlives the database fixtures' teardown). Not for the whole process: the variable would leak
    into everything else, e.g. `check --deploy` in a subprocess refuses it (async.E001)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ASYNC_UNSAFE, "true")
        yield


@pytest.fixture(scope="module")
def chromium(live_server):
    """Debian's Chromium, one per test module; the live server is started first and stopped last."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (make browser)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _new_page(chromium, live_server, **viewport):
    context = chromium.new_context(base_url=live_server.url, locale="ru-RU", timezone_id="Europe/Moscow",
                                   viewport=viewport or {"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser tab (own cookies) pointed at the live server, desktop width."""
    context, page = _new_page(chromium, live_server)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server):
    """A tab at phone width, 375×800."""
    context, page = _new_page(chromium, live_server, width=375, height=800)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
