"""`chanrong demo` end to end on a fresh var directory, with the real broker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings


@pytest.mark.slow
def test_demo_builds_the_park_and_tells_every_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mqtt_port: int
) -> None:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHANRONG_MQTT_PORT", str(mqtt_port))
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--no-serve"])
    finally:
        get_settings.cache_clear()
    out = result.output
    assert result.exit_code == 0, out
    assert "park loaded: 30 enterprises" in out
    assert re.search(r"\d+ consent grants", out)
    assert out.count("firms graded") == 6
    assert "lock sent, device acknowledged; contract locked" in out
    assert "unlock sent, device acknowledged; contract active" in out
    assert "premium ¥" in out
    assert "已向 3 个持有人兑付 ¥1,000,000.00" in out
    assert "before the loan went delinquent" in out
    assert "2024 — 321 financing events" in out
    for role in ("operator", "bank", "insurer", "lessor", "analyst", "core enterprise"):
        assert role in out
    assert out.count("crk_") >= 8
    assert "/console/sign-in" in out
