"""Browser tests: a real uvicorn server on loopback and Debian's Chromium driven by Playwright.

Each test gets its own migrated SQLite database and server; the browser is started once per
worker. Every page records console errors and uncaught exceptions; a test fails on any of them.
Screenshots land in ``test-artifacts/e2e/`` (gitignored; CI keeps them as artefacts).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.storage.database import Database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    db: Database
    settings: Settings


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The whole app (API + console) served by uvicorn on a free loopback port."""
    path = tmp_path / "e2e.db"
    shutil.copyfile(sqlite_template, path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        var_dir=tmp_path / "var",
        jwt_secret="e2e-secret-0123456789abcdef0123456789abcdef",
        # The test broker when one runs (leasing's lock and unlock go over MQTT).
        mqtt_port=int(os.environ.get("CHANRONG_TEST_MQTT_PORT") or 1883),
    )
    db = Database(settings.effective_database_url)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, db), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield LiveServer(url=f"http://127.0.0.1:{port}", db=db, settings=settings)
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh (make test does)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@dataclass
class Console:
    """A browser tab on the live server that remembers every console error."""

    page: Page
    base: str
    name: str
    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    shots: int = 0

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def shot(self, label: str) -> Path:
        """Save a full-page screenshot as a test artefact."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        out = ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(out), full_page=True)
        return out

    def allow(self, pattern: str) -> None:
        """Expect one kind of console message (e.g. the 401 of a deliberately failed sign-in)."""
        self.allowed.append(re.compile(pattern))

    def sign_in(self, api_key: str) -> None:
        self.go("/console/sign-in")
        self.page.get_by_label("API 密钥", exact=True).fill(api_key)
        self.page.locator("form:has(#api_key) button[type=submit]").click()
        self.page.wait_for_url(re.compile(r".*/console$"))

    def assert_clean(self) -> None:
        unexpected = [e for e in self.errors if not any(p.search(e) for p in self.allowed)]
        assert not unexpected, f"browser console errors: {unexpected}"

    def assert_labelled(self) -> None:
        """Every visible form control and chart has an accessible name."""
        unnamed = self.page.evaluate(
            """() => [...document.querySelectorAll(
                'input:not([type=hidden]), select, textarea, button, .chart')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.textContent.trim())
              .map(el => el.outerHTML.slice(0, 120))"""
        )
        assert not unnamed, f"controls without an accessible name: {unnamed}"

    def assert_fits_width(self) -> None:
        """Nothing overflows the viewport sideways (tables scroll inside their own box)."""
        self.page.wait_for_load_state("load")
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 1:
            wide = self.page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right
                    > document.documentElement.clientWidth + 1)
                  .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
            )
            raise AssertionError(f"{self.name}: page is {overflow}px too wide because of {wide}")


def _open(browser: Browser, server: LiveServer, name: str, viewport: dict[str, int]) -> Console:
    context = browser.new_context(viewport=viewport, locale="zh-CN")  # type: ignore[arg-type]
    page = context.new_page()
    console = Console(page=page, base=server.url, name=name)
    page.on(
        "console",
        lambda msg: console.errors.append(_describe(msg)) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_default_timeout(10_000)
    return console


def _describe(msg: ConsoleMessage) -> str:
    return f"{msg.text} @ {msg.location.get('url', '')}"


def _safe(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1])


@pytest.fixture
def desktop(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Console]:
    """A 1366×768 tab; fails the test on any browser console error."""
    console = _open(browser, live_server, _safe(request.node.nodeid) + "-desktop", DESKTOP)
    yield console
    console.page.context.close()
    console.assert_clean()


@pytest.fixture
def phone(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Console]:
    """A phone-width tab; fails the test on any browser console error."""
    console = _open(browser, live_server, _safe(request.node.nodeid) + "-phone", PHONE)
    yield console
    console.page.context.close()
    console.assert_clean()
