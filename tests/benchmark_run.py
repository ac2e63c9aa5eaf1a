"""Running a benchmark script end to end, as the smoke tests of ``benchmarks/`` do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, *args: str, timeout: float = 300) -> str:
    """Run ``benchmarks/<script>`` with ``args`` in a fresh interpreter from the repository
    root and return what it printed; the test fails with the script's stderr if it fails.

    The script sees the environment without the test run's ``CHANRONG_*`` settings (it makes
    its own), except where the shared data sets are, and a console wide enough for its tables.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CHANRONG_") or k == "CHANRONG_SHARED_DATA"
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**env, "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
