"""``chanrong loans evaluate`` and ``chanrong loans demo``: lending on a simulated park."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_evaluate_prints_lead_time_and_false_alarms(var_dir: Path) -> None:
    out = _ok(
        ["loans", "evaluate", "--enterprises", "24", "--months", "14", "--deteriorating", "0.5"]
    )
    assert "false-alarm rate among healthy borrowers" in out
    assert "median months from first alert to default" in out


@pytest.mark.slow
def test_demo_shows_the_alert_before_the_delinquency(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    out = _ok(["loans", "demo"])
    lines = out.splitlines()
    first_alert = next(i for i, line in enumerate(lines) if "alert: output_drop" in line)
    delinquent = next(i for i, line in enumerate(lines) if "delinquent" in line)
    assert first_alert < delinquent
    assert "substandard" in out
    assert "days before the loan went delinquent" in out


def test_evaluate_names_what_a_park_directory_lacks(var_dir: Path, tmp_path: Path) -> None:
    park = tmp_path / "park"
    park.mkdir()
    r = runner.invoke(app, ["loans", "evaluate", "--park", str(park)])
    assert r.exit_code == 2, r.output
    assert "park:" in r.output and "enterprises.parquet" in r.output
    assert "truth/enterprises.parquet" in r.output and "Traceback" not in r.output
