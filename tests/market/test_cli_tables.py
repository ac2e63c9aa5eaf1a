"""``chanrong market import --map``, saved templates, batches and rollback from the shell."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from tests.market.builders import csv_bytes

runner = CliRunner()
ROWS = [
    ["2023-03-01", "甲智能", "A轮", "某资本"],
    ["2024-06-01", "乙软件", "B轮", "某资本"],
    ["2024-07-01", "丙装备", "B轮", "某资本"],
]


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


def test_map_template_batches_and_rollback(var_dir: Path, tmp_path: Path) -> None:
    _run(["db", "upgrade"])
    table = tmp_path / "deals.csv"
    table.write_bytes(csv_bytes(["date", "company", "round", "investor"], ROWS))
    refused = _run(["market", "import", "events", str(table)], code=2)
    assert "investor" in refused and "investors" in refused
    out = _run(["market", "import", "events", str(table), "--map", "investor=investors"])
    assert "3 new" in out
    batch = re.search(r"batch ([0-9a-f-]{36})", out)
    assert batch is not None
    profile = json.loads(_run(["market", "investor", "某资本"]))
    assert profile["by_year_round"] == {"2023": {"a": 1}, "2024": {"b": 2}}
    assert profile["amount_unknown"] == 3 and profile["average_known_deal_yuan"] is None
    assert batch.group(1) in _run(["market", "batches"])
    _run(["market", "rollback", batch.group(1)])
    assert "no market investor" in _run(["market", "investor", "某资本"], code=2)
    _run(["market", "save-template", "年报表", "events", "--map", "investor=investors"])
    again = _run(["market", "import", "events", str(table), "--template", "年报表"])
    assert "3 new" in again
    bad = _run(["market", "save-template", "坏", "events", "--map", "investor=investorz"], code=2)
    assert "did you mean investors" in bad
