"""``benchmarks/log.py --quick`` runs end to end and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_log_benchmark_quick_run_prints_its_table() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "log.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "verifiable log: 10,100 entries on sqlite" in out
    for measure in (
        "append, one per transaction",
        "inclusion proof, verify",
        "consistency proof, generate",
    ):
        assert measure in out
    assert "faster" in out
