"""The lending story's claim: the borrower's machines slow down and the worker's daily warning
arrives, with its evidence, before the loan falls behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from chanrong.core.settings import get_settings
from chanrong.demo.lending_story import WATCH_JOB, run_story
from chanrong.jobs import runs
from chanrong.simulate.config import ParkConfig
from chanrong.storage.database import Database
from chanrong.storage.migrate import upgrade

# Smaller than the demo's park, with one borrower whose warning comes while its loan runs.
PARK = ParkConfig(enterprises=40, months=20, interval_minutes=240, seed=41, deteriorating_share=0.5)


@pytest.mark.slow
def test_the_workers_daily_warning_comes_before_the_loan_falls_behind(var_dir: Path) -> None:
    settings = get_settings()
    upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        story = run_story(db, settings, config=PARK, days_after_delinquent=0)
        assert story.first_alert is not None and story.first_delinquent is not None
        # The first warning is the daily one, from the machines, orders and own payables…
        assert story.first_alert_kind == "daily_warning"
        assert story.first_alert.on < story.first_delinquent.on
        assert story.lead_days is not None and story.lead_days > 0
        # … raised by the worker's daily job, whose run is on record for that day.
        assert story.raised_by is not None and story.raised_by.startswith(WATCH_JOB)
        assert story.watch_runs > 30
        with db.unit_of_work() as s:
            run = runs.find(s, WATCH_JOB, story.first_alert.on.isoformat(), story.subject)
            assert run is not None and run.status == "succeeded"
        # Its evidence: the machines slowing down against their own seasonal baseline …
        ev = story.evidence
        assert ev["type"] == "daily" and ev["triggered"][-1] == story.first_alert.on.isoformat()
        hours = next(x for x in ev["signals"] if x["signal"] == "running_hours")
        assert hours["change"] is not None and hours["change"] < 0
        # … and every governed read behind it, each in the verifiable log.
        assert {r["dataset"] for r in ev["reads"]} == {
            "telemetry.energy",
            "telemetry.equipment",
            "business.orders",
            "business.payments",
            "business.invoices",
        }
        assert all(isinstance(r["log_index"], int) for r in ev["reads"])
    finally:
        db.dispose()
