"""Real pages in a real browser: the app served over HTTP by werkzeug on 127.0.0.1 (a free
port, a thread of the test process) on the test's own database (`db_url`: both backends),
driven by Playwright in Debian's headless chromium (/usr/bin/chromium, never a downloaded
browser; Playwright's launch gives each run a new temporary profile).

Without chromium, Playwright or the bpmn-js assets (`make assets`) the browser tests are
skipped on a workstation and FAIL under CI (CI=true or WSC_REQUIRE_POSTGRES=1), so a CI run
can never pass without having driven the pages. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api.context import get_system
from api_helpers import DEMO_PASSWORD, close_app, make_app
from engine_helpers import deploy_file

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("WSC_CHROMIUM", "/usr/bin/chromium"))
REPORTING = ROOT / "processes" / "punishment_reporting.bpmn"
VENDOR = ROOT / "api" / "static" / "vendor" / "bpmn-js"
REQUIRED = os.environ.get("CI", "").lower() in ("1", "true", "yes") or \
    os.environ.get("WSC_REQUIRE_POSTGRES", "0") == "1"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--lang=zh-CN",
]
TIMEOUT_MS = 15_000


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    if not (VENDOR / "bpmn-modeler.production.min.js").exists():
        return "bpmn-js is not in api/static/vendor: run `make assets` (part of `make test`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: `make install` installs it"
    return None


@pytest.fixture(scope="session")
def browser():
    problem = _missing()
    if problem:
        if REQUIRED:
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _forms_folder(folder: Path) -> Path:
    """The project's forms and annex document specs plus the browser tests' own forms
    (tests/browser/forms), in one folder: a test model may use a form no shipped model
    needs yet."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "forms", Path(__file__).resolve().parent / "forms"):
        for path in source.glob("*.json"):
            shutil.copyfile(path, folder / path.name)
    shutil.copytree(ROOT / "forms" / "documents", folder / "documents")
    return folder


class LiveServer:
    """The app on a real HTTP port, with the shipped reporting model deployed (only that
    one: the tests drive it, and no other model's state can break them)."""

    def __init__(self, db_url: str, forms_dir: Path):
        self.backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        self.app = make_app(db_url, forms_dir=forms_dir)
        self.system = get_system(self.app)
        deploy_file(self.system, REPORTING)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        close_app(self.app)


@pytest.fixture
def live(db_url, tmp_path):
    server = LiveServer(db_url, _forms_folder(tmp_path / "forms"))
    yield server
    server.close()


class Pages:
    """A browser tab on the live server, with log-in and screenshots."""

    def __init__(self, browser, live: LiveServer):
        self.live = live
        self.context = browser.new_context(viewport={"width": 1440, "height": 900},
                                           locale="zh-CN")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        # a refused request (the designer's 422, a 404 page) is logged too: not a JS error
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.console_errors.append(message.text)

    def go(self, path: str):
        return self.page.goto(self.live.url + path)

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector(".topbar")

    def log_out(self) -> None:
        self.page.click(".who button[type=submit]")
        self.page.wait_for_selector("#username")

    def shot(self, name: str) -> Path:
        """A full-page screenshot, test-artifacts/browser/<name>-<backend>.png."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{self.live.backend}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def pages(browser, live):
    tab = Pages(browser, live)
    yield tab
    tab.close()
    assert not tab.console_errors, f"JavaScript errors on the pages: {tab.console_errors}"
