"""A bank officer opens a telemetry alert's evidence in Chromium: its charts are drawn."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from chanrong.lending.alerts import raise_alert
from chanrong.lending.repository import LendingRepository
from chanrong.lending.telemetry_detectors import detect_slowdown
from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.lending.builders import active_loan, principal, product
from tests.lending.test_telemetry_detectors import series, slump, steady

pytestmark = pytest.mark.browser


def test_the_evidence_of_a_telemetry_alert_opens_with_its_charts(
    desktop: Console, live_server: LiveServer
) -> None:
    values = steady()
    slump(values, date(2025, 1, 6), 97, hours=0.75, util=0.96, epu=1.08)
    reads = [{"dataset": "telemetry.equipment", "log_index": 3, "leaf_hash": "ab"}]
    found = detect_slowdown(series(values), as_of=date(2025, 2, 20), reads=reads)
    assert found is not None
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
        bank, ent = (
            principal(s, park["bank"]["officer"]),
            principal(s, park["enterprise"]["officer"]),
        )
        loan_id = active_loan(s, bank, ent, prod=product(s, bank), start=date(2024, 10, 10)).id
        loan = LendingRepository(s).loan(loan_id)
        assert loan is not None
        alert = raise_alert(
            s, loan, found.kind, found.severity, found.params, found.evidence, date(2025, 2, 20)
        )
        alert_id = alert.id
    desktop.sign_in(park["bank"]["officer"].key)
    page = desktop.go("/console/bank/loans")
    row = page.locator(f'[data-evidence="{alert_id}"]')
    row.get_by_text("依据").click()
    chart = page.locator(f"#alert-{alert_id}-running_hours")
    expect(chart).to_be_visible()
    expect(chart.locator("svg")).to_have_count(1)
    width = chart.evaluate("el => el.querySelector('svg').getBoundingClientRect().width")
    assert width > 200  # fitted to its box when the details opened, not drawn at zero size
    expect(row.get_by_role("link", name="可验证日志第 3 条")).to_have_attribute(
        "href", "/console/log/3"
    )
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("alert-evidence")
