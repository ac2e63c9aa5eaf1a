"""``chanrong assets …`` on a database with a pool in margin shortfall."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import Settings, get_settings
from chanrong.storage.database import Database
from tests.assets.scenario import margin_story
from tests.builders import Park

runner = CliRunner()


def test_cli_register_revalue_report_and_check(
    app_client: TestClient,
    db: Database,
    park: Park,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    story = margin_story(app_client, db, park, settings)
    monkeypatch.setenv("CHANRONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        r = runner.invoke(
            app, ["assets", "register", "--org", park["enterprise"]["officer"].org_id]
        )
        assert r.exit_code == 0, r.output
        assert "business.orders" in r.output and "80.00" in r.output
        r = runner.invoke(
            app, ["assets", "revalue", "--as-of", "2026-07-02", "--pool", story.pool_id]
        )
        assert r.exit_code == 0, r.output
        assert story.pool_id in r.output  # the open alert stays open: no new one is raised
        r = runner.invoke(
            app, ["assets", "report", story.valuation_id, "--out", str(tmp_path / "r")]
        )
        assert r.exit_code == 0, r.output
        assert (tmp_path / "r" / f"valuation-{story.valuation_id}.pdf").read_bytes()[:4] == b"%PDF"
        assert (
            "资产评估报告" in (tmp_path / "r" / f"valuation-{story.valuation_id}.html").read_text()
        )
        r = runner.invoke(app, ["assets", "check-number", "invention_patent", "201710601862.4"])
        assert r.exit_code != 0 and "should be 3" in r.output
    finally:
        get_settings.cache_clear()


def test_cli_trends_runs_the_monthly_rule(
    db: Database, park: Park, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``chanrong assets trends --month`` runs what the monthly job runs: after the worker's
    April trend run raised the falling pool's alert, running April again raises nothing, and a
    bad month is refused naming the option."""
    from tests.assets.trend_scenario import trend_story

    story = trend_story(db, park, settings)
    monkeypatch.setenv("CHANRONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        r = runner.invoke(app, ["assets", "trends", "--month", "2026-04"])
        assert r.exit_code == 0, r.output
        assert story.pool_id in r.output and "0.650000" in r.output
        assert "6/6 pool(s) read, seasonal factor 1.000000, 0 trend alert(s) raised" in r.output
        bad = runner.invoke(app, ["assets", "trends", "--month", "2026-4-1"])
        assert bad.exit_code != 0 and "month" in bad.output
    finally:
        get_settings.cache_clear()
