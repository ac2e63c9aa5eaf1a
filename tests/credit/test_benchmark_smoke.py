"""The model benchmark runs end to end on its smallest setting and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chanrong.core.errors import DataUnavailable
from chanrong.core.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]


def test_credit_models_quick_prints_every_model() -> None:
    try:
        get_settings().shared_data_path("credit")
    except DataUnavailable:
        pytest.skip("shared credit data sets are not on this machine")
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "credit_models.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    for model in ("champion", "challenger", "optbinning", "toad"):
        assert model in run.stdout
    assert "statlog_australian: champion AUC" in run.stdout
