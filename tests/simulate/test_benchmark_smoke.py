"""The benchmark script runs end to end (its --quick smoke size) and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_quick_prints_rate_and_memory() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "simulate.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "readings/s" in out and "RSS peak MB" in out
    assert "ratio big / baseline" in out
    assert "20 ent x 1 mo" in out
