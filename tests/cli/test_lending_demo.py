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


def test_evaluate_prints_lead_time_and_false_alarms_per_seed_and_over_seeds(
    var_dir: Path,
) -> None:
    args = ["loans", "evaluate", "--enterprises", "20", "--months", "13", "--deteriorating", "0.5"]
    out = _ok([*args, "--seeds", "21,22"])
    for words in ("monthly", "telemetry", "combined", "(reference)", "median lead", "alerted only"):
        assert words in out
    assert "over 2 park(s): 21, 22" in out
    assert "mean / worst" in out and "false alarms < 10%" in out
    assert "thresholds were chosen on" not in out
    # A training seed is flagged as such; a bad list is refused naming the option.
    assert "thresholds were chosen on" in _ok([*args, "--seeds", "101"])
    bad = runner.invoke(app, ["loans", "evaluate", "--seeds", "11,x"])
    assert bad.exit_code == 2 and "seeds:" in bad.output, bad.output


@pytest.mark.slow
def test_demo_shows_the_alert_before_the_delinquency(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    out = _ok(["loans", "demo"])
    lines = out.splitlines()
    # The worker's daily warning, from the machines slowing down, comes before the delinquency.
    first_alert = next(i for i, line in enumerate(lines) if "alert: daily_warning" in line)
    delinquent = next(i for i, line in enumerate(lines) if "delinquent" in line)
    assert first_alert < delinquent
    assert "raised by the worker's job: lending.watch" in out
    assert "running hours vs its seasonal baseline" in out and "telemetry.equipment #" in out
    assert "substandard" in out
    assert "days before the loan went delinquent" in out


def test_evaluate_names_what_a_park_directory_lacks(var_dir: Path, tmp_path: Path) -> None:
    park = tmp_path / "park"
    park.mkdir()
    r = runner.invoke(app, ["loans", "evaluate", "--park", str(park)])
    assert r.exit_code == 2, r.output
    assert "park:" in r.output and "enterprises.parquet" in r.output
    assert "truth/enterprises.parquet" in r.output and "Traceback" not in r.output


def test_evaluate_reads_a_park_directory_with_its_telemetry(var_dir: Path, tmp_path: Path) -> None:
    from chanrong.simulate import ParkConfig, write_park

    cfg = ParkConfig(enterprises=8, months=12, interval_minutes=240, seed=23)
    write_park(cfg.with_changes(deteriorating_share=0.5), tmp_path / "small-park")
    out = _ok(["loans", "evaluate", "--park", str(tmp_path / "small-park")])
    assert "over 1 park(s): small-park" in out
    assert "telemetry" in out and "combined" in out
    assert "(reference)" in out  # a written park has its hidden health: the reference row
