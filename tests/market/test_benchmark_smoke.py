"""benchmarks/market.py --quick runs end to end and prints its table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_market_benchmark_runs_quick() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "market.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "synthetic events, sqlite" in out
    for phase in ("import (check + write)", "report figures", "HTML with SVG charts", "PDF"):
        assert phase in out
    assert "full report (figures + HTML + PDF)" in out
    assert "report 2024:" in out
