"""``chanrong credit evaluate`` and ``benchmarks/credit_live.py``: live decisions measured
against the simulator's truth."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.demo.credit_evaluation import aggregate, plan
from chanrong.simulate import preset, write_park
from tests.benchmark_run import run_benchmark


def test_the_plan_keeps_every_label_before_the_decision_date() -> None:
    train, test, decide_on = plan(date(2024, 1, 1), 24, 180)
    assert train == [date(2024, 7, 1), date(2024, 9, 1), date(2024, 11, 1)]
    assert test == [date(2025, 1, 1)]
    assert decide_on == date(2025, 7, 1)
    # The test date's 180-day labels end before the decision; the decision's inside the park.
    assert (decide_on - test[-1]).days >= 180
    assert (date(2026, 1, 1) - decide_on).days >= 180


def test_the_plan_refuses_a_park_too_short() -> None:
    with pytest.raises(Exception, match="too few"):
        plan(date(2024, 1, 1), 12, 180)


def test_worst_is_the_lowest_or_the_highest_as_asked() -> None:
    assert aggregate([0.9, 0.8, float("nan")]).worst == 0.8
    assert aggregate([0.1, 0.3], higher_is_better=False).worst == 0.3
    assert aggregate([0.1, 0.3]).mean == pytest.approx(0.2)


def test_evaluate_refuses_a_small_park_naming_it(tmp_path: Path) -> None:
    write_park(preset("tiny"), tmp_path / "tiny")
    result = CliRunner().invoke(app, ["credit", "evaluate", "--park", str(tmp_path / "tiny")])
    assert result.exit_code != 0
    assert "park: 12 firms; the evaluation needs at least 300" in result.output


def test_evaluate_wants_a_park_or_seeds() -> None:
    result = CliRunner().invoke(app, ["credit", "evaluate"])
    assert result.exit_code != 0
    assert "either --park DIR or --seeds" in result.output


@pytest.mark.slow
def test_credit_live_quick_measures_decisions_well_above_chance() -> None:
    out = run_benchmark("credit_live.py", "--quick", timeout=1200)
    assert "live decisions against the simulator's truth" in out
    row = re.search(
        r"park-80x24-720min-0.3-seed-1\s+│\s+2025-07-01\s+│\s+(\d+)\s+│\s+(\d+)\s+│"
        r"\s+([\d.]+)",
        out,
    )
    assert row, out
    firms, defaults, auc = int(row[1]), int(row[2]), float(row[3])
    assert firms > 40 and defaults > 0
    assert auc > 0.7, out
