"""The benchmark script runs end to end (its --quick smoke size) and prints its table."""

from __future__ import annotations

from tests.benchmark_run import run_benchmark


def test_benchmark_quick_prints_rate_and_memory() -> None:
    out = run_benchmark("simulate.py", "--quick")
    assert "readings/s" in out and "RSS peak MB" in out
    assert "ratio big / baseline" in out
    assert "20 ent x 1 mo" in out
