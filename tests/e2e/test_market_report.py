"""The HTML report in a real browser (Debian's Chromium through Playwright): the charts draw,
the page fits a phone, nothing errors. The report is built from the compiled report data."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from chanrong.market import service
from chanrong.market.report import render_html
from chanrong.storage import migrate
from chanrong.storage.database import Database
from tests.market.builders import load_report_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("market-browser")
    url = f"sqlite:///{tmp / 'm.db'}"
    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            load_report_data(s)
        with db.unit_of_work() as s:
            report = service.market_report(s, 2019)
    finally:
        db.dispose()
    page = tmp / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page


def test_the_report_draws_its_charts_and_fits_a_phone(report_page: Path, browser: Browser) -> None:
    # The console's session browser: a second sync Playwright in one worker cannot start.
    errors: list[str] = []
    for viewport in ({"width": 1366, "height": 768}, {"width": 390, "height": 844}):
        page = browser.new_page(viewport=viewport)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report_page.as_uri())
        charts = page.locator("figure svg")
        assert charts.count() == 11
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100
            # Never wider than the screen: the charts scale down on a phone.
            assert box["width"] <= viewport["width"]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert page.locator('[data-figure="events"]').inner_text() == "752 起"
        # The investor chart names the most active investors of 2019.
        assert "深创投" in charts.nth(8).inner_html()
        page.close()
    assert errors == []
