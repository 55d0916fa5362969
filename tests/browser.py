"""Browser-test fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Use `signed_in_page(user)` to get a Playwright page already logged in as `user`. Screenshots go to
`test-artifacts/` (ignored by git) so a person can look at them.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = os.environ.get("OPENCXM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
]


class SerialWSGIServer(ThreadedWSGIServer):
    """The live server, answering one request at a time.

    On SQLite the test database lives in memory and every thread of the live server shares the test's
    one connection. Two requests at once (a page's notification poll beside a form's submit) then
    interleave their statements on that connection, and a query can read another's rows: CI once saw
    `User.objects.get(pk=…)` return two users. Browsers still open several connections; only the
    requests' work is serialised, so no connection waits for another to close.
    """

    lock = threading.Lock()

    def set_app(self, application):
        def serial(environ, start_response):
            with self.lock:
                result = application(environ, start_response)
                try:
                    body = b"".join(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()
            return [body]

        super().set_app(serial)


LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; browser tests must run in CI")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def signed_in_page(chromium, live_server, transactional_db):
    contexts = []

    def open_page(user, language="de"):
        context = chromium.new_context(locale=language, viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.csp_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.csp_errors.append(msg.text))
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", "correct-horse-battery")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.base_url = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
