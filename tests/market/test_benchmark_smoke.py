"""benchmarks/market.py --quick runs end to end and prints its table."""

from __future__ import annotations

from tests.benchmark_run import run_benchmark


def test_the_market_benchmark_runs_quick() -> None:
    out = run_benchmark("market.py", "--quick")
    assert "synthetic events, sqlite" in out
    for phase in ("import (check + write)", "report figures", "HTML with SVG charts", "PDF"):
        assert phase in out
    assert "full report (figures + HTML + PDF)" in out
    assert "report 2024:" in out
