"""The model benchmark runs end to end on its smallest setting and prints its table."""

from __future__ import annotations

import os
import re
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


def test_decisions_quick_drives_the_served_route_without_errors() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "decisions.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "POST /credit/applications" in run.stdout
    # One run of 150 requests (50/s for 3 s), every one answered 201.
    assert re.search(r"│\s+1\s+│\s+150\s+│\s+0\s+│", run.stdout), run.stdout
    assert "JSON scorecard table (chanrong)" in run.stdout
