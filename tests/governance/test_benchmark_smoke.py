"""``benchmarks/log.py --quick`` runs end to end and prints its table."""

from __future__ import annotations

from tests.benchmark_run import run_benchmark


def test_log_benchmark_quick_run_prints_its_table() -> None:
    out = run_benchmark("log.py", "--quick")
    assert "verifiable log: 10,100 entries on sqlite" in out
    for measure in (
        "append, one per transaction",
        "inclusion proof, verify",
        "consistency proof, generate",
    ):
        assert measure in out
    assert "faster" in out
