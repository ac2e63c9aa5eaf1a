"""``chanrong loans evaluate --loans``: the early warnings scored on the firms lent to."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


def test_loans_needs_simulated_seeds_and_refuses_a_written_park(tmp_path: Path) -> None:
    r = runner.invoke(app, ["loans", "evaluate", "--loans", "--park", str(tmp_path)])
    assert r.exit_code == 2 and "loans: give --seeds, not --park" in r.output, r.output
