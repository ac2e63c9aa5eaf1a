"""The credit benchmarks run end to end on their smallest setting and print their tables."""

from __future__ import annotations

import re

import pytest

from chanrong.core.errors import DataUnavailable
from chanrong.core.settings import get_settings
from tests.benchmark_run import run_benchmark


def test_credit_models_quick_prints_every_model() -> None:
    try:
        get_settings().shared_data_path("credit")
    except DataUnavailable:
        pytest.skip("shared credit data sets are not on this machine")
    out = run_benchmark("credit_models.py", "--quick")
    for model in ("champion", "challenger", "optbinning", "toad"):
        assert model in out
    assert "statlog_australian: champion AUC" in out


def test_decisions_quick_drives_the_served_route_without_errors() -> None:
    out = run_benchmark("decisions.py", "--quick")
    assert "POST /credit/applications" in out
    # One run of 150 requests (50/s for 3 s), none failed (any shed past capacity, 503 with
    # Retry-After on a starved machine, is counted apart).
    assert re.search(r"│\s+1\s+│\s+150\s+│\s+0\s+│", out), out
    assert "JSON scorecard table (chanrong)" in out
